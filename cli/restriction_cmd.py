"""``rekisteri restriction list|apply|lift``: restriction of processing (Art. 18) for staff.

``apply`` records the ground and queues the ``restriction_applied`` confirmation; with
``--request`` it carries out that restriction request (approved only after its logged
verification call, then fulfilled).  ``lift`` queues the ``restriction_lifted`` notice to the
person first and only then lifts (Art. 18(3)); ``--dry-run`` shows that mail and changes
nothing.  The rules are :mod:`store.restriction`'s, the mail :mod:`mailbot.restriction_notices`'.
"""

from __future__ import annotations

import argparse

from cli.context import Context, request_named
from cli.listing_cmds import print_table
from mailbot import acts
from store.customers import get_customer
from store.errors import RuleViolation
from store.i18n import format_datetime
from store.restriction import GROUNDS, ground_text, restriction_lines


def register(commands: argparse._SubParsersAction) -> None:
    group = commands.add_parser("restriction")
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="customers whose processing is restricted")
    listing.add_argument("--all", action="store_true", help="lifted restrictions too")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.set_defaults(handler=run_list)

    apply = actions.add_parser(
        "apply", help="restrict processing of a customer's data and confirm it to them"
    )
    apply.add_argument("customer_no", metavar="CUSTOMER_NO")
    apply.add_argument(
        "--ground",
        required=True,
        choices=GROUNDS,
        help="Art. 18(1)(a)–(d): accuracy_contested, unlawful_processing, "
        "legal_claims, objection_pending",
    )
    apply.add_argument("--note", default="", help="what is contested, which claim")
    apply.add_argument(
        "--request",
        metavar="REFERENCE",
        help="the restriction request this carries out (needs its verification call)",
    )
    apply.set_defaults(handler=run_apply)

    lifting = actions.add_parser("lift", help="tell the person, then lift the restriction")
    lifting.add_argument("customer_no", metavar="CUSTOMER_NO")
    lifting.add_argument("--reason", required=True, help="why it ends; the person is told this")
    lifting.add_argument(
        "--informed",
        default="",
        metavar="HOW",
        help="for a person without an email address: how they were told",
    )
    lifting.add_argument(
        "--dry-run", action="store_true", help="only show the mail that would be sent"
    )
    lifting.set_defaults(handler=run_lift)


def run_list(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    lines = restriction_lines(include_lifted=args.all)
    if args.json:
        context.print_json([line.as_json() for line in lines])
        return 0
    language = context.language
    rows = [
        {
            "customer_no": line.customer_no,
            "ground": ground_text(line.ground, language),
            "started": format_datetime(line.started_at, language),
            "by": line.started_by,
            "request": line.request_reference,
            "lifted": format_datetime(line.lifted_at, language) if line.lifted_at else None,
        }
        for line in lines
    ]
    columns = [
        ("customer_no", "col.customer_no"),
        ("ground", "restriction.col_ground"),
        ("started", "restriction.col_started"),
        ("by", "restriction.col_by"),
        ("request", "restriction.col_request"),
    ]
    if args.all:
        columns.append(("lifted", "restriction.col_lifted"))
    print_table(context, rows, columns)
    return 0


def run_apply(context: Context, args: argparse.Namespace) -> int:
    """Through the acts layer, as the desk does: with ``--request`` the request's own act
    (approved on the store's rule, restricted, confirmed and fulfilled in one transaction),
    without it a restriction on a call's word."""
    context.open_db()
    customer = get_customer(args.customer_no)
    params = {"ground": args.ground, "note": args.note}
    request = request_named(args.request)
    if request is not None:
        if request.customer_id != customer.id:
            raise RuleViolation(
                f"request {request.reference} is not about customer {customer.customer_no}",
                key="restriction.wrong_customer",
                reference=request.reference,
                customer_no=customer.customer_no,
            )
        proposal = acts.plan(
            "restriction", request.reference, context.settings, context.actor, params
        )
        outcome = acts.commit(proposal, context.settings, context.actor)
    else:
        proposal = acts.plan_restrict(customer.customer_no, context.settings, params)
        outcome = acts.commit_customer_act(proposal, context.settings, context.actor)
    print(
        context.t(
            "restriction.applied",
            customer_no=customer.customer_no,
            ground=ground_text(args.ground, context.language),
        )
    )
    _say_mail(context, outcome)
    return 0


def run_lift(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    customer = get_customer(args.customer_no)
    proposal = acts.plan_lift(customer.customer_no, context.settings, args.reason)
    if args.dry_run:
        if proposal.rendered is None:
            context.say("restriction.no_mail")
            return 0
        context.say("restriction.preview")
        print(f"{proposal.rendered.subject}\n\n{proposal.rendered.text}", end="")
        return 0
    outcome = acts.commit_customer_act(
        proposal, context.settings, context.actor, informed_otherwise=args.informed
    )
    print(context.t("restriction.lifted", customer_no=customer.customer_no))
    _say_mail(context, outcome)
    return 0


def _say_mail(context: Context, outcome: acts.Outcome) -> None:
    if outcome.mail_to:
        context.say("restriction.mail_queued", address=outcome.mail_to)
    else:
        context.say("restriction.no_mail")
