"""Erasure (GDPR Art. 17): one rule, used by the TUI, the retention job and the command line.

What erasing a customer does, in one transaction per batch:

- **Register fields** (name, address, phone, email, language) are cleared and ``erased_at``
  is set.  The row and its customer number stay: vouchers and minimised requests refer to it.
  The sources (ticketing, newsletter) are removed.
- **Consents** still given are closed: a withdrawal event (channel ``erasure``) is appended,
  and the evidence text of every event is cleared.  The ledger keeps purpose, time, channel
  and wording version, the proof that marketing we sent had a consent behind it.
- **Requests** the person made are kept in minimised form (reference, kind, status, dates,
  outcome, rejection ground) as proof that we complied (Art. 5(2)): the requester's
  address, name, phone, proposed changes and free-text reasons are cleared, and so are the
  number called and the note of each verification call.  A request still open is minimised
  when it closes (by the next retention run).
- **Vouchers** (ticket purchases) are bookkeeping records the Accounting Act requires us to
  keep (Art. 17(3)(b)): they stay, linked to the customer number only, until their six years
  are over (:mod:`store.retention_rules`), then the retention job deletes them.  Those
  already past their time are deleted now.
- **Mail** in and out about the person's requests is redacted (raw bytes, addresses,
  subject, text, headers, attachments) once its request is closed and
  ``retention.mail_grace_days`` have passed; until then replies can still be threaded.
  Mail that belongs to no request is redacted at once.
- **Audit**: one ``customer.erased`` event naming the customer by number, with counts only.
  The chain itself is never touched, so ``audit verify`` still passes.

A customer under an active restriction (Art. 18) is not erased: the restriction must be
lifted first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from peewee import fn

from store import audit, clock
from store.config import Settings
from store.consent import close_consents, consenting_ids
from store.errors import RuleViolation
from store.i18n import format_date
from store.models import (
    CLOSED_STATUSES,
    Attachment,
    ConsentEvent,
    Customer,
    CustomerSource,
    InboundMessage,
    OutboxMail,
    Purchase,
    Request,
    RequestCandidate,
    Restriction,
    VerificationCall,
    database,
)
from store.restriction import is_restricted, restricted_among
from store.retention_rules import voucher_kept_until, vouchers_expired_before

PERSONAL_FIELDS = (
    "first_name",
    "last_name",
    "street_address",
    "postal_code",
    "city",
    "phone",
    "email",
    "language",
)
"""The register fields erasure clears (name keys follow the name)."""

CLEARED_CUSTOMER_VALUES: dict[str, Any] = {
    "first_name": "",
    "last_name": "",
    "name_key": "",
    "reverse_name_key": "",
    "street_address": "",
    "postal_code": "",
    "city": "",
    "phone": None,
    "email": None,
    "language": "fi",
}

MINIMISED_REQUEST_VALUES: dict[str, Any] = {
    "requester_email": None,
    "requester_name": "",
    "requester_phone": None,
    "proposed_changes": {},
    "extension_reason": "",
    "rejection_reason": "",
}

REDACTED_MESSAGE_VALUES: dict[str, Any] = {
    "from_address": "",
    "from_name": "",
    "reply_to": "",
    "to_addresses": "",
    "subject": "",
    "in_reply_to": "",
    "references": "",
    "body_text": "",
    "quoted_text": "",
    "headers": [],
    "form_fields": {},
    "raw": None,
    "attention_reason": "",
}

REDACTED_OUTBOX_VALUES: dict[str, Any] = {
    "to_address": "",
    "to_name": "",
    "subject": "",
    "raw": None,
    "last_error": None,
    "server_reply": None,
}

FINAL_OUTBOX_STATUSES = ("sent", "failed", "skipped")
"""Mail not yet sent is left alone: the erasure confirmation itself may be waiting."""

BATCH = 500


@dataclass(frozen=True)
class KeptVoucher:
    receipt_no: str
    purchased_at: datetime
    kept_until: date


@dataclass
class ErasurePreview:
    """What erasing one customer would do now: for staff to read before they confirm."""

    customer_no: str
    already_erased: bool = False
    blocked_by: str | None = None  # catalog key of the reason it cannot be done now
    fields: list[str] = field(default_factory=list)  # personal fields that hold a value
    consents_closed: list[str] = field(default_factory=list)
    vouchers_kept: list[KeptVoucher] = field(default_factory=list)
    vouchers_deleted: int = 0
    requests_minimised: list[str] = field(default_factory=list)
    requests_open: list[str] = field(default_factory=list)  # minimised when they close
    messages_redacted: int = 0
    outbox_redacted: int = 0
    mail_kept: int = 0  # redacted later, once the grace period is over
    mail_kept_until: date | None = None

    @property
    def vouchers_kept_until(self) -> date | None:
        return max((voucher.kept_until for voucher in self.vouchers_kept), default=None)

    @property
    def allowed(self) -> bool:
        return self.blocked_by is None and not self.already_erased


@dataclass
class ErasureReport(ErasurePreview):
    """What erasure did."""

    erased_at: datetime | None = None


@dataclass
class _Mail:
    message_ids: list[int] = field(default_factory=list)
    outbox_ids: list[int] = field(default_factory=list)


def erasure_preview(
    customer: Customer, settings: Settings, now: datetime | None = None
) -> ErasurePreview:
    """What :func:`erase_customer` would erase and keep (and until when), without doing it."""
    now = now or clock.now()
    plans, _ = _plan([customer], settings, now)
    return plans[customer.id]


def erase_customer(
    customer: Customer,
    *,
    actor: str,
    settings: Settings,
    request: Request | None = None,
    now: datetime | None = None,
) -> ErasureReport:
    """Erase one customer (see the module's docstring); refuses a restricted or erased one."""
    now = now or clock.now()
    with database.atomic():
        fresh = Customer.get_by_id(customer.id)  # another desk may have erased them meanwhile
        if fresh.erased_at is not None:
            raise RuleViolation(
                f"customer {fresh.customer_no} is already erased",
                key="erasure.already_erased",
                customer_no=fresh.customer_no,
                day=format_date(fresh.erased_at, "fi"),
            )
        if is_restricted(fresh):
            raise RuleViolation(
                f"customer {fresh.customer_no} is under a restriction",
                key="erasure.restricted",
                customer_no=fresh.customer_no,
            )
        report = erase_customers(
            [fresh],
            actor=actor,
            settings=settings,
            now=now,
            request=request,
            via="request" if request else "staff",
        )[0]
    for name, value in CLEARED_CUSTOMER_VALUES.items():
        setattr(customer, name, value)
    customer.erased_at = report.erased_at
    customer.relationship_ended_at = customer.relationship_ended_at or now
    return report


def erase_customers(
    customers: Sequence[Customer],
    *,
    actor: str,
    settings: Settings,
    now: datetime | None = None,
    request: Request | None = None,
    via: str = "retention",
) -> list[ErasureReport]:
    """Erase a batch with a fixed number of statements (the retention job's path).

    Customers already erased or under an active restriction are skipped, not reported.
    """
    now = now or clock.now()
    with database.atomic():
        plans, mail = _plan(customers, settings, now)
        todo = [c for c in customers if plans[c.id].allowed]
        if not todo:
            return []
        ids = [c.id for c in todo]
        reference = request.reference if request else None
        close_consents(
            {cid: plans[cid].consents_closed for cid in ids},
            at=now,
            actor=actor,
            request_reference=reference,
        )
        ConsentEvent.update(evidence="").where(ConsentEvent.customer.in_(ids)).execute()
        expired = [cid for cid in ids if plans[cid].vouchers_deleted]
        if expired:
            _delete_expired_vouchers(expired, settings, now)
        CustomerSource.delete().where(CustomerSource.customer.in_(ids)).execute()
        RequestCandidate.delete().where(RequestCandidate.customer.in_(ids)).execute()
        # Lifted restrictions stay as proof; their free texts may describe the person.
        Restriction.update(ground="", note="", lift_reason="", lift_informed_otherwise="").where(
            Restriction.customer.in_(ids)
        ).execute()
        closed_refs = [ref for cid in ids for ref in plans[cid].requests_minimised]
        if closed_refs:
            minimise_requests(Request.reference.in_(closed_refs), now)
        redact_messages([mid for cid in ids for mid in mail[cid].message_ids], now)
        redact_outbox([oid for cid in ids for oid in mail[cid].outbox_ids], now)
        (
            Customer.update(
                **CLEARED_CUSTOMER_VALUES,
                erased_at=now,
                updated_at=now,
                relationship_ended_at=fn.COALESCE(Customer.relationship_ended_at, now),
            )
            .where(Customer.id.in_(ids))
            .execute()
        )
        reports = []
        entries = []
        for customer in todo:
            report = ErasureReport(**vars(plans[customer.id]), erased_at=now)
            reports.append(report)
            entries.append(
                audit.Entry(
                    "customer.erased",
                    customer_no=customer.customer_no,
                    request_reference=reference,
                    payload=_audit_payload(report, via),
                )
            )
        audit.record_many(entries, actor, at=now)
    return reports


def _audit_payload(report: ErasureReport, via: str) -> dict[str, Any]:
    kept_until = report.vouchers_kept_until
    return {
        "via": via,
        "fields": report.fields,
        "consents_closed": report.consents_closed,
        "vouchers_kept": len(report.vouchers_kept),
        "vouchers_kept_until": kept_until.isoformat() if kept_until else None,
        "vouchers_deleted": report.vouchers_deleted,
        "requests_minimised": report.requests_minimised,
        "requests_open": report.requests_open,
        "messages_redacted": report.messages_redacted,
        "outbox_redacted": report.outbox_redacted,
        "mail_kept": report.mail_kept,
    }


# ---------------------------------------------------------------- planning


def _plan(
    customers: Sequence[Customer], settings: Settings, now: datetime
) -> tuple[dict[int, ErasurePreview], dict[int, _Mail]]:
    """Look everything up in a fixed number of queries for the whole batch."""
    ids = [c.id for c in customers]
    plans = {
        c.id: ErasurePreview(
            customer_no=c.customer_no,
            already_erased=c.erased_at is not None,
            fields=[name for name in PERSONAL_FIELDS if getattr(c, name) and name != "language"],
        )
        for c in customers
    }
    mail = {cid: _Mail() for cid in ids}
    for cid in restricted_among(ids):
        plans[cid].blocked_by = "erasure.restricted"
    consenting: dict[int, list[str]] = defaultdict(list)
    for purpose in ("register", "marketing"):
        for cid in consenting_ids(purpose, ids):
            consenting[cid].append(purpose)
    rules = settings.retention
    for cid, receipt_no, purchased_at in (
        Purchase.select(Purchase.customer, Purchase.receipt_no, Purchase.purchased_at)
        .where(Purchase.customer.in_(ids))
        .order_by(Purchase.purchased_at)
        .tuples()
    ):
        kept_until = voucher_kept_until(purchased_at, rules)
        if clock.local_today(now) > kept_until:
            plans[cid].vouchers_deleted += 1
        else:
            plans[cid].vouchers_kept.append(KeptVoucher(receipt_no, purchased_at, kept_until))
    grace = timedelta(days=rules.mail_grace_days)
    requests = {}
    for request_id, cid, reference, status, closed_at, minimised_at in (
        Request.select(
            Request.id,
            Request.customer,
            Request.reference,
            Request.status,
            Request.closed_at,
            Request.minimised_at,
        )
        .where(Request.customer.in_(ids))
        .order_by(Request.received_at)
        .tuples()
    ):
        closed = status in CLOSED_STATUSES
        requests[request_id] = (cid, closed_at + grace if closed and closed_at else None)
        if not closed:
            plans[cid].requests_open.append(reference)
        elif minimised_at is None:
            plans[cid].requests_minimised.append(reference)
    _plan_messages(plans, mail, customers, requests, now)
    _plan_outbox(plans, mail, ids, requests, now)
    for cid, plan in plans.items():
        plan.consents_closed = consenting.get(cid, [])
    return plans, mail


def _mail_due(plan: ErasurePreview, due_at: datetime | None, now: datetime) -> bool:
    """Whether mail of a request may be redacted now; if not, note until when it waits."""
    if due_at is not None and due_at <= now:
        return True
    plan.mail_kept += 1
    if due_at is not None:
        day = clock.local_today(due_at)
        plan.mail_kept_until = max(plan.mail_kept_until or day, day)
    return False


def _plan_messages(
    plans: dict[int, ErasurePreview],
    mail: dict[int, _Mail],
    customers: Sequence[Customer],
    requests: dict[int, tuple[int, Any]],
    now: datetime,
) -> None:
    if requests:
        for message_id, request_id in (
            InboundMessage.select(InboundMessage.id, InboundMessage.request)
            .where(
                InboundMessage.request.in_(list(requests)) & InboundMessage.redacted_at.is_null()
            )
            .tuples()
        ):
            cid, due_at = requests[request_id]
            if _mail_due(plans[cid], due_at, now):
                mail[cid].message_ids.append(message_id)
                plans[cid].messages_redacted += 1
    by_email = {c.email: c.id for c in customers if c.email}
    if by_email:
        # Mail from the person that belongs to no request (an auto-reply, a quarantined
        # message): nothing will ever close it, so it goes now.
        for message_id, sender in (
            InboundMessage.select(InboundMessage.id, fn.LOWER(InboundMessage.from_address))
            .where(
                fn.LOWER(InboundMessage.from_address).in_(list(by_email))
                & InboundMessage.request.is_null()
                & InboundMessage.redacted_at.is_null()
            )
            .tuples()
        ):
            cid = by_email[sender]
            mail[cid].message_ids.append(message_id)
            plans[cid].messages_redacted += 1


def _plan_outbox(
    plans: dict[int, ErasurePreview],
    mail: dict[int, _Mail],
    ids: list[int],
    requests: dict[int, tuple[int, Any]],
    now: datetime,
) -> None:
    condition = OutboxMail.customer.in_(ids)
    if requests:
        condition |= OutboxMail.request.in_(list(requests))
    for outbox_id, request_id, customer_id, status in (
        OutboxMail.select(OutboxMail.id, OutboxMail.request, OutboxMail.customer, OutboxMail.status)
        .where(condition & OutboxMail.redacted_at.is_null())
        .tuples()
    ):
        # Mail about no request of theirs (a breach notice, a newsletter) goes now.
        cid, due_at = requests.get(request_id, (customer_id, now))
        if status not in FINAL_OUTBOX_STATUSES:
            due_at = None  # still to be sent: redacted by a later retention run
        if _mail_due(plans[cid], due_at, now):
            mail[cid].outbox_ids.append(outbox_id)
            plans[cid].outbox_redacted += 1


# ---------------------------------------------------------------- the changes


def _delete_expired_vouchers(customer_ids: list[int], settings: Settings, now: datetime) -> None:
    cutoff = vouchers_expired_before(settings.retention, now)
    (
        Purchase.delete()
        .where(Purchase.customer.in_(customer_ids) & (Purchase.purchased_at <= cutoff))
        .execute()
    )


def minimise_requests(condition: Any, now: datetime) -> int:
    """Reduce requests to reference, kind, status, dates and outcome (proof of compliance)."""
    targets = Request.select(Request.id).where(condition & Request.minimised_at.is_null())
    ids = [request_id for (request_id,) in targets.tuples()]
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        Request.update(**MINIMISED_REQUEST_VALUES, minimised_at=now, updated_at=now).where(
            Request.id.in_(chunk)
        ).execute()
        VerificationCall.update(phone_called="", note="", package_password=None).where(
            VerificationCall.request.in_(chunk)
        ).execute()
        RequestCandidate.delete().where(RequestCandidate.request.in_(chunk)).execute()
    return len(ids)


def redact_messages(message_ids: list[int], now: datetime) -> int:
    """Remove everything personal from inbound messages; the dedupe key and the disposition
    stay, so the same mail fetched again is still recognised and never makes a new request."""
    for start in range(0, len(message_ids), BATCH):
        chunk = message_ids[start : start + BATCH]
        Attachment.delete().where(Attachment.message.in_(chunk)).execute()
        InboundMessage.update(**REDACTED_MESSAGE_VALUES, redacted_at=now).where(
            InboundMessage.id.in_(chunk)
        ).execute()
    return len(message_ids)


def redact_outbox(outbox_ids: list[int], now: datetime) -> int:
    """Remove the recipient, subject and the sent bytes (with any data package attached)."""
    for start in range(0, len(outbox_ids), BATCH):
        chunk = outbox_ids[start : start + BATCH]
        OutboxMail.update(**REDACTED_OUTBOX_VALUES, redacted_at=now).where(
            OutboxMail.id.in_(chunk)
        ).execute()
    return len(outbox_ids)
