"""From a fetched message to exactly one recorded disposition.

:func:`ingest` is idempotent: it first asks whether this mailbox location (UIDVALIDITY and
UID, or the Maildir name) or this message (its Message-ID, or the hash of its bytes) was
recorded before, and only a message never seen is decided.  The decision and everything
it causes (the request, the candidates, the objection applied, the acknowledgement queued)
commit in one transaction; the source flags or moves the message only after that commit,
so a crash in between fetches it again and changes nothing.

Dispositions: ``new_request``; ``reply`` (threaded to a request); ``ignored`` with the
reason (:mod:`mailbot.automatic`); ``quarantined`` with the error, raw bytes kept, for
``rekisteri messages reprocess``.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from types import FrameType
from typing import Any

import jinja2
import peewee

from mailbot import classify as classifier
from mailbot import templates
from mailbot.automatic import AUTO_REPLY, BOUNCE, DUPLICATE, ignore_reason, own_addresses
from mailbot.changes import proposed_changes
from mailbot.classify import Classification, classify
from mailbot.links import read_link
from mailbot.outgoing import queue_mail
from mailbot.parsing import ParsedMessage, read_message
from mailbot.quoting import ForwardedMessage
from mailbot.text import storable
from store import audit, clock, lifecycle, newsletters, prepared, tokens
from store.config import Settings
from store.customers import CandidateMatch, match_candidates, normalize_email, phone_or_none
from store.db import all_or_nothing
from store.errors import InvalidInput, NotFound, RuleViolation
from store.i18n import CATALOG_LANGUAGES, format_date
from store.models import (
    OPEN_STATUSES,
    Attachment,
    Customer,
    Disposition,
    InboundMessage,
    MessageLocation,
    OutboxMail,
    Request,
    Status,
    database,
)
from store.objections import apply_marketing_objection
from store.prepared import Prepared, Slot

log = logging.getLogger("rekisteri.mailbot")

ACTOR = "@mailbot"
_CUSTOMER_NO = re.compile(
    r"\b(?:asiakasnumero\w*|asiakasnro|kundnummer|customer (?:number|no\.?))\W{0,5}"
    r"(?:on|är|is)?\W{0,3}(?P<number>(?:N-)?\d{4,10})\b",
    re.IGNORECASE,
)
_CHAR_FIELD_MAX = 255
TOKEN_SENDER_DIFFERS = "token_sender_differs"
MESSAGE_ID_REUSED = "message_id_reused"
FORWARDED_BY_STAFF = "forwarded_by_staff"
MESSAGE_TRUNCATED = "message_truncated"
SCANNED_ATTACHMENT = "scanned_attachment"
"""Attention: the letter came as a scanned PDF (no text to read): staff read it."""
UNREADABLE_ATTACHMENT = "unreadable_attachment"
"""Attention: the letter came as an attachment no reader could open (encrypted, damaged)."""
SEVERAL_SENDERS = "several_senders"
"""Attention: the mail names more than one sender; neither is believed."""
AUTHENTICATION_FAILED = "authentication_failed"
"""Attention: our mail server found the sender forged (SPF, DKIM or DMARC ``fail``)."""


@dataclass(frozen=True)
class FetchedMessage:
    """One message as a source hands it over, with where it lies."""

    mailbox: str  # the source's name for the folder, e.g. imap://user@host:993/INBOX
    uidvalidity: int  # 0 for Maildir
    uid: str  # the IMAP UID, or the Maildir unique name
    raw: bytes
    arrived_at: datetime | None = None  # INTERNALDATE, or the Maildir file's time
    size: int = 0  # the whole message's size when the source read only its start; 0: len(raw)

    @property
    def full_size(self) -> int:
        return max(self.size, len(self.raw))


@dataclass(frozen=True)
class IngestResult:
    message: InboundMessage
    new: bool  # False: recorded before; at most its new location was added
    queued: int = 0  # mails queued in the outbox


class _Retry(Exception):
    """Another process stored the same message meanwhile: look again."""


Reader = Callable[[FetchedMessage], ParsedMessage | None]
"""A fetched message (cut to size) read elsewhere as :func:`mailbot.parsing.read_message`
reads it, or None: it is read here."""


def ingest(
    fetched: FetchedMessage,
    settings: Settings,
    *,
    location_checked: bool = False,
    reader: Reader | None = None,
) -> IngestResult:
    """Record ``fetched`` with exactly one disposition (or find it recorded already).

    ``location_checked``: the source handed over only locations it had not recorded
    (:meth:`mailbot.sources.Source.pending`), so that lookup is not made again; a message
    recorded meanwhile is still found by its Message-ID or bytes.  ``reader``: where the
    message was read ahead (:class:`mailbot.read_ahead.ReadAhead`), if it was.
    """
    for _ in range(3):
        try:
            return _ingest_once(fetched, settings, location_checked=location_checked, reader=reader)
        except _Retry:
            continue
    return _ingest_once(
        fetched, settings, location_checked=location_checked, reader=reader, last_try=True
    )


@cache
def warm_up() -> None:
    """Load once a process what the first message would otherwise load while it is read:
    inside its time budget, and while it is marked in hand, where a kill counts against it
    (two kills inside a window of a tenth of a second quarantined a good mail).  The
    language model and the Finnish dictionary, the address and number rules, each
    language's calendar, and the acknowledgement's templates."""
    classifier.warm_up()
    normalize_email("tietosuoja@example.fi")
    phone_or_none("040 1234567")
    day = clock.local_today()
    environment = templates.environment()
    for language in CATALOG_LANGUAGES:
        format_date(day, language)
        for name in ("acknowledgement", "_signature"):
            with contextlib.suppress(jinja2.TemplateNotFound):
                environment.get_template(f"{language}/{name}.txt.j2")


def _ingest_once(
    fetched: FetchedMessage,
    settings: Settings,
    *,
    location_checked: bool = False,
    reader: Reader | None = None,
    last_try: bool = False,
) -> IngestResult:
    known = None if location_checked else _known_at(fetched)
    if known is not None:
        return IngestResult(known, new=False)
    fetched = within_size(fetched, settings)
    budget = settings.mail.message_seconds_max
    warm_up()  # what every message needs loads once, outside the first one's budget
    try:
        with time_budget(budget):
            parsed = reader(fetched) if reader is not None else None
            if parsed is None:
                parsed = read_message(fetched.raw, settings)
    except Exception as error:  # the parser itself gave up: keep the bytes, show staff
        return _quarantine(fetched, None, error)
    try:
        # The message's audit events go in together (or, in a batch, with the batch's).
        with time_budget(budget), all_or_nothing(), audit.gathered():
            existing = _by_dedupe_key(parsed.dedupe_key)
            seen = _seen_before(existing, parsed, fetched) if existing is not None else None
            if seen is not None:
                return seen
            # Another mail already has this Message-ID: this one is stored by its bytes.
            reused_key = None if existing is None else "sha256:" + parsed.raw_sha256
            message = _new_row(parsed, fetched, dedupe_key=reused_key)
            if reused_key is not None:
                # Another mail already has this Message-ID: this one is someone's own mail
                # all the same, processed as any other, and shown to staff.
                _attention(message, MESSAGE_ID_REUSED)
            if message.raw_size > len(fetched.raw):
                _attention(message, MESSAGE_TRUNCATED)
            queued = _decide(message, parsed, settings)
            _add_location(message, fetched)
    except peewee.IntegrityError as error:
        if not last_try:
            raise _Retry from error
        return _quarantine(fetched, parsed, error)
    except (peewee.OperationalError, peewee.InterfaceError):
        raise  # the database is away: nothing is flagged, the daemon tries again
    except Exception as error:
        log.warning(
            "message %s could not be processed: %s",
            parsed.dedupe_key,
            error,
            exc_info=log.isEnabledFor(logging.DEBUG),
        )
        return _quarantine(fetched, parsed, error)
    _log_outcome(message)
    return IngestResult(message, new=True, queued=queued)


class MessageTookTooLong(Exception):
    """Reading one message took longer than ``mail.message_seconds_max``: it is
    quarantined (its bytes kept for staff) and intake goes on with the next."""


class StoppedWhileReading(Exception):
    """The mailbot process ended (crashed, or was killed) while it read this message."""


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise :class:`MessageTookTooLong` in the block once ``seconds`` have passed.

    A wall-clock timer (``SIGALRM``), so it works only in the main thread of a process
    (the daemon's); elsewhere, the block runs unbounded.  A message that kills or hangs
    the process past it is caught on the next start (:mod:`mailbot.daemon`).
    """
    if (
        seconds <= 0
        or not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return

    def expired(number: int, frame: FrameType | None) -> None:
        raise MessageTookTooLong(f"reading the message took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def quarantine_unread(fetched: FetchedMessage) -> IngestResult:
    """Quarantine ``fetched`` without reading it: the process died while it read this very
    message (the daemon's in-hand marker says so), and reading it again would stop intake
    again.  Staff see it with its bytes; ``rekisteri messages reprocess`` reads it on demand."""
    error = StoppedWhileReading(
        "the mailbot stopped (crashed or was killed) while it read this message"
    )
    return _quarantine(fetched, None, error)


def reprocess(identifier: str, settings: Settings, *, actor: str = ACTOR) -> InboundMessage:
    """Run a quarantined message through the whole path again (after a fix); ``actor``:
    who asked (the audit event names them)."""
    message = find_message(identifier)
    if message.disposition != Disposition.QUARANTINED:
        raise RuleViolation(
            f"message {identifier} is not quarantined ({message.disposition})",
            key="mailbot.not_quarantined",
            message_id=identifier,
            disposition=message.disposition,
        )
    if message.raw_message is None:
        raise RuleViolation(
            f"the raw bytes of {identifier} are no longer kept",
            key="mailbot.raw_gone",
            message_id=identifier,
        )
    raw = bytes(message.raw_message)
    try:
        parsed = read_message(raw, settings)
        with database.atomic():
            Attachment.delete().where(Attachment.message == message).execute()
            _fill(message, parsed)
            message.needs_attention = False
            message.attention_reason = ""
            if message.raw_size > len(raw):
                _attention(message, MESSAGE_TRUNCATED)
            _decide(message, parsed, settings)
            audit.record(
                "mail.reprocessed",
                actor,
                request_reference=_reference(message),
                inbound_id=message.id,
                disposition=message.disposition,
            )
    except (peewee.OperationalError, peewee.InterfaceError):
        raise
    except Exception as error:
        message = InboundMessage.get_by_id(message.id)
        message.reason = _error_text(error)
        message.save(only=[InboundMessage.reason])
        log.warning("message %s is still quarantined: %s", identifier, error)
        return message
    _log_outcome(message)
    return message


def find_message(identifier: str) -> InboundMessage:
    """A message by its Message-ID (with or without ``<>``) or its dedupe key."""
    text = identifier.strip()
    bracketed = text if text.startswith("<") else f"<{text}>"
    message = (
        InboundMessage.select()
        .where(
            InboundMessage.message_id.in_([text, bracketed]) | (InboundMessage.dedupe_key == text)
        )
        .order_by(InboundMessage.id)
        .get_or_none()
    )
    if message is None:
        raise NotFound(f"no message {identifier}", key="mailbot.no_message", message_id=identifier)
    return message


# ---------------------------------------------------------------- seen before?


def within_size(fetched: FetchedMessage, settings: Settings) -> FetchedMessage:
    """The message cut to ``mail.message_max_bytes``: what is kept, parsed and shown is at
    most that much (its true size stays in ``raw_size``, and staff see it was cut)."""
    limit = settings.mail.message_max_bytes
    if limit <= 0 or fetched.full_size <= limit:
        return fetched
    return replace(fetched, raw=fetched.raw[:limit], size=fetched.full_size)


def _known_at(fetched: FetchedMessage) -> InboundMessage | None:
    location = (
        MessageLocation.select(MessageLocation, InboundMessage)
        .join(InboundMessage)
        .where(
            (MessageLocation.mailbox == fetched.mailbox)
            & (MessageLocation.uidvalidity == fetched.uidvalidity)
            & (MessageLocation.uid == fetched.uid)
        )
        .first()
    )
    return location.message if location else None


def _seen_before(
    existing: InboundMessage, parsed: ParsedMessage, fetched: FetchedMessage
) -> IngestResult | None:
    """``existing`` (stored under the same key) again, same bytes, or a duplicate copy of
    it: another copy of the same mail (other transport headers, same sender, subject and
    text).  None: a reused Message-ID, processed as a mail of its own."""
    if existing.raw_sha256 in ("", parsed.raw_sha256):
        _add_location(existing, fetched)  # e.g. after a UIDVALIDITY change
        return IngestResult(InboundMessage.get_by_id(existing.id), new=False)
    copy_key = "sha256:" + parsed.raw_sha256
    copy = _by_dedupe_key(copy_key)
    if copy is not None:
        _add_location(copy, fetched)
        return IngestResult(InboundMessage.get_by_id(copy.id), new=False)
    if not _same_content(existing, parsed):
        return None  # a reused Message-ID
    message = _new_row(parsed, fetched, dedupe_key=copy_key)
    message.disposition, message.reason = "ignored", DUPLICATE
    message.request = existing.request_id
    _save(message, parsed)
    _add_location(message, fetched)
    _log_outcome(message)
    return IngestResult(message, new=True)


_BY_DEDUPE_KEY = Prepared(
    lambda slot: InboundMessage.select(
        InboundMessage.id,
        InboundMessage.raw_sha256,
        InboundMessage.request,
        InboundMessage.from_address,
        InboundMessage.subject,
        InboundMessage.body_text,
        InboundMessage.disposition,
    ).where(InboundMessage.dedupe_key == slot(InboundMessage.dedupe_key))
)


def _by_dedupe_key(key: str) -> InboundMessage | None:
    """The message stored under ``key``, with only what the dedupe compares (the full row
    holds the raw bytes and every header: most keys are new, and the lookup is hot)."""
    row: InboundMessage | None = _BY_DEDUPE_KEY.first(key)
    return row


def _same_content(existing: InboundMessage, parsed: ParsedMessage) -> bool:
    return (
        existing.from_address == parsed.from_address[:_CHAR_FIELD_MAX]
        and existing.subject == parsed.subject
        and existing.body_text == parsed.body_text
    )


# ---------------------------------------------------------------- deciding


def _decide(message: InboundMessage, parsed: ParsedMessage, settings: Settings) -> int:
    """Set the disposition and make everything it causes; returns mails queued."""
    message.link_token = None
    reason = ignore_reason(parsed, settings)
    if reason is not None:
        message.disposition, message.reason = "ignored", reason
        if reason in (AUTO_REPLY, BOUNCE):
            # An out-of-office reply or a bounce of our answer: shown with its request.
            message.request = _thread_of(parsed, settings)
            if reason == BOUNCE and message.request is not None:
                # Our mail did not arrive: the queue marks the request until staff look.
                lifecycle.note_news(message.request, "bounce")
        _save(message, parsed)
        return 0
    attached = parsed.attached_letter()
    if attached.scanned:
        _attention(message, SCANNED_ATTACHMENT)
    elif attached.unreadable and not attached.read:
        _attention(message, UNREADABLE_ATTACHMENT)
    if parsed.sender_forged:
        _attention(message, AUTHENTICATION_FAILED)
    elif parsed.several_senders:
        _attention(message, SEVERAL_SENDERS)
    link = read_link(parsed, settings)
    if link is not None:
        # Accepted or not, the record says what became of the token; one that does not
        # verify counts for nothing and the message goes the normal path.
        message.link_token = link.note()
    if link is not None and link.accepted and link.purpose == "unsubscribe":
        return _unsubscribe_by_link(message, parsed, settings, link)
    mydata = link if link is not None and link.accepted else None
    thread = _thread_of(parsed, settings)
    if thread is not None and (
        thread.status in OPEN_STATUSES or _classification(parsed, None, settings).kind == "other"
    ):
        _attach_reply(message, parsed, thread)
        _audit_link(message, link)
        return 0
    repeated = _repeated(message, parsed, settings) if mydata is None else None
    if repeated is not None:
        _attach_reply(message, parsed, repeated, repeat=True)
        _audit_link(message, link)
        return 0
    queued = _new_request(message, parsed, settings, mydata)
    _audit_link(message, link)
    return queued


def _repeated(message: InboundMessage, parsed: ParsedMessage, settings: Settings) -> Request | None:
    """The request this mail repeats: the same requester asked the same kind of thing within
    ``mail.repeat_window_hours`` and it is still open (or is an objection the mailbot
    already applied).  500 copies of one mail make one queue item, not 500 deadlines."""
    requester = _requester_email(parsed)
    if not requester or settings.mail.repeat_window_hours <= 0:
        return None
    kind = _classification(parsed, None, settings).kind
    since = message.received_at - timedelta(hours=settings.mail.repeat_window_hours)
    lookup = _REPEATED_OBJECTION if kind == "objection" else _REPEATED
    repeated = lookup.first(requester, kind, since)
    return Request.get_by_id(repeated.id) if repeated is not None else None


def _repeated_lookup(*, fulfilled_too: bool) -> Prepared:
    """The newest live request of this requester and kind since a moment (an objection the
    mailbot already applied counts as live)."""

    def build(slot: Slot) -> peewee.ModelSelect[Request]:
        live = Request.status.in_(OPEN_STATUSES)
        if fulfilled_too:
            live |= Request.status == "fulfilled"
        return (
            Request.select(Request.id)
            .where(
                (Request.requester_email == slot(Request.requester_email))
                & (Request.kind == slot(Request.kind))
                & (Request.received_at >= slot(Request.received_at))
                & Request.part_of.is_null()
                & live
            )
            .order_by(Request.id.desc())
            .limit(1)
        )

    return Prepared(build)


_REPEATED = _repeated_lookup(fulfilled_too=False)
_REPEATED_OBJECTION = _repeated_lookup(fulfilled_too=True)


def _thread_of(parsed: ParsedMessage, settings: Settings) -> Request | None:
    """The request a message continues: its reference in the subject, else the thread."""
    prefix = re.escape(settings.requests.reference_prefix)
    for reference in re.findall(rf"\b{prefix}-\d{{4}}-\d{{4,}}\b", parsed.subject, re.IGNORECASE):
        request = Request.get_or_none(Request.reference == reference.upper())
        if request is not None:
            return request
    ids = [*parsed.in_reply_to.split(), *reversed(parsed.references)]
    if not ids:
        return None
    ours = (
        OutboxMail.select(OutboxMail.request)
        .where(OutboxMail.message_id.in_(ids) & OutboxMail.request.is_null(False))
        .first()
    )
    if ours is not None:
        return Request.get_by_id(ours.request_id)
    theirs = (
        InboundMessage.select(InboundMessage.request)
        .where(InboundMessage.message_id.in_(ids) & InboundMessage.request.is_null(False))
        .first()
    )
    return Request.get_by_id(theirs.request_id) if theirs is not None else None


def _attach_reply(
    message: InboundMessage, parsed: ParsedMessage, request: Request, *, repeat: bool = False
) -> None:
    """Attach ``message`` to ``request``; ``repeat``: it asks again what the request asks."""
    message.disposition, message.request = "reply", request
    senders = {request.requester_email}
    customer = request.customer  # None, without a query, when there is none
    if customer is not None and customer.email:
        senders.add(customer.email)
    if _requester_email(parsed) not in senders:
        # Never silently attach one person's mail to another's request (Zammad #5064).
        _attention(message, "sender_differs")
    elif request.status not in OPEN_STATUSES and not repeat:
        _attention(message, "request_closed")
    elif request.status == Status.WAITING_FOR_REQUESTER and not parsed.sender_untrusted:
        lifecycle.requester_replied(request, ACTOR)
    # The queue marks the request (and sorts it up) until a staff member opens it.
    lifecycle.note_news(request, "attention" if message.needs_attention else "reply")
    _save(message, parsed)


def _new_request(
    message: InboundMessage,
    parsed: ParsedMessage,
    settings: Settings,
    mydata: tokens.LinkUse | None = None,
) -> int:
    form = parsed.form
    requester_email, requester_name, passed_on = requester_of(parsed, settings)
    if passed_on:
        # Staff passed a customer's mail on: the request is the customer's, and who
        # forwarded it stays on the message (its sender) and in the audit trail.
        _attention(message, FORWARDED_BY_STAFF)
    phone = phone_or_none(form.get("phone") if form else "")
    text = form.get("message") if form else parsed.reading(own_addresses(settings))[0]
    customer_no = (form.get("customer_no") if form else "") or _customer_no(text)
    candidates = match_candidates(
        email=requester_email, phone=phone, customer_no=customer_no, name=requester_name or None
    )
    by_email = [match for match in candidates if "email" in match.matched_on]
    fallback = by_email[0].customer.language if by_email else None
    if mydata is not None and mydata.customer is not None:
        candidates = _with_token_match(candidates, mydata.customer)
        by_email = candidates[:1]  # an objection written here concerns the link's customer
        fallback = mydata.customer.language
        if requester_email != mydata.customer.email:
            # The link was used from another address: staff confirm it during the call.
            _attention(message, TOKEN_SENDER_DIFFERS)
    result = _classification(parsed, fallback, settings)
    if mydata is not None and result.kind == "other":
        # "See or change my data" is what the link asks for, whatever else was written.
        result = replace(result, kind="access")

    def new_request(kind: str, part_of: Request | None = None) -> Request:
        return lifecycle.create_request(
            kind=kind,
            actor=ACTOR,
            received_at=message.received_at,
            language=result.language,
            channel="website_form" if form else "email",
            requester_email=requester_email,
            requester_name=requester_name[:_CHAR_FIELD_MAX],
            requester_phone=phone,
            confidence=result.confidence,
            proposed_changes=proposed_changes(text) if kind == "rectification" else None,
            candidates=candidates,
            reference_prefix=settings.requests.reference_prefix,
            written_language=result.written_language,
            part_of=part_of,
        )

    request = new_request(result.kind)
    message.disposition, message.request, message.language = "new_request", request, result.language
    _save(message, parsed)
    # A forged sender gets no automatic answer (it would go to someone who did not write),
    # and the mailbot acts on its own only for a person's own, unforged mail: a form's or a
    # forged sender's objection waits in the queue for staff.
    answer = not parsed.sender_untrusted
    automatic = acts_automatically(parsed)

    def acknowledge(of: Request) -> int:
        return _acknowledge(of, message, settings, "acknowledgement") if answer else 0

    queued = 0
    if result.kind == "objection" and result.marketing:
        queued += (
            _stop_marketing(request, by_email, message, settings)
            if automatic
            else acknowledge(request)
        )
    elif result.kind != "other":
        queued += acknowledge(request)
        for kind in result.also_kinds:
            # "Show me my data and then erase it": one request per right, each answered.
            queued += acknowledge(new_request(kind, part_of=request))
        if result.also_objection:
            # "Erase my data and stop marketing": the objection applies now, the rest waits.
            objection = new_request("objection", part_of=request)
            if automatic:
                queued += _stop_marketing(objection, by_email, message, settings)
    return queued


def _with_token_match(candidates: list[CandidateMatch], customer: Customer) -> list[CandidateMatch]:
    """The link's customer first, matched on ``token`` (the strongest kind of match)."""
    merged = [match for match in candidates if match.customer.id != customer.id]
    same = [match for match in candidates if match.customer.id == customer.id]
    ways = ["token", *(same[0].matched_on if same else [])]
    return [CandidateMatch(same[0].customer if same else customer, ways), *merged]


def _unsubscribe_by_link(
    message: InboundMessage, parsed: ParsedMessage, settings: Settings, link: tokens.LinkUse
) -> int:
    """The newsletter's "stop" link: marketing consent is withdrawn at once (channel
    ``newsletter_link``, the message as evidence), no call, and one confirmation in the
    customer's language to the address the newsletter went to."""
    customer = link.customer
    assert customer is not None
    requester_email = _requester_email(parsed)
    ways = ["token", *(["email"] if requester_email == customer.email else [])]
    request = lifecycle.create_request(
        kind="objection",
        actor=ACTOR,
        received_at=message.received_at,
        language=customer.language,
        requester_email=requester_email,
        requester_name=(parsed.from_name or customer.name)[:_CHAR_FIELD_MAX],
        confidence=1.0,
        candidates=[CandidateMatch(customer, ways)],
        reference_prefix=settings.requests.reference_prefix,
    )
    message.disposition, message.request, message.language = (
        "new_request",
        request,
        customer.language,
    )
    if "email" not in ways:
        _attention(message, TOKEN_SENDER_DIFFERS)
    _save(message, parsed)
    apply_marketing_objection(
        request,
        customer,
        ACTOR,
        channel="newsletter_link",
        evidence=f"newsletter link, inbound message {message.id}",
    )
    _audit_link(message, link)
    return _acknowledge(
        request, message, settings, "marketing_stopped", customer=customer, via_link=True
    )


def _audit_link(message: InboundMessage, link: tokens.LinkUse | None) -> None:
    if link is None:
        return
    audit.record(
        "newsletter.link_read",
        ACTOR,
        request_reference=_reference(message),
        customer_no=link.customer.customer_no if link.customer else None,
        inbound_id=message.id,
        **link.note(),
    )


def _classification(
    parsed: ParsedMessage,
    fallback: str | None,
    settings: Settings,
    replies_to_newsletter: bool | None = None,
) -> Classification:
    form = parsed.form
    answered = [*parsed.in_reply_to.split(), *parsed.references]
    if form is not None or not answered:
        replies_to_newsletter = False  # it answers nothing: no need to look
    # Classified once per message and fallback language: the ingest asks several times.
    key = ("classification", fallback, replies_to_newsletter)
    known = parsed.memo.get(key)
    if isinstance(known, Classification):
        return known
    if form is not None:
        result = classify(form.get("message"), "", form_kind=form.kind, fallback_language=fallback)
    else:
        ours = own_addresses(settings)
        # A bare "stop" written in reply to the newsletter (or above it, forwarded back to
        # us) refers to the newsletter.
        if replies_to_newsletter is None:
            replies_to_newsletter = newsletters.is_newsletter_mail(answered)
        answers_marketing = parsed.forwards_own_mail(ours) or replies_to_newsletter
        text, subject = parsed.reading(ours)
        result = classify(
            text, subject, fallback_language=fallback, answers_marketing=answers_marketing
        )
    parsed.memo[key] = result
    return result


def prepare(parsed: ParsedMessage, settings: Settings) -> None:
    """Work out ahead what the ingest will ask of ``parsed`` and no database answers (in
    the read-ahead worker, :mod:`mailbot.read_ahead`): the text of an attached letter and,
    for a mail that answers none of ours, its classification before any customer's
    language is known."""
    parsed.attached_letter()
    if parsed.form is not None or not (parsed.in_reply_to.split() or parsed.references):
        _classification(parsed, None, settings)


def requester_of(parsed: ParsedMessage, settings: Settings) -> tuple[str | None, str, bool]:
    """Who asks (address, name) and whether staff forwarded the mail on their behalf."""
    passed_on = _forwarded_by_staff(parsed, settings)
    if passed_on is not None:
        return passed_on.from_address, passed_on.from_name, True
    form = parsed.form
    return (_requester_email(parsed), (form.get("name") if form else "") or parsed.from_name, False)


def classification_of(
    parsed: ParsedMessage,
    settings: Settings,
    fallback: str | None = None,
    *,
    replies_to_newsletter: bool | None = None,
) -> Classification:
    """What the mailbot makes of a message's words (the same call the ingest makes).

    ``replies_to_newsletter``: whether the mail answers a newsletter we sent; None looks
    it up in the database by its In-Reply-To and References.
    """
    return _classification(parsed, fallback, settings, replies_to_newsletter)


def _forwarded_by_staff(parsed: ParsedMessage, settings: Settings) -> ForwardedMessage | None:
    """The customer's message when one of our own people forwarded it here (a sender in
    the privacy inbox's domain), else None."""
    forwarded = parsed.forwarded
    if forwarded is None or not forwarded.from_address or parsed.form is not None:
        return None
    ours = own_addresses(settings)
    domains = {address.rpartition("@")[2] for address in ours}
    sender_domain = parsed.from_address.rpartition("@")[2].lower()
    if sender_domain not in domains or forwarded.from_address in ours:
        return None
    if forwarded.from_address.rpartition("@")[2] in domains:
        return None  # one colleague to another: nobody outside asked
    return forwarded


def _stop_marketing(
    request: Request, by_email: list[CandidateMatch], message: InboundMessage, settings: Settings
) -> int:
    customer = by_email[0].customer if by_email else None
    apply_marketing_objection(request, customer, ACTOR, evidence=f"inbound message {message.id}")
    return _acknowledge(request, message, settings, "marketing_stopped")


_AUTOMATIC_MAILS_SINCE = Prepared(
    lambda slot: OutboxMail.select(peewee.fn.COUNT(OutboxMail.id)).where(
        (OutboxMail.to_address == slot(OutboxMail.to_address))
        & OutboxMail.automatic
        & (OutboxMail.created_at >= slot(OutboxMail.created_at))
    )
)


def _acknowledge(
    request: Request,
    message: InboundMessage,
    settings: Settings,
    template: str,
    *,
    customer: Customer | None = None,
    **context: Any,
) -> int:
    """Queue an automatic answer, within the per-sender cap (the backstop against loops).

    It goes to the requester, or to ``customer`` at their registered address.
    """
    address = (customer.email if customer else None) or request.requester_email
    to_name = customer.name if customer and customer.email else request.requester_name
    if not address or address in own_addresses(settings):
        return 0
    if customer is None and address != message.from_address:
        # The address did not send this mail (a website form's, a forwarded customer's):
        # no free text from the mail (the form's "Nimi:") greets it or names it in To.
        to_name = ""
        if not request.customer_id:
            context = {**context, "name": ""}
    recent = _AUTOMATIC_MAILS_SINCE.scalar(address, clock.now() - timedelta(hours=1))
    if recent >= settings.mail.acknowledgements_per_sender_per_hour:
        log.info(
            "request %s: no %s, %s automatic mails to this sender within the hour",
            request.reference,
            template,
            recent,
        )
        return 0
    queue_mail(
        template,
        settings=settings,
        to_address=address,
        language=request.language,
        actor=ACTOR,
        to_name=to_name,
        request=request,
        reply_to_message=message,
        automatic=True,
        **context,
    )
    return 1


# ---------------------------------------------------------------- rows


def _new_row(
    parsed: ParsedMessage, fetched: FetchedMessage, dedupe_key: str | None = None
) -> InboundMessage:
    now = clock.now()
    arrived = fetched.arrived_at
    message = InboundMessage(
        dedupe_key=dedupe_key or parsed.dedupe_key,
        received_at=arrived if arrived is not None and arrived <= now else now,
        raw_message=fetched.raw,
        raw_size=fetched.full_size,
        raw_sha256=parsed.raw_sha256,
    )
    _fill(message, parsed)
    return message


def _fill(message: InboundMessage, parsed: ParsedMessage) -> None:
    message.message_id = parsed.message_id
    message.from_address = parsed.from_address[:_CHAR_FIELD_MAX]
    message.from_name = parsed.from_name[:_CHAR_FIELD_MAX]
    message.reply_to = parsed.reply_to[:_CHAR_FIELD_MAX]
    message.to_addresses = parsed.to_addresses
    message.subject = parsed.subject
    message.sent_at = parsed.sent_at
    message.in_reply_to = parsed.in_reply_to
    message.references = " ".join(parsed.references)
    message.body_text = parsed.body_text
    message.quoted_text = parsed.quoted_text
    message.headers = parsed.headers
    message.form_fields = parsed.form.fields if parsed.form else {}
    message.authentication = parsed.authentication.note() if parsed.authentication else None


def _save(message: InboundMessage, parsed: ParsedMessage) -> None:
    if message.id is None:
        prepared.insert(message)
    else:
        message.save()
    for attachment in parsed.attachments:
        Attachment.create(
            message=message,
            filename=attachment.filename,
            content_type=attachment.content_type[:_CHAR_FIELD_MAX],
            size=attachment.size,
            kept=attachment.kept,
            data=attachment.data,
        )
    audit.record(
        "mail.received",
        ACTOR,
        request_reference=_reference(message),
        inbound_id=message.id,
        disposition=message.disposition,
        reason=message.reason,
        needs_attention=message.needs_attention,
    )


def _add_location(message: InboundMessage, fetched: FetchedMessage) -> None:
    prepared.insert(
        MessageLocation(
            message=message,
            mailbox=fetched.mailbox,
            uidvalidity=fetched.uidvalidity,
            uid=fetched.uid,
            seen_at=clock.now(),
        ),
        ignore_conflict=True,
    )


def _quarantine(
    fetched: FetchedMessage, parsed: ParsedMessage | None, error: BaseException
) -> IngestResult:
    """Keep the raw bytes and the error for staff; the message can be reprocessed."""
    with database.atomic():
        digest = hashlib.sha256(fetched.raw).hexdigest()
        key = parsed.dedupe_key if parsed is not None else f"sha256:{digest}"
        existing = InboundMessage.get_or_none(InboundMessage.dedupe_key == key)
        if existing is not None:
            _add_location(existing, fetched)
            return IngestResult(existing, new=False)
        now = clock.now()
        message = InboundMessage(
            dedupe_key=key,
            received_at=fetched.arrived_at
            if fetched.arrived_at and fetched.arrived_at <= now
            else now,
            raw_message=fetched.raw,
            raw_size=fetched.full_size,
            raw_sha256=digest,
            disposition="quarantined",
            reason=_error_text(error),
            needs_attention=True,
            attention_reason="quarantined",
        )
        if parsed is not None:
            _fill(message, parsed)
        message.save()
        _add_location(message, fetched)
        audit.record(
            "mail.received",
            ACTOR,
            inbound_id=message.id,
            disposition="quarantined",
            reason=type(error).__name__,
            needs_attention=True,
        )
    _log_outcome(message)
    return IngestResult(message, new=True)


# ---------------------------------------------------------------- small helpers


def acts_automatically(parsed: ParsedMessage) -> bool:
    """Whether the mailbot may act on its own for the mail's sender (an objection applied
    at once): only for a person's own mail whose sender was not found forged.  A website
    form's address is whatever its writer typed: a candidate staff confirm, never the
    identity an act is applied to."""
    return parsed.form is None and not parsed.sender_untrusted


def _attention(message: InboundMessage, reason: str) -> None:
    """Flag the message for staff; a forged sender stays the reason shown, it matters most."""
    if message.attention_reason != AUTHENTICATION_FAILED:
        message.attention_reason = reason
    message.needs_attention = True


def _requester_email(parsed: ParsedMessage) -> str | None:
    """Who asks: the form's address for website-form mail, else the sender's address."""
    candidate = (parsed.form.get("email") if parsed.form else "") or parsed.from_address
    if not candidate:
        return None
    try:
        return normalize_email(candidate)
    except InvalidInput:
        return parsed.from_address or None


def _customer_no(text: str) -> str | None:
    match = _CUSTOMER_NO.search(text)
    return match.group("number") if match else None


def _reference(message: InboundMessage) -> str | None:
    if not message.request_id:
        return None
    request = (
        message.request
        if isinstance(message.request, Request)
        else Request.get_by_id(message.request_id)
    )
    return request.reference


def _error_text(error: BaseException) -> str:
    return storable(f"{type(error).__name__}: {error}")[:2000]


def _log_outcome(message: InboundMessage) -> None:
    """The one log line per message: disposition, reason, request; no personal data."""
    log.info(
        "message %s: %s%s%s%s",
        message.message_id or message.dedupe_key,
        message.disposition,
        f" ({message.reason})" if message.reason else "",
        f" → {_reference(message)}" if message.request_id else "",
        " [needs attention]" if message.needs_attention else "",
    )
