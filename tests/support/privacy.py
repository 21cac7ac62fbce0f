"""Builders for the privacy tests: purchases, requests with mail in and out, settings."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from mailbot.outgoing import message_bytes, queue_mail
from store import clock, lifecycle, outbox
from store.config import Settings, load_settings
from store.models import Attachment, Customer, InboundMessage, OutboxMail, Purchase, Request

_receipts = [0]


def settings(**retention: Any) -> Settings:
    """The embedded defaults, with ``retention`` values replaced."""
    base = load_settings(environ={})
    return dataclasses.replace(base, retention=dataclasses.replace(base.retention, **retention))


def at(text: str) -> datetime:
    """An instant from Finnish local time: ``at("2026-02-28 12:00")``."""
    return clock.parse_instant(text.replace(" ", "T"))


def make_purchase(
    customer: Customer | None,
    when: str,
    *,
    amount_cents: int = 2400,
    description: str = "2 × Tuntematon sotilas",
) -> Purchase:
    _receipts[0] += 1
    return Purchase.create(
        customer=customer,
        receipt_no=f"K-{_receipts[0]:07d}",
        purchased_at=at(when),
        amount_cents=amount_cents,
        description=description,
    )


def make_request(
    customer: Customer,
    *,
    kind: str = "access",
    close: bool = True,
    body: str = "Haluan nähdä tietoni.",
) -> Request:
    """A request from ``customer`` with their message in and our acknowledgement out;
    ``close`` carries it through a confirmed call to fulfilled."""
    request = lifecycle.create_request(
        kind=kind,
        actor="@mailbot",
        requester_email=customer.email,
        requester_name=customer.name,
        requester_phone="040 7654321",
    )
    message = InboundMessage.create(
        dedupe_key=f"<{request.reference}@example.fi>",
        message_id=f"<{request.reference}@x>",
        from_address=customer.email or "",
        from_name=customer.name,
        subject=f"Tietopyyntö {customer.name}",
        received_at=clock.now(),
        body_text=body,
        headers=[["From", customer.email or ""]],
        disposition="new_request",
        request=request,
        raw_message=b"From: someone\r\n\r\nraw bytes",
        raw_size=27,
    )
    Attachment.create(
        message=message,
        filename="henkilokortti.jpg",
        content_type="image/jpeg",
        size=4,
        data=b"\xff\xd8\xff\xe0",
    )
    mail = queue_mail(
        "acknowledgement",
        settings=settings(),
        to_address=customer.email or "",
        language="fi",
        actor="@mailbot",
        to_name=customer.name,
        request=request,
        name=customer.first_name,
    )
    outbox.start_attempt(mail, message_bytes(mail, settings()))  # as the sender builds it
    OutboxMail.update(status="sent", sent_at=clock.now()).where(OutboxMail.id == mail.id).execute()
    lifecycle.confirm_customer(request, customer, "anna")
    if close:
        lifecycle.log_call(request, "confirmed", "anna", note="vastasi heti")
        lifecycle.approve(request, "anna")
        lifecycle.fulfil(request, "anna", outcome="tiedot lähetetty")
    return Request.get_by_id(request.id)
