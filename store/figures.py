"""Figures from the register itself, to show compliance (GDPR Art. 5(2)).

What the record of processing (:mod:`store.record`) prints below its facts, and what
``rekisteri notice --record --json`` gives scripts: the customers by source and consent,
the requests of the last twelve months by kind and outcome with the share answered within
the deadline, the longest open request, restrictions, and the breach register.

Every figure is a count query; nothing here reads a customer's personal fields.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from peewee import fn

from store import clock, deadlines
from store.breaches import filed_late
from store.consent import customers_with_consent, marketing_recipients
from store.models import (
    CLOSED_STATUSES,
    KINDS,
    OPEN_STATUSES,
    SOURCES,
    Breach,
    Customer,
    CustomerSource,
    Request,
    Restriction,
    tuples,
)
from store.restriction import in_force

PERIOD_MONTHS = 12
OUTCOMES = ("fulfilled", "rejected", "dismissed", "open")
"""How a request of the period ended: its closing status, or still open."""

ANSWERED = ("fulfilled", "rejected")
"""Closed with an answer to the person (dismissed mail was not a request)."""


def period_start(now: datetime) -> datetime:
    """The start of the Finnish day twelve months before today."""
    return clock.start_of_local_day(deadlines.add_months(clock.local_today(now), -PERIOD_MONTHS))


def register_figures(now: datetime | None = None) -> dict[str, Any]:
    now = now or clock.now()
    start = period_start(now)
    return {
        "period": {"from": clock.iso(start), "until": clock.iso(now)},
        "customers": _customers(),
        "requests": _requests(start, now),
        "restrictions": _restrictions(start),
        "breaches": _breaches(start),
    }


def _customers() -> dict[str, Any]:
    in_register = Customer.erased_at.is_null()
    by_source = dict.fromkeys(SOURCES, 0)
    for source, count in tuples(
        CustomerSource.select(CustomerSource.source, fn.COUNT(CustomerSource.id))
        .join(Customer, on=(CustomerSource.customer == Customer.id))
        .where(in_register)
        .group_by(CustomerSource.source),
        tuple[str, int],
    ):
        by_source[source] = count
    return {
        "in_register": Customer.select().where(in_register).count(),
        "by_source": by_source,
        "marketing_consent": customers_with_consent("marketing").where(in_register).count(),
        "marketing_list": len(marketing_recipients()),
        "erased": Customer.select().where(Customer.erased_at.is_null(False)).count(),
    }


def _requests(start: datetime, now: datetime) -> dict[str, Any]:
    by_kind = {kind: dict.fromkeys(OUTCOMES, 0) for kind in KINDS}
    answered = on_time = past_due = extended = 0
    rows = (
        Request.select(
            Request.kind, Request.status, Request.closed_at, Request.due_at, Request.extended_at
        )
        .where(Request.received_at >= start)
        .tuples()
    )
    for kind, status, closed_at, due_at, extended_at in rows.iterator():
        outcome = status if status in CLOSED_STATUSES else "open"
        by_kind.setdefault(kind, dict.fromkeys(OUTCOMES, 0))[outcome] += 1
        extended += extended_at is not None
        if status in ANSWERED and closed_at is not None:
            answered += 1
            on_time += closed_at <= due_at
        elif outcome == "open" and now > due_at:
            past_due += 1
    judged = answered + past_due
    return {
        "received": sum(sum(counts.values()) for counts in by_kind.values()),
        "by_kind": by_kind,
        "answered": answered,
        "answered_on_time": on_time,
        "open_past_due": past_due,
        "on_time_share": round(on_time / judged, 4) if judged else None,
        "extended": extended,
        "longest_open": _longest_open(now),
    }


def _longest_open(now: datetime) -> dict[str, Any] | None:
    oldest = (
        Request.select(
            Request.reference, Request.kind, Request.status, Request.received_at, Request.due_at
        )
        .where(Request.status.in_(OPEN_STATUSES))
        .order_by(Request.received_at, Request.id)
        .first()
    )
    if oldest is None:
        return None
    return {
        "reference": oldest.reference,
        "kind": oldest.kind,
        "status": oldest.status,
        "received_at": clock.iso(oldest.received_at),
        "due_at": clock.iso(oldest.due_at),
        "days_open": (clock.local_today(now) - clock.local_today(oldest.received_at)).days,
        "past_due": now > oldest.due_at,
    }


def _restrictions(start: datetime) -> dict[str, int]:
    return {
        "active": Restriction.select().where(in_force()).count(),
        "applied_in_period": Restriction.select().where(Restriction.started_at >= start).count(),
        "lifted_in_period": Restriction.select().where(Restriction.lifted_at >= start).count(),
    }


def _breaches(start: datetime) -> dict[str, int]:
    counts = {
        "recorded": 0,
        "in_period": 0,
        "authority_notified": 0,
        "notified_late": 0,
        "not_notifiable": 0,
        "awaiting_notification": 0,
    }
    for breach in Breach.select(
        Breach.discovered_at, Breach.authority_required, Breach.authority_notified_at
    ):
        counts["recorded"] += 1
        counts["in_period"] += breach.discovered_at >= start
        if breach.authority_notified_at is not None:
            counts["authority_notified"] += 1
            counts["notified_late"] += filed_late(breach)
        elif breach.authority_required is False:
            counts["not_notifiable"] += 1
        else:
            counts["awaiting_notification"] += 1
    return counts
