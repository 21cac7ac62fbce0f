"""The retention job: what the privacy notice promises about time, done every day.

1. **Customers** whose relationship ended ``months_after_relationship`` months ago (exact
   calendar rule: :mod:`store.retention_rules`) and who have no active marketing consent are
   erased through :func:`store.erasure.erase_customers`, the same rule staff use.  A customer
   who only ever joined the newsletter has a relationship that ends when they withdraw
   their marketing consent; the months count from that withdrawal.  Held back, and listed
   with the reason: customers under an active restriction (Art. 18) and customers with an
   open request (they are erased by a later run, once it is closed).
2. **Vouchers** past their six years are deleted (their time runs from the end of the
   calendar year in which the financial year of the purchase ended).
3. **Mail**: requests of erased customers are minimised once they close; raw mail (the bytes
   as received or sent, attachments included) of a request closed more than
   ``mail_grace_days`` ago is removed, and fully redacted when the customer is erased;
   auto-replies, bounces and other ignored mail are redacted after the same grace period.
   Mail we sent to an erased customer (linked to them at erasure) is redacted once sent
   and the grace of its request is over.
4. **People not in the register**: a request no customer is linked to is minimised, and its
   mail in and out redacted, ``non_customer_requests_months`` after it closed; quarantined
   mail (it belongs to no request) the same time after it arrived, and mail we sent to
   nobody in the register (no request, no customer) the same time after it was made.
5. What was removed is removed from the file transport's folder and from SQLite's
   write-ahead log too (:func:`store.erasure.after_commit`).

The job is idempotent (a second run finds nothing), writes one audit event per erased
customer plus one summary event when it changed anything, and is cheap when there is
nothing to do: every step starts from an indexed range query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from peewee import fn

from store import audit, clock
from store.config import Settings
from store.consent import consenting_ids
from store.erasure import (
    FINAL_OUTBOX_STATUSES,
    after_commit,
    erase_customers,
    minimise_requests,
    redact_messages,
    redact_outbox,
)
from store.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Attachment,
    ConsentEvent,
    Customer,
    CustomerSource,
    InboundMessage,
    OutboxMail,
    Purchase,
    Request,
    VerificationCall,
    database,
    tuples,
)
from store.restriction import active_grounds
from store.retention_rules import (
    erasure_due_on,
    is_erasure_due,
    latest_due_end,
    non_customer_closed_before,
    vouchers_expired_before,
)

Progress = Callable[[int, int], None]
BATCH = 500
RETENTION_ACTOR = "@retention"


@dataclass(frozen=True)
class DueErasure:
    """A customer the notice says must go, and why."""

    customer_no: str
    basis: str  # relationship_ended | newsletter_withdrawn
    ended_on: date
    due_on: date
    customer_id: int = field(repr=False, compare=False, default=0)


@dataclass(frozen=True)
class HeldCustomer:
    """A customer due for erasure who is kept for now, and why."""

    customer_no: str
    reason: str  # restricted | open_request
    due_on: date
    ground: str = ""  # restricted: the restriction's ground (store.restriction.GROUNDS)


@dataclass
class RetentionReport:
    at: datetime
    dry_run: bool
    erasures: list[DueErasure] = field(default_factory=list)
    held: list[HeldCustomer] = field(default_factory=list)
    kept_for_marketing: int = 0
    vouchers_deleted: int = 0
    vouchers_up_to: date | None = None  # purchases on or before this day are past their time
    requests_minimised: int = 0
    messages_redacted: int = 0
    messages_raw_removed: int = 0
    outbox_redacted: int = 0
    outbox_raw_removed: int = 0
    package_passwords_forgotten: int = 0

    @property
    def changed_anything(self) -> bool:
        return bool(
            self.erasures
            or self.vouchers_deleted
            or self.requests_minimised
            or self.messages_redacted
            or self.messages_raw_removed
            or self.outbox_redacted
            or self.outbox_raw_removed
            or self.package_passwords_forgotten
        )

    def counts(self) -> dict[str, Any]:
        return {
            "erased": len(self.erasures),
            "held": len(self.held),
            "kept_for_marketing": self.kept_for_marketing,
            "vouchers_deleted": self.vouchers_deleted,
            "requests_minimised": self.requests_minimised,
            "messages_redacted": self.messages_redacted,
            "messages_raw_removed": self.messages_raw_removed,
            "outbox_redacted": self.outbox_redacted,
            "outbox_raw_removed": self.outbox_raw_removed,
            "package_passwords_forgotten": self.package_passwords_forgotten,
        }


def apply_retention(
    settings: Settings,
    *,
    actor: str = RETENTION_ACTOR,
    now: datetime | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> RetentionReport:
    """Find (and unless ``dry_run``, carry out) everything the retention rules ask today."""
    now = now or clock.now()
    report = RetentionReport(at=now, dry_run=dry_run)
    due = _due_customers(settings, now, report)
    report.erasures = due
    if not dry_run:
        # Erasure deletes the erased customers' expired vouchers itself: count them too.
        report.vouchers_deleted = _erase(due, settings, now, actor, progress)
    _vouchers(settings, now, dry_run, report)
    _mail(settings, now, dry_run, report)
    _package_passwords(settings, now, dry_run, report)
    if not dry_run and report.changed_anything:
        audit.record(
            "retention.applied",
            actor,
            **report.counts(),
            vouchers_up_to=report.vouchers_up_to.isoformat() if report.vouchers_up_to else None,
        )
    if not dry_run:
        after_commit(settings)
    return report


# ---------------------------------------------------------------- customers


def _due_customers(settings: Settings, now: datetime, report: RetentionReport) -> list[DueErasure]:
    rules = settings.retention
    cutoff = latest_due_end(rules, now)
    found: dict[int, DueErasure] = {}
    ended = (
        Customer.select(Customer.id, Customer.customer_no, Customer.relationship_ended_at)
        .where(Customer.erased_at.is_null() & (Customer.relationship_ended_at <= cutoff))
        .tuples()
    )
    for cid, number, ended_at in ended.iterator():
        if is_erasure_due(ended_at, rules, now):
            found[cid] = DueErasure(
                number,
                "relationship_ended",
                clock.local_today(ended_at),
                erasure_due_on(ended_at, rules),
                cid,
            )
    for cid, number, withdrawn_at in _withdrawn_newsletter_only(cutoff).iterator():
        if cid not in found and is_erasure_due(withdrawn_at, rules, now):
            found[cid] = DueErasure(
                number,
                "newsletter_withdrawn",
                clock.local_today(withdrawn_at),
                erasure_due_on(withdrawn_at, rules),
                cid,
            )
    if not found:
        return []
    marketing = consenting_ids("marketing", found)
    report.kept_for_marketing = len(marketing)
    restricted = active_grounds()
    with_open_request = {
        cid
        for (cid,) in tuples(
            Request.select(Request.customer).where(
                Request.status.in_(OPEN_STATUSES) & Request.customer.is_null(False)
            ),
            tuple[int],
        )
    }
    due = []
    for cid, item in sorted(found.items(), key=lambda pair: pair[1].customer_no):
        if cid in marketing:
            continue
        if cid in restricted:
            # Art. 18: stored, not erased, while the restriction lasts; its ground says why.
            report.held.append(
                HeldCustomer(item.customer_no, "restricted", item.due_on, restricted[cid])
            )
            continue
        if cid in with_open_request:
            report.held.append(HeldCustomer(item.customer_no, "open_request", item.due_on))
            continue
        due.append(item)
    return due


def _withdrawn_newsletter_only(cutoff: datetime) -> Any:
    """Customers from the newsletter only, whose latest marketing event is a withdrawal."""
    latest = ConsentEvent.alias()
    latest_id = (
        latest.select(latest.id)
        .where((latest.customer == ConsentEvent.customer) & (latest.purpose == "marketing"))
        .order_by(latest.at.desc(), latest.id.desc())
        .limit(1)
    )
    ticketing = CustomerSource.select(CustomerSource.id).where(
        (CustomerSource.customer == Customer.id) & (CustomerSource.source == "ticketing")
    )
    return (
        ConsentEvent.select(Customer.id, Customer.customer_no, ConsentEvent.at)
        .join(Customer, on=(ConsentEvent.customer == Customer.id))
        .where(
            (ConsentEvent.purpose == "marketing")
            & ~ConsentEvent.given
            & (ConsentEvent.at <= cutoff)
            & Customer.erased_at.is_null()
            & Customer.relationship_ended_at.is_null()
            & (ConsentEvent.id == latest_id)
            & ~fn.EXISTS(ticketing)
        )
        .tuples()
    )


def _erase(
    due: list[DueErasure], settings: Settings, now: datetime, actor: str, progress: Progress | None
) -> int:
    """Erase in batches, each its own transaction; returns the vouchers deleted with them."""
    total = len(due)
    vouchers = 0
    if progress:
        progress(0, total)
    for start in range(0, total, BATCH):
        chunk = [item.customer_id for item in due[start : start + BATCH]]
        customers = list(Customer.select().where(Customer.id.in_(chunk)))
        reports = erase_customers(
            customers, actor=actor, settings=settings, now=now, via="retention"
        )
        vouchers += sum(report.vouchers_deleted for report in reports)
        if progress:
            progress(min(start + BATCH, total), total)
    return vouchers


# ---------------------------------------------------------------- vouchers and mail


def _vouchers(settings: Settings, now: datetime, dry_run: bool, report: RetentionReport) -> None:
    cutoff = vouchers_expired_before(settings.retention, now)
    report.vouchers_up_to = clock.local_today(cutoff)
    expired = Purchase.purchased_at <= cutoff
    if dry_run:
        report.vouchers_deleted += Purchase.select().where(expired).count()
    else:
        report.vouchers_deleted += Purchase.delete().where(expired).execute()


def _package_passwords(
    settings: Settings, now: datetime, dry_run: bool, report: RetentionReport
) -> None:
    """A one-time package password is cleared once its package is queued or its request
    closes (:mod:`store.lifecycle`); one left waiting longer than
    ``retention.package_password_days`` after its call is forgotten too."""
    before = now - timedelta(days=settings.retention.package_password_days)
    waiting = VerificationCall.package_password.is_null(False) & (
        VerificationCall.called_at <= before
    )
    if dry_run:
        report.package_passwords_forgotten = VerificationCall.select().where(waiting).count()
        return
    report.package_passwords_forgotten = (
        VerificationCall.update(package_password=None).where(waiting).execute()
    )


def _mail(settings: Settings, now: datetime, dry_run: bool, report: RetentionReport) -> None:
    grace_over = now - timedelta(days=settings.retention.mail_grace_days)
    proof_over = non_customer_closed_before(settings.retention, now)
    erased = Customer.select(Customer.id).where(Customer.erased_at.is_null(False))
    closed = Request.status.in_(CLOSED_STATUSES)
    erased_closed = Request.select(Request.id).where(closed & Request.customer.in_(erased))
    stale = Request.select(Request.id).where(closed & (Request.closed_at <= grace_over))
    stale_erased = stale.where(Request.customer.in_(erased))
    # Nobody in the register: kept as proof of the answer, then minimised and redacted.
    past_proof = Request.select(Request.id).where(
        closed & Request.customer.is_null() & (Request.closed_at <= proof_over)
    )

    to_minimise = Request.select(Request.id).where(
        Request.minimised_at.is_null()
        & (Request.id.in_(erased_closed) | Request.id.in_(past_proof))
    )
    no_request = InboundMessage.request.is_null()
    message_ids = _ids(
        InboundMessage.select(InboundMessage.id).where(
            InboundMessage.redacted_at.is_null()
            & (
                InboundMessage.request.in_(stale_erased)
                | InboundMessage.request.in_(past_proof)
                | (
                    no_request
                    & (InboundMessage.disposition == "ignored")
                    & (InboundMessage.received_at <= grace_over)
                )
                | (
                    no_request
                    & (InboundMessage.disposition == "quarantined")
                    & (InboundMessage.received_at <= proof_over)
                )
            )
        )
    )
    raw_ids = _ids(
        InboundMessage.select(InboundMessage.id).where(
            InboundMessage.raw_message.is_null(False) & InboundMessage.request.in_(stale)
        )
    )
    final = OutboxMail.status.in_(FINAL_OUTBOX_STATUSES)
    no_request_out = OutboxMail.request.is_null()
    outbox_ids = _ids(
        OutboxMail.select(OutboxMail.id).where(
            OutboxMail.redacted_at.is_null()
            & final
            & (
                OutboxMail.request.in_(stale_erased)
                | OutboxMail.request.in_(past_proof)
                | (
                    OutboxMail.customer.in_(erased)
                    & (no_request_out | OutboxMail.request.in_(stale))
                )
                | (
                    no_request_out
                    & OutboxMail.customer.is_null()
                    & (OutboxMail.created_at <= proof_over)
                )
            )
        )
    )
    outbox_raw_ids = _ids(
        OutboxMail.select(OutboxMail.id).where(
            (OutboxMail.raw_message.is_null(False) | OutboxMail.draft.is_null(False))
            & final
            & (
                OutboxMail.request.in_(stale)
                | (
                    no_request_out
                    & (fn.COALESCE(OutboxMail.sent_at, OutboxMail.created_at) <= grace_over)
                )
            )
        )
    )
    raw_ids = sorted(set(raw_ids) - set(message_ids))
    outbox_raw_ids = sorted(set(outbox_raw_ids) - set(outbox_ids))
    if dry_run:
        report.requests_minimised = to_minimise.count()
    else:
        with database.atomic():
            report.requests_minimised = minimise_requests(Request.id.in_(to_minimise), now)
            redact_messages(message_ids, now)
            redact_outbox(outbox_ids, now)
            _remove_raw(raw_ids, outbox_raw_ids)
    report.messages_redacted = len(message_ids)
    report.messages_raw_removed = len(raw_ids)
    report.outbox_redacted = len(outbox_ids)
    report.outbox_raw_removed = len(outbox_raw_ids)


def _ids(query: Any) -> list[int]:
    return [row_id for (row_id,) in query.tuples()]


def _remove_raw(message_ids: list[int], outbox_ids: list[int]) -> None:
    """Drop the bytes as received or sent; the parsed text stays with the request."""
    for start in range(0, len(message_ids), BATCH):
        chunk = message_ids[start : start + BATCH]
        InboundMessage.update(raw_message=None).where(InboundMessage.id.in_(chunk)).execute()
        Attachment.update(data=None).where(Attachment.message.in_(chunk)).execute()
    for start in range(0, len(outbox_ids), BATCH):
        chunk = outbox_ids[start : start + BATCH]
        OutboxMail.update(raw_message=None, draft=None).where(OutboxMail.id.in_(chunk)).execute()
