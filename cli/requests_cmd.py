"""``rekisteri requests new``: record a request made by phone, at the counter or by letter.

It goes through the same act as the desk's ``N`` (:func:`mailbot.acts.record_request`):
the same checks, the same lifecycle, the acknowledgement mailed when an address is given.
``requests list`` is one of the listings (:mod:`cli.listing_cmds`).
"""

from __future__ import annotations

import argparse

from cli import listing_cmds
from cli.context import Context
from store import clock, listings
from store.config import LANGUAGES
from store.errors import InvalidInput
from store.models import KINDS, MANUAL_CHANNELS, Customer


def register(commands: argparse._SubParsersAction) -> None:
    new = listing_cmds.ACTIONS["requests"].add_parser(
        "new", help="record a request made by phone, at the counter, by letter or otherwise"
    )
    new.add_argument("--kind", required=True, choices=[k for k in KINDS if k != "other"])
    new.add_argument("--channel", choices=MANUAL_CHANNELS, default="phone")
    new.add_argument("--name", required=True, help="the requester's name")
    new.add_argument("--email", default="", help="the address to answer to (if given)")
    new.add_argument("--phone", default="", help="the number the requester gave (if given)")
    new.add_argument("--language", choices=LANGUAGES, default="fi", help="the answer's language")
    new.add_argument(
        "--received",
        default="",
        metavar="DAY",
        help="the day the request was made (4.12.2026 or 2026-12-04; default today): "
        "the deadline counts from it",
    )
    new.add_argument("--note", default="", help="an internal note (never sent)")
    new.add_argument(
        "--no-acknowledge",
        action="store_true",
        help="do not mail the reference number (the person was told it already)",
    )
    new.add_argument("--json", action="store_true", help="print the request as a JSON object")
    new.set_defaults(handler=run_new)


def run_new(context: Context, args: argparse.Namespace) -> int:
    received_at = None
    if args.received:
        day = clock.parse_local_day(args.received)
        if day is None:
            raise InvalidInput(
                f"not a day: {args.received!r}", key="tui.desk.manual.bad_day", value=args.received
            )
        received_at = clock.received_on(day)
    context.open_db()
    from mailbot import acts  # only when recording: `requests list` starts without it

    request = acts.record_request(
        acts.ManualRequest(
            kind=args.kind,
            channel=args.channel,
            requester_name=args.name,
            requester_email=args.email,
            requester_phone=args.phone,
            language=args.language,
            received_at=received_at,
            note=args.note,
            acknowledge=not args.no_acknowledge,
        ),
        context.settings,
        context.actor,
    )
    customer = Customer.get_by_id(request.customer_id) if request.customer_id else None
    row = listings.request_row(request, customer.customer_no if customer else None)
    if args.json:
        context.print_json(row)
    else:
        context.say("tui.desk.manual.recorded", reference=request.reference)
    return 0
