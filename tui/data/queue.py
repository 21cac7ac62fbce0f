"""The request queue: open requests with their deadlines, and the desk's health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from peewee import JOIN, Case, fn

from store import clock, deadlines
from store.config import Settings
from store.heartbeat import last_fetch_at, mailbot_is_stale
from store.models import (
    KINDS,
    OPEN_STATUSES,
    STATUSES,
    Customer,
    OutboxMail,
    Request,
    Restriction,
    dicts,
)
from store.restriction import restricted_ids

SORTS = ("due", "received")
OPEN = "open"
"""The status filter that means every open request, and a closed one with something new on
it (a question after the answer), until someone opens it (the default)."""


@dataclass(frozen=True)
class QueueFilter:
    status: str = OPEN  # OPEN, or one of STATUSES
    kind: str = ""  # "" for every kind, or one of KINDS
    text: str = ""
    sort: str = "due"

    def __post_init__(self) -> None:
        if self.status != OPEN and self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")
        if self.kind and self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}")
        if self.sort not in SORTS:
            raise ValueError(f"unknown sort {self.sort!r}")


@dataclass(frozen=True)
class QueueRow:
    reference: str
    kind: str
    status: str
    requester: str
    customer_no: str
    received_at: datetime
    due_at: datetime
    days_left: int
    failed_mail: bool
    restricted: bool = False  # the matched customer's processing is restricted (Art. 18)
    news: str = ""  # something new since staff last opened it: reply, bounce or attention


@dataclass(frozen=True)
class DeskHealth:
    """What the queue warns about: failed outgoing mail and a mailbot gone quiet."""

    failed_mail: int
    last_fetch_at: datetime | None
    stale: bool


@dataclass(frozen=True)
class QueueSnapshot:
    rows: tuple[QueueRow, ...]
    health: DeskHealth
    signature: tuple[object, ...]


def change_signature() -> tuple[object, ...]:
    """A cheap fingerprint of the queue: when it is unchanged, nothing needs reloading."""
    row = cast(
        tuple[object, ...],
        Request.select(
            fn.COUNT(Request.id),
            fn.MAX(Request.id),
            fn.MAX(Request.updated_at),
            fn.COUNT(Request.news_at),  # opening a request reads its news
        )
        .tuples()
        .get(),
    )
    failed = OutboxMail.select().where(OutboxMail.status == "failed").count()
    # A restriction made or lifted on the customer screen changes no request: a new one
    # raises the highest id, a lift the count of lifted ones.
    restrictions = cast(
        tuple[object, ...],
        Restriction.select(fn.MAX(Restriction.id), fn.COUNT(Restriction.lifted_at)).tuples().get(),
    )
    return (*row, failed, *restrictions)


def load_queue(
    queue_filter: QueueFilter, settings: Settings, now: datetime | None = None
) -> QueueSnapshot:
    now = now or clock.now()
    signature = change_signature()
    failed_requests = OutboxMail.select(OutboxMail.request).where(
        (OutboxMail.status == "failed") & OutboxMail.request.is_null(False)
    )
    failed_ids = {row.request_id for row in failed_requests}
    query = Request.select(
        Request.id,
        Request.reference,
        Request.kind,
        Request.status,
        Request.requester_email,
        Request.requester_name,
        Request.received_at,
        Request.due_at,
        Request.customer,
        Request.news,
        Customer.customer_no,
    ).join(Customer, JOIN.LEFT_OUTER, on=(Request.customer == Customer.id))
    if queue_filter.status == OPEN:
        query = query.where(Request.status.in_(OPEN_STATUSES) | (Request.news != ""))
    else:
        query = query.where(Request.status == queue_filter.status)
    if queue_filter.kind:
        query = query.where(Request.kind == queue_filter.kind)
    text = queue_filter.text.strip()
    if text:
        query = query.where(
            Request.reference.contains(text)
            | fn.LOWER(Request.requester_email).contains(text.lower())
            | fn.LOWER(Request.requester_name).contains(text.lower())
            | Customer.customer_no.startswith(text)
            | Request.reference.startswith(text.upper())
        )
    news_first = Case(None, [(Request.news != "", 0)], 1)
    order = (
        (news_first, Request.due_at, Request.id)
        if queue_filter.sort == "due"
        else (news_first, Request.received_at.desc(), Request.id.desc())
    )
    restricted = restricted_ids()  # few at any time: one small query, no long IN list
    rows = tuple(
        QueueRow(
            reference=row["reference"],
            kind=row["kind"],
            status=row["status"],
            requester=row["requester_name"] or row["requester_email"] or "",
            customer_no=row["customer_no"] or "",
            received_at=row["received_at"],
            due_at=row["due_at"],
            days_left=deadlines.days_left(row["due_at"], now),
            failed_mail=row["id"] in failed_ids,
            restricted=row["customer"] in restricted,
            news=row["news"],
        )
        for row in dicts(query.order_by(*order))
    )
    return QueueSnapshot(rows=rows, health=desk_health(settings, now), signature=signature)


def desk_health(settings: Settings, now: datetime | None = None) -> DeskHealth:
    now = now or clock.now()
    failed = OutboxMail.select().where(OutboxMail.status == "failed").count()
    last = last_fetch_at()
    return DeskHealth(
        failed_mail=failed,
        last_fetch_at=last,
        stale=mailbot_is_stale(last, now, poll_seconds=settings.mail.poll_seconds),
    )
