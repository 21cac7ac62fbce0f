"""The consent ledger: register consent and marketing consent, given and withdrawn.

Every event is appended with its time, channel, evidence and the version of the wording
the person saw (Art. 7(1): the controller must be able to show the consent).  The current
state is always derived from the ledger (the latest event per purpose), never stored a
second time, so a withdrawal takes effect the moment it is recorded.

The website form's two checkboxes map onto the two purposes (:data:`FORM_CHECKBOXES`):
the first acknowledges that the person's data goes into the register, the second is the
consent to marketing.  Buying tickets never depends on the second one.

A marketing withdrawal also puts the address on the suppression list, so no later import
subscribes it again; a consent the person gives again themselves lifts that entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from peewee import Select, fn

from store import audit, clock, forget_ledger
from store.customers import email_hash
from store.db import together
from store.errors import InvalidInput, RuleViolation
from store.i18n import translate
from store.models import ConsentEvent, Customer, MarketingSuppression, database, tuples
from store.restriction import active_restriction_exists

PURPOSES = ("register", "marketing")
CHANNELS = (
    "website_form",
    "ticketing_registration",
    "newsletter_signup",
    "email_request",
    "newsletter_link",
    "staff",
    "import",
    "erasure",  # closed because the customer was erased
    "restore",  # withdrawn again when a backup was restored (the forget ledger's replay)
)
FORM_CHECKBOXES = {"register_consent": "register", "marketing_consent": "marketing"}
"""The website form's fields and the purpose each checkbox gives."""

_OWN_CHOICE = (
    "website_form",
    "newsletter_signup",
    "email_request",
    "newsletter_link",
    "staff",
    "ticketing_registration",
)
"""Channels on which the person acts themselves: a fresh consent lifts a suppression."""


@dataclass(frozen=True)
class ConsentState:
    """The current state of one purpose, as the ledger's latest event says."""

    purpose: str
    given: bool
    at: datetime | None
    channel: str | None


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
        raise InvalidInput(
            f"unknown consent purpose {purpose!r}", key="consent.bad_purpose", purpose=purpose
        )
    if channel not in CHANNELS:
        raise InvalidInput(
            f"unknown consent channel {channel!r}", key="consent.bad_channel", channel=channel
        )
    if customer.erased_at is not None:
        raise RuleViolation(
            f"customer {customer.customer_no} is erased",
            key="consent.erased",
            customer_no=customer.customer_no,
        )
    at = at or clock.now()
    with database.atomic():
        event = ConsentEvent.create(
            customer=customer,
            purpose=purpose,
            given=given,
            at=at,
            channel=channel,
            evidence=evidence,
            wording_version=wording_version,
            recorded_by=actor,
            request_reference=request_reference,
        )
        if not given:
            forget_ledger.note(
                forget_ledger.Act.CONSENT_WITHDRAWN, customer.customer_no, purpose=purpose
            )
        if purpose == "marketing" and customer.email:
            if not given:
                suppress(customer.email, reason="objection", at=at)
            elif channel in _OWN_CHOICE:
                unsuppress(customer.email)
        audit.record(
            f"consent.{purpose}.{'given' if given else 'withdrawn'}",
            actor,
            customer_no=customer.customer_no,
            request_reference=request_reference,
            channel=channel,
            effective_at=clock.iso(at),
        )
    return event


def record_form_consents(
    customer: Customer,
    form_fields: dict[str, Any],
    *,
    actor: str,
    evidence: str,
    wording_version: str = "",
    request_reference: str | None = None,
    at: datetime | None = None,
) -> list[ConsentEvent]:
    """Record the website form's two checkboxes (channel ``website_form``).

    A checkbox the form did not send records nothing; one that differs from the current
    state records one event.
    """
    events = []
    for field_name, purpose in FORM_CHECKBOXES.items():
        if field_name not in form_fields:
            continue
        given = _checked(form_fields[field_name])
        if has_consent(customer, purpose) == given and latest_event(customer, purpose):
            continue
        events.append(
            record_consent(
                customer,
                purpose,
                given,
                channel="website_form",
                actor=actor,
                evidence=evidence,
                wording_version=wording_version,
                request_reference=request_reference,
                at=at,
            )
        )
    return events


def _checked(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().casefold() in {"1", "on", "yes", "true", "x", "kyllä", "ja"}


def latest_event(customer: Customer, purpose: str) -> ConsentEvent | None:
    return (
        ConsentEvent.select()
        .where((ConsentEvent.customer == customer) & (ConsentEvent.purpose == purpose))
        .order_by(ConsentEvent.at.desc(), ConsentEvent.id.desc())
        .get_or_none()
    )


def has_consent(customer: Customer, purpose: str) -> bool:
    event = latest_event(customer, purpose)
    return bool(event and event.given)


def consent_state(customer: Customer) -> dict[str, ConsentState]:
    """Both purposes' current state, for screens and the data package."""
    states = {}
    for purpose in PURPOSES:
        event = latest_event(customer, purpose)
        states[purpose] = ConsentState(
            purpose,
            bool(event and event.given),
            event.at if event else None,
            event.channel if event else None,
        )
    return states


def history(customer: Customer) -> list[ConsentEvent]:
    """Every event about ``customer``, oldest first."""
    return list(
        ConsentEvent.select()
        .where(ConsentEvent.customer == customer)
        .order_by(ConsentEvent.at, ConsentEvent.id)
    )


def _latest_event_id(purpose: str) -> Select:
    """The id of each customer's latest event for ``purpose`` (a correlated subquery)."""
    inner = ConsentEvent.alias()
    return (
        inner.select(inner.id)
        .where((inner.customer == Customer.id) & (inner.purpose == purpose))
        .order_by(inner.at.desc(), inner.id.desc())
        .limit(1)
    )


def customers_with_consent(purpose: str) -> Select:
    """Customers whose latest ``purpose`` event is a consent given."""
    return (
        Customer.select(Customer)
        .join(ConsentEvent, on=(ConsentEvent.customer == Customer.id))
        .where((ConsentEvent.id == _latest_event_id(purpose)) & ConsentEvent.given)
    )


def consenting_ids(purpose: str, customer_ids: Iterable[int]) -> set[int]:
    """Which of ``customer_ids`` have ``purpose`` consent now (one query per 500 ids)."""
    ids = list(customer_ids)
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        latest: dict[int, tuple[datetime, int, bool]] = {}
        query = ConsentEvent.select(
            ConsentEvent.id, ConsentEvent.customer, ConsentEvent.at, ConsentEvent.given
        ).where(ConsentEvent.customer.in_(chunk) & (ConsentEvent.purpose == purpose))
        for event_id, customer_id, at, given in tuples(query, tuple[int, int, datetime, bool]):
            if customer_id not in latest or (at, event_id) > latest[customer_id][:2]:
                latest[customer_id] = (at, event_id, given)
        found.update(cid for cid, (_, _, given) in latest.items() if given)
    return found


def marketing_candidates() -> Select:
    """Customers with marketing consent now: not erased, not restricted, with an address."""
    return (
        customers_with_consent("marketing")
        .where(
            Customer.erased_at.is_null()
            & Customer.email.is_null(False)
            & ~fn.EXISTS(active_restriction_exists())
        )
        .order_by(Customer.customer_no)
    )


def marketing_recipients() -> list[Customer]:
    """Exactly the customers who may receive marketing now."""
    blocked = suppressed_candidate_ids()
    return [customer for customer in marketing_candidates() if customer.id not in blocked]


def suppressed_candidate_ids() -> set[int]:
    """Marketing candidates whose address is on the suppression list.

    The list holds address hashes, which SQL cannot compute portably, so they are compared
    here; it only matters for an address that objected and came back (or is shared).
    """
    suppressed = {
        row.email_hash for row in MarketingSuppression.select(MarketingSuppression.email_hash)
    }
    if not suppressed:
        return set()
    blocked = set()
    for customer_id, email in tuples(
        marketing_candidates().select(Customer.id, Customer.email).order_by(), tuple[int, str]
    ):
        try:
            if email_hash(email) in suppressed:
                blocked.add(customer_id)
        except InvalidInput:
            blocked.add(customer_id)  # an address we cannot even hash is no recipient
    return blocked


def marketing_ids() -> Select:
    """The ids of :func:`marketing_recipients`, as a subquery (for a mass mailing)."""
    query = marketing_candidates().select(Customer.id).order_by()
    blocked = suppressed_candidate_ids()
    return query.where(Customer.id.not_in(sorted(blocked))) if blocked else query


RESTRICTED = "processing restricted (Art. 18)"
MARKETING_REFUSALS = (
    "customer erased",
    "no email address",
    "marketing consent withdrawn",
    "address on the suppression list",
    RESTRICTED,
)
"""Why a customer may not receive marketing now: fixed phrases, free of personal data, for
a skipped mail's ``last_error`` and the audit trail."""


@dataclass(frozen=True)
class MarketingStanding:
    """Everything that decides whether a customer may receive marketing, read at once."""

    erased: bool
    email: str | None  # the address on record now
    consent: bool
    suppressed: bool  # the address asked about is on the suppression list
    restricted: bool

    @property
    def refusal(self) -> str | None:
        """Why not (one of :data:`MARKETING_REFUSALS`), or None.  A restriction comes first:
        the Art. 18 reason is the one a skipped mail must name, whatever else applies."""
        if self.restricted:
            return RESTRICTED
        if self.erased:
            return "customer erased"
        if not self.email:
            return "no email address"
        if not self.consent:
            return "marketing consent withdrawn"
        if self.suppressed:
            return "address on the suppression list"
        return None


def marketing_standing(customer_id: int, address: str | None = None) -> MarketingStanding | None:
    """The customer's standing for marketing to ``address`` (default: theirs), in one query:
    the pre-send check asks it for every newsletter mail, so it must be cheap.  None when
    there is no such customer."""
    latest = (
        ConsentEvent.select(ConsentEvent.given)
        .where((ConsentEvent.customer == Customer.id) & (ConsentEvent.purpose == "marketing"))
        .order_by(ConsentEvent.at.desc(), ConsentEvent.id.desc())
        .limit(1)
    )
    columns = [
        Customer.erased_at,
        Customer.email,
        latest.alias("consent"),
        fn.EXISTS(active_restriction_exists()).alias("restricted"),
    ]
    key = _hash_or_none(address) if address else None
    if key is not None:
        columns.append(
            fn.EXISTS(
                MarketingSuppression.select(MarketingSuppression.id).where(
                    MarketingSuppression.email_hash == key
                )
            ).alias("suppressed")
        )
    row = Customer.select(*columns).where(Customer.id == customer_id).dicts().first()
    if row is None:
        return None
    suppressed = bool(row.get("suppressed"))
    if address is None and row["email"]:
        suppressed = is_suppressed(row["email"])
    return MarketingStanding(
        erased=row["erased_at"] is not None,
        email=row["email"],
        consent=bool(row["consent"]),
        suppressed=suppressed,
        restricted=bool(row["restricted"]),
    )


def marketing_refusal(customer: Customer) -> str | None:
    """Why ``customer`` may not receive marketing now (one of :data:`MARKETING_REFUSALS`),
    or None."""
    standing = marketing_standing(customer.id)
    return standing.refusal if standing is not None else "customer erased"


def may_receive_marketing(customer: Customer) -> bool:
    return marketing_refusal(customer) is None


def is_suppressed(email: str) -> bool:
    key = _hash_or_none(email)
    if key is None:
        return False
    return MarketingSuppression.select().where(MarketingSuppression.email_hash == key).exists()


def _hash_or_none(email: str) -> str | None:
    try:
        return email_hash(email)
    except InvalidInput:
        return None


def suppression_of(email: str | None) -> MarketingSuppression | None:
    key = _hash_or_none(email) if email else None
    if key is None:
        return None
    return MarketingSuppression.get_or_none(MarketingSuppression.email_hash == key)


def suppress(email: str, reason: str, at: datetime | None = None) -> None:
    """Remember an objection to marketing by the address's hash, so no import undoes it."""
    key = email_hash(email)
    with together():
        (
            MarketingSuppression.insert(email_hash=key, created_at=at or clock.now(), reason=reason)
            .on_conflict_ignore()
            .execute()
        )
        forget_ledger.note(forget_ledger.Act.SUPPRESSED, email_hash=key, reason=reason)


def unsuppress(email: str) -> None:
    """The person subscribed again themselves: their new consent counts."""
    key = _hash_or_none(email)
    if key is None:
        return
    MarketingSuppression.delete().where(MarketingSuppression.email_hash == key).execute()


def close_consents(
    still_given: dict[int, list[str]],
    *,
    at: datetime,
    actor: str,
    request_reference: str | None = None,
) -> None:
    """Withdraw the consents still given (customer id -> purposes), for customers being
    erased.  No audit event here: :mod:`store.erasure` records one per customer, naming the
    purposes closed."""
    rows = [
        {
            "customer": cid,
            "purpose": purpose,
            "given": False,
            "at": at,
            "channel": "erasure",
            "evidence": "",
            "wording_version": "",
            "recorded_by": actor,
            "request_reference": request_reference,
        }
        for cid, purposes in still_given.items()
        for purpose in purposes
    ]
    for start in range(0, len(rows), 500):
        ConsentEvent.insert_many(rows[start : start + 500]).execute()


GENERATED_EVIDENCE = (
    (re.compile(r"import of (?P<file>.+), line (?P<line>\d+)"), "consent.evidence.import"),
    (re.compile(r"approved by (?P<actor>\S+)"), "consent.evidence.approved"),
    (
        re.compile(r"newsletter link, inbound message (?P<message>\d+)"),
        "consent.evidence.newsletter_link",
    ),
    (re.compile(r"inbound message (?P<message>\d+)"), "consent.evidence.inbound"),
)
"""The evidence Rekisteri writes itself (the importer, the mailbot, an approval), stored as
written (``--json`` and the package's JSON keep it) and shown in the reader's words."""


def evidence_text(evidence: str, language: str) -> str:
    """``import of ticketing.csv, line 2`` as "tuotu tiedostosta ticketing.csv, rivi 2";
    evidence staff typed in stays as they wrote it."""
    for pattern, key in GENERATED_EVIDENCE:
        found = pattern.fullmatch(evidence.strip())
        if found:
            return translate(key, language, **found.groupdict())
    return evidence
