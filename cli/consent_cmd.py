"""``rekisteri consent give|withdraw|show CUSTOMER_NO``: staff record a consent given or
withdrawn (by phone, at the box office) in the same ledger every other channel writes."""

from __future__ import annotations

import argparse

from cli.context import Context
from cli.listing_cmds import print_table
from cli.table import Column
from store import clock
from store.consent import (
    CHANNELS,
    PURPOSES,
    consent_state,
    evidence_text,
    history,
    record_consent,
)
from store.customers import get_customer, record_view
from store.i18n import code_text, format_datetime
from store.models import database

STAFF_CHANNELS = tuple(channel for channel in CHANNELS if channel not in ("import", "erasure"))


def register(commands: argparse._SubParsersAction) -> None:
    group = commands.add_parser("consent")
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    for action, help_text in (
        ("give", "record a consent given"),
        ("withdraw", "record a consent withdrawn (takes effect at once)"),
    ):
        parser = actions.add_parser(action, help=help_text)
        parser.add_argument("customer_no", metavar="CUSTOMER_NO")
        parser.add_argument("--purpose", required=True, choices=PURPOSES)
        parser.add_argument("--channel", default="staff", choices=STAFF_CHANNELS)
        parser.add_argument(
            "--evidence",
            required=action == "give",
            default="",
            help="how the consent was shown (a call, a signed form, a mail)",
        )
        parser.add_argument(
            "--wording",
            default="",
            metavar="VERSION",
            help="the version of the consent text the person saw",
        )
        parser.add_argument("--request", metavar="REFERENCE")
        parser.set_defaults(handler=run_record, given=action == "give")
    show = actions.add_parser("show", help="the current state and every event")
    show.add_argument("customer_no", metavar="CUSTOMER_NO")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=run_show)


def run_record(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    customer = get_customer(args.customer_no)
    record_consent(
        customer,
        args.purpose,
        args.given,
        channel=args.channel,
        actor=context.actor,
        evidence=args.evidence,
        wording_version=args.wording,
        request_reference=args.request,
    )
    language = context.language
    print(
        context.t(
            "consent.recorded",
            purpose=code_text("package.purpose", args.purpose, language).lower(),
            state=context.t("consent.given" if args.given else "consent.withdrawn"),
            customer_no=customer.customer_no,
            channel=code_text("tui.channel", args.channel, language),
        )
    )
    return 0


def run_show(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    customer = get_customer(args.customer_no)
    events = history(customer)
    with database.atomic():
        record_view(customer, context.actor, purpose="consent.show")
    if args.json:
        context.print_json(
            [
                {
                    "purpose": e.purpose,
                    "given": e.given,
                    "at": clock.iso(e.at),
                    "channel": e.channel,
                    "evidence": e.evidence,
                    "wording_version": e.wording_version,
                    "request_reference": e.request_reference,
                }
                for e in events
            ]
        )
        return 0
    language = context.language
    for purpose, state in consent_state(customer).items():
        purpose_text = code_text("package.purpose", purpose, language)
        if state.at is None:
            print(context.t("consent.never", purpose=purpose_text))
            continue
        print(
            context.t(
                "consent.current",
                purpose=purpose_text,
                state=context.t("consent.given" if state.given else "consent.withdrawn"),
                at=format_datetime(state.at, language),
                channel=code_text("tui.channel", state.channel or "", language),
            )
        )
    rows = [
        {
            "recorded_at": clock.iso(e.at),
            "purpose": e.purpose,
            "state": context.t("consent.given" if e.given else "consent.withdrawn"),
            "channel": e.channel,
            "evidence": evidence_text(e.evidence, language) if e.evidence else "",
        }
        for e in events
    ]
    # Left out first when narrow: the channel, then the time (the lines above give both
    # for the current state).
    print_table(
        context,
        rows,
        [
            Column("recorded_at", "consent.col_at", drop=2, kind="fixed"),
            Column("purpose", "consent.col_purpose", codes="package.purpose"),
            Column("state", "consent.col_state", kind="fixed"),
            Column("channel", "consent.col_channel", drop=1, codes="tui.channel"),
            Column("evidence", "consent.col_evidence"),
        ],
    )
    return 0
