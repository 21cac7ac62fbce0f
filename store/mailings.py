"""Mass mailings (a breach notice, a newsletter issue): whom they go to, and what became of it.

The data and its rules; rendering and queueing the mail is :mod:`mailbot.mailing`'s part.

- :class:`Selection` chooses customers: everyone, by source, by when their data was in the
  register, or a list of customer numbers.  Erased customers are never chosen: nothing of
  theirs is left to concern them, nor any address to write to.
- A customer is a mailing's recipient at most once (a unique index on mailing and
  customer), and each recipient row is committed together with its outbox row
  (:func:`record_batch`), so a run that stops half-way is simply run again.
- A recipient's delivery status is its outbox row's, never stored a second time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

import peewee

from store import audit, clock, consent
from store.errors import InvalidInput, NotFound
from store.models import (
    MAILING_KINDS,
    OUTBOX_STATUSES,
    SOURCES,
    Breach,
    Customer,
    CustomerSource,
    Mailing,
    MailingRecipient,
    OutboxMail,
    database,
    dicts,
    tuples,
)

NOTICE_STATUSES = ("queued", "sent", "failed")
"""How a listing counts the mail of a mailing: waiting (``queued`` and ``retry`` in the
outbox), delivered, or not delivered and never going to be by itself (``failed`` and
``skipped``)."""

_SUMMARY = {
    "queued": "queued",
    "retry": "queued",
    "sent": "sent",
    "failed": "failed",
    "skipped": "failed",
}


@dataclass(frozen=True)
class Selection:
    """Which customers a mailing goes to.  Filters combine (a source *and* a date range);
    ``customer_nos`` names people one by one and stands alone."""

    everyone: bool = False
    sources: tuple[str, ...] = ()
    customer_nos: tuple[str, ...] = ()
    created_from: date | None = None  # added to the register on or after this day
    created_until: date | None = None  # … and on or before this one
    held_from: date | None = None  # in the register at some time on or after this day
    held_until: date | None = None  # … and on or before this one
    marketing: bool = False  # only those who may receive marketing now (a newsletter)

    def __post_init__(self) -> None:
        filters = (
            self.sources,
            self.created_from,
            self.created_until,
            self.held_from,
            self.held_until,
            self.marketing,
        )
        if not (self.everyone or self.customer_nos or any(filters)):
            raise InvalidInput("choose the recipients", key="mailing.no_selection")
        if self.customer_nos and (self.everyone or any(filters)):
            raise InvalidInput("a list of customers stands alone", key="mailing.list_stands_alone")
        unknown = [source for source in self.sources if source not in SOURCES]
        if unknown:
            raise InvalidInput(
                f"unknown source {', '.join(unknown)}",
                key="mailing.bad_source",
                source=", ".join(unknown),
                allowed=", ".join(SOURCES),
            )
        for start, end in (
            (self.created_from, self.created_until),
            (self.held_from, self.held_until),
        ):
            if start and end and end < start:
                raise InvalidInput("the range ends before it starts", key="mailing.bad_range")

    def describe(self) -> dict[str, Any]:
        """The selection for the record: set criteria only; customer numbers as a count."""
        described: dict[str, Any] = {}
        for name, value in asdict(self).items():
            if not value:
                continue
            if name == "customer_nos":
                described["customers"] = len(value)
            elif isinstance(value, date):
                described[name] = value.isoformat()
            else:
                described[name] = list(value) if isinstance(value, tuple) else value
        return described


def selected_ids(selection: Selection) -> peewee.ModelSelect[Customer]:
    """The ids of the customers ``selection`` chooses (a query, for use as a subquery).

    Raises :class:`NotFound` naming the customer numbers that are not in the register.
    """
    query = Customer.select(Customer.id).where(Customer.erased_at.is_null())
    if selection.customer_nos:
        wanted = sorted({number.strip() for number in selection.customer_nos if number.strip()})
        known = {
            row.customer_no
            for row in Customer.select(Customer.customer_no).where(Customer.customer_no.in_(wanted))
        }
        missing = [number for number in wanted if number not in known]
        if missing:
            shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
            raise NotFound(
                f"not in the register: {shown}",
                key="mailing.unknown_customers",
                count=len(missing),
                numbers=shown,
            )
        return query.where(Customer.customer_no.in_(wanted))
    if selection.marketing:
        query = query.where(Customer.id.in_(consent.marketing_ids()))
    if selection.sources:
        query = query.where(
            Customer.id.in_(
                CustomerSource.select(CustomerSource.customer).where(
                    CustomerSource.source.in_(selection.sources)
                )
            )
        )
    if selection.created_from:
        query = query.where(Customer.created_at >= clock.start_of_local_day(selection.created_from))
    if selection.created_until:
        query = query.where(Customer.created_at <= clock.end_of_local_day(selection.created_until))
    # Held during a range: registered before it ended, relationship not over before it began.
    if selection.held_until:
        query = query.where(Customer.created_at <= clock.end_of_local_day(selection.held_until))
    if selection.held_from:
        query = query.where(
            Customer.relationship_ended_at.is_null()
            | (Customer.relationship_ended_at >= clock.start_of_local_day(selection.held_from))
        )
    return query


# ---------------------------------------------------------------- planning and recording


def find_mailing(
    kind: str, *, breach: Breach | None = None, newsletter_id: int | None = None
) -> Mailing | None:
    """The mailing of a breach (or a newsletter issue), or None before it was started."""
    subject = (
        (Mailing.breach == breach)
        if breach is not None
        else (Mailing.newsletter_id == newsletter_id)
    )
    return Mailing.get_or_none((Mailing.kind == kind) & subject)


def start_mailing(
    kind: str,
    template: str,
    actor: str,
    *,
    breach: Breach | None = None,
    newsletter_id: int | None = None,
) -> Mailing:
    """The mailing of a breach or a newsletter issue, created (and audited) on first use."""
    if kind not in MAILING_KINDS:
        raise InvalidInput(f"not a kind of mailing: {kind}")
    if (breach is None) == (newsletter_id is None):
        raise InvalidInput("a mailing is about one breach or one newsletter issue")
    found = find_mailing(kind, breach=breach, newsletter_id=newsletter_id)
    if found is not None:
        return found
    try:
        with database.atomic():
            mailing = Mailing.create(
                kind=kind,
                breach=breach,
                newsletter_id=newsletter_id,
                template=template,
                created_at=clock.now(),
                created_by=actor,
            )
            audit.record(
                "mailing.created",
                actor,
                mailing=mailing.id,
                kind=kind,
                breach=breach.id if breach is not None else None,
                newsletter=newsletter_id,
            )
    except peewee.IntegrityError:  # another run created it a moment ago
        found = find_mailing(kind, breach=breach, newsletter_id=newsletter_id)
        if found is None:
            raise
        return found
    return mailing


@dataclass(frozen=True)
class MailingPlan:
    """What a selection would add to a mailing, before anything is queued."""

    selected: int
    already: int  # recipients of this mailing from an earlier run
    with_email: int  # new recipients who get a mail
    without_email: int  # new recipients who need another channel

    @property
    def new(self) -> int:
        return self.with_email + self.without_email


def pending_ids(mailing: Mailing, selection: Selection) -> list[int]:
    """Selected customers who are not this mailing's recipients yet, by id."""
    chosen = selected_ids(selection)
    done = MailingRecipient.select(MailingRecipient.customer).where(
        MailingRecipient.mailing == mailing
    )
    return [row.id for row in chosen.where(Customer.id.not_in(done)).order_by(Customer.id)]


def plan(mailing: Mailing | None, selection: Selection) -> MailingPlan:
    """What ``selection`` would add to ``mailing`` (None: a mailing not started yet)."""
    chosen = selected_ids(selection)
    selected = chosen.count()
    fresh = chosen
    if mailing is not None:
        fresh = chosen.where(
            Customer.id.not_in(
                MailingRecipient.select(MailingRecipient.customer).where(
                    MailingRecipient.mailing == mailing
                )
            )
        )
    with_email = fresh.where(Customer.email.is_null(False) & (Customer.email != "")).count()
    new = fresh.count()
    return MailingPlan(
        selected=selected,
        already=selected - new,
        with_email=with_email,
        without_email=new - with_email,
    )


def lock_mailing(mailing: Mailing) -> None:
    """Inside a transaction: take the mailing's row lock, so two runs of the same mailing
    queue one batch at a time and each sees the other's recipients."""
    Mailing.update(last_queued_at=clock.now()).where(Mailing.id == mailing.id).execute()


def recipients_already(mailing: Mailing, customer_ids: Sequence[int]) -> set[int]:
    return {
        row.customer_id
        for row in MailingRecipient.select(MailingRecipient.customer).where(
            (MailingRecipient.mailing == mailing)
            & MailingRecipient.customer.in_(list(customer_ids))
        )
    }


def batch_customers(customer_ids: Sequence[int]) -> list[Customer]:
    """The columns a mail needs, for one batch: no more is read."""
    return list(
        Customer.select(
            Customer.id,
            Customer.customer_no,
            Customer.first_name,
            Customer.last_name,
            Customer.email,
            Customer.language,
        )
        .where(Customer.id.in_(list(customer_ids)) & Customer.erased_at.is_null())
        .order_by(Customer.id)
    )


@dataclass(frozen=True)
class NewRecipient:
    customer_id: int
    outbox_id: int | None
    language: str
    reason: str | None = None  # why there is no mail: ``no_email``


def record_batch(
    mailing: Mailing, recipients: Iterable[NewRecipient], actor: str, **summary: Any
) -> int:
    """Store a batch's recipients, and one audit event for the batch with its counts.

    Call it in the transaction that queued the batch's outbox rows.
    """
    now = clock.now()
    rows = [
        {
            "mailing": mailing.id,
            "customer": item.customer_id,
            "outbox": item.outbox_id,
            "status": "queued" if item.outbox_id else "no_email",
            "reason": item.reason,
            "language": item.language,
            "created_at": now,
        }
        for item in recipients
    ]
    if not rows:
        return 0
    with database.atomic():
        for start in range(0, len(rows), 500):
            MailingRecipient.insert_many(rows[start : start + 500]).execute()
        counts = Counter(row["status"] for row in rows)
        audit.record(
            "mailing.batch_queued",
            actor,
            mailing=mailing.id,
            kind=mailing.kind,
            breach=mailing.breach_id,
            queued=counts["queued"],
            without_email=counts["no_email"],
            **summary,
        )
    return len(rows)


def record_selection(
    mailing: Mailing, selection: Selection, actor: str, added: MailingPlan
) -> None:
    """Note how a run chose its recipients, on the mailing and in the audit trail."""
    entry = {
        "at": clock.iso(clock.now()),
        "by": actor,
        **selection.describe(),
        "queued": added.with_email,
        "without_email": added.without_email,
    }
    with database.atomic():
        mailing.selections = [*mailing.selections, entry]
        Mailing.update(selections=mailing.selections).where(Mailing.id == mailing.id).execute()
        audit.record(
            "mailing.queued",
            actor,
            mailing=mailing.id,
            kind=mailing.kind,
            breach=mailing.breach_id,
            selection=selection.describe(),
            queued=added.with_email,
            without_email=added.without_email,
            already=added.already,
        )


# ---------------------------------------------------------------- reading


def notice_counts(mailing_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Per mailing: mails ``queued``, ``sent`` and ``failed`` (:data:`NOTICE_STATUSES`)."""
    counts = {}
    for mailing_id, by_status in status_counts(mailing_ids).items():
        counts[mailing_id] = dict.fromkeys(NOTICE_STATUSES, 0)
        for status, count in by_status.items():
            counts[mailing_id][_SUMMARY.get(status, "queued")] += count
    return counts


def status_counts(mailing_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Per mailing: its mails by outbox status (every one of ``OUTBOX_STATUSES``)."""
    ids = list(mailing_ids)
    counts = {mailing_id: dict.fromkeys(OUTBOX_STATUSES, 0) for mailing_id in ids}
    if not ids:
        return counts
    rows = tuples(
        MailingRecipient.select(
            MailingRecipient.mailing,
            OutboxMail.status,
            peewee.fn.COUNT(MailingRecipient.id).alias("n"),
        )
        .join(OutboxMail, on=(MailingRecipient.outbox == OutboxMail.id))
        .where(MailingRecipient.mailing.in_(ids))
        .group_by(MailingRecipient.mailing, OutboxMail.status),
        tuple[int, str, int],
    )
    for mailing_id, status, count in rows:
        counts[mailing_id][status] = counts[mailing_id].get(status, 0) + count
    return counts


def without_email(mailing_ids: Iterable[int]) -> dict[int, list[str]]:
    """Per mailing: the customer numbers of recipients who need another channel."""
    ids = list(mailing_ids)
    found: dict[int, list[str]] = {mailing_id: [] for mailing_id in ids}
    if not ids:
        return found
    rows = tuples(
        MailingRecipient.select(MailingRecipient.mailing, Customer.customer_no)
        .join(Customer, on=(MailingRecipient.customer == Customer.id))
        .where(MailingRecipient.mailing.in_(ids) & (MailingRecipient.status == "no_email"))
        .order_by(Customer.customer_no),
        tuple[int, str],
    )
    for mailing_id, customer_no in rows:
        found[mailing_id].append(customer_no)
    return found


@dataclass(frozen=True)
class RecipientLine:
    customer_no: str
    name: str
    email: str | None
    phone: str | None  # E.164
    address: str  # street, postal code and city: for a letter instead
    language: str
    status: str  # the outbox's status, or ``no_email``
    message_id: str | None
    attempts: int
    last_error: str | None
    sent_at: datetime | None
    queued_at: datetime
    informed_how: str | None = None  # told another way: store.breaches.InformedChannel
    informed_at: datetime | None = None
    informed_by: str | None = None


def recipient_status(status: str, mail_status: str | None) -> str:
    """What became of one recipient: told another way wins over what became of the mail
    (a failed one, say); else the mail's own status, or ``no_email``."""
    if status == "informed":
        return status
    return mail_status or status


def recipient_lines(mailing: Mailing, *, status: str | None = None) -> list[RecipientLine]:
    """Every recipient and what became of their mail (the message bytes are not read)."""
    query = (
        MailingRecipient.select(
            MailingRecipient.status,
            MailingRecipient.language,
            MailingRecipient.created_at,
            MailingRecipient.informed_how,
            MailingRecipient.informed_at,
            MailingRecipient.informed_by,
            Customer.customer_no,
            Customer.first_name,
            Customer.last_name,
            Customer.email,
            Customer.phone,
            Customer.street_address,
            Customer.postal_code,
            Customer.city,
            OutboxMail.message_id,
            OutboxMail.status.alias("mail_status"),
            OutboxMail.attempts,
            OutboxMail.last_error,
            OutboxMail.sent_at,
        )
        .join_from(MailingRecipient, Customer, on=(MailingRecipient.customer == Customer.id))
        .join_from(
            MailingRecipient,
            OutboxMail,
            peewee.JOIN.LEFT_OUTER,
            on=(MailingRecipient.outbox == OutboxMail.id),
        )
        .where(MailingRecipient.mailing == mailing)
        .order_by(Customer.customer_no)
    )
    lines = []
    for row in dicts(query):
        line_status = recipient_status(row["status"], row["mail_status"])
        if status and line_status != status:
            continue
        name = " ".join(part for part in (row["first_name"], row["last_name"]) if part)
        town = " ".join(part for part in (row["postal_code"], row["city"]) if part)
        queued_at = _aware(row["created_at"])
        assert queued_at is not None  # MailingRecipient.created_at is NOT NULL
        lines.append(
            RecipientLine(
                customer_no=row["customer_no"],
                name=name,
                email=row["email"],
                phone=row["phone"],
                address=", ".join(part for part in (row["street_address"], town) if part),
                language=row["language"],
                status=line_status,
                message_id=row["message_id"],
                attempts=row["attempts"] or 0,
                last_error=row["last_error"],
                sent_at=_aware(row["sent_at"]),
                queued_at=queued_at,
                informed_how=row["informed_how"],
                informed_at=_aware(row["informed_at"]),
                informed_by=row["informed_by"],
            )
        )
    return lines


def get_mailing(mailing_id: int) -> Mailing:
    mailing = Mailing.get_or_none(Mailing.id == mailing_id)
    if mailing is None:
        raise NotFound(f"no mailing {mailing_id}", key="mailing.not_found", id=mailing_id)
    return mailing


def _aware(value: Any) -> datetime | None:
    """``.dicts()`` bypasses the field's conversion on some drivers: make it aware UTC."""
    if value is None:
        return None
    from store.fields import UtcDateTimeField

    return UtcDateTimeField().python_value(value)
