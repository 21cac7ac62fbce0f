"""Restriction of processing (Art. 18) with its mails: applying it confirms it to the person
(``restriction_applied``), lifting it first tells them (``restriction_lifted``, Art. 18(3)).

The rules are :mod:`store.restriction`'s; this module adds the mail, in the same
transaction.  The acts layer (:mod:`mailbot.acts`) calls it for the TUI and for ``rekisteri
restriction apply|lift`` alike.

- :func:`restrict`: for a restriction request, approve it (the store insists on the logged
  verification call), apply the restriction, queue the confirmation threaded under the
  person's mail, and fulfil the request; without a request (staff acting on a call), apply
  and confirm.
- :func:`lift`: queue the notice to the person, then lift.  The store refuses to lift
  without that queued notice, so the order cannot be reversed; a person we have no address
  for is told another way, which staff record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mailbot.outgoing import preview, queue_mail
from mailbot.templates import RenderedMail
from store import lifecycle
from store.config import Settings
from store.models import (
    Customer,
    InboundMessage,
    OutboxMail,
    Request,
    Restriction,
    Status,
    database,
)
from store.restriction import (
    APPLIED_TEMPLATE,
    LIFTED_TEMPLATE,
    apply_restriction,
    get_active,
    ground_text,
    lift_restriction,
    notice_address,
    originating_request,
    require_reason,
)


@dataclass(frozen=True)
class RestrictionOutcome:
    restriction: Restriction
    mail: OutboxMail | None  # the confirmation or the notice; None: no address to write to


# ---------------------------------------------------------------- applying


def confirmation_address(customer: Customer, request: Request | None) -> str | None:
    """The confirmation answers the request's address, else the one on record."""
    if request is not None and request.requester_email:
        return request.requester_email
    return customer.email or None


def applied_preview(
    customer: Customer, *, ground: str, settings: Settings, request: Request | None = None
) -> RenderedMail:
    """The confirmation as it would be queued, for staff to read first."""
    language = _language(customer, request)
    return preview(
        APPLIED_TEMPLATE,
        settings=settings,
        language=language,
        request=request,
        **_greeting(customer, request),
        ground=ground_text(ground, language),
    )


def restrict(
    customer: Customer,
    *,
    ground: str,
    settings: Settings,
    actor: str,
    note: str = "",
    request: Request | None = None,
) -> RestrictionOutcome:
    """Apply the restriction and queue its confirmation (see the module's docstring)."""
    with database.atomic():
        if request is not None and request.status != Status.APPROVED:
            lifecycle.approve(request, actor)
        restriction = apply_restriction(
            customer, ground=ground, actor=actor, note=note, request=request
        )
        address = confirmation_address(customer, request)
        language = _language(customer, request)
        mail = None
        if address:
            mail = queue_mail(
                APPLIED_TEMPLATE,
                settings=settings,
                to_address=address,
                language=language,
                actor=actor,
                to_name=customer.name,
                request=request,
                customer=customer,
                reply_to_message=_first_message(request),
                **_greeting(customer, request),
                ground=ground_text(ground, language),
            )
        if request is not None:
            lifecycle.fulfil(request, actor, outcome=f"restricted: {ground}")
    return RestrictionOutcome(restriction, mail)


# ---------------------------------------------------------------- lifting


def lifted_preview(customer: Customer, *, reason: str, settings: Settings) -> RenderedMail | None:
    """The notice as it would be queued; None when there is no address to mail it to."""
    reason = require_reason(reason)
    restriction = get_active(customer)
    if notice_address(restriction) is None:
        return None
    request = originating_request(restriction)
    language = _language(customer, request)
    return preview(
        LIFTED_TEMPLATE,
        settings=settings,
        language=language,
        request=request,
        **_greeting(customer, request),
        ground=ground_text(restriction.ground, language),
        reason=reason,
    )


def lift(
    customer: Customer, *, reason: str, settings: Settings, actor: str, informed_otherwise: str = ""
) -> RestrictionOutcome:
    """Queue the notice to the person, then lift the restriction, in one transaction: if
    the store refuses to lift, the notice is not queued either."""
    reason = require_reason(reason)
    with database.atomic():
        restriction = get_active(customer)
        address = notice_address(restriction)
        mail = None
        if address:
            request = originating_request(restriction)
            language = _language(customer, request)
            mail = queue_mail(
                LIFTED_TEMPLATE,
                settings=settings,
                to_address=address,
                language=language,
                actor=actor,
                to_name=customer.name,
                request=request,
                customer=customer,
                **_greeting(customer, request),
                ground=ground_text(restriction.ground, language),
                reason=reason,
            )
        lift_restriction(
            restriction,
            actor=actor,
            reason=reason,
            notice=mail,
            informed_otherwise=informed_otherwise,
        )
    return RestrictionOutcome(restriction, mail)


# ---------------------------------------------------------------- helpers


def _language(customer: Customer, request: Request | None) -> str:
    return request.language if request is not None else customer.language


def _greeting(customer: Customer, request: Request | None) -> dict[str, Any]:
    """A mail about a request greets as the request's templates do; otherwise by the
    name on record."""
    return {} if request is not None else {"name": customer.name}


def _first_message(request: Request | None) -> InboundMessage | None:
    """The person's first mail of the request, to thread the answer under."""
    if request is None:
        return None
    return (
        InboundMessage.select()
        .where(InboundMessage.request == request)
        .order_by(InboundMessage.received_at, InboundMessage.id)
        .get_or_none()
    )
