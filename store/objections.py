"""Objection to direct marketing (Art. 21(2)–(3), *suoramarkkinointikielto*).

It is absolute and only reduces processing, so it needs no verification call: marketing
consent is withdrawn, the address is put on the suppression list (no later import
re-subscribes it), and the request is approved and fulfilled at once, all audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from store import audit, lifecycle
from store.consent import record_consent, suppress
from store.db import together
from store.errors import InvalidInput
from store.models import Customer, Kind, Request

SUPPRESSION_REASON = "objection"


@dataclass(frozen=True)
class ObjectionOutcome:
    request: Request
    customer: Customer | None
    consent_withdrawn: bool
    addresses_suppressed: int


def apply_marketing_objection(
    request: Request,
    customer: Customer | None,
    actor: str,
    evidence: str,
    channel: str = "email_request",
) -> ObjectionOutcome:
    """Stop all marketing to the objector now, and close the request as fulfilled.

    ``customer`` is the register entry the objection is about (matched on the address it
    came from), or None when the objector is not in the register: the address is then
    still suppressed, so it can never be added to the marketing list later.  ``channel`` is
    how it reached us, for the consent ledger: ``newsletter_link`` for the newsletter's own
    "stop" link.
    """
    if request.kind != Kind.OBJECTION:
        raise InvalidInput(f"request {request.reference} is not an objection")
    with together():
        withdrawn = False
        if customer is not None and customer.erased_at is None:
            if request.match_state != "confirmed":
                lifecycle.confirm_customer(request, customer, actor)
            record_consent(
                customer,
                "marketing",
                False,
                channel=channel,
                actor=actor,
                evidence=evidence,
                request_reference=request.reference,
            )
            withdrawn = True
        addresses = {
            address
            for address in (request.requester_email, customer.email if customer else None)
            if address
        }
        suppressed = 0
        for address in sorted(addresses):
            try:
                suppress(address, SUPPRESSION_REASON)
            except InvalidInput:
                continue
            suppressed += 1
        audit.record(
            "marketing.suppressed",
            actor,
            request_reference=request.reference,
            customer_no=customer.customer_no if customer else None,
            addresses=suppressed,
        )
        lifecycle.approve(request, actor)
        lifecycle.fulfil(request, actor, outcome="marketing stopped")
    return ObjectionOutcome(request, customer, withdrawn, suppressed)
