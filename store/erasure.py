"""Erasure (GDPR Art. 17): one rule, used by the TUI, the retention job and the command line.

What erasing a customer does, in one transaction per batch:

- **Register fields** (name, address, phone, email, language) are cleared and ``erased_at``
  is set.  The row and its customer number stay: vouchers and minimised requests refer to it.
  The sources (ticketing, newsletter) are removed.
- **Consents** still given are closed: a withdrawal event (channel ``erasure``) is appended,
  and the evidence text of every event is cleared.  The ledger keeps purpose, time, channel
  and wording version, the proof that marketing we sent had a consent behind it.
- **Who the person is** is every identifier they have: the customer row's address and
  phone, and the addresses and phones given on their requests.  An address or a phone
  that another customer still in the register also has is left out, so one person's
  erasure never takes another's mail.
- **Requests** the person made are kept in minimised form (reference, kind, status, dates,
  outcome, rejection ground) as proof that we complied (Art. 5(2)): the requester's
  address, name, phone, proposed changes and free-text reasons are cleared, and so are the
  number called and the note of each verification call, and the staff's words of a
  dismissal.  A request still open is minimised when it closes (by the next retention run).
  Requests never linked to the customer (a dismissed question, an access request marked
  not in the register) whose address or phone is the person's are minimised too, and
  their mail redacted, at once when closed; one still open goes when the limit for
  requests of people not in the register is over (:mod:`store.retention`).
- **Vouchers** (ticket purchases) are bookkeeping records the Accounting Act requires us to
  keep (Art. 17(3)(b)): they stay, linked to the customer number only, until their six years
  are over (:mod:`store.retention_rules`), then the retention job deletes them.  Those
  already past their time are deleted now.
- **Mail** in and out about the person's requests is redacted (raw bytes, addresses,
  subject, text, headers, attachments) once its request is closed and
  ``retention.mail_grace_days`` have passed; until then replies can still be threaded.
  Mail that belongs to no request (an auto-reply, a quarantined message: its raw bytes are
  searched for the address too) and mail we sent to the person's addresses are redacted
  at once.  Files of the file transport (``outbox:///…``) whose mail is redacted are
  removed after the commit, and on SQLite the write-ahead log is checkpointed and
  truncated (with ``secure_delete`` on, freed pages are zeroed): :func:`after_commit`.
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

from store import audit, clock, forget_ledger
from store.config import Settings
from store.consent import close_consents, consenting_ids
from store.db import checkpoint_wal, vacuum
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
    RequestNote,
    Restriction,
    VerificationCall,
    database,
    tuples,
)
from store.outbox import remove_files_of_redacted_mail
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
    "raw_message": None,
    "attention_reason": "",
}

REDACTED_OUTBOX_VALUES: dict[str, Any] = {
    "to_address": "",
    "to_name": "",
    "subject": "",
    "raw_message": None,
    "draft": None,
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
    # Kept for now (unsent, or in the grace period): linked to the customer, so that the
    # retention job finds them once sent and the grace is over, whatever request they answer.
    outbox_kept: list[int] = field(default_factory=list)


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
    if not database.in_transaction():
        after_commit(settings)  # inside a caller's transaction (an act), the caller does it
    return report


def after_commit(settings: Settings) -> None:
    """What erasure and retention removed from the database, removed where else it lay:
    the file transport's copies of redacted mail, and (SQLite) the write-ahead log's old
    pages, or (PostgreSQL) the old row versions in the tables' pages.  Call it after the
    transaction committed; a crash before it is made good by the next retention run, which
    calls it too."""
    remove_files_of_redacted_mail(settings)
    checkpoint_wal()
    vacuum(ERASED_FROM)


ERASED_FROM = (
    Customer,
    CustomerSource,
    ConsentEvent,
    Purchase,
    Request,
    RequestCandidate,
    RequestNote,
    VerificationCall,
    InboundMessage,
    Attachment,
    OutboxMail,
)
"""The tables erasure and retention delete from or overwrite."""


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
        for cid in ids:
            if mail[cid].outbox_kept:
                OutboxMail.update(customer=cid).where(
                    OutboxMail.id.in_(mail[cid].outbox_kept) & OutboxMail.customer.is_null()
                ).execute()
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
        for customer in todo:  # after the first write: the write lock is held (forget_ledger)
            forget_ledger.note(forget_ledger.Act.ERASED, customer.customer_no, via=via)
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
    for cid, receipt_no, purchased_at in tuples(
        Purchase.select(Purchase.customer, Purchase.receipt_no, Purchase.purchased_at)
        .where(Purchase.customer.in_(ids))
        .order_by(Purchase.purchased_at),
        tuple[int, str, datetime],
    ):
        kept_until = voucher_kept_until(purchased_at, rules)
        if clock.local_today(now) > kept_until:
            plans[cid].vouchers_deleted += 1
        else:
            plans[cid].vouchers_kept.append(KeptVoucher(receipt_no, purchased_at, kept_until))
    grace = timedelta(days=rules.mail_grace_days)
    requests: dict[int, tuple[int, datetime | None]] = {}
    identities = {cid: _Identity() for cid in ids}
    for c in customers:
        identities[c.id].add(c.email, c.phone)
    for request_id, cid, reference, status, closed_at, minimised_at, email, phone in tuples(
        Request.select(
            Request.id,
            Request.customer,
            Request.reference,
            Request.status,
            Request.closed_at,
            Request.minimised_at,
            Request.requester_email,
            Request.requester_phone,
        )
        .where(Request.customer.in_(ids))
        .order_by(Request.received_at),
        tuple[int, int, str, str, datetime | None, datetime | None, str | None, str | None],
    ):
        closed = status in CLOSED_STATUSES
        requests[request_id] = (cid, closed_at + grace if closed and closed_at else None)
        identities[cid].add(email, phone)
        if not closed:
            plans[cid].requests_open.append(reference)
        elif minimised_at is None:
            plans[cid].requests_minimised.append(reference)
    emails, phones = _owned_identifiers(identities, ids, settings)
    _plan_unlinked_requests(plans, requests, emails, phones, now)
    _plan_messages(plans, mail, requests, emails, now)
    _plan_outbox(plans, mail, ids, requests, emails, now)
    for cid, plan in plans.items():
        plan.consents_closed = consenting.get(cid, [])
    return plans, mail


@dataclass
class _Identity:
    """The addresses (lowercase) and phone numbers (E.164) a person is known by."""

    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)

    def add(self, email: str | None, phone: str | None) -> None:
        if email and email.strip():
            self.emails.add(email.strip().lower())
        if phone and phone.strip():
            self.phones.add(phone.strip())


def _owned_identifiers(
    identities: dict[int, _Identity], ids: list[int], settings: Settings
) -> tuple[dict[str, int], dict[str, int]]:
    """address -> customer id and phone -> customer id, for the identifiers that are only
    these people's: one that a customer still in the register also has (a shared family
    phone) or that is our own (the privacy inbox) is left out, and so is one two of the
    people erased together share."""
    emails: dict[str, set[int]] = defaultdict(set)
    phones: dict[str, set[int]] = defaultdict(set)
    for cid, identity in identities.items():
        for address in identity.emails:
            emails[address].add(cid)
        for phone in identity.phones:
            phones[phone].add(cid)
    ours = {settings.controller.privacy_inbox.lower(), settings.mail.from_address.lower()}
    others = Customer.erased_at.is_null() & Customer.id.not_in(ids)
    taken_emails = ours | _taken(fn.LOWER(Customer.email), list(emails), others)
    taken_phones = _taken(Customer.phone, list(phones), others)
    return _only_theirs(emails, taken_emails), _only_theirs(phones, taken_phones)


def _only_theirs(owners: dict[str, set[int]], taken: set[str]) -> dict[str, int]:
    return {
        key: next(iter(cids)) for key, cids in owners.items() if len(cids) == 1 and key not in taken
    }


def _taken(compared: Any, values: list[str], others: Any) -> set[str]:
    """Which of ``values`` the customers ``others`` have in the column ``compared``."""
    found: set[str] = set()
    for start in range(0, len(values), BATCH):
        chunk = values[start : start + BATCH]
        query = Customer.select(compared).where(others & compared.in_(chunk))
        found |= {value for (value,) in tuples(query, tuple[str])}
    return found


def _plan_unlinked_requests(
    plans: dict[int, ErasurePreview],
    requests: dict[int, tuple[int, datetime | None]],
    emails: dict[str, int],
    phones: dict[str, int],
    now: datetime,
) -> None:
    """Requests never linked to a customer that came from the person's address or phone.

    Closed ones are minimised now and their mail goes now: no reply of the customer's can
    need them.  An open one waits for staff, then for the limit of requests of people not
    in the register."""
    if not emails and not phones:
        return
    match = fn.LOWER(Request.requester_email).in_(list(emails)) | Request.requester_phone.in_(
        list(phones)
    )
    for request_id, reference, status, minimised_at, email, phone in tuples(
        Request.select(
            Request.id,
            Request.reference,
            Request.status,
            Request.minimised_at,
            Request.requester_email,
            Request.requester_phone,
        )
        .where(Request.customer.is_null() & match)
        .order_by(Request.received_at),
        tuple[int, str, str, datetime | None, str | None, str | None],
    ):
        cid = emails.get((email or "").lower())
        if cid is None:
            assert phone is not None  # not matched by its address, so by its phone
            cid = phones[phone]
        closed = status in CLOSED_STATUSES
        requests[request_id] = (cid, now if closed else None)
        if not closed:
            plans[cid].requests_open.append(reference)
        elif minimised_at is None:
            plans[cid].requests_minimised.append(reference)


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
    requests: dict[int, tuple[int, datetime | None]],
    emails: dict[str, int],
    now: datetime,
) -> None:
    taken: set[int] = set()

    def take(message_id: int, cid: int) -> None:
        if message_id not in taken:
            taken.add(message_id)
            mail[cid].message_ids.append(message_id)
            plans[cid].messages_redacted += 1

    if requests:
        for message_id, request_id in tuples(
            InboundMessage.select(InboundMessage.id, InboundMessage.request).where(
                InboundMessage.request.in_(list(requests)) & InboundMessage.redacted_at.is_null()
            ),
            tuple[int, int],
        ):
            cid, due_at = requests[request_id]
            if _mail_due(plans[cid], due_at, now):
                take(message_id, cid)
    if not emails:
        return
    # Mail from the person that belongs to no request (an auto-reply, a quarantined
    # message): nothing will ever close it, so it goes now.
    no_request = InboundMessage.request.is_null() & InboundMessage.redacted_at.is_null()
    addresses = list(emails)
    for message_id, sender, reply_to in tuples(
        InboundMessage.select(
            InboundMessage.id,
            fn.LOWER(InboundMessage.from_address),
            fn.LOWER(InboundMessage.reply_to),
        ).where(
            no_request
            & (
                fn.LOWER(InboundMessage.from_address).in_(addresses)
                | fn.LOWER(InboundMessage.reply_to).in_(addresses)
            )
        ),
        tuple[int, str, str],
    ):
        take(message_id, emails.get(sender) or emails[reply_to])
    # A quarantined message may not have been parsed at all: its bytes are all there is.
    needles = {address.encode(): cid for address, cid in emails.items()}
    for message_id, raw in tuples(
        InboundMessage.select(InboundMessage.id, InboundMessage.raw_message).where(
            no_request & (InboundMessage.disposition == "quarantined")
        ),
        tuple[int, bytes | memoryview | None],
    ):
        text = bytes(raw or b"").lower()
        for needle, cid in needles.items():
            if needle in text:
                take(message_id, cid)
                break


def _plan_outbox(
    plans: dict[int, ErasurePreview],
    mail: dict[int, _Mail],
    ids: list[int],
    requests: dict[int, tuple[int, datetime | None]],
    emails: dict[str, int],
    now: datetime,
) -> None:
    condition = OutboxMail.customer.in_(ids)
    if requests:
        condition |= OutboxMail.request.in_(list(requests))
    if emails:
        condition |= fn.LOWER(OutboxMail.to_address).in_(list(emails))
    for outbox_id, request_id, customer_id, address, status in tuples(
        OutboxMail.select(
            OutboxMail.id,
            OutboxMail.request,
            OutboxMail.customer,
            fn.LOWER(OutboxMail.to_address),
            OutboxMail.status,
        ).where(condition & OutboxMail.redacted_at.is_null()),
        tuple[int, int | None, int | None, str, str],
    ):
        if request_id is not None and request_id in requests:
            cid, due_at = requests[request_id]
        else:
            # Mail about no request of theirs (a breach notice, a newsletter) goes now.
            if customer_id is None or customer_id not in plans:
                customer_id = emails[address]
            cid, due_at = customer_id, now
        if status not in FINAL_OUTBOX_STATUSES:
            due_at = None  # still to be sent: redacted by a later retention run
        if _mail_due(plans[cid], due_at, now):
            mail[cid].outbox_ids.append(outbox_id)
            plans[cid].outbox_redacted += 1
        else:
            mail[cid].outbox_kept.append(outbox_id)


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
    ids = [request_id for (request_id,) in tuples(targets, tuple[int])]
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        Request.update(**MINIMISED_REQUEST_VALUES, minimised_at=now, updated_at=now).where(
            Request.id.in_(chunk)
        ).execute()
        # A dismissal's outcome is the staff's own words; other outcomes are fixed phrases.
        Request.update(outcome="").where(
            Request.id.in_(chunk) & (Request.status == "dismissed")
        ).execute()
        VerificationCall.update(phone_called="", note="", package_password=None).where(
            VerificationCall.request.in_(chunk)
        ).execute()
        RequestCandidate.delete().where(RequestCandidate.request.in_(chunk)).execute()
        # Staff's internal notes speak of the person: they go with the rest.
        RequestNote.delete().where(RequestNote.request.in_(chunk)).execute()
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
        # A quarantined message's reason is the parser's error, which may quote a header.
        InboundMessage.update(reason="quarantined").where(
            InboundMessage.id.in_(chunk) & (InboundMessage.disposition == "quarantined")
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
