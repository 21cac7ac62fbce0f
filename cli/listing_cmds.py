"""The listings: ``requests``, ``messages``, ``customers``, ``outbox`` and ``marketing-list``.

With ``--json`` each prints a JSON array whose field names are a contract (README); without,
a table for people.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal

from cli.context import Context
from cli.table import Cell, Column, render
from store import listings
from store.clock import parse_instant
from store.i18n import code_text, format_date, format_datetime, format_datetime_compact, translate
from store.models import database

Columns = Sequence[Column | tuple[str, str]]  # a Column, or (field, catalog key of its heading)

# Each listing's columns, and the order they are left out in when the terminal is too
# narrow (``drop``: 1 first; 0 never; README, Commands).  At 80 columns every listing fits
# one line a row for the usual values.
LISTINGS: dict[str, tuple[Callable[[], list[dict[str, Any]]], list[Column], str]] = {
    "requests": (
        listings.requests,
        [
            Column("reference", "col.reference", kind="fixed"),
            Column("kind", "col.kind", codes="kind", short="tui.kind_short"),
            Column("status", "col.status", codes="status", short="tui.status_short"),
            Column("requester_email", "col.requester", drop=2, kind="clip", personal=True),
            Column("customer_no", "col.customer_no", drop=1, kind="fixed"),
            Column("due_at", "col.due", kind="fixed"),
        ],
        "list requests",
    ),
    "messages": (
        listings.messages,
        [
            Column("received_at", "col.received", drop=3, kind="fixed"),
            Column("disposition", "col.disposition", codes="message.disposition"),
            Column("reason", "col.reason", codes="message.reason"),
            Column("request", "col.reference", drop=2, kind="fixed"),
            Column("from", "col.from", drop=1, kind="clip", personal=True),
        ],
        "list inbound messages and their dispositions",
    ),
    "customers": (
        listings.customers,
        [
            Column("customer_no", "col.customer_no", kind="fixed"),
            Column("name", "col.name", personal=True),
            Column("email", "col.email", drop=2, kind="clip", personal=True),
            Column("phone", "col.phone", drop=3, kind="fixed", personal=True),
            Column("sources", "col.sources", drop=1, codes="tui.source"),
        ],
        "list customers",
    ),
    "outbox": (
        listings.outbox,
        [
            Column("created_at", "col.created", drop=4, kind="fixed"),
            Column(
                "status", "col.status", codes="package.outbox_status", short="cli.outbox_status"
            ),
            Column("to", "col.to", kind="clip", personal=True),
            # A subject on one line: it is how a mail is told apart from the next.
            Column("subject", "col.subject", want=48),
            Column("attempts", "col.attempts", drop=2, kind="fixed", align="right"),
            Column("last_error", "col.last_error", drop=3),
            Column("message_id", "col.message_id", drop=1, kind="clip"),
        ],
        "list outgoing mail",
    ),
}

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
            print_table(context, rows, columns)
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
                Column("customer_no", "col.customer_no", kind="fixed"),
                Column("name", "col.name", personal=True),
                Column("email", "col.email", kind="clip", personal=True),
                Column("language", "col.language", drop=1, codes="package.language"),
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


ADDRESSES = {"email", "to", "from", "requester_email", "message_id", "contact_email"}
"""Fields that are cut with an ellipsis, never wrapped, when a column has no spec."""


def _column(spec: Column | tuple[str, str], codes: Mapping[str, str]) -> Column:
    if isinstance(spec, Column):
        return spec
    field, heading = spec
    kind: Literal["wrap", "clip", "fixed"] = "wrap"
    if field in ADDRESSES:
        kind = "clip"
    elif field.endswith("_at") or field in ("id", "customer_no", "reference"):
        kind = "fixed"
    return Column(field, heading, kind=kind, codes=codes.get(field))


def print_table(
    context: Context,
    rows: list[dict[str, Any]],
    columns: Columns,
    codes: Mapping[str, str] | None = None,
) -> None:
    """A table for people at the terminal's width (:mod:`cli.table`), then the number of
    rows, both on stdout.  ``codes`` names the fields whose codes are shown in words (field
    -> catalog prefix, :func:`store.i18n.code_text`) for columns given as (field, heading);
    without a stated order, the rightmost column is left out first when it is too wide."""
    specs = [_column(spec, codes or {}) for spec in columns]
    if not any(spec.drop for spec in specs):
        specs = [replace(spec, drop=len(specs) - n) if n else spec for n, spec in enumerate(specs)]
    language = context.language
    cells = [[_cell(spec, row, language) for spec in specs] for row in rows]
    lines = render(
        specs,
        [context.t(spec.heading) for spec in specs],
        cells,
        emphasise=sys.stdout.isatty(),
    )
    print("\n".join(lines))
    print(context.t("cli.rows", count=len(rows)))


def _cell(column: Column, row: Mapping[str, Any], language: str) -> Cell:
    value = row.get(column.field)
    if column.personal and not value and row.get("erased"):
        return Cell(translate("cli.erased", language))
    if column.personal and value == "" and column.field == "to":  # the mail was redacted
        return Cell(translate("cli.erased", language))
    return Cell(
        _text(column.field, value, column.codes, language),
        _text(column.field, value, column.short, language, short=True)
        if column.short or column.field.endswith("_at")
        else None,
    )


def _text(
    field: str, value: Any, code_prefix: str | None, language: str, short: bool = False
) -> str:
    if value is None:
        return "–"
    if isinstance(value, list):
        return ", ".join(_text(field, item, code_prefix, language, short) for item in value)
    if isinstance(value, bool):
        return translate("tui.yes" if value else "tui.no", language)
    if code_prefix:
        return code_text(code_prefix, str(value), language)
    if field == "due_at":  # a deadline is a day: the end of it in Finland
        return format_date(parse_instant(value), language)
    if field.endswith("_at"):
        moment = parse_instant(value)
        return (
            format_datetime_compact(moment, language)
            if short
            else format_datetime(moment, language)
        )
    return str(value)
