"""Restriction of processing (GDPR Art. 18, *rajoituspyyntö*).

While a customer is restricted their data is stored and nothing else: it is left out of
the marketing list and every newsletter (:func:`store.consent.marketing_candidates`,
:func:`store.consent.may_receive_marketing`), the retention job holds it back instead of
erasing it, and erasure refuses it (:mod:`store.erasure`).  Screens mark the customer.

- **Applying** records the ground (Art. 18(1)(a)–(d), :data:`GROUNDS`) and who applied it.
  A restriction asked for in a request is applied only once the request is approved, which
  itself needs the logged verification call (:func:`store.lifecycle.approve`).
- **Lifting** comes after the person was told (Art. 18(3)): :func:`lift_restriction`
  refuses unless the mail that tells them (template :data:`LIFTED_TEMPLATE`, queued since
  the restriction began) is handed to it, or, for a person we have no address for, staff
  record how they were told.  ``mailbot.restriction_notices.lift`` queues that mail and
  lifts in one transaction, in that order.

Each step writes its audit event in its transaction; the payloads carry the ground's code,
never the free-text notes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import peewee
from peewee import Expression, Select

from store import audit, clock, forget_ledger
from store.errors import InvalidInput, NotFound, RuleViolation
from store.i18n import code_text
from store.models import Customer, Kind, OutboxMail, Request, Restriction, Status, database, tuples

GROUNDS = (
    "accuracy_contested",  # 18(1)(a): while the accuracy of the data is checked
    "unlawful_processing",  # 18(1)(b): unlawful, but the person wants it kept, not erased
    "legal_claims",  # 18(1)(c): we no longer need it, the person needs it for a legal claim
    "objection_pending",  # 18(1)(d): while an objection under 21(1) is weighed
)

APPLIED_TEMPLATE = "restriction_applied"
"""The mail confirming a restriction to the person."""

LIFTED_TEMPLATE = "restriction_lifted"
"""The mail telling the person, before it happens, that the restriction ends (18(3))."""

NOTICE_STATUSES = ("queued", "retry", "sent")
"""A lifting notice in one of these states is on its way or delivered."""


@dataclass(frozen=True)
class RestrictionLine:
    """A restriction as listings show it."""

    customer_no: str
    ground: str
    note: str
    started_at: datetime
    started_by: str
    request_reference: str | None
    lifted_at: datetime | None
    lifted_by: str
    lift_reason: str

    @property
    def active(self) -> bool:
        return self.lifted_at is None

    def as_json(self) -> dict[str, Any]:
        return {
            "customer_no": self.customer_no,
            "ground": self.ground,
            "note": self.note,
            "started_at": clock.iso(self.started_at),
            "started_by": self.started_by,
            "request": self.request_reference,
            "active": self.active,
            "lifted_at": clock.iso(self.lifted_at),
            "lifted_by": self.lifted_by or None,
            "lift_reason": self.lift_reason or None,
        }


def ground_text(ground: str, language: str) -> str:
    """A ground in words ("oikeusvaatimuksen laatiminen, esittäminen tai puolustaminen"), or
    the text as stored when it is not one of :data:`GROUNDS`."""
    return code_text("restriction.ground", ground, language) or "–"


# ---------------------------------------------------------------- reading


def in_force() -> Expression:
    """The one rule for "restricted now": a restriction that has not been lifted.  Every
    question below asks it (the unique index ``restriction_one_active`` has the same
    condition, so a customer has at most one restriction in force)."""
    return Restriction.lifted_at.is_null()


def active_restriction(customer: Customer) -> Restriction | None:
    return Restriction.select().where((Restriction.customer == customer) & in_force()).get_or_none()


def is_restricted(customer: Customer) -> bool:
    return Restriction.select().where((Restriction.customer == customer) & in_force()).exists()


def active_restriction_exists() -> Select:
    """Whether the customer of the outer query is restricted now: for ``fn.EXISTS``."""
    return Restriction.select(Restriction.id).where(
        (Restriction.customer == Customer.id) & in_force()
    )


def restricted_among(customer_ids: Iterable[int]) -> set[int]:
    """Which of ``customer_ids`` are restricted now (one query)."""
    return {
        cid
        for (cid,) in tuples(
            Restriction.select(Restriction.customer).where(
                Restriction.customer.in_(list(customer_ids)) & in_force()
            ),
            tuple[int],
        )
    }


def restricted_ids() -> set[int]:
    """The ids of every customer under an active restriction (one query)."""
    return set(active_grounds())


def active_grounds() -> dict[int, str]:
    """Customer id → the ground of their active restriction."""
    return dict(
        tuples(
            Restriction.select(Restriction.customer, Restriction.ground).where(in_force()),
            tuple[int, str],
        )
    )


def restriction_lines(*, include_lifted: bool = False) -> list[RestrictionLine]:
    """Active restrictions (and with ``include_lifted`` the lifted ones), by customer."""
    query = (
        Restriction.select(Restriction, Customer.customer_no)
        .join(Customer, on=(Restriction.customer == Customer.id))
        .order_by(Customer.customer_no, Restriction.started_at)
    )
    if not include_lifted:
        query = query.where(in_force())
    return [
        RestrictionLine(
            row.customer.customer_no,
            row.ground,
            row.note,
            row.started_at,
            row.started_by,
            row.request_reference,
            row.lifted_at,
            row.lifted_by,
            row.lift_reason,
        )
        for row in query
    ]


def originating_request(restriction: Restriction) -> Request | None:
    if not restriction.request_reference:
        return None
    return Request.get_or_none(Request.reference == restriction.request_reference)


def notice_address(restriction: Restriction) -> str | None:
    """Where the mail about lifting goes: the address on record, else the one the
    restriction request came from; None when we have no address for the person."""
    customer = Customer.get_by_id(restriction.customer_id)
    if customer.email:
        return customer.email
    request = originating_request(restriction)
    if request is not None and request.requester_email:
        return request.requester_email
    return None


# ---------------------------------------------------------------- applying


def apply_restriction(
    customer: Customer,
    *,
    ground: str,
    actor: str,
    note: str = "",
    request: Request | None = None,
    at: datetime | None = None,
) -> Restriction:
    """Restrict processing of ``customer``'s data on ``ground``, audited.

    With ``request``, it must be the customer's approved restriction request.
    """
    if ground not in GROUNDS:
        raise InvalidInput(
            f"unknown restriction ground {ground!r}",
            key="restriction.bad_ground",
            ground=ground,
            allowed=", ".join(GROUNDS),
        )
    if request is not None:
        _check_request(request, customer)
    at = at or clock.now()
    with database.atomic():
        fresh = Customer.get_by_id(customer.id)
        if fresh.erased_at is not None:
            raise RuleViolation(
                f"customer {fresh.customer_no} is erased",
                key="restriction.erased",
                customer_no=fresh.customer_no,
            )
        if active_restriction(fresh) is not None:
            raise _already(fresh)
        try:
            with database.atomic():  # a savepoint: the unique index decides a race
                restriction = Restriction.create(
                    customer=fresh,
                    ground=ground,
                    note=note.strip(),
                    started_at=at,
                    started_by=actor,
                    request_reference=request.reference if request else None,
                )
        except peewee.IntegrityError:
            raise _already(fresh) from None
        forget_ledger.note(forget_ledger.Act.RESTRICTED, fresh.customer_no, ground=ground)
        audit.record(
            "restriction.applied",
            actor,
            customer_no=fresh.customer_no,
            request_reference=request.reference if request else None,
            ground=ground,
        )
    return restriction


def _check_request(request: Request, customer: Customer) -> None:
    if request.kind != Kind.RESTRICTION:
        raise RuleViolation(
            f"request {request.reference} is not a restriction request",
            key="restriction.wrong_kind",
            reference=request.reference,
        )
    if request.customer_id != customer.id or request.match_state != "confirmed":
        raise RuleViolation(
            f"request {request.reference} is not about {customer.customer_no}",
            key="restriction.wrong_customer",
            reference=request.reference,
            customer_no=customer.customer_no,
        )
    if request.status != Status.APPROVED:
        raise RuleViolation(
            f"request {request.reference} is not approved",
            key="restriction.needs_approval",
            reference=request.reference,
        )


def _already(customer: Customer) -> RuleViolation:
    return RuleViolation(
        f"customer {customer.customer_no} is already restricted",
        key="restriction.already",
        customer_no=customer.customer_no,
    )


# ---------------------------------------------------------------- lifting


def lift_restriction(
    restriction: Restriction,
    *,
    actor: str,
    reason: str,
    notice: OutboxMail | None = None,
    informed_otherwise: str = "",
    at: datetime | None = None,
    replayed: bool = False,
) -> Restriction:
    """End the restriction, after the person was told (Art. 18(3)).

    ``notice`` is the :data:`LIFTED_TEMPLATE` mail queued to the person for this; only a
    person we have no address for may instead be told another way, which staff describe
    in ``informed_otherwise`` (a letter, a call).  ``replayed``: a restore carries out
    again a lifting made (and told) after its backup (:func:`store.backup.replay`).
    """
    reason = require_reason(reason)
    informed_otherwise = informed_otherwise.strip()
    customer = Customer.get_by_id(restriction.customer_id)
    if replayed:
        informed_otherwise = informed_otherwise or "restore"
    elif notice is not None:
        _check_notice(restriction, notice)
    elif notice_address(restriction) is not None:
        raise RuleViolation(
            "queue the mail telling the person before lifting",
            key="restriction.notice_first",
            customer_no=customer.customer_no,
        )
    elif not informed_otherwise:
        raise RuleViolation(
            "say how the person was told",
            key="restriction.informed_required",
            customer_no=customer.customer_no,
        )
    at = at or clock.now()
    with database.atomic():
        lifted = (
            Restriction.update(
                lifted_at=at,
                lifted_by=actor,
                lift_reason=reason,
                lift_notice_message_id=notice.message_id if notice else None,
                lift_informed_otherwise="" if notice else informed_otherwise,
            )
            .where((Restriction.id == restriction.id) & in_force())
            .execute()
        )
        if not lifted:
            raise RuleViolation(
                f"the restriction of {customer.customer_no} is not active",
                key="restriction.not_active",
                customer_no=customer.customer_no,
            )
        forget_ledger.note(forget_ledger.Act.LIFTED, customer.customer_no)
        audit.record(
            "restriction.lifted",
            actor,
            customer_no=customer.customer_no,
            request_reference=restriction.request_reference,
            ground=restriction.ground,
            told="mail" if notice else "otherwise",
            outbox_id=notice.id if notice else None,
        )
    restriction.lifted_at, restriction.lifted_by, restriction.lift_reason = at, actor, reason
    return restriction


def require_reason(reason: str) -> str:
    """Lifting needs a reason: the person is told it (and it is kept with the row)."""
    if not reason.strip():
        raise RuleViolation("give the reason for lifting", key="restriction.reason_required")
    return reason.strip()


def _check_notice(restriction: Restriction, notice: OutboxMail) -> None:
    fresh = OutboxMail.get_or_none(OutboxMail.id == notice.id)
    if (
        fresh is None
        or fresh.template != LIFTED_TEMPLATE
        or fresh.customer_id != restriction.customer_id
        or fresh.created_at < restriction.started_at
        or fresh.status not in NOTICE_STATUSES
    ):
        customer = Customer.get_by_id(restriction.customer_id)
        raise RuleViolation(
            "that mail does not tell the person about lifting",
            key="restriction.notice_first",
            customer_no=customer.customer_no,
        )


def get_active(customer: Customer) -> Restriction:
    """The customer's active restriction, or :class:`NotFound`."""
    restriction = active_restriction(customer)
    if restriction is None:
        raise NotFound(
            f"customer {customer.customer_no} is not restricted",
            key="restriction.not_active",
            customer_no=customer.customer_no,
        )
    return restriction
