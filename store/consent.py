"""The consent ledger: register consent and marketing consent, given and withdrawn.

The current state is always derived from the ledger (the latest event per purpose), never
stored a second time.  A withdrawal takes effect the moment it is recorded.
"""

from __future__ import annotations

from datetime import datetime

from peewee import Select, fn

from store import audit, clock
from store.customers import email_hash
from store.errors import InvalidInput
from store.models import (
    ConsentEvent,
    Customer,
    MarketingSuppression,
    Restriction,
    database,
)

PURPOSES = ("register", "marketing")
CHANNELS = (
    "website_form",
    "ticketing_registration",
    "newsletter_signup",
    "email_request",
    "newsletter_link",
    "staff",
    "import",
)


def record_consent(
    customer: Customer,
    purpose: str,
    given: bool,
    *,
    channel: str,
    actor: str,
    evidence: str = "",
    wording_version: str = "",
    request_reference: str | None = None,
    at: datetime | None = None,
) -> ConsentEvent:
    """Append one event to the ledger (and the audit trail) in one transaction."""
    if purpose not in PURPOSES:
        raise InvalidInput(f"unknown consent purpose {purpose!r}")
    if channel not in CHANNELS:
        raise InvalidInput(f"unknown consent channel {channel!r}")
    at = at or clock.now()
    with database.atomic():
        event = ConsentEvent.create(
            customer=customer, purpose=purpose, given=given, at=at, channel=channel,
            evidence=evidence, wording_version=wording_version, recorded_by=actor,
            request_reference=request_reference,
        )
        audit.record(
            f"consent.{purpose}.{'given' if given else 'withdrawn'}", actor,
            customer_no=customer.customer_no, request_reference=request_reference,
            channel=channel, at=clock.iso(at),
        )
    return event


def latest_event(customer: Customer, purpose: str) -> ConsentEvent | None:
    return (ConsentEvent.select()
            .where((ConsentEvent.customer == customer) & (ConsentEvent.purpose == purpose))
            .order_by(ConsentEvent.at.desc(), ConsentEvent.id.desc())
            .first())


def has_consent(customer: Customer, purpose: str) -> bool:
    event = latest_event(customer, purpose)
    return bool(event and event.given)


def _latest_event_id(purpose: str) -> Select:
    """The id of each customer's latest event for ``purpose`` (a correlated subquery)."""
    inner = ConsentEvent.alias()
    return (inner.select(inner.id)
            .where((inner.customer == Customer.id) & (inner.purpose == purpose))
            .order_by(inner.at.desc(), inner.id.desc())
            .limit(1))


def customers_with_consent(purpose: str) -> Select:
    """Customers whose latest ``purpose`` event is a consent given."""
    return (Customer.select(Customer)
            .join(ConsentEvent, on=(ConsentEvent.customer == Customer.id))
            .where((ConsentEvent.id == _latest_event_id(purpose)) & ConsentEvent.given))


def active_restriction_exists() -> Select:
    return (Restriction.select(Restriction.id)
            .where((Restriction.customer == Customer.id) & Restriction.lifted_at.is_null()))


def marketing_candidates() -> Select:
    """Customers with marketing consent now: not erased, not restricted, with an address."""
    return (customers_with_consent("marketing")
            .where(Customer.erased_at.is_null()
                   & Customer.email.is_null(False)
                   & ~fn.EXISTS(active_restriction_exists()))
            .order_by(Customer.customer_no))


def marketing_recipients() -> list[Customer]:
    """Exactly the customers who may receive marketing now.

    The suppression list holds address hashes, which SQL cannot compute portably, so it
    is applied here; it only matters for an address that objected and came back.
    """
    suppressed = {row.email_hash for row in MarketingSuppression.select(
        MarketingSuppression.email_hash)}
    return [customer for customer in marketing_candidates()
            if not suppressed or email_hash(customer.email) not in suppressed]


def may_receive_marketing(customer: Customer) -> bool:
    """The check made for each newsletter mail just before it is handed to SMTP."""
    if customer.erased_at is not None or not customer.email:
        return False
    if not has_consent(customer, "marketing"):
        return False
    if is_suppressed(customer.email):
        return False
    return not is_restricted(customer)


def is_restricted(customer: Customer) -> bool:
    return (Restriction.select()
            .where((Restriction.customer == customer) & Restriction.lifted_at.is_null())
            .exists())


def is_suppressed(email: str) -> bool:
    try:
        key = email_hash(email)
    except InvalidInput:
        return False
    return MarketingSuppression.select().where(MarketingSuppression.email_hash == key).exists()


def suppress(email: str, reason: str, at: datetime | None = None) -> None:
    """Remember an objection to marketing by the address's hash, so no import undoes it."""
    key = email_hash(email)
    (MarketingSuppression.insert(email_hash=key, created_at=at or clock.now(), reason=reason)
     .on_conflict_ignore().execute())
