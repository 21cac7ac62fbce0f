"""Customers as the search and customer screens show them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from store import consent
from store.customers import format_phone, get_customer, record_view, search_customers, sources_of
from store.models import ConsentEvent, Purchase, Request
from store.restriction import active_restriction, restricted_among


@dataclass(frozen=True)
class CustomerRow:
    customer_no: str
    name: str
    email: str
    phone: str
    city: str
    restricted: bool = False  # processing restricted (Art. 18): marked in the list


@dataclass(frozen=True)
class ConsentLine:
    at: datetime
    purpose: str
    given: bool
    channel: str
    wording_version: str


@dataclass(frozen=True)
class PurchaseLine:
    at: datetime
    receipt_no: str
    amount_cents: int
    currency: str
    description: str


@dataclass(frozen=True)
class RequestLine:
    reference: str
    kind: str
    status: str
    received_at: datetime


@dataclass(frozen=True)
class CustomerView:
    customer_no: str
    first_name: str
    last_name: str
    street_address: str
    postal_code: str
    city: str
    phone: str
    email: str
    language: str
    sources: tuple[str, ...]
    created_at: datetime
    relationship_ended_at: datetime | None
    erased_at: datetime | None
    marketing_consent: bool
    register_consent: bool
    restricted: bool
    suppressed: bool
    consents: tuple[ConsentLine, ...]
    purchases: tuple[PurchaseLine, ...]
    requests: tuple[RequestLine, ...]
    restriction_ground: str = ""  # while restricted: the ground (store.restriction.GROUNDS)
    restricted_since: datetime | None = None
    can_be_restricted: bool = False  # not restricted now, not erased

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


def search(query: str, limit: int = 50) -> tuple[CustomerRow, ...]:
    found = search_customers(query, limit=limit)
    restricted = restricted_among(c.id for c in found) if found else set()
    return tuple(
        CustomerRow(
            c.customer_no, c.name, c.email or "", format_phone(c.phone), c.city, c.id in restricted
        )
        for c in found
    )


def open_customer(customer_no: str, actor: str) -> CustomerView:
    """Load a customer for a staff member to read; the look itself is audited."""
    customer = get_customer(customer_no)
    record_view(customer, actor, purpose="tui")
    restriction = active_restriction(customer)
    return CustomerView(
        customer_no=customer.customer_no,
        first_name=customer.first_name,
        last_name=customer.last_name,
        street_address=customer.street_address,
        postal_code=customer.postal_code,
        city=customer.city,
        phone=format_phone(customer.phone),
        email=customer.email or "",
        language=customer.language,
        sources=tuple(sources_of(customer)),
        created_at=customer.created_at,
        relationship_ended_at=customer.relationship_ended_at,
        erased_at=customer.erased_at,
        marketing_consent=consent.has_consent(customer, "marketing"),
        register_consent=consent.has_consent(customer, "register"),
        restricted=restriction is not None,
        suppressed=bool(customer.email and consent.is_suppressed(customer.email)),
        consents=tuple(
            ConsentLine(e.at, e.purpose, e.given, e.channel, e.wording_version)
            for e in customer.consent_events.order_by(
                ConsentEvent.at.desc(), ConsentEvent.id.desc()
            )
        ),
        purchases=tuple(
            PurchaseLine(p.purchased_at, p.receipt_no, p.amount_cents, p.currency, p.description)
            for p in customer.purchases.order_by(Purchase.purchased_at.desc())
        ),
        requests=tuple(
            RequestLine(r.reference, r.kind, r.status, r.received_at)
            for r in customer.requests.order_by(Request.received_at.desc())
        ),
        restriction_ground=restriction.ground if restriction else "",
        restricted_since=restriction.started_at if restriction else None,
        can_be_restricted=restriction is None and customer.erased_at is None,
    )
