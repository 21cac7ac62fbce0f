"""``rekisteri export CUSTOMER_NO [--out DIR] [--language fi|sv|en] [--password]``.

Writes the data package (Art. 15 and 20): a JSON file and an HTML file, or with
``--password`` one password-protected ZIP holding both, whose one-time password is printed
for staff to read out on the verification call.  ``--request REFERENCE`` exports for a
request instead: its customer, or, when staff marked the person as not in the register,
the package that says we hold no data about them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.context import Context, request_named
from mailbot.ingest import find_message
from store import lifecycle
from store.config import LANGUAGES
from store.customers import get_customer
from store.errors import InvalidInput
from store.models import Customer
from store.package import build_package, new_password, spoken_password, write_package


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("export")
    parser.add_argument("customer_no", nargs="?", metavar="CUSTOMER_NO")
    parser.add_argument(
        "--request",
        metavar="REFERENCE",
        help="export for this request (its customer, or 'no data held')",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="folder to write into (default: the current folder)",
    )
    parser.add_argument(
        "--language",
        choices=LANGUAGES,
        help="the requester's language (default: the customer's or request's)",
    )
    parser.add_argument(
        "--password",
        action="store_true",
        help="put both files into a ZIP protected by a one-time password",
    )
    parser.add_argument(
        "--include-message",
        action="append",
        default=[],
        metavar="MESSAGE_ID",
        help="include this withheld message (another "
        "sender's mail in the person's thread: its Message-ID or key from "
        "`messages list`) after reading it; repeatable",
    )
    parser.set_defaults(handler=run)


def run(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    request = request_named(args.request)
    customer: Customer | None
    if request is not None:
        # For a request the package is its answer: only once the rule that lets staff
        # approve it (the confirmed call) says so, and only about the request's customer.
        lifecycle.enforce(lifecycle.can_disclose(request), request)
        customer = request.customer if request.customer_id else None
        if args.customer_no and (customer is None or customer.customer_no != args.customer_no):
            raise InvalidInput(
                f"request {request.reference} is not about customer {args.customer_no}",
                key="export.wrong_customer",
                reference=request.reference,
                customer_no=args.customer_no,
            )
    elif args.customer_no:
        customer = get_customer(args.customer_no)
    else:
        raise InvalidInput("name a customer number or a request", key="export.needs_customer")
    language = (
        args.language
        or (request.language if request else None)
        or (customer.language if customer else "fi")
    )
    package = build_package(
        customer,
        language=language,
        settings=context.settings,
        actor=context.actor,
        request=request,
        include_messages=[find_message(identifier).id for identifier in args.include_message],
    )
    password = new_password() if args.password else None
    for path in write_package(package, args.out, password=password):
        print(context.t("export.written", path=str(path)))
    if customer is None and request is not None:
        context.say("export.not_found_note", reference=request.reference)
    if password:
        print(context.t("export.password", password=spoken_password(password)))
        context.say("export.password_hint")
    return 0
