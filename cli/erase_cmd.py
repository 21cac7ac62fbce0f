"""``rekisteri erase CUSTOMER_NO --confirm CUSTOMER_NO [--request REFERENCE]``.

Shows what will be erased and what is kept (and until when), then erases through the same
rule the TUI and the retention job use.  Without a matching ``--confirm`` it only shows.

With ``--request`` it carries out that request's act, exactly as the request screen does
(:mod:`mailbot.acts`): the request must be an erasure request about this customer, with
the verification call made, and it is approved, fulfilled and answered in the same
transaction; otherwise nothing is erased and the reason is printed.
"""

from __future__ import annotations

import argparse

from cli.context import Context, request_named
from mailbot import acts
from store.customers import get_customer
from store.erasure import ErasurePreview, erase_customer, erasure_preview
from store.errors import RuleViolation
from store.i18n import code_text, format_date
from store.models import Customer


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("erase")
    parser.add_argument("customer_no", metavar="CUSTOMER_NO")
    parser.add_argument(
        "--confirm", metavar="CUSTOMER_NO", help="the same customer number again, to confirm"
    )
    parser.add_argument(
        "--request", metavar="REFERENCE", help="the erasure request this carries out"
    )
    parser.set_defaults(handler=run)


def run(context: Context, args: argparse.Namespace) -> int:
    context.open_db()
    customer = get_customer(args.customer_no)
    if args.request:
        return run_for_request(context, args, customer)
    if customer.erased_at is None:
        show_preview(context, erasure_preview(customer, context.settings))
    _require_confirmation(args, customer)
    erase_customer(customer, actor=context.actor, settings=context.settings)
    print(context.t("erasure.done", customer_no=customer.customer_no))
    return 0


def run_for_request(context: Context, args: argparse.Namespace, customer: Customer) -> int:
    request = request_named(args.request)
    assert request is not None
    if request.customer_id != customer.id:
        raise RuleViolation(
            f"request {request.reference} is not about {customer.customer_no}",
            key="erasure.wrong_customer",
            reference=request.reference,
            customer_no=customer.customer_no,
        )
    proposal = acts.plan("erasure", request.reference, context.settings, context.actor)
    show_preview(context, proposal.erasure)
    _require_confirmation(args, customer)
    outcome = acts.commit(proposal, context.settings, context.actor)
    print(context.t("erasure.done", customer_no=customer.customer_no))
    print(
        context.t(
            "erasure.request_done",
            reference=outcome.reference,
            status=context.t(f"status.{outcome.status}"),
            to=outcome.mail_to,
        )
    )
    return 0


def _require_confirmation(args: argparse.Namespace, customer: Customer) -> None:
    if args.confirm != customer.customer_no:
        raise RuleViolation(
            "not confirmed", key="erasure.confirm_mismatch", customer_no=customer.customer_no
        )


def show_preview(context: Context, preview: ErasurePreview) -> None:
    t, language = context.t, context.language
    lines = [t("erasure.preview_title", customer_no=preview.customer_no)]
    if preview.blocked_by:
        lines.append(
            t("erasure.blocked", reason=t(preview.blocked_by, customer_no=preview.customer_no))
        )
    lines.append(
        t(
            "erasure.erased_fields",
            fields=", ".join(
                code_text("tui.field", name, context.language).lower() for name in preview.fields
            ),
        )
        if preview.fields
        else t("erasure.no_fields")
    )
    if preview.consents_closed:
        lines.append(
            t(
                "erasure.consents_closed",
                purposes=", ".join(
                    code_text("package.purpose", name, context.language).lower()
                    for name in preview.consents_closed
                ),
            )
        )
    if preview.vouchers_kept:
        kept_until = preview.vouchers_kept_until
        lines.append(
            t(
                "erasure.vouchers_kept",
                count=len(preview.vouchers_kept),
                day=format_date(kept_until, language) if kept_until else "–",
            )
        )
    if preview.vouchers_deleted:
        lines.append(t("erasure.vouchers_deleted", count=preview.vouchers_deleted))
    if preview.requests_minimised:
        lines.append(
            t("erasure.requests_minimised", references=", ".join(preview.requests_minimised))
        )
    if preview.requests_open:
        lines.append(t("erasure.requests_open", references=", ".join(preview.requests_open)))
    if preview.messages_redacted or preview.outbox_redacted:
        lines.append(
            t(
                "erasure.mail_redacted",
                inbound=preview.messages_redacted,
                outbound=preview.outbox_redacted,
            )
        )
    if preview.mail_kept:
        lines.append(
            t(
                "erasure.mail_kept",
                count=preview.mail_kept,
                day=format_date(preview.mail_kept_until, language),
            )
            if preview.mail_kept_until
            else t("erasure.mail_kept_unsent", count=preview.mail_kept)
        )
    print("\n".join(lines))
