"""One request as the request screen shows it: the mail, the match, the calls, the trail."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from peewee import fn

from mailbot.acts import Opened
from mailbot.authresults import describe
from store import audit, clock, deadlines, lifecycle
from store.config import Settings
from store.customers import format_phone
from store.i18n import code_text, format_number, format_percent
from store.lifecycle import CallWarnings
from store.models import (
    CLOSED_STATUSES,
    Attachment,
    AuditEvent,
    Customer,
    InboundMessage,
    OutboxMail,
    Request,
    RequestCandidate,
    RequestNote,
    Staff,
    VerificationCall,
)
from store.outbox import mail_text
from store.restriction import is_restricted


@dataclass(frozen=True)
class PersonSummary:
    customer_no: str
    name: str
    email: str
    phone: str  # Finnish format, from the register
    first_name: str = ""
    last_name: str = ""
    street_address: str = ""
    postal_code: str = ""
    city: str = ""
    language: str = "fi"
    restricted: bool = False  # processing restricted (Art. 18): marked on the screen


@dataclass(frozen=True)
class CandidateView:
    person: PersonSummary
    matched_on: tuple[str, ...]
    score: float


@dataclass(frozen=True)
class AttachmentView:
    filename: str
    content_type: str
    size: int
    kept: bool


@dataclass(frozen=True)
class ThreadItem:
    """One item of the request's thread: a mail in (the person to us), a mail out (us to
    the person), or a staff member's internal note (never sent)."""

    direction: str  # "in" | "out" | "note"
    at: datetime
    party: str  # the sender (in) or the recipient (out)
    subject: str
    body: str
    status: str = ""  # out: the outbox status
    template: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    authentication: str = ""  # in: our mail server's SPF/DKIM/DMARC verdict, one line
    authentication_failed: bool = False
    attachments: tuple[AttachmentView, ...] = ()
    needs_attention: bool = False
    attention_reason: str = ""
    message_id: str = ""  # out: the Message-ID, to send a failed mail again
    error: str = ""  # out: what went wrong (the server's answer), when it did


@dataclass(frozen=True)
class CallView:
    at: datetime
    outcome: str
    note: str
    called_by: str
    phone: str


@dataclass(frozen=True)
class AuditLine:
    id: int
    at: datetime
    actor: str
    action: str
    details: str


@dataclass(frozen=True)
class RequestView:
    reference: str
    kind: str
    status: str
    language: str
    channel: str
    confidence: float
    kind_set_by: str  # the staff member who set the kind by hand; empty: the classifier's
    requester_email: str
    requester_name: str
    requester_phone: str
    received_at: datetime
    due_at: datetime
    original_due_at: datetime
    days_left: int
    extended: bool
    match_state: str
    customer: PersonSummary | None
    candidates: tuple[CandidateView, ...]
    thread: tuple[ThreadItem, ...]
    calls: tuple[CallView, ...]
    unanswered_calls: int
    trail: tuple[AuditLine, ...]
    can_approve: bool
    approve_refusal: str  # catalog key of why not
    proposed_changes: dict[str, str] = field(default_factory=dict)
    rejection_reason: str = ""
    rejection_ground: str = ""
    outcome: str = ""
    closed_at: datetime | None = None  # when it ended (fulfilled, rejected or dismissed)
    closed_by: str = ""  # who ended it (display name)
    warnings: CallWarnings = field(default_factory=CallWarnings)
    unreachable_offered: bool = False
    written_language: str = ""  # what the person wrote in (any EU language)
    letter_parts: tuple[tuple[str, str], ...] = ()  # the same letter's other requests
    handler: str = ""  # the staff member who handles it (display name); empty: nobody yet
    minimised: bool = False  # minimised after it closed: nothing more can be written on it
    staff: tuple[tuple[str, str], ...] = ()  # enabled staff (name, display name): assigning
    opened: Opened | None = None  # the first load only: what was new, who else has it open

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    @property
    def first_message(self) -> ThreadItem | None:
        """The mail that made the request (the thread is newest first)."""
        return next((item for item in reversed(self.thread) if item.direction == "in"), None)

    @property
    def can_reply(self) -> bool:
        return bool(self.requester_email or (self.customer and self.customer.email)) and not (
            self.minimised
        )

    @property
    def failed_mail(self) -> tuple[ThreadItem, ...]:
        return tuple(item for item in self.thread if item.status == "failed")


def get_request(reference: str) -> Request:
    return lifecycle.find_request(reference)


def person(customer: Customer) -> PersonSummary:
    return PersonSummary(
        customer_no=customer.customer_no,
        name=customer.name,
        email=customer.email or "",
        phone=format_phone(customer.phone),
        first_name=customer.first_name,
        last_name=customer.last_name,
        language=customer.language,
        street_address=customer.street_address,
        postal_code=customer.postal_code,
        city=customer.city,
        restricted=is_restricted(customer),
    )


def staff_name(actor: str | None) -> str:
    """The name staff know a colleague by (their display name), or the actor as recorded."""
    if not actor:
        return ""
    member = Staff.get_or_none(Staff.name == actor)
    return (member.display_name or member.name) if member else actor


def request_signature(reference: str) -> tuple[object, ...]:
    """A cheap fingerprint of the request and its thread: when a colleague or the mailbot
    changes it, the open request screen reloads."""
    request = get_request(reference)
    sent = cast(
        tuple[object, ...],
        OutboxMail.select(
            fn.COUNT(OutboxMail.id), fn.SUM(OutboxMail.attempts), fn.MAX(OutboxMail.sent_at)
        )
        .where(OutboxMail.request == request)
        .tuples()
        .get(),
    )
    notes = RequestNote.select().where(RequestNote.request == request).count()
    return (request.updated_at, request.status, *sent, notes)


def load_request(
    reference: str,
    settings: Settings,
    now: datetime | None = None,
    opened: Opened | None = None,
    language: str = "fi",
) -> RequestView:
    now = now or clock.now()
    request = get_request(reference)
    if opened is not None:  # colleagues by the names staff know them by
        opened = Opened(opened.news, tuple((staff_name(name), at) for name, at in opened.others))
    customer = Customer.get_by_id(request.customer_id) if request.customer_id else None
    candidates = tuple(
        CandidateView(person(row.customer), tuple(row.matched_on.split(",")), row.score)
        for row in (
            RequestCandidate.select(RequestCandidate, Customer)
            .join(Customer)
            .where(RequestCandidate.request == request)
            .order_by(RequestCandidate.score.desc(), Customer.customer_no)
        )
    )
    unanswered = lifecycle.unanswered_calls(request)
    allowed, why = lifecycle.can_approve(request)
    return RequestView(
        reference=request.reference,
        kind=request.kind,
        status=request.status,
        language=request.language,
        channel=request.channel,
        confidence=request.confidence,
        kind_set_by=staff_name(lifecycle.kind_set_by(request)),
        requester_email=request.requester_email or "",
        requester_name=request.requester_name,
        requester_phone=format_phone(request.requester_phone),
        received_at=request.received_at,
        due_at=request.due_at,
        original_due_at=request.original_due_at,
        days_left=deadlines.days_left(request.due_at, now),
        extended=request.extended_at is not None,
        match_state=request.match_state,
        customer=person(customer) if customer else None,
        candidates=candidates,
        thread=load_thread(request),
        calls=tuple(
            CallView(
                call.called_at,
                call.outcome,
                call.note,
                call.called_by,
                format_phone(call.phone_called),
            )
            for call in request.calls.order_by(VerificationCall.called_at, VerificationCall.id)
        ),
        unanswered_calls=unanswered,
        trail=tuple(
            audit_line(event, language)
            for event in audit.trail(request_reference=request.reference, limit=200)
        ),
        can_approve=allowed,
        approve_refusal=why,
        proposed_changes=dict(request.proposed_changes or {}),
        rejection_reason=request.rejection_reason,
        rejection_ground=request.rejection_ground,
        outcome=request.outcome,
        closed_at=request.closed_at,
        closed_by=closed_by(request),
        warnings=call_warnings(request, customer),
        unreachable_offered=lifecycle.can_send_unreachable_letter(
            request, settings.requests.unanswered_calls_before_letter
        )[0],
        written_language=request.written_language,
        letter_parts=letter_parts(request),
        handler=staff_name(request.handler),
        minimised=request.minimised_at is not None,
        staff=tuple(
            (member.name, member.display_name or member.name)
            for member in Staff.select(Staff.name, Staff.display_name)
            .where(Staff.enabled == True)  # noqa: E712 (a peewee expression)
            .order_by(Staff.name)
        ),
        opened=opened,
    )


def letter_parts(request: Request) -> tuple[tuple[str, str], ...]:
    """(reference, kind) of the other requests made from the same letter."""
    first = request.part_of_id or request.id
    rows = (
        Request.select(Request.reference, Request.kind)
        .where(((Request.id == first) | (Request.part_of == first)) & (Request.id != request.id))
        .order_by(Request.id)
    )
    return tuple((row.reference, row.kind) for row in rows)


def load_thread(request: Request) -> tuple[ThreadItem, ...]:
    items: list[ThreadItem] = []
    wanted = InboundMessage.request == request
    if request.part_of_id:  # one right of a letter that asked for several: show the letter
        wanted |= (InboundMessage.request == request.part_of_id) & (
            InboundMessage.disposition == "new_request"
        )
    messages = list(InboundMessage.select().where(wanted).order_by(InboundMessage.id))
    attachments: dict[int, list[AttachmentView]] = {}
    if messages:
        for row in Attachment.select(
            Attachment.message,
            Attachment.filename,
            Attachment.content_type,
            Attachment.size,
            Attachment.kept,
        ).where(Attachment.message.in_([m.id for m in messages])):
            attachments.setdefault(row.message_id, []).append(
                AttachmentView(row.filename, row.content_type, row.size, row.kept)
            )
    for message in messages:
        sender = (
            f"{message.from_name} <{message.from_address}>"
            if message.from_name
            else message.from_address
        )
        items.append(
            ThreadItem(
                direction="in",
                at=message.received_at,
                party=sender,
                subject=message.subject,
                body=message.body_text,
                headers=tuple((str(name), str(value)) for name, value in (message.headers or [])),
                authentication=describe(message.authentication),
                authentication_failed=bool((message.authentication or {}).get("failed")),
                attachments=tuple(attachments.get(message.id, ())),
                needs_attention=message.needs_attention,
                attention_reason=message.attention_reason,
            )
        )
    for mail in OutboxMail.select(
        OutboxMail.created_at,
        OutboxMail.to_address,
        OutboxMail.subject,
        OutboxMail.status,
        OutboxMail.template,
        OutboxMail.raw_message,
        OutboxMail.draft,
        OutboxMail.message_id,
        OutboxMail.last_error,
        OutboxMail.server_reply,
    ).where(OutboxMail.request == request):
        error = ""
        if mail.status in ("failed", "retry", "skipped"):
            error = " – ".join(part for part in (mail.last_error, mail.server_reply) if part)
        items.append(
            ThreadItem(
                direction="out",
                at=mail.created_at,
                party=mail.to_address,
                subject=mail.subject,
                body=mail_text(mail)[0] or "",
                status=mail.status,
                template=mail.template,
                message_id=mail.message_id,
                error=error,
            )
        )
    for note in RequestNote.select().where(RequestNote.request == request):
        items.append(
            ThreadItem(
                direction="note",
                at=note.created_at,
                party=staff_name(note.author),
                subject="",
                body=note.text,
            )
        )
    # Newest first: a reply or a failure is what staff look for.
    order = {"in": 0, "out": 1, "note": 2}
    return tuple(sorted(items, key=lambda item: (item.at, order[item.direction]), reverse=True))


# The words of a payload's coded values: ``kind=erasure`` reads "laji: poistopyyntö".
AUDIT_VALUE_WORDS = {
    "kind": "kind",
    "after": "status",
    "status": "status",
    "channel": "tui.desk.channel",
    "purpose": "tui.purpose",
    "role": "tui.role",
    "source": "tui.source",
    "disposition": "message.disposition",
    "ground": "tui.ground",
    "language": "tui.customer_language",
    "outcome": "tui.call.outcome",
    "matched_on": "tui.matched",
}


def audit_details(payload: dict[str, Any], language: str) -> str:
    """An event's details as staff read them: each field and coded value in words,
    ("laji: poistopyyntö; varmuus: 88 %"), lists joined, yes/no for flags."""
    parts = []
    for key, value in sorted(payload.items()):
        if key in ("before", "prev", "hash") or value in (None, "", [], {}):
            continue
        parts.append(
            f"{code_text('tui.audit.field', key, language)}: {_audit_value(key, value, language)}"
        )
    return "; ".join(parts)


def _audit_value(key: str, value: Any, language: str) -> str:
    if isinstance(value, bool):
        return code_text("tui.audit.flag", "yes" if value else "no", language)
    if isinstance(value, (list, tuple)):
        return ", ".join(_audit_value(key, item, language) for item in value)
    if isinstance(value, dict):
        return ", ".join(
            f"{code_text('tui.audit.field', name, language)} {_audit_value(name, item, language)}"
            for name, item in sorted(value.items())
        )
    if key == "confidence" and isinstance(value, float):
        return format_percent(value, language)
    if isinstance(value, float):
        return format_number(value, language)
    prefix = AUDIT_VALUE_WORDS.get(key)
    if prefix is not None and isinstance(value, str):
        words = code_text(prefix, value, language)
        return words.lower() if prefix == "kind" else words  # "Poistopyyntö" mid-sentence
    return str(value)


def action_words(action: str, language: str) -> str:
    """An audit action as staff say it (``request.received`` → "pyyntö saapui"),
    or the code itself for one the catalog has no words for."""
    return code_text("tui.audit.action", action.replace(".", "_"), language)


def audit_line(event: Any, language: str = "fi") -> AuditLine:
    details = audit_details(event.payload or {}, language)
    if event.customer_no:
        customer = code_text("tui.audit.field", "customer_no", language)
        details = f"{customer}: {event.customer_no}" + (f"; {details}" if details else "")
    return AuditLine(
        id=event.id, at=event.at, actor=event.actor, action=event.action, details=details
    )


def closed_by(request: Request) -> str:
    """Who ended a closed request (the staff member's display name), from its audit trail."""
    if request.status not in CLOSED_STATUSES:
        return ""
    event = (
        AuditEvent.select(AuditEvent.actor)
        .where(
            (AuditEvent.request_reference == request.reference)
            & (AuditEvent.action == f"request.{request.status}")
        )
        .order_by(AuditEvent.id.desc())
        .first()
    )
    return staff_name(event.actor) if event else ""


def call_warnings(request: Request, customer: Customer | None) -> CallWarnings:
    """The store's warnings (:func:`store.lifecycle.call_warnings`), the number as staff
    read it."""
    found = lifecycle.call_warnings(request, customer)
    if not found.mail_phone_differs:
        return found
    return dataclasses.replace(found, mail_phone_differs=format_phone(found.mail_phone_differs))
