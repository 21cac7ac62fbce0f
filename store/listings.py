"""The ``--json`` listings: stable field names, documented in the README.

Each function turns one row into the dict the contract promises.  Scripts rely on these
names; add fields freely, never rename or remove one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from peewee import JOIN, prefetch

from store import audit, clock
from store.consent import customers_with_consent, marketing_recipients
from store.models import (
    Customer,
    CustomerSource,
    InboundMessage,
    OutboxMail,
    Request,
)
from store.restriction import restricted_ids


def request_row(
    request: Request, customer_no: str | None = None, part_of: str | None = None
) -> dict[str, Any]:
    return {
        "reference": request.reference,
        "kind": request.kind,
        "status": request.status,
        "language": request.language,
        "requester_email": request.requester_email,
        "customer_no": customer_no,
        "received_at": clock.iso(request.received_at),
        "due_at": clock.iso(request.due_at),
        "extended": request.extended_at is not None,
        "closed_at": clock.iso(request.closed_at),
        "written_language": request.written_language,
        "part_of": part_of,
    }


def requests(*, open_only: bool = False) -> list[dict[str, Any]]:
    query = (
        Request.select(Request, Customer.id, Customer.customer_no)
        .join(Customer, join_type=JOIN.LEFT_OUTER, on=(Request.customer == Customer.id))
        .order_by(Request.received_at, Request.id)
    )
    if open_only:
        from store.models import OPEN_STATUSES

        query = query.where(Request.status.in_(OPEN_STATUSES))
    first_of = {
        row.id: row.reference
        for row in Request.select(Request.id, Request.reference).where(
            Request.id.in_(Request.select(Request.part_of).where(Request.part_of.is_null(False)))
        )
    }
    return [
        request_row(
            row,
            row.customer.customer_no if row.customer_id and row.customer is not None else None,
            first_of.get(row.part_of_id),
        )
        for row in query
    ]


def message_row(message: InboundMessage, reference: str | None) -> dict[str, Any]:
    return {
        "message_id": message.message_id,
        "disposition": message.disposition,
        "reason": message.reason,
        "request": reference,
        "received_at": clock.iso(message.received_at),
        "from": message.from_address,
        "subject": message.subject,
        "needs_attention": message.needs_attention,
        "key": message.dedupe_key,
        "link_token": message.link_token,
    }


def messages() -> list[dict[str, Any]]:
    query = (
        InboundMessage.select(
            InboundMessage.id,
            InboundMessage.message_id,
            InboundMessage.disposition,
            InboundMessage.reason,
            InboundMessage.received_at,
            InboundMessage.from_address,
            InboundMessage.subject,
            InboundMessage.needs_attention,
            InboundMessage.dedupe_key,
            InboundMessage.link_token,
            InboundMessage.request,
            Request.id,
            Request.reference,
        )
        .join(Request, join_type=JOIN.LEFT_OUTER, on=(InboundMessage.request == Request.id))
        .order_by(InboundMessage.received_at, InboundMessage.id)
    )
    return [
        message_row(
            row, row.request.reference if row.request_id and row.request is not None else None
        )
        for row in query
    ]


@dataclass(frozen=True)
class LooseMail:
    """A message that is in no request's thread: what the mailbot ignored (spam, lists,
    copies, empty mail) or quarantined.  Staff read these from the desk too."""

    id: int
    received_at: datetime
    disposition: str
    reason: str
    from_address: str
    subject: str


def mail_outside_requests(limit: int = 500) -> list[LooseMail]:
    """The newest messages that belong to no request, quarantined ones first."""
    query = (
        InboundMessage.select(
            InboundMessage.id,
            InboundMessage.received_at,
            InboundMessage.disposition,
            InboundMessage.reason,
            InboundMessage.from_address,
            InboundMessage.subject,
        )
        .where(InboundMessage.request.is_null() & InboundMessage.redacted_at.is_null())
        .order_by(
            (InboundMessage.disposition == "quarantined").desc(),
            InboundMessage.received_at.desc(),
            InboundMessage.id.desc(),
        )
        .limit(limit)
    )
    return [
        LooseMail(
            row.id,
            row.received_at,
            row.disposition,
            row.reason or "",
            row.from_address,
            row.subject,
        )
        for row in query
    ]


def customers(limit: int | None = None) -> list[dict[str, Any]]:
    from store.customers import format_phone

    consenting = {row.id for row in customers_with_consent("marketing").select(Customer.id)}
    restricted = restricted_ids()
    query = Customer.select().order_by(Customer.customer_no)
    if limit:
        query = query.limit(limit)
    rows = prefetch(query, CustomerSource.select())
    return [
        {
            "customer_no": customer.customer_no,
            "name": customer.name,
            "email": customer.email,
            "phone": format_phone(customer.phone) or None,
            "sources": sorted(source.source for source in customer.source_rows),
            "relationship_ended_at": clock.iso(customer.relationship_ended_at),
            "marketing_consent": customer.id in consenting,
            "erased": customer.erased_at is not None,
            "restricted": customer.id in restricted,
        }
        for customer in rows
    ]


def outbox_row(mail: OutboxMail, reference: str | None) -> dict[str, Any]:
    return {
        "message_id": mail.message_id,
        "to": mail.to_address,
        "subject": mail.subject,
        "request": reference,
        "status": mail.status,
        "attempts": mail.attempts,
        "last_error": mail.last_error,
        "sent_at": clock.iso(mail.sent_at),
        "template": mail.template,
        "created_at": clock.iso(mail.created_at),
    }


def outbox() -> list[dict[str, Any]]:
    query = (
        OutboxMail.select(
            OutboxMail.id,
            OutboxMail.message_id,
            OutboxMail.to_address,
            OutboxMail.subject,
            OutboxMail.status,
            OutboxMail.attempts,
            OutboxMail.last_error,
            OutboxMail.sent_at,
            OutboxMail.template,
            OutboxMail.created_at,
            OutboxMail.request,
            Request.id,
            Request.reference,
        )
        .join(Request, join_type=JOIN.LEFT_OUTER, on=(OutboxMail.request == Request.id))
        .order_by(OutboxMail.created_at, OutboxMail.id)
    )
    return [
        outbox_row(
            row, row.request.reference if row.request_id and row.request is not None else None
        )
        for row in query
    ]


def marketing_list() -> list[dict[str, Any]]:
    return [
        {"customer_no": c.customer_no, "name": c.name, "email": c.email, "language": c.language}
        for c in marketing_recipients()
    ]


PERSONAL_LISTINGS = (
    "requests",
    "messages",
    "customers",
    "outbox",
    "marketing-list",
    "breach-recipients",
)
"""The listings that show personal data (names, addresses, who wrote what): each look at
one is audited, since it shows many people at once."""


def record_look(listing: str, actor: str, *, rows: int, output: str) -> None:
    """Audit a look at a listing of personal data: who, which listing, how many rows, and
    whether it went to a screen (``table``) or out of the register (``json``)."""
    if listing in PERSONAL_LISTINGS:
        audit.record("register.listed", actor, listing=listing, rows=rows, output=output)
