"""Acting on a request: each act is planned (with the mail rendered for staff to read), then
committed in one transaction through the store's rules.

``plan(...)`` returns a :class:`Proposal`: what will happen and the exact mail that will be
queued.  ``commit(proposal, ...)`` carries it out: the transitions, the change to the
register and the queued mail succeed or fail together.  Every function here touches the
database, so screens call them from thread workers only.

This is the one home of the acts: the request screen, the customer screen and the command
line (``rekisteri erase --request``) all plan and commit through it, and the rules it applies
are the store's (``store.lifecycle.can_approve`` and the checks beside it).  Every act
first asks :func:`store.staff.require_active`: a member disabled while logged in can do
nothing more.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from mailbot.outgoing import preview, queue_mail, template_context
from mailbot.templates import RenderedMail
from store import audit, breaches, clock, deadlines, lifecycle
from store.attached_file import AttachedFile
from store.config import LANGUAGES, Settings
from store.errors import RuleViolation
from store.i18n import Term, format_date
from store.lifecycle import find_request as get_request
from store.models import (
    CLOSED_STATUSES,
    KINDS,
    Customer,
    Disposition,
    InboundMessage,
    Request,
    Status,
    database,
)
from store.rectification import FieldChange, apply_rectification, planned_changes
from store.sanitise import clean_text
from store.staff import require_active

ACTS = (
    "access",
    "rectification",
    "erasure",
    "objection",
    "restriction",
    "reject",
    "extend",
    "ask_more",
    "unreachable",
    "dismiss",
    "change_kind",
    "reply",
)
"""What staff can do to a request from the request screen."""

ANYTIME_ACTS = ("reply",)
"""Acts allowed on a closed request too: a question after the answer deserves a reply."""

APPROVING_ACTS = ("access", "rectification", "erasure", "objection", "restriction")
"""The acts that approve the request and fulfil it (one per kind)."""

ANSWERED_WITH_NO_DATA = ("access", "rectification", "erasure", "restriction")
"""The kinds answered with the plain ``no_data_held`` mail when the person is not in the
register: nothing to copy, correct, erase or restrict, so no package and no password.  (An
objection from someone not in the register still stops mail to the address.)"""


@dataclass(frozen=True)
class MailPlan:
    """A mail as it will be queued: rendered once for the preview, the same at commit."""

    template: str
    to_address: str
    to_name: str
    language: str
    context: dict[str, Any] = field(default_factory=dict)
    attachments: tuple[AttachedFile, ...] = ()


@dataclass(frozen=True)
class PackageSummary:
    """What the access package holds, for staff to check before it is sent."""

    files: tuple[tuple[str, int], ...]  # (file name, bytes)
    sections: tuple[tuple[str, int], ...]  # (section, number of items)
    password: str = ""
    password_told: bool = False  # read out in the verification call already


@dataclass(frozen=True)
class Proposal:
    act: str
    reference: str
    params: dict[str, Any]
    mail: MailPlan | None
    rendered: RenderedMail | None
    changes: tuple[FieldChange, ...] = ()  # rectification
    package: PackageSummary | None = None  # access
    erasure: Any = None  # store.erasure.ErasurePreview
    no_data_held: bool = False  # not in the register: the plain "we hold no data" answer
    # Staff rewrote the mail's text in the preview: this text is what is queued and sent.
    edited_text: str = ""

    def with_text(self, text: str) -> Proposal:
        """The same act with the mail's text as staff edited it (the subject stays)."""
        if self.rendered is None:
            raise ValueError("this act sends no mail")
        text = text.rstrip() + "\n"
        return replace(
            self, edited_text=text, rendered=replace(self.rendered, text=text, html=None)
        )


@dataclass(frozen=True)
class Outcome:
    act: str
    reference: str
    status: str
    mail_to: str = ""


# ---------------------------------------------------------------- small acts, no mail


def confirm_candidate(reference: str, customer_no: str, actor: str) -> None:
    require_active(actor)
    request = get_request(reference)
    customer = Customer.get(Customer.customer_no == customer_no)
    lifecycle.confirm_customer(request, customer, actor)


def mark_not_in_register(reference: str, actor: str) -> None:
    require_active(actor)
    lifecycle.mark_not_in_register(get_request(reference), actor)


def log_call(
    reference: str, outcome: str, note: str, actor: str, package_password: str | None = None
) -> int:
    """Log a verification call; returns the number of unanswered calls so far."""
    require_active(actor)
    request = get_request(reference)
    lifecycle.log_call(request, outcome, actor, note=note, package_password=package_password)
    return lifecycle.unanswered_calls(request)


def resume(reference: str, note: str, actor: str) -> None:
    """Stop waiting for the requester: the answer came another way (``note`` says how)."""
    require_active(actor)
    lifecycle.resume(get_request(reference), actor, note)


def mark_breach_recipient_informed(
    breach_id: int, customer_no: str, channel: str, actor: str, *, note: str = ""
) -> None:
    """A customer the breach notice mail did not reach was told another way (a letter, a
    call): recorded by the one rule, :func:`store.breaches.mark_informed`."""
    require_active(actor)
    breaches.mark_informed(breaches.get_breach(breach_id), customer_no, channel, actor, note=note)


@dataclass(frozen=True)
class Opened:
    """What staff learn when they open a request: what was new on it, and which colleagues
    have it open (name, when they opened it)."""

    news: str
    others: tuple[tuple[str, datetime], ...]


def open_request(reference: str, actor: str) -> Opened:
    """A staff member opens a request: the look is audited, its news is read."""
    require_active(actor)
    with database.atomic():
        request = get_request(reference)
        lifecycle.record_opened(request, actor)
        news = lifecycle.mark_seen(request, actor)
    return Opened(news, lifecycle.opened_by_others(request, actor))


def retry_mail(message_id: str, actor: str) -> None:
    """Send a failed mail again: the same bytes, the same Message-ID (``outbox.requeue``)."""
    from store import outbox

    require_active(actor)
    outbox.requeue(message_id, actor)


RAW_SHOWN_BYTES = 20_000
"""How much of a message that was never parsed staff are shown of its bytes."""


@dataclass(frozen=True)
class MailText:
    """A message outside the queue as staff read it."""

    id: int
    received_at: datetime
    disposition: str
    reason: str
    from_name: str
    from_address: str
    subject: str
    text: str
    quarantined: bool


def read_mail(inbound_id: int, actor: str) -> MailText:
    """A staff member reads a message that belongs to no request (the mailbot ignored or
    quarantined it): the look is audited, as every look at personal data is."""
    require_active(actor)
    with database.atomic():
        message = InboundMessage.get_or_none(InboundMessage.id == inbound_id)
        if message is None:
            raise RuleViolation("no such message", key="mailbot.no_message", message_id=inbound_id)
        audit.record("mail.viewed", actor, inbound_id=message.id, disposition=message.disposition)
    text = "\n\n".join(part for part in (message.body_text, message.quoted_text) if part)
    if not text and message.raw_message is not None:
        # Never parsed (quarantined unread, say): the start of the message as it came, as
        # text with every control character taken out.
        text = clean_text(bytes(message.raw_message)[:RAW_SHOWN_BYTES].decode("utf-8", "replace"))
    return MailText(
        message.id,
        message.received_at,
        message.disposition,
        message.reason or "",
        message.from_name,
        message.from_address,
        message.subject,
        text,
        message.disposition == Disposition.QUARANTINED,
    )


def reprocess_mail(inbound_id: int, settings: Settings, actor: str) -> tuple[str, str | None]:
    """Run a quarantined message through the mailbot again (``rekisteri messages
    reprocess``): its disposition now, and its request's reference if it made one."""
    from mailbot.ingest import reprocess

    require_active(actor)
    message = InboundMessage.get_or_none(InboundMessage.id == inbound_id)
    if message is None:
        raise RuleViolation("no such message", key="mailbot.no_message", message_id=inbound_id)
    again = reprocess(message.dedupe_key, settings, actor=actor)
    request = again.request if again.request_id else None
    return again.disposition, request.reference if request is not None else None


def add_note(reference: str, text: str, actor: str) -> None:
    """An internal note on the request (never sent)."""
    require_active(actor)
    lifecycle.add_note(get_request(reference), text, actor)


def assign(reference: str, staff_name: str, actor: str) -> None:
    """Make a staff member the request's handler."""
    require_active(actor)
    lifecycle.assign(get_request(reference), staff_name, actor)


@dataclass(frozen=True)
class ManualRequest:
    """A request made by phone, at the box office, by letter or another way, as staff
    record it.  ``received_at``: when the person made it (the deadline counts from it)."""

    kind: str
    channel: str
    requester_name: str
    requester_email: str = ""
    requester_phone: str = ""
    language: str = "fi"
    received_at: datetime | None = None
    note: str = ""
    acknowledge: bool = True  # mail the reference number to the address given


def record_request(manual: ManualRequest, settings: Settings, actor: str) -> Request:
    """Record a request that did not come by mail; it goes the same way as a mailed one
    (candidates, verification call, the same acts), and the person gets the reference
    number by mail when they gave an address."""
    from store.customers import email_or_none, match_candidates, phone_or_none
    from store.errors import InvalidInput
    from store.sanitise import clean_line

    require_active(actor)
    name = clean_line(manual.requester_name).strip()[:200]
    email_text = clean_line(manual.requester_email).strip()
    phone_text = clean_line(manual.requester_phone).strip()
    allowed, why = lifecycle.can_record_manual(manual.channel, name, email_text, phone_text)
    if not allowed:
        raise RuleViolation(f"cannot record the request ({why})", key=why)
    if manual.kind not in KINDS:
        raise RuleViolation(f"unknown kind {manual.kind!r}", key="rule.choose_kind")
    if manual.language not in LANGUAGES:
        raise InvalidInput(
            f"unknown language {manual.language!r}",
            key="rule.reply_language",
            language=manual.language,
        )
    email = email_or_none(email_text) if email_text else None
    if email_text and email is None:
        raise InvalidInput(
            f"not an email address: {email_text!r}", key="rule.bad_email", value=email_text
        )
    phone = phone_or_none(phone_text) if phone_text else None
    if phone_text and phone is None:
        raise InvalidInput(
            f"not a phone number: {phone_text!r}", key="rule.bad_phone", value=phone_text
        )
    now = clock.now()
    received_at = manual.received_at or now
    if received_at > now:
        raise RuleViolation(
            "a request cannot be received in the future", key="rule.received_in_future"
        )
    candidates = match_candidates(email=email, phone=phone, name=name or None)
    with database.atomic():
        request = lifecycle.create_request(
            kind=manual.kind,
            actor=actor,
            received_at=received_at,
            language=manual.language,
            channel=manual.channel,
            requester_email=email,
            requester_name=name,
            requester_phone=phone,
            confidence=1.0,
            candidates=candidates,
            reference_prefix=settings.requests.reference_prefix,
        )
        if manual.note.strip():
            lifecycle.add_note(request, manual.note, actor)
        if manual.acknowledge and email:
            queue_mail(
                "acknowledgement",
                settings=settings,
                to_address=email,
                language=manual.language,
                actor=actor,
                to_name=name,
                request=request,
            )
    return request


# ---------------------------------------------------------------- planning


def plan(
    act: str,
    reference: str,
    settings: Settings,
    actor: str,
    params: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> Proposal:
    """Check that ``act`` may be done now and render what it would send."""
    require_active(actor)
    if act not in ACTS:
        raise ValueError(f"unknown act {act!r}")
    params = dict(params or {})
    request = get_request(reference)
    if act in APPROVING_ACTS:
        _check_kind(request, act)
        allowed, why = lifecycle.can_approve(request)
        if not allowed and request.status != Status.APPROVED:
            raise RuleViolation(
                f"{reference} cannot be approved now ({why})",
                key=why,
                reference=reference,
                kind=Term(f"kind.{request.kind}"),
            )
        if request.match_state == "not_in_register" and act in ANSWERED_WITH_NO_DATA:
            return _plan_no_data_held(request, settings, act, params)
    elif request.status in CLOSED_STATUSES and act not in ANYTIME_ACTS:
        raise RuleViolation(
            f"request {reference} is closed", key="rule.not_open", reference=reference
        )
    planner = _PLANNERS[act]
    return planner(request, settings, actor, params, now or clock.now())


def _check_kind(request: Request, act: str) -> None:
    if request.kind != act:
        raise RuleViolation(
            f"{request.reference} is not a {act} request",
            key="rule.wrong_kind",
            reference=request.reference,
        )


def _recipient(request: Request) -> tuple[str, str]:
    """Where the answer goes (the address the request came from) and whom it greets."""
    customer = Customer.get_by_id(request.customer_id) if request.customer_id else None
    name = template_context(request, request.language)["name"]
    address = request.requester_email or (customer.email if customer else "") or ""
    if not address:
        raise RuleViolation(
            "the request has no address to answer to",
            key="rule.no_address",
            reference=request.reference,
        )
    return address, name


def _mail(
    request: Request,
    template: str,
    settings: Settings,
    *,
    language: str = "",
    **context: Any,
) -> tuple[MailPlan, RenderedMail]:
    address, name = _recipient(request)
    language = language or request.language
    attachments = tuple(context.pop("attachments", ()))
    # Fixed now, so the mail queued later greets as the preview did (erasure clears names).
    context.setdefault("name", name)
    mail = MailPlan(
        template=template,
        to_address=address,
        to_name=name,
        language=language,
        context=context,
        attachments=attachments,
    )
    rendered = preview(template, settings=settings, language=language, request=request, **context)
    return mail, rendered


def _plan_access(
    request: Request, settings: Settings, actor: str, params: dict[str, Any], now: datetime
) -> Proposal:
    from store.package import build_package, new_password, package_files

    # None: not in the register, and the package says "we hold no data about you".
    customer = Customer.get_by_id(request.customer_id) if request.customer_id else None
    package = build_package(
        customer,
        language=request.language,
        settings=settings,
        actor=actor,
        request=request,
        now=now,
    )
    # Encrypted by default, with the one-time password read out in the verification call
    # (a fresh one, for staff to phone through, when the call gave none).
    told = (
        lifecycle.agreed_package_password(request, caller=actor)
        if params.get("encrypt", True)
        else None
    )
    password = (told or new_password()) if params.get("encrypt", True) else None
    attachments = tuple(package_files(package, password))
    mail, rendered = _mail(
        request,
        "your_data",
        settings,
        attachments=attachments,
        files=[item.filename for item in attachments],
        encrypted=password is not None,
    )
    summary = PackageSummary(
        files=tuple((item.filename, len(item.data)) for item in attachments),
        sections=_package_sections(package.document),
        password=password or "",
        password_told=told is not None,
    )
    return Proposal("access", request.reference, params, mail, rendered, package=summary)


def _package_sections(document: Mapping[str, Any]) -> tuple[tuple[str, int], ...]:
    """How many items the main parts of the package hold, for staff to check."""
    if not document.get("data_found"):
        return (("not_found", 0),)
    consents = document.get("consents") or {}
    return (
        ("consents", len(consents.get("events", ()))),
        ("purchases", len(document.get("purchases", ()))),
        ("requests", len(document.get("requests", ()))),
        ("processing_log", len(document.get("processing_log", ()))),
    )


def _plan_no_data_held(
    request: Request, settings: Settings, act: str, params: dict[str, Any]
) -> Proposal:
    mail, rendered = _mail(request, "no_data_held", settings, kind=act)
    return Proposal(act, request.reference, params, mail, rendered, no_data_held=True)


def _plan_rectification(
    request: Request, settings: Settings, actor: str, params: dict[str, Any], now: datetime
) -> Proposal:
    customer = Customer.get_by_id(request.customer_id)
    changes = tuple(planned_changes(customer, params.get("changes", {})))
    if not changes:
        raise RuleViolation("nothing to change", key="rule.no_changes", reference=request.reference)
    mail, rendered = _mail(request, "data_corrected", settings, changes=list(changes))
    return Proposal("rectification", request.reference, params, mail, rendered, changes=changes)


def _plan_erasure(
    request: Request, settings: Settings, actor: str, params: dict[str, Any], now: datetime
) -> Proposal:
    from store.erasure import erasure_preview

    customer = Customer.get_by_id(request.customer_id)
    preview_ = erasure_preview(customer, settings, now=now)
    if preview_.blocked_by:
        raise RuleViolation(
            f"customer {customer.customer_no} cannot be erased now",
            key=preview_.blocked_by,
            customer_no=customer.customer_no,
            reference=request.reference,
        )
    mail, rendered = _mail(
        request, "data_erased", settings, vouchers_kept_until=preview_.vouchers_kept_until
    )
    return Proposal("erasure", request.reference, params, mail, rendered, erasure=preview_)


def _plan_objection(
    request: Request, settings: Settings, actor: str, params: dict[str, Any], now: datetime
) -> Proposal:
    # The mailbot applied the objection and confirmed it when the mail arrived.
    return Proposal("objection", request.reference, params, None, None)


def _plan_restriction(
    request: Request, settings: Settings, actor: str, params: dict[str, Any], now: datetime
) -> Proposal:
    if request.customer_id is None:  # not in the register: nothing to restrict
        raise RuleViolation(
            "the person is not in the register",
            key="restriction.not_in_register",
            reference=request.reference,
        )
    customer = Customer.get_by_id(request.customer_id)
    mail, rendered = _restriction_mail(customer, params, settings, request)
    return Proposal("restriction", request.reference, params, mail, rendered)


def _plan_reject(
    request: Request, settings: Settings, actor: str, params: dict[str, Any], now: datetime
) -> Proposal:
    lifecycle.enforce(lifecycle.can_reject(request), request)
    ground = params.get("ground", "")
    reason = str(params.get("reason", "")).strip()
    if ground not in lifecycle.REJECTION_GROUNDS:
        raise RuleViolation("choose the ground", key="rule.choose_ground")
    if not reason:
        raise RuleViolation(
            "give the reason", key="rule.reason_required", reference=request.reference
        )
    mail, rendered = _mail(request, "refusal", settings, ground=ground, reason=reason)
    return Proposal("reject", request.reference, params, mail, rendered)


def _plan_extend(
    request: Request, settings: Settings, actor: str, params: dict[str, Any], now: datetime
) -> Proposal:
    reason = str(params.get("reason", "")).strip()
    lifecycle.enforce(lifecycle.can_extend(request, now), request)
    if not reason:
        raise RuleViolation(
            "give the reason", key="rule.reason_required", reference=request.reference
        )
    new_due = deadlines.extended_due_at(request.original_due_at)
    mail, rendered = _mail(
        request,
        "deadline_extended",
        settings,
        reason=reason,
        due_date=format_date(new_due, request.language),
    )
    return Proposal("extend", request.reference, params, mail, rendered)


def _plan_ask_more(
    request: Request, settings: Settings, actor: str, params: dict[str, Any], now: datetime
) -> Proposal:
    reason = str(params.get("reason", "")).strip()
    lifecycle.enforce(lifecycle.can_ask_more(request), request)
    if not reason:
        raise RuleViolation(
            "give the reason", key="rule.reason_required", reference=request.reference
        )
    mail, rendered = _mail(request, "more_information", settings, reason=reason)
    return Proposal("ask_more", request.reference, params, mail, rendered)


def _plan_unreachable(
    request: Request, settings: Settings, actor: str, params: dict[str, Any], now: datetime
) -> Proposal:
    calls_before_letter = settings.requests.unanswered_calls_before_letter
    lifecycle.enforce(lifecycle.can_send_unreachable_letter(request, calls_before_letter), request)
    mail, rendered = _mail(
        request, "unreachable", settings, calls=lifecycle.unanswered_calls(request)
    )
    return Proposal("unreachable", request.reference, params, mail, rendered)


def _plan_dismiss(
    request: Request, settings: Settings, actor: str, params: dict[str, Any], now: datetime
) -> Proposal:
    lifecycle.enforce(lifecycle.can_dismiss(request), request)
    return Proposal("dismiss", request.reference, params, None, None)


def _plan_change_kind(
    request: Request, settings: Settings, actor: str, params: dict[str, Any], now: datetime
) -> Proposal:
    kind = str(params.get("kind", ""))
    if kind not in KINDS:
        raise RuleViolation(f"unknown kind {kind!r}", key="rule.choose_kind")
    if not lifecycle.owes_acknowledgement(request, kind):
        return Proposal("change_kind", request.reference, params, None, None)
    # The mailbot filed it as "other" and said nothing: the person hears now that it arrived.
    mail, rendered = _mail(request, "acknowledgement", settings)
    return Proposal("change_kind", request.reference, params, mail, rendered)


def _plan_reply(
    request: Request, settings: Settings, actor: str, params: dict[str, Any], now: datetime
) -> Proposal:
    """A reply in staff's own words, on any request (a question filed as *other* too),
    threaded under the person's latest mail, in their language unless staff chose another."""
    allowed, why = lifecycle.can_reply(request)
    if not allowed:
        raise RuleViolation(
            f"{request.reference}: no reply possible ({why})", key=why, reference=request.reference
        )
    text = clean_text(str(params.get("text", ""))).strip()
    if not text:
        raise RuleViolation(
            "write the reply", key="rule.reply_required", reference=request.reference
        )
    language = str(params.get("language") or request.language)
    if language not in LANGUAGES:
        raise RuleViolation(
            f"unknown language {language!r}", key="rule.reply_language", language=language
        )
    mail, rendered = _mail(request, "free_reply", settings, language=language, text=text)
    return Proposal("reply", request.reference, params, mail, rendered)


_PLANNERS = {
    "access": _plan_access,
    "rectification": _plan_rectification,
    "erasure": _plan_erasure,
    "objection": _plan_objection,
    "restriction": _plan_restriction,
    "reject": _plan_reject,
    "extend": _plan_extend,
    "ask_more": _plan_ask_more,
    "unreachable": _plan_unreachable,
    "dismiss": _plan_dismiss,
    "change_kind": _plan_change_kind,
    "reply": _plan_reply,
}


# ---------------------------------------------------------------- committing


def commit(proposal: Proposal, settings: Settings, actor: str) -> Outcome:
    """Carry out a planned act: the rule, the change and the mail in one transaction."""
    require_active(actor)
    if proposal.act == "restriction" and not proposal.no_data_held:
        return _commit_restriction(proposal, settings, actor)
    with database.atomic():
        request = get_request(proposal.reference)
        params = proposal.params
        act = proposal.act
        if proposal.no_data_held and request.match_state != "not_in_register":
            raise RuleViolation(
                f"{request.reference} changed since the mail was written",
                key="rule.changed_since_planned",
                reference=request.reference,
            )
        if act == "objection" and not proposal.no_data_held and _objection_pending(request):
            # Not applied on arrival (a form's, a forged sender's, one recorded by hand):
            # marketing stops now, and the request is approved and fulfilled with it.
            from store.objections import apply_marketing_objection

            customer = Customer.get_by_id(request.customer_id) if request.customer_id else None
            apply_marketing_objection(request, customer, actor, evidence=f"approved by {actor}")
            outcome = "marketing stopped"
        elif act in APPROVING_ACTS:
            if request.status != Status.APPROVED:
                lifecycle.approve(request, actor)
            outcome = _fulfil_kind(proposal, request, settings, actor)
        elif act == "reject":
            lifecycle.reject(request, actor, ground=params["ground"], reason=params["reason"])
            outcome = "rejected"
        elif act == "extend":
            lifecycle.extend_deadline(request, actor, params["reason"])
            outcome = ""
        elif act == "ask_more":
            lifecycle.ask_for_more(request, actor, params["reason"])
            outcome = ""
        elif act == "dismiss":
            lifecycle.dismiss(request, actor, params.get("reason", ""))
            outcome = ""
        elif act == "change_kind":
            owed = lifecycle.owes_acknowledgement(request, params["kind"])
            if owed != (proposal.mail is not None):
                raise RuleViolation(
                    f"{request.reference} changed since the mail was written",
                    key="rule.changed_since_planned",
                    reference=request.reference,
                )
            lifecycle.change_kind(request, params["kind"], actor)
            outcome = ""
        elif act == "unreachable":  # only the mail, when it is due
            calls_before_letter = settings.requests.unanswered_calls_before_letter
            lifecycle.enforce(
                lifecycle.can_send_unreachable_letter(request, calls_before_letter), request
            )
            outcome = ""
        else:  # reply: only the mail
            outcome = ""
        if proposal.mail is not None:
            _queue(
                proposal.mail,
                request,
                settings,
                actor,
                edited_text=proposal.edited_text,
                latest=act == "reply",
            )
        if act in APPROVING_ACTS and request.status == Status.APPROVED:
            lifecycle.fulfil(request, actor, outcome=outcome)
        if act == "erasure":
            from store.erasure import minimise_requests

            # Closed now: the confirmation is queued with its address, the request keeps
            # only its proof (reference, kind, dates, outcome).
            minimise_requests(Request.id == request.id, clock.now())
    if act == "erasure":
        from store.erasure import after_commit

        after_commit(settings)
    return Outcome(
        act, request.reference, request.status, proposal.mail.to_address if proposal.mail else ""
    )


def _fulfil_kind(proposal: Proposal, request: Request, settings: Settings, actor: str) -> str:
    """The change an approving act makes to the register; returns the recorded outcome."""
    if proposal.no_data_held:
        return "no data held"
    if proposal.act == "rectification":
        changes = apply_rectification(request, proposal.params.get("changes", {}), actor)
        return "corrected: " + ", ".join(change.field for change in changes)
    if proposal.act == "erasure":
        from store.erasure import erase_customer

        customer = Customer.get_by_id(request.customer_id)
        erase_customer(customer, actor=actor, settings=settings, request=request)
        return "erased"
    if proposal.act == "access":
        lifecycle.forget_package_password(request)
        return "data package sent"
    return "objection confirmed"


def _objection_pending(request: Request) -> bool:
    """Whether marketing has not yet been stopped for this objection."""
    from store.models import AuditEvent

    return not (
        AuditEvent.select()
        .where(
            (AuditEvent.request_reference == request.reference)
            & (AuditEvent.action == "marketing.suppressed")
        )
        .exists()
    )


def _queue(
    mail: MailPlan,
    request: Request,
    settings: Settings,
    actor: str,
    *,
    edited_text: str = "",
    latest: bool = False,
) -> None:
    """Queue ``mail`` threaded under the person's first mail (``latest``: their last)."""
    order = (
        (InboundMessage.received_at.desc(), InboundMessage.id.desc())
        if latest
        else (InboundMessage.received_at, InboundMessage.id)
    )
    first = (
        InboundMessage.select().where(InboundMessage.request == request).order_by(*order).first()
    )
    queue_mail(
        mail.template,
        settings=settings,
        to_address=mail.to_address,
        language=mail.language,
        actor=actor,
        to_name=mail.to_name,
        request=request,
        reply_to_message=first,
        attachments=mail.attachments,
        text_override=edited_text or None,
        **mail.context,
    )


# ---------------------------------------------------------------- restriction of processing


def _restriction_mail(
    customer: Customer, params: Mapping[str, Any], settings: Settings, request: Request | None
) -> tuple[MailPlan | None, RenderedMail | None]:
    """The ``restriction_applied`` confirmation as it will be queued (None: no address)."""
    from mailbot.restriction_notices import applied_preview, confirmation_address
    from store.restriction import GROUNDS

    ground = params.get("ground", "")
    if ground not in GROUNDS:
        raise RuleViolation(
            f"unknown restriction ground {ground!r}",
            key="restriction.bad_ground",
            ground=ground,
            allowed=", ".join(GROUNDS),
        )
    address = confirmation_address(customer, request)
    if not address:
        return None, None
    rendered = applied_preview(customer, ground=ground, settings=settings, request=request)
    language = request.language if request is not None else customer.language
    return MailPlan("restriction_applied", address, customer.name, language), rendered


def _commit_restriction(proposal: Proposal, settings: Settings, actor: str) -> Outcome:
    """Approve the request (the store wants the call), restrict, confirm, fulfil: one
    transaction, through the same function as ``rekisteri restriction apply --request``."""
    from mailbot.restriction_notices import restrict

    request = get_request(proposal.reference)
    customer = Customer.get_by_id(request.customer_id)
    outcome = restrict(
        customer,
        ground=proposal.params["ground"],
        settings=settings,
        actor=actor,
        note=proposal.params.get("note", ""),
        request=request,
    )
    return Outcome(
        "restriction",
        request.reference,
        request.status,
        outcome.mail.to_address if outcome.mail else "",
    )


def plan_restrict(customer_no: str, settings: Settings, params: Mapping[str, Any]) -> Proposal:
    """Restrict a customer without a request (staff acting on a call): the confirmation."""
    from store.customers import get_customer
    from store.restriction import active_restriction

    customer = get_customer(customer_no)
    if active_restriction(customer) is not None:
        raise RuleViolation(
            "already restricted", key="restriction.already", customer_no=customer_no
        )
    mail, rendered = _restriction_mail(customer, params, settings, None)
    return Proposal("restrict", customer_no, dict(params), mail, rendered)


def plan_lift(customer_no: str, settings: Settings, reason: str) -> Proposal:
    """Lifting: the ``restriction_lifted`` notice that goes first (None: no address)."""
    from mailbot.restriction_notices import lifted_preview
    from store.customers import get_customer
    from store.restriction import get_active, notice_address

    customer = get_customer(customer_no)
    rendered = lifted_preview(customer, reason=reason, settings=settings)
    mail = None
    if rendered is not None:
        address = notice_address(get_active(customer)) or ""
        mail = MailPlan("restriction_lifted", address, customer.name, customer.language)
    return Proposal("lift", customer_no, {"reason": reason}, mail, rendered)


def commit_customer_act(
    proposal: Proposal, settings: Settings, actor: str, informed_otherwise: str = ""
) -> Outcome:
    """Carry out ``restrict`` or ``lift`` (notice first, then the state)."""
    require_active(actor)
    from mailbot.restriction_notices import lift, restrict
    from store.customers import get_customer

    customer = get_customer(proposal.reference)
    if proposal.act == "restrict":
        done = restrict(
            customer,
            ground=proposal.params["ground"],
            settings=settings,
            actor=actor,
            note=proposal.params.get("note", ""),
        )
    elif proposal.act == "lift":
        done = lift(
            customer,
            reason=proposal.params["reason"],
            settings=settings,
            actor=actor,
            informed_otherwise=informed_otherwise,
        )
    else:
        raise ValueError(f"unknown act {proposal.act!r}")
    return Outcome(proposal.act, proposal.reference, "", done.mail.to_address if done.mail else "")
