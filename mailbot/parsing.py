"""Parsing a raw message with ``email.policy.default``, defensively.

Nothing in here raises for bad input: a header that the policy refuses (an encoded CR/LF
in a display name raises ValueError on access) is read the old way and cleaned, a body
whose charset lies is decoded sensibly, HTML-only mail becomes text, and quoted replies
and signatures are kept apart from what the person wrote.  Only a failure of the parser
itself (which the ingest quarantines) escapes.
"""

from __future__ import annotations

import email
import email.header
import email.utils
import hashlib
import re
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage, Message
from email.policy import EmailPolicy
from typing import TypeVar

from mailbot import policies
from mailbot.attachments import READ_WHEN_WRITTEN_UNDER, AttachmentReading, read_attachments
from mailbot.authresults import Authentication, authentication_of
from mailbot.compose import header_text
from mailbot.compose import mailbox as outgoing_mailbox
from mailbot.forms import FormSubmission, parse_form
from mailbot.quoting import FORWARD_PREFIX, ForwardedMessage, forwarded_message, split_reply
from mailbot.text import decode_bytes, html_to_text, normalise_newlines, storable
from store.config import Settings

T = TypeVar("T")
MESSAGE_ID_MAX = 200  # longer ids are hashed so the dedupe key always fits its column


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    content_type: str
    size: int
    data: bytes | None  # None: over the size cap, noted and dropped

    @property
    def kept(self) -> bool:
        return self.data is not None


@dataclass
class ParsedMessage:
    raw: bytes
    message_id: str | None = None
    from_address: str = ""
    from_name: str = ""
    reply_to: str = ""
    to_addresses: str = ""
    subject: str = ""
    sent_at: datetime | None = None
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    content_type: str = "text/plain"
    body_text: str = ""  # what the person wrote
    quoted_text: str = ""  # quoted replies and signatures
    full_text: str = ""  # the whole text body, for the form parser and staff
    headers: list[list[str]] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    form: FormSubmission | None = None  # only in mail from a website form sender
    authentication: Authentication | None = None  # our mail server's SPF/DKIM/DMARC verdict
    defects: list[str] = field(default_factory=list)
    forwarded: ForwardedMessage | None = None  # the message this mail forwards, if any
    memo: dict[object, object] = field(default_factory=dict, repr=False, compare=False)
    """What the ingest worked out from this message once (its classification)."""

    def reading(self, own_addresses: Collection[str] = ()) -> tuple[str, str]:
        """The text and subject to classify: what the person wrote and, when the mail
        forwards someone's message (not our own mail, such as the newsletter), that
        message's own words and subject too; whoever forwards a mail here means it.  A
        short body ("katso liite") is followed by the text of the attached letter."""
        forwarded = self.forwarded
        subject = FORWARD_PREFIX.sub("", self.subject).strip() if forwarded else self.subject
        text = self.body_text
        if forwarded is not None and forwarded.from_address not in own_addresses:
            text = f"{text}\n\n{forwarded.text}".strip()
            subject = f"{subject}\n{forwarded.subject}".strip()
        attached = self.attached_letter().text
        if attached:
            text = f"{text}\n\n{attached}".strip()
        return text, subject

    def attached_letter(self) -> AttachmentReading:
        """The text of the attachments when the person wrote little themselves (read once,
        when the message is classified: inside its time budget, not while parsing)."""
        known = self.memo.get("attached_letter")
        if isinstance(known, AttachmentReading):
            return known
        reading = AttachmentReading("")
        if self.attachments and len(self.body_text) < READ_WHEN_WRITTEN_UNDER:
            reading = read_attachments(self.attachments)
        self.memo["attached_letter"] = reading
        return reading

    def forwards_own_mail(self, own_addresses: Collection[str]) -> bool:
        return self.forwarded is not None and self.forwarded.from_address in own_addresses

    @property
    def sender_forged(self) -> bool:
        """Our mail server found the From forged (SPF, DKIM or DMARC ``fail``)."""
        return self.authentication is not None and bool(self.authentication.failed)

    @property
    def several_senders(self) -> bool:
        """The mail names more than one sender (two ``From`` headers, or two mailboxes in
        one): which of them wrote it cannot be told, so neither is believed."""
        values = self.header_values("From")
        if len(values) > 1:
            return True
        return len([a for _, a in email.utils.getaddresses(values) if "@" in a]) > 1

    @property
    def sender_untrusted(self) -> bool:
        """Nothing is applied to a customer, and no automatic mail sent, on the strength of
        this sender: forged by our server's verdict, or one of several."""
        return self.sender_forged or self.several_senders

    def header_values(self, name: str) -> list[str]:
        """Every value of header ``name`` (case-insensitive), decoded and cleaned."""
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]

    def header(self, name: str) -> str:
        values = self.header_values(name)
        return values[0] if values else ""

    @property
    def raw_sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    @property
    def dedupe_key(self) -> str:
        """The Message-ID, or a hash of the raw bytes when there is none: never random."""
        if self.message_id:
            if len(self.message_id) <= MESSAGE_ID_MAX:
                return self.message_id
            return "mid-sha256:" + hashlib.sha256(self.message_id.encode()).hexdigest()
        return "sha256:" + self.raw_sha256


def read_message(raw: bytes, settings: Settings) -> ParsedMessage:
    """:func:`parse_message` as the mailbot reads its inbox, with the settings' limits."""
    return parse_message(
        raw,
        attachment_max_bytes=settings.mail.attachment_max_bytes,
        trusted_authserv_ids=settings.mail.trusted_authserv_ids,
        form_senders=settings.mail.website_form_senders,
    )


def parse_message(
    raw: bytes,
    *,
    attachment_max_bytes: int,
    trusted_authserv_ids: Collection[str] = (),
    form_senders: Collection[str] = (),
) -> ParsedMessage:
    """The message, parsed.  Its body is read as the website form only when it comes from
    one of ``form_senders`` and our mail server did not find that sender forged: the
    form's ``Sähköposti:`` and ``Nimi:`` are whatever its writer typed, so the format is
    believed only from the website itself."""
    message = email.message_from_bytes(raw, policy=policies.READING)
    parsed = ParsedMessage(raw=raw)
    parsed.headers = [
        [storable(name), _header_value(message, name, value)] for name, value in message.raw_items()
    ]
    parsed.message_id = _message_id(parsed.header("Message-ID"))
    parsed.from_name, parsed.from_address = _first_address(message, "From")
    parsed.reply_to = _first_address(message, "Reply-To")[1]
    parsed.to_addresses = ", ".join(
        address
        for _, address in email.utils.getaddresses(
            parsed.header_values("To") + parsed.header_values("Cc")
        )
        if address
    )
    parsed.subject = parsed.header("Subject")
    parsed.sent_at = _date(parsed.header("Date"))
    parsed.in_reply_to = " ".join(_ids(parsed.header("In-Reply-To")))
    parsed.references = _ids(" ".join(parsed.header_values("References")))
    parsed.content_type = _safe(lambda: message.get_content_type(), "text/plain")
    parsed.defects = [type(defect).__name__ for defect in message.defects]
    text = normalise_newlines(_body_text(message))
    parsed.full_text = storable(text.strip())
    split = split_reply(parsed.full_text)
    parsed.body_text, parsed.quoted_text = storable(split.written), storable(split.quoted)
    parsed.forwarded = forwarded_message(parsed.full_text, parsed.subject)
    parsed.authentication = authentication_of(parsed.headers, trusted_authserv_ids)
    if _from_website(parsed, form_senders):
        parsed.form = parse_form(parsed.full_text)
    parsed.attachments = list(_attachments(message, attachment_max_bytes))
    return parsed


def _from_website(parsed: ParsedMessage, form_senders: Collection[str]) -> bool:
    senders = {sender.strip().lower() for sender in form_senders}
    return parsed.from_address in senders and not parsed.sender_untrusted


# ---------------------------------------------------------------- headers


# Headers the mailbot reads: parsed with the policy.  The rest (Received, DKIM-Signature…)
# are only shown to staff, so their encoded words are decoded and nothing more.
_PARSED_HEADERS = {
    "from",
    "to",
    "cc",
    "reply-to",
    "subject",
    "message-id",
    "in-reply-to",
    "references",
    "date",
    "content-type",
}


def _header_value(message: EmailMessage, name: str, raw_value: str) -> str:
    if name.lower() in _PARSED_HEADERS:
        return _safe_header(message, name, raw_value)
    value = _eight_bit(raw_value)
    if "=?" in value:
        value = _decode_words(value)
    return storable(header_text(value))


def _safe_header(message: EmailMessage, name: str, raw_value: str) -> str:
    """The decoded header, or the encoded-words decoded by hand when the policy refuses."""
    raw_value = _eight_bit(raw_value)
    try:
        value = str(_policy(message).header_factory(name, raw_value))
    except Exception:
        value = _decode_words(raw_value)
    return storable(header_text(value))


def _policy(message: Message) -> EmailPolicy:
    """The policy the message was parsed with: :func:`parse` always gives it
    ``policies.READING``, an :class:`EmailPolicy` (the typing only knows a ``Policy``)."""
    policy = message.policy
    assert isinstance(policy, EmailPolicy)
    return policy


def _eight_bit(raw_value: str) -> str:
    """Raw 8-bit bytes in a header (RFC 6532 UTF-8, or an old client's Latin-1) as text."""
    if any("\udc80" <= char <= "\udcff" for char in raw_value):
        return decode_bytes(raw_value.encode("utf-8", "surrogateescape"), None)
    return raw_value


def _decode_words(raw_value: str) -> str:
    try:
        parts = email.header.decode_header(raw_value)
        return "".join(
            decode_bytes(part, charset) if isinstance(part, bytes) else part
            for part, charset in parts
        )
    except Exception:
        return raw_value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _first_address(message: EmailMessage, name: str) -> tuple[str, str]:
    """Display name and address of the header's first mailbox, as ``policy.default``
    parses it: decoded words are decoded after the address is found, so a display name
    like ``=?utf-8?q?x:customer@example.fi,?=`` can never make its text the sender.
    Where the policy refuses the header, only an angle-bracket addr-spec is taken."""
    raw_values = [
        _eight_bit(value) for key, value in message.raw_items() if key.lower() == name.lower()
    ]
    if not raw_values:
        return "", ""
    try:
        mailboxes = list(_policy(message).header_factory(name, raw_values[0]).addresses)
    except Exception:
        return _angle_address(raw_values)
    for mailbox in mailboxes:
        address = mailbox.addr_spec or ""
        if _is_address(address):
            return (
                storable(header_text(mailbox.display_name or "")),
                storable(address.strip().lower()),
            )
    return "", ""


ADDRESS_MAX = 254  # RFC 5321 4.5.3.1.3: a path is at most 256 octets with its brackets
LOCAL_PART_MAX = 64


def _is_address(address: str) -> bool:
    """An address mail can be sent to: one ``@``-separated local part and domain, within
    RFC 5321's lengths (a longer one is no address, on every database alike), that our
    own mail can be addressed to (an encoded word the policy took for a quoted local part,
    ``"osoite@example.net"``, failed only when the acknowledgement was built, and the
    whole mail was quarantined)."""
    local, at, domain = address.rpartition("@")
    return (
        bool(at and local and domain)
        and len(address) <= ADDRESS_MAX
        and len(local.encode()) <= LOCAL_PART_MAX
        and _only_visible(address)
        and _can_address(address)
    )


def _only_visible(address: str) -> bool:
    """No control, format (bidi, zero-width), unassigned or space character: what shows as
    U+FFFD, or not at all, names no mailbox anyone has, and an answer there bounces (or
    reaches whoever the address without it names)."""
    if address.isascii():
        return address.isprintable() and " " not in address
    return not any(unicodedata.category(char)[0] in "CZ" for char in address)


def _can_address(address: str) -> bool:
    try:
        outgoing_mailbox("", address)
    except Exception:  # the email package's header defects and parse errors
        return False
    return True


_ANGLE_ADDRESS = re.compile(r"<([^<>@\s]{1,64}@[^<>@\s]{1,255})>")
# What the fallback believes: a dot-atom local part and a host name (letters of any
# script, digits, inner hyphens), never brackets, quotes or other specials
# (``<aino@[example.fi>`` was taken as the sender ``aino@[example.fi``).
_FALLBACK_LOCAL = re.compile(r"[\w!#$%&'*+/=?^`{|}~-]+(?:\.[\w!#$%&'*+/=?^`{|}~-]+)*")
_FALLBACK_DOMAIN = re.compile(r"[^\W_]+(?:-+[^\W_]+)*(?:\.[^\W_]+(?:-+[^\W_]+)*)+")


def _angle_address(values: list[str]) -> tuple[str, str]:
    for value in values:
        match = _ANGLE_ADDRESS.search(str(value))
        if not match:
            continue
        local, _, domain = match.group(1).strip().rpartition("@")
        if (
            _is_address(match.group(1))
            and _FALLBACK_LOCAL.fullmatch(local)
            and _FALLBACK_DOMAIN.fullmatch(domain)
        ):
            return "", storable(match.group(1).strip().lower())
    return "", ""


def _message_id(value: str) -> str | None:
    ids = _ids(value)
    if ids:
        return ids[0]
    text = value.strip()
    return text[:998] or None


def _ids(value: str) -> list[str]:
    """Message-IDs in a header: each ``<…>`` token (tolerating missing brackets)."""
    found: list[str] = []
    for token in value.replace(",", " ").split():
        token = token.strip()
        if token.startswith("<") and token.endswith(">") and len(token) > 2:
            found.append(token[:998])
        elif "@" in token and "<" not in token and ">" not in token:
            found.append(f"<{token}>"[:998])
    return found


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


# ---------------------------------------------------------------- body


def _body_text(message: EmailMessage) -> str:
    """The plain text the person wrote: text/plain preferred, else HTML made text."""
    part: Message | None = _safe(lambda: message.get_body(preferencelist=("plain", "html")), None)
    if part is None:
        part = _first_text_part(message)
    if part is None:
        return ""
    text = _part_text(part)
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    return text


def _first_text_part(message: Message) -> Message | None:
    for part in _safe(lambda: list(message.walk()), [message]):
        if part.get_content_maintype() == "text" and not part.is_multipart():
            return part
    return None


def _part_text(part: Message) -> str:
    payload = _decoded_payload(part)
    if payload is None:
        raw = part.get_payload()
        return raw if isinstance(raw, str) else ""
    charset = _safe(lambda: part.get_content_charset(), None)
    return decode_bytes(payload, charset)


def _decoded_payload(part: Message) -> bytes | None:
    """The part's payload, transfer-decoded; None for a multipart, or where decoding fails."""
    payload = _safe(lambda: part.get_payload(decode=True), None)
    return payload if isinstance(payload, bytes) else None


def _attachments(message: EmailMessage, max_bytes: int) -> list[ParsedAttachment]:
    found: list[ParsedAttachment] = []
    body = _safe(lambda: message.get_body(preferencelist=("plain", "html")), None)
    parts: list[EmailMessage] = _safe(lambda: list(message.walk()), [])
    for part in parts:
        if part.is_multipart() or part is body or part is message:
            continue
        disposition = _safe(part.get_content_disposition, None)
        filename = _safe(part.get_filename, None)
        if disposition != "attachment" and not filename:
            continue
        data = _decoded_payload(part) or b""
        found.append(
            ParsedAttachment(
                filename=storable(header_text(filename or ""))[:255],
                content_type=storable(_safe(part.get_content_type, "application/octet-stream")),
                size=len(data),
                data=data if len(data) <= max_bytes else None,
            )
        )
    return found


def _safe(action: Callable[[], T], default: T) -> T:
    """Run ``action``; the default when the message is too broken for it."""
    try:
        return action()
    except Exception:
        return default
