"""The request lifecycle.  Every transition is one function that checks it is allowed, sets
its timestamps and writes its audit event in the same transaction.

    received → awaiting_verification → verified → approved → fulfilled
    side states: waiting_for_requester, rejected (with a reason), dismissed (not a request)

The deadline runs from receipt and is never paused, not even while identity is checked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from store import audit, clock, deadlines
from store.counters import next_reference
from store.customers import CandidateMatch, email_or_none, phone_or_none
from store.db import together
from store.errors import InvalidInput, NotFound, RuleViolation
from store.i18n import Term
from store.models import (
    CALL_OUTCOMES,
    KINDS,
    MANUAL_CHANNELS,
    NEWS,
    OPEN_STATUSES,
    AuditEvent,
    Customer,
    Kind,
    OutboxMail,
    Request,
    RequestCandidate,
    RequestNote,
    Staff,
    Status,
    VerificationCall,
    database,
)
from store.prepared import insert
from store.sanitise import clean_line, clean_text

REJECTION_GROUNDS = (
    "manifestly_unfounded",  # ilmeisen perusteeton
    "excessive",  # kohtuuton
    "identity_not_confirmed",
    "legal_exemption",  # e.g. vouchers the Accounting Act requires us to keep
    "other",
)

NEEDS_NO_CALL = ("objection",)
"""Kinds that only reduce processing: applied at once, without a verification call."""

CALL_VERIFIES = ("received", "awaiting_verification", "waiting_for_requester")
"""The states a confirmed verification call moves to ``verified``."""


def create_request(
    *,
    kind: str,
    actor: str,
    received_at: datetime | None = None,
    language: str = "fi",
    channel: str = "email",
    requester_email: str | None = None,
    requester_name: str = "",
    requester_phone: str | None = None,
    confidence: float = 0.0,
    proposed_changes: dict[str, str] | None = None,
    candidates: Iterable[CandidateMatch] = (),
    reference_prefix: str = "TP",
    written_language: str = "",
    part_of: Request | None = None,
) -> Request:
    """A new request in ``received``, with its reference number and deadline.

    ``part_of``: the first request of the same letter, when the letter asks for several
    rights (one request per right; the letter is the first one's message).
    """
    _check_kind(kind)
    received_at = received_at or clock.now()
    now = clock.now()
    part_of_payload: dict[str, Any] = {"part_of": part_of.reference} if part_of is not None else {}
    with together():
        due = deadlines.due_at(received_at)
        request = insert(
            Request(
                reference=next_reference(reference_prefix, received_at),
                kind=kind,
                status="received",
                language=language,
                channel=channel,
                requester_email=requester_email,
                requester_name=requester_name,
                requester_phone=requester_phone,
                confidence=confidence,
                proposed_changes=proposed_changes or {},
                written_language=written_language,
                part_of=part_of,
                received_at=received_at,
                due_at=due,
                original_due_at=due,
                created_at=now,
                updated_at=now,
            )
        )
        audit.record(
            "request.received",
            actor,
            request_reference=request.reference,
            kind=kind,
            channel=channel,
            language=language,
            confidence=round(confidence, 2),
            **part_of_payload,
        )
        _record_candidates(request, list(candidates), actor, fresh=True)
    return request


def find_request(reference: str) -> Request:
    """The request with this reference, however it was typed (``tp-2026-0002 `` too): the
    one lookup by reference that the TUI, the CLI and the mailbot share."""
    wanted = reference.strip().upper()
    request = Request.get_or_none(Request.reference == wanted)
    if request is None:
        raise NotFound(
            f"no request {reference}", key="rule.no_request", reference=reference.strip()
        )
    return request


def set_candidates(request: Request, candidates: Iterable[CandidateMatch], actor: str) -> None:
    """Record the customers the request may be about; never confirms one by itself."""
    _record_candidates(request, list(candidates), actor, fresh=False)


def _record_candidates(
    request: Request, matches: list[CandidateMatch], actor: str, *, fresh: bool
) -> None:
    """``fresh``: the request was made in this transaction and has no candidates yet."""
    if fresh and not matches:
        return  # the new request is "unmatched" already: nothing to record or clear
    with database.atomic():
        if not fresh:
            RequestCandidate.delete().where(RequestCandidate.request == request).execute()
        for match in matches:
            RequestCandidate.create(
                request=request,
                customer=match.customer,
                matched_on=",".join(match.matched_on),
                score=match.score,
            )
        if request.match_state in ("unmatched", "candidates"):
            request.match_state = "candidates" if matches else "unmatched"
            request.save(only=[Request.match_state])
        if matches:
            audit.record(
                "request.candidates",
                actor,
                request_reference=request.reference,
                customers=[m.customer.customer_no for m in matches],
                matched_on=[",".join(m.matched_on) for m in matches],
            )


def confirm_customer(request: Request, customer: Customer, actor: str) -> Request:
    """Staff confirm who the request is about; a new identity needs a new call."""
    _require_open(request, "confirm_customer")
    if request.status in ("approved",):
        _refuse(
            "rule.already_approved", "the request is already approved", reference=request.reference
        )
    to = (
        "waiting_for_requester"
        if request.status == Status.WAITING_FOR_REQUESTER
        else "awaiting_verification"
    )
    return _transition(
        request,
        to,
        "request.customer_confirmed",
        actor,
        changes={"customer": customer, "match_state": "confirmed"},
        customer_no=customer.customer_no,
    )


def mark_not_in_register(request: Request, actor: str) -> Request:
    """Staff find the person is not in the register: the answer is "we hold no data"."""
    _require_open(request, "mark_not_in_register")
    to = (
        "waiting_for_requester"
        if request.status == Status.WAITING_FOR_REQUESTER
        else "awaiting_verification"
    )
    return _transition(
        request,
        to,
        "request.not_in_register",
        actor,
        changes={"customer": None, "match_state": "not_in_register"},
    )


def log_call(
    request: Request,
    outcome: str,
    actor: str,
    note: str = "",
    at: datetime | None = None,
    package_password: str | None = None,
) -> VerificationCall:
    """Log a verification call to the number on record for the confirmed customer.

    ``package_password`` is the one-time password staff read out in a confirmed call; the
    access package is later encrypted with it (:func:`agreed_package_password`).
    """
    if outcome not in CALL_OUTCOMES:
        raise InvalidInput(f"unknown call outcome {outcome!r}")
    _require_open(request, "log_call")
    customer = request.customer
    if request.match_state != "confirmed" or customer is None:
        _refuse(
            "rule.call_needs_customer",
            "confirm the customer before calling",
            reference=request.reference,
        )
    if not customer.phone:
        _refuse(
            "rule.call_needs_phone",
            "the customer has no phone number on record",
            reference=request.reference,
        )
    at = at or clock.now()
    with database.atomic():
        agreed = package_password if outcome == "confirmed" and package_password else None
        call = VerificationCall.create(
            request=request,
            customer=customer,
            phone_called=customer.phone,
            outcome=outcome,
            note=note,
            called_by=actor,
            called_at=at,
            package_password=agreed,
        )
        if outcome == "confirmed" and request.status in CALL_VERIFIES:
            # A confirmed call also answers a question we were waiting on: the person
            # confirmed the request to the number on record.
            _transition(
                request,
                "verified",
                "request.verified",
                actor,
                changes={"status_before_wait": None},
                customer_no=customer.customer_no,
            )
        audit.record(
            "request.call_logged",
            actor,
            request_reference=request.reference,
            customer_no=customer.customer_no,
            outcome=outcome,
            package_password_given=agreed is not None,
        )
    return call


def unanswered_calls(request: Request) -> int:
    return (
        VerificationCall.select()
        .where((VerificationCall.request == request) & (VerificationCall.outcome == "no_answer"))
        .count()
    )


def agreed_package_password(request: Request, caller: str | None = None) -> str | None:
    """The password read out in the latest confirmed call with the current customer.

    ``caller``: only a call that staff member made counts.  The one who approves sends
    the password they read out themselves, never a colleague's from a second call."""
    wanted = (
        (VerificationCall.request == request)
        & (VerificationCall.outcome == "confirmed")
        & (VerificationCall.customer == request.customer)
        & VerificationCall.package_password.is_null(False)
    )
    if caller is not None:
        wanted &= VerificationCall.called_by == caller
    call = (
        VerificationCall.select(VerificationCall.package_password)
        .where(wanted)
        .order_by(VerificationCall.called_at.desc(), VerificationCall.id.desc())
        .first()
    )
    return call.package_password if call else None


def forget_package_password(request: Request) -> None:
    """The package is queued: the password has done its work and is not kept."""
    (
        VerificationCall.update(package_password=None)
        .where(VerificationCall.request == request)
        .execute()
    )


def has_confirmed_call(request: Request) -> bool:
    return (
        VerificationCall.select()
        .where(
            (VerificationCall.request == request)
            & (VerificationCall.outcome == "confirmed")
            & (VerificationCall.customer == request.customer)
        )
        .exists()
    )


def can_approve(request: Request) -> tuple[bool, str]:
    """Whether :func:`approve` would accept the request, and the catalog key of why not."""
    if request.status not in OPEN_STATUSES or request.status == Status.APPROVED:
        return False, "rule.not_open"
    if request.kind == Kind.OTHER:
        return False, "rule.other_cannot_be_approved"
    if request.kind in NEEDS_NO_CALL:
        return True, ""
    if request.status == Status.WAITING_FOR_REQUESTER:
        return False, "rule.waiting_for_requester"
    if request.match_state == "not_in_register":
        return True, ""  # answered with "we hold no data", no call to make
    if request.match_state != "confirmed":
        return False, "rule.call_needs_customer"
    if request.status != Status.VERIFIED or not has_confirmed_call(request):
        return False, "rule.approve_needs_call"
    return True, ""


def can_disclose(request: Request) -> tuple[bool, str]:
    """Whether a copy of the person's data may be handed out for ``request`` (an export
    for it, by whatever channel): an access request that may be approved now (the customer
    confirmed and the call to the number on record logged as confirmed, or the person not
    in the register) or already is."""
    if request.kind != Kind.ACCESS:
        return False, "rule.wrong_kind"
    if request.status == Status.APPROVED:
        return True, ""
    return can_approve(request)


def can_reject(request: Request) -> tuple[bool, str]:
    """Whether the request may be refused (Art. 12(4)): any open request."""
    if request.status not in OPEN_STATUSES:
        return False, "rule.not_open"
    return True, ""


def can_dismiss(request: Request) -> tuple[bool, str]:
    """Whether the request may be closed unanswered (not a request, a duplicate, spam)."""
    if request.status not in OPEN_STATUSES:
        return False, "rule.not_open"
    return True, ""


def can_extend(request: Request, now: datetime) -> tuple[bool, str]:
    """Whether the deadline may be extended by two months (Art. 12(3)): once, and only
    within the first month, so the person is told before the month runs out."""
    if request.status not in OPEN_STATUSES:
        return False, "rule.not_open"
    if request.extended_at is not None:
        return False, "rule.already_extended"
    if now > request.original_due_at:
        return False, "rule.extension_too_late"
    return True, ""


def can_ask_more(request: Request) -> tuple[bool, str]:
    """Whether staff may ask the requester for more information (Art. 12(6)): not twice
    at once."""
    if request.status not in OPEN_STATUSES:
        return False, "rule.not_open"
    if request.status == Status.WAITING_FOR_REQUESTER:
        return False, "rule.already_waiting"
    return True, ""


def can_send_unreachable_letter(request: Request, calls_before_letter: int) -> tuple[bool, str]:
    """Whether the *could not reach you* letter is due: after ``calls_before_letter``
    unanswered verification calls (``requests.unanswered_calls_before_letter``), on an open
    request.  Sooner it would tell the person we tried when we hardly did."""
    if request.status not in OPEN_STATUSES:
        return False, "rule.not_open"
    if unanswered_calls(request) < calls_before_letter:
        return False, "rule.unreachable_too_early"
    return True, ""


@dataclass(frozen=True)
class CallWarnings:
    """Why the verification call needs care: the request gave other contact details than
    the register holds.  Staff still call the number on record, never the one in the mail
    (someone else may have written it)."""

    mail_phone_differs: str = ""
    """The number the mail gave (normalised), when it is not the one on record."""
    reply_address_differs: str = ""
    """The requester's address, when it is not the customer's registered one."""


def call_warnings(request: Request, customer: Customer | None) -> CallWarnings:
    """What the call dialog warns about for ``request`` and its confirmed ``customer``."""
    if customer is None:
        return CallWarnings()
    phone_differs = ""
    if request.requester_phone:
        given = phone_or_none(request.requester_phone) or request.requester_phone
        if given != customer.phone:
            phone_differs = given
    address_differs = ""
    if request.requester_email:
        address = email_or_none(request.requester_email) or request.requester_email
        if address != (customer.email or ""):
            address_differs = request.requester_email
    return CallWarnings(mail_phone_differs=phone_differs, reply_address_differs=address_differs)


def approve(request: Request, actor: str) -> Request:
    """Approve the request: only after a logged, confirmed call (objections need none)."""
    allowed, why = can_approve(request)
    if not allowed:
        _refuse(
            why,
            f"request {request.reference} cannot be approved now ({why})",
            reference=request.reference,
            kind=Term(f"kind.{request.kind}"),
        )
    return _transition(request, "approved", "request.approved", actor, changes={"handler": actor})


def fulfil(request: Request, actor: str, outcome: str = "") -> Request:
    """The request is done: the data sent, the change made, the erasure carried out."""
    if request.status != Status.APPROVED:
        _refuse(
            "rule.fulfil_needs_approval", "approve the request first", reference=request.reference
        )
    now = clock.now()
    return _transition(
        request,
        "fulfilled",
        "request.fulfilled",
        actor,
        changes={"closed_at": now, "outcome": outcome},
        on_time=now <= request.due_at,
    )


def reject(request: Request, actor: str, *, ground: str, reason: str) -> Request:
    """Refuse, with the reason the refusal mail must give (Art. 12(4))."""
    enforce(can_reject(request), request)
    if ground not in REJECTION_GROUNDS:
        raise InvalidInput(f"unknown rejection ground {ground!r}")
    if not reason.strip():
        _refuse("rule.reason_required", "give the reason", reference=request.reference)
    now = clock.now()
    return _transition(
        request,
        "rejected",
        "request.rejected",
        actor,
        changes={
            "closed_at": now,
            "rejection_ground": ground,
            "rejection_reason": reason.strip(),
            "outcome": "rejected",
        },
        ground=ground,
        on_time=now <= request.due_at,
    )


def dismiss(request: Request, actor: str, reason: str = "") -> Request:
    """Not a data-protection request at all (a question about showtimes, spam)."""
    enforce(can_dismiss(request), request)
    return _transition(
        request,
        "dismissed",
        "request.dismissed",
        actor,
        changes={"closed_at": clock.now(), "outcome": reason.strip()},
    )


def extend_deadline(
    request: Request, actor: str, reason: str, now: datetime | None = None
) -> Request:
    """Two more months, once, and only while the first month is running (Art. 12(3))."""
    now = now or clock.now()
    enforce(can_extend(request, now), request)
    if not reason.strip():
        _refuse("rule.reason_required", "give the reason", reference=request.reference)
    new_due = deadlines.extended_due_at(request.original_due_at)
    return _transition(
        request,
        request.status,
        "request.extended",
        actor,
        changes={"due_at": new_due, "extended_at": now, "extension_reason": reason.strip()},
        due_at=clock.iso(new_due),
    )


def ask_for_more(request: Request, actor: str, reason: str) -> Request:
    """Wait for the requester; the reason is recorded because doubts must be reasonable."""
    enforce(can_ask_more(request), request)
    if not reason.strip():
        _refuse("rule.reason_required", "give the reason", reference=request.reference)
    return _transition(
        request,
        "waiting_for_requester",
        "request.waiting",
        actor,
        changes={"status_before_wait": request.status},
    )


def requester_replied(request: Request, actor: str) -> Request:
    """The requester answered: back to where the request was before we asked."""
    if request.status != Status.WAITING_FOR_REQUESTER:
        return request
    back = request.status_before_wait or "awaiting_verification"
    return _transition(
        request, back, "request.requester_replied", actor, changes={"status_before_wait": None}
    )


def can_resume(request: Request) -> tuple[bool, str]:
    """Whether staff may stop waiting for the requester (the answer came another way: by
    phone, from another address, or the question bounced and is moot)."""
    if request.status != Status.WAITING_FOR_REQUESTER:
        return False, "rule.not_waiting"
    return True, ""


def resume(request: Request, actor: str, note: str) -> Request:
    """Staff end the wait themselves, saying why: back to where the request was."""
    allowed, why = can_resume(request)
    if not allowed:
        _refuse(why, "the request is not waiting for the requester", reference=request.reference)
    if not note.strip():
        _refuse("rule.reason_required", "give the reason", reference=request.reference)
    back = request.status_before_wait or "awaiting_verification"
    return _transition(
        request,
        back,
        "request.resumed",
        actor,
        changes={"status_before_wait": None},
        note=note.strip(),
    )


ANSWERED_AT_ONCE = ("acknowledgement", "marketing_stopped")
"""The mails that tell a person their request arrived (an applied objection says so too)."""


def owes_acknowledgement(request: Request, kind: str) -> bool:
    """Whether changing ``request`` to ``kind`` must send the acknowledgement the mailbot did
    not (it filed the mail as *other*): a real request is always acknowledged once."""
    if kind == "other" or not request.requester_email:
        return False
    return not (
        OutboxMail.select()
        .where((OutboxMail.request == request) & OutboxMail.template.in_(ANSWERED_AT_ONCE))
        .exists()
    )


def kind_set_by(request: Request) -> str | None:
    """Who last set the kind by hand (None: it is still the classifier's guess).  A request
    staff recorded by hand had its kind set by the one who recorded it."""
    actions = ["request.kind_changed"]
    if request.channel in MANUAL_CHANNELS:
        actions.append("request.received")
    event = (
        AuditEvent.select(AuditEvent.actor)
        .where((AuditEvent.request_reference == request.reference) & AuditEvent.action.in_(actions))
        .order_by(AuditEvent.id.desc())
        .first()
    )
    return event.actor if event else None


def change_kind(request: Request, kind: str, actor: str) -> Request:
    """Staff correct the classifier: a wrong guess is cheap."""
    _check_kind(kind)
    _require_open(request, "change_kind")
    if kind == request.kind:
        return request
    return _transition(
        request,
        request.status,
        "request.kind_changed",
        actor,
        changes={"kind": kind},
        old=request.kind,
        new=kind,
    )


# ---------------------------------------------------------------- the desk: news, notes, owner

NOTE_MAX_CHARS = 4000
"""An internal note is a few sentences; a pasted mail belongs in the thread."""

OPENED_RECENTLY_MINUTES = 30
"""How long an opening counts as "a colleague has this request open" for the warning."""


def note_news(request: Request, news: str, now: datetime | None = None) -> None:
    """Something arrived on ``request`` (a reply, a bounce of our mail, a warning): the
    queue marks it until a staff member opens the request.  A warning is never replaced by
    a plain reply that comes after it."""
    if news not in NEWS:
        raise InvalidInput(f"unknown news {news!r}; one of {', '.join(NEWS)}")
    now = now or clock.now()
    if request.news and NEWS.index(request.news) > NEWS.index(news):
        news = request.news
    Request.update(news=news, news_at=now, updated_at=now).where(Request.id == request.id).execute()
    request.news, request.news_at, request.updated_at = news, now, now


def mark_seen(request: Request, actor: str) -> str:
    """A staff member opened the request: its news is read.  Returns what it was."""
    news = request.news
    if news:
        Request.update(news="", news_at=None).where(Request.id == request.id).execute()
        request.news, request.news_at = "", None
    return news


def record_opened(request: Request, actor: str) -> None:
    """Opening a request shows the person's data: every look is in the audit trail."""
    customer_no = (
        Customer.get_by_id(request.customer_id).customer_no if request.customer_id else None
    )
    audit.record(
        "request.opened", actor, request_reference=request.reference, customer_no=customer_no
    )


def opened_by_others(
    request: Request, actor: str, now: datetime | None = None
) -> tuple[tuple[str, datetime], ...]:
    """Colleagues who opened ``request`` in the last ``OPENED_RECENTLY_MINUTES`` (name and
    when, latest first): two people calling the same person is what the warning prevents."""
    from datetime import timedelta

    since = (now or clock.now()) - timedelta(minutes=OPENED_RECENTLY_MINUTES)
    rows = (
        AuditEvent.select(AuditEvent.actor, AuditEvent.at)
        .where(
            (AuditEvent.request_reference == request.reference)
            & (AuditEvent.action == "request.opened")
            & (AuditEvent.actor != actor)
            & (AuditEvent.at >= since)
        )
        .order_by(AuditEvent.at.desc())
    )
    seen: dict[str, datetime] = {}
    for row in rows:
        seen.setdefault(row.actor, row.at)
    return tuple(seen.items())


def add_note(request: Request, text: str, actor: str) -> RequestNote:
    """An internal note (never sent): kept with the request; the trail records that it was
    written, by whom, not its words (the note goes when the request is minimised)."""
    text = clean_text(text).strip()
    if not text:
        _refuse("rule.note_required", "write the note", reference=request.reference)
    if len(text) > NOTE_MAX_CHARS:
        _refuse(
            "rule.note_too_long",
            f"a note holds at most {NOTE_MAX_CHARS} characters",
            reference=request.reference,
            limit=NOTE_MAX_CHARS,
        )
    if request.minimised_at is not None:
        _refuse("rule.request_minimised", "the request is minimised", reference=request.reference)
    now = clock.now()
    with database.atomic():
        note = RequestNote.create(request=request, author=actor, text=text, created_at=now)
        Request.update(updated_at=now).where(Request.id == request.id).execute()
        audit.record(
            "request.note_added",
            actor,
            request_reference=request.reference,
            note_id=note.id,
            chars=len(text),
        )
    return note


def can_assign(request: Request, staff_name: str) -> tuple[bool, str]:
    """Whether ``staff_name`` may be made the request's handler: an enabled staff member,
    on an open request."""
    if request.status not in OPEN_STATUSES:
        return False, "rule.not_open"
    member = Staff.get_or_none(Staff.name == staff_name)
    if member is None or not member.enabled:
        return False, "rule.assign_needs_staff"
    return True, ""


def assign(request: Request, staff_name: str, actor: str) -> Request:
    """Make ``staff_name`` the one who handles ``request``."""
    staff_name = clean_line(staff_name).strip()
    allowed, why = can_assign(request, staff_name)
    if not allowed:
        _refuse(
            why,
            f"{request.reference} cannot be assigned to {staff_name!r}",
            name=staff_name,
            reference=request.reference,
        )
    return _transition(
        request,
        request.status,
        "request.assigned",
        actor,
        changes={"handler": staff_name},
        old=request.handler,
        new=staff_name,
    )


def reply_address(request: Request) -> str:
    """Where a reply about ``request`` goes: the address it came from, else the customer's."""
    if request.requester_email:
        return str(request.requester_email)
    if request.customer_id:
        return Customer.get_by_id(request.customer_id).email or ""
    return ""


def can_reply(request: Request) -> tuple[bool, str]:
    """Whether staff can write to the requester about ``request`` (open or closed)."""
    if request.minimised_at is not None:
        return False, "rule.request_minimised"
    if not reply_address(request):
        return False, "rule.reply_needs_address"
    return True, ""


def can_record_manual(
    channel: str, requester_name: str, requester_email: str, requester_phone: str
) -> tuple[bool, str]:
    """A request recorded by hand needs its channel and someone to answer: a name with an
    address or a phone number."""
    if channel not in MANUAL_CHANNELS:
        return False, "rule.manual_channel"
    if not requester_name.strip():
        return False, "rule.manual_needs_name"
    if not (requester_email.strip() or requester_phone.strip()):
        return False, "rule.manual_needs_contact"
    return True, ""


def open_requests() -> Any:
    return Request.select().where(Request.status.in_(OPEN_STATUSES)).order_by(Request.due_at)


# ---------------------------------------------------------------- internals


def _transition(
    request: Request,
    to: str,
    action: str,
    actor: str,
    *,
    changes: dict[str, Any] | None = None,
    **payload: Any,
) -> Request:
    """Move ``request`` to ``to`` if nobody moved it meanwhile; audit in the same transaction."""
    changes = dict(changes or {})
    now = clock.now()
    with together():
        values = {"status": to, "updated_at": now, **changes}
        updated = (
            Request.update(**values)
            .where((Request.id == request.id) & (Request.status == request.status))
            .execute()
        )
        if not updated:
            _refuse(
                "rule.changed_meanwhile",
                f"request {request.reference} was changed meanwhile: reload it",
                reference=request.reference,
            )
        before = request.status
        for name, value in values.items():
            setattr(request, name, value)
        if to not in OPEN_STATUSES or action == "request.kind_changed":
            # The one-time package password is not kept once it can no longer be used.
            forget_package_password(request)
        customer_no = payload.pop("customer_no", None)
        if customer_no is None and request.customer_id:
            customer_no = Customer.get_by_id(request.customer_id).customer_no
        audit.record(
            action,
            actor,
            request_reference=request.reference,
            customer_no=customer_no,
            before=before,
            after=to,
            **payload,
        )
    return request


def _require_open(request: Request, action: str) -> None:
    if request.status not in OPEN_STATUSES:
        _refuse(
            "rule.not_open",
            f"request {request.reference} is closed ({request.status})",
            reference=request.reference,
        )


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise InvalidInput(f"unknown request kind {kind!r}; one of {', '.join(KINDS)}")


def _refuse(key: str, message: str, **params: Any) -> NoReturn:
    raise RuleViolation(message, key=key, **params)


def enforce(verdict: tuple[bool, str], request: Request) -> None:
    """Refuse with the reason a ``can_…`` check gave, naming the request and its kind."""
    allowed, why = verdict
    if not allowed:
        _refuse(
            why,
            f"request {request.reference} ({request.status}): {why}",
            reference=request.reference,
            kind=Term(f"kind.{request.kind}"),
        )
