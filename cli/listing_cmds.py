"""The listings: ``requests``, ``messages``, ``customers``, ``outbox`` and ``marketing-list``.

With ``--json`` each prints a JSON array whose field names are a contract (README); without,
a table for people.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from typing import Any

from cli.context import Context
from store import listings
from store.clock import parse_instant
from store.i18n import code_text, format_date, format_datetime, translate
from store.models import database

Columns = list[tuple[str, str]]  # (field, catalog key of its heading)

LISTINGS: dict[str, tuple[Callable[[], list[dict[str, Any]]], Columns, str]] = {
    "requests": (
        listings.requests,
        [
            ("reference", "col.reference"),
            ("kind", "col.kind"),
            ("status", "col.status"),
            ("requester_email", "col.requester"),
            ("customer_no", "col.customer_no"),
            ("due_at", "col.due"),
        ],
        "list requests",
    ),
    "messages": (
        listings.messages,
        [
            ("received_at", "col.received"),
            ("disposition", "col.disposition"),
            ("reason", "col.reason"),
            ("request", "col.reference"),
            ("from", "col.from"),
        ],
        "list inbound messages and their dispositions",
    ),
    "customers": (
        listings.customers,
        [
            ("customer_no", "col.customer_no"),
            ("name", "col.name"),
            ("email", "col.email"),
            ("phone", "col.phone"),
            ("sources", "col.sources"),
        ],
        "list customers",
    ),
    "outbox": (
        listings.outbox,
        [
            ("created_at", "col.created"),
            ("status", "col.status"),
            ("to", "col.to"),
            ("subject", "col.subject"),
            ("attempts", "col.attempts"),
            ("last_error", "col.last_error"),
            ("message_id", "col.message_id"),
        ],
        "list outgoing mail",
    ),
}

CODES: dict[str, dict[str, str]] = {
    "requests": {"kind": "kind", "status": "status"},
    "messages": {"disposition": "message.disposition", "reason": "message.reason"},
    "outbox": {"status": "package.outbox_status"},
    "customers": {"sources": "tui.source"},
}
"""Columns of codes shown in words in the table (field -> catalog prefix); --json keeps the
codes."""

ACTIONS: dict[str, argparse._SubParsersAction] = {}
"""Each listing group's actions, so another command module can add one (``messages
reprocess``); register those modules after this one."""


def register(commands: argparse._SubParsersAction) -> None:
    for name, (_, _, help_text) in LISTINGS.items():
        group = commands.add_parser(name)
        actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
        ACTIONS[name] = actions
        listing = actions.add_parser("list", help=help_text)
        listing.add_argument("--json", action="store_true", help="print a JSON array")
        listing.set_defaults(handler=_runner(name))
    marketing = commands.add_parser("marketing-list")
    marketing.add_argument("--json", action="store_true", help="print a JSON array")
    marketing.set_defaults(handler=_run_marketing_list)


def _runner(name: str) -> Callable[[Context, argparse.Namespace], int]:
    fetch, columns, _ = LISTINGS[name]

    def run(context: Context, args: argparse.Namespace) -> int:
        context.open_db()
        rows = fetch()
        _record_look(context, name, rows, args)
        if args.json:
            context.print_json(rows)
        else:
            print_table(context, rows, columns, codes=CODES.get(name))
        return 0

    return run


def _run_marketing_list(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    rows = listings.marketing_list()
    _record_look(context, "marketing-list", rows, args)
    if args.json:
        context.print_json(rows)
    else:
        print_table(
            context,
            rows,
            [
                ("customer_no", "col.customer_no"),
                ("name", "col.name"),
                ("email", "col.email"),
                ("language", "col.language"),
            ],
        )
    return 0


def _record_look(
    context: Context, listing: str, rows: list[dict[str, Any]], args: argparse.Namespace
) -> None:
    with database.atomic():
        listings.record_look(
            listing, context.actor, rows=len(rows), output="json" if args.json else "table"
        )


def print_table(
    context: Context,
    rows: list[dict[str, Any]],
    columns: Columns,
    codes: Mapping[str, str] | None = None,
) -> None:
    """A table for people; ``codes`` names the fields whose codes are shown in words
    (field -> catalog prefix, :func:`store.i18n.code_text`)."""
    from rich.console import Console
    from rich.table import Table

    codes = codes or {}
    table = Table(box=None, pad_edge=False)
    for _, heading in columns:
        table.add_column(context.t(heading), overflow="fold")
    for row in rows:
        table.add_row(
            *(
                _cell(field, row.get(field), codes.get(field), context.language)
                for field, _ in columns
            )
        )
    Console().print(table)
    context.say("cli.rows", count=len(rows))


def _cell(field: str, value: Any, code_prefix: str | None, language: str) -> str:
    if value is None:
        return "–"
    if isinstance(value, list):
        return ", ".join(_cell(field, item, code_prefix, language) for item in value)
    if isinstance(value, bool):
        return translate("tui.yes" if value else "tui.no", language)
    if code_prefix:
        return code_text(code_prefix, str(value), language)
    if field == "due_at":  # a deadline is a day: the end of it in Finland
        return format_date(parse_instant(value), language)
    if field.endswith("_at"):
        return format_datetime(parse_instant(value), language)
    return str(value)
