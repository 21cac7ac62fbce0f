"""Building outgoing messages with the ``email`` package's API, never by concatenation.

Names and subjects may come from customers; :func:`header_text` strips every control
character (CR and LF above all) so no value can ever start a header of its own.
"""

from __future__ import annotations

import email
import email.policy
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from functools import lru_cache

from mailbot import policies
from store.attached_file import AttachedFile
from store.config import Settings

OWN_MESSAGE_ID_PREFIX = "rekisteri."
URL_HEADERS = frozenset(
    {"list-help", "list-unsubscribe", "list-subscribe", "list-post", "list-owner", "list-archive"}
)
"""RFC 2369 headers: URLs in angle brackets, which must reach the reader as written."""
MAX_HEADER_LINE = 998  # RFC 5322 2.1.1
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_SPECIALS = re.compile(r'[()<>\[\]:;@\\,."]+')  # RFC 5322 specials


@dataclass(frozen=True)
class OutgoingMail:
    to_address: str
    subject: str
    text: str
    to_name: str = ""
    html: str | None = None
    in_reply_to: str | None = None
    references: Sequence[str] = ()
    automatic: bool = False
    attachments: Sequence[AttachedFile] = ()
    extra_headers: Sequence[tuple[str, str]] = field(default_factory=tuple)
    sender: Address | None = None  # From; None: the privacy desk (mail.from_*)
    reply_to: Address | None = None  # None: the privacy inbox


def header_text(value: str) -> str:
    """A header value with control characters folded to single spaces."""
    return " ".join(_CONTROL.sub(" ", value).split())


@lru_cache(maxsize=1024)
def mailbox(name: str, address: str) -> Address:
    """``Name <address>`` whose header, once folded, still names exactly that address.

    CPython folds a long display name that needs quoting (one with ``:``, ``,`` or ``@``)
    without its quotes, and the header would then read as a group of other addresses
    ("Bcc: x@example.com …"); such a name loses those characters instead.
    """
    candidate = _address(header_text(name), header_text(address))
    if not _SPECIALS.search(candidate.display_name) or _folds_faithfully(candidate):
        # (a name without specials is written as an atom or encoded words: never a group)
        return candidate
    return _address(header_text(_SPECIALS.sub(" ", name)), candidate.addr_spec)


def _address(name: str, address: str) -> Address:
    if address.isascii():
        return Address(display_name=name, addr_spec=address)
    # An internationalised address (RFC 6531: ``mäija@…``): the package refuses a non-ASCII
    # local part given as one addr-spec, and the message is then written in UTF-8.
    username, _, domain = address.rpartition("@")
    return Address(display_name=name, username=username, domain=domain)


def message_policy(to_address: str) -> email.policy.EmailPolicy[EmailMessage]:
    """``policy.default``; with UTF-8 headers (RFC 6532) for an internationalised address,
    which must never be written as encoded words."""
    return policies.DEFAULT if to_address.isascii() else policies.UTF8


class _FoldedHeader(str):
    """A header the ``email`` package parsed and folded once: set again as it is, written
    as it was folded (the desk's own From, Reply-To and X-Loop are the same in every mail,
    and parsing and folding them again for each of thousands of acknowledgements is most
    of what building one costs)."""

    name: str
    folded: str

    def __new__(cls, name: str, value: str, folded: str) -> _FoldedHeader:
        header = super().__new__(cls, value)
        header.name, header.folded = name, folded
        return header

    def fold(self, *, policy: email.policy.Policy) -> str:
        return self.folded


_CONSTANT_HEADERS: dict[tuple[object, ...], _FoldedHeader] = {}


def _constant_header(
    policy: email.policy.EmailPolicy[EmailMessage], name: str, value: str | Address
) -> _FoldedHeader:
    parts = (value.display_name, value.addr_spec) if isinstance(value, Address) else (value,)
    key = (id(policy), name, *parts)
    header = _CONSTANT_HEADERS.get(key)
    if header is None:
        if len(_CONSTANT_HEADERS) > 256:  # a mass mailing's many senders: start again
            _CONSTANT_HEADERS.clear()
        parsed = policy.header_factory(name, value)
        header = _FoldedHeader(name, str(parsed), parsed.fold(policy=policy))
        _CONSTANT_HEADERS[key] = header
    return header


def _url_header(name: str, value: str) -> str:
    """A URL header written as it is: the ``email`` package folds a long header by turning
    it into RFC 2047 encoded words, which is right for text and wrong for a URL (a
    ``List-Unsubscribe`` link carries a token and must stay a URL); a line up to 998
    characters is allowed (RFC 5322 2.1.1)."""
    fits = value.isascii() and len(name) + 2 + len(value) <= MAX_HEADER_LINE
    return policies.WrittenAsIs(name, value) if name.lower() in URL_HEADERS and fits else value


def _folds_faithfully(address: Address) -> bool:
    policy = message_policy(address.addr_spec)
    folded = policy.fold("To", str(address))
    parsed = email.message_from_string(folded, policy=policy)["To"]
    return parsed is not None and parsed.addresses == (address,)


def sender_domain(settings: Settings) -> str:
    return settings.mail.from_address.rpartition("@")[2] or "localhost"


def new_message_id(settings: Settings) -> str:
    """A Message-ID we can recognise as ours when it comes back (loops, threading)."""
    return f"<{OWN_MESSAGE_ID_PREFIX}{secrets.token_hex(12)}@{sender_domain(settings)}>"


def is_own_message_id(message_id: str, settings: Settings) -> bool:
    value = message_id.strip().strip("<>")
    return value.startswith(OWN_MESSAGE_ID_PREFIX) and value.endswith("@" + sender_domain(settings))


def check_addresses(mail: OutgoingMail, settings: Settings) -> None:
    """Raise what :func:`build_message` would raise for the mail's From, To and Reply-To (a
    mistyped address in the settings, above all), at the cost of a few cache lookups: a
    mail queued to be built when it is sent fails when it is queued, where it is seen."""
    policy = message_policy(mail.to_address)
    _from(mail, settings, policy)
    _reply_to(mail, settings, policy)
    mailbox(mail.to_name, mail.to_address)


def _from(
    mail: OutgoingMail, settings: Settings, policy: email.policy.EmailPolicy[EmailMessage]
) -> _FoldedHeader:
    sender = mail.sender or mailbox(settings.mail.from_name, settings.mail.from_address)
    return _constant_header(policy, "From", sender)


def _reply_to(
    mail: OutgoingMail, settings: Settings, policy: email.policy.EmailPolicy[EmailMessage]
) -> _FoldedHeader:
    inbox = settings.controller.privacy_inbox or settings.mail.from_address
    return _constant_header(
        policy, "Reply-To", mail.reply_to or mailbox(settings.mail.from_name, inbox)
    )


def build_message(
    mail: OutgoingMail, settings: Settings, *, message_id: str, date: datetime
) -> EmailMessage:
    policy = message_policy(mail.to_address)
    message = EmailMessage(policy=policy)
    message["From"] = _from(mail, settings, policy)
    message["To"] = mailbox(mail.to_name, mail.to_address)
    message["Reply-To"] = _reply_to(mail, settings, policy)
    message["Subject"] = header_text(mail.subject)
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    if mail.in_reply_to:
        message["In-Reply-To"] = header_text(mail.in_reply_to)
    references = [header_text(ref) for ref in mail.references if ref]
    if references:
        message["References"] = " ".join(references)
    if mail.automatic:  # RFC 3834: never answer this
        message["Auto-Submitted"] = _constant_header(policy, "Auto-Submitted", "auto-replied")
    message["X-Auto-Response-Suppress"] = _constant_header(
        policy, "X-Auto-Response-Suppress", "All"
    )
    message["X-Loop"] = _constant_header(policy, "X-Loop", settings.mail.from_address)
    for name, value in mail.extra_headers:
        message[name] = _url_header(name, header_text(value))
    message.set_content(mail.text)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")
    for attachment in mail.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=header_text(attachment.filename),
        )
    return message
