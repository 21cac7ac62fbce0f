"""Building inbound test mail and handing it to the mailbot the way a source would."""

from __future__ import annotations

import email
import email.policy
import itertools
import mailbox
import os
from collections.abc import Iterable
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from mailbot.ingest import FetchedMessage, IngestResult, ingest
from mailbot.outgoing import message_bytes
from store import clock
from store.config import Settings, load_settings
from store.models import OutboxMail

_uids = itertools.count(1)
INBOX = "tietosuoja@kotkanleffat.fi"


def make_mail(
    sender: str = "Maija Virtanen <maija.virtanen@example.fi>",
    *,
    subject: str = "Tietopyyntö",
    body: str = "Haluan nähdä tietoni.",
    message_id: str | None = None,
    headers: Iterable[tuple[str, str]] = (),
    html: bool = False,
    charset: str = "utf-8",
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = INBOX
    message["Subject"] = subject
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = message_id or make_msgid(domain="example.fi")
    for name, value in headers:
        message[name] = value
    if html:
        message.set_content(body, subtype="html", charset=charset)
    else:
        message.set_content(body, charset=charset)
    return message.as_bytes()


def mail_settings(**mail: object) -> Settings:
    import dataclasses

    settings = load_settings(environ={})
    if mail:
        settings = dataclasses.replace(settings, mail=dataclasses.replace(settings.mail, **mail))
    return settings


def feed(
    raw: bytes,
    settings: Settings | None = None,
    *,
    mailbox_name: str = "test:inbox",
    uidvalidity: int = 1,
    uid: str | None = None,
) -> IngestResult:
    """Ingest ``raw`` as if a source had fetched it from ``mailbox_name``."""
    fetched = FetchedMessage(mailbox_name, uidvalidity, uid or str(next(_uids)), raw, clock.now())
    return ingest(fetched, settings or mail_settings())


def deliver_to_maildir(folder: Path, messages: Iterable[bytes]) -> int:
    """Deliver into a Maildir, the files dated now by ``store.clock`` (arrival time)."""
    box = mailbox.Maildir(folder, create=True)
    count = 0
    stamp = clock.now().timestamp()
    for raw in messages:
        key = box.add(mailbox.MaildirMessage(raw))
        os.utime(Path(folder) / "new" / key, (stamp, stamp))
        count += 1
    return count


def outgoing_bytes(mail: OutboxMail, settings: Settings | None = None) -> bytes:
    """The bytes ``mail`` goes out as: those its first attempt stored, or, while it waits,
    built from its draft the way the sender will (``settings``: the ones it was queued with)."""
    raw = message_bytes(mail, settings or mail_settings())
    assert raw is not None, "the mail's content has been removed"
    return raw


def outgoing_message(mail: OutboxMail, settings: Settings | None = None) -> EmailMessage:
    """:func:`outgoing_bytes` parsed, as the recipient's mail program reads them."""
    message = email.message_from_bytes(outgoing_bytes(mail, settings), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message
