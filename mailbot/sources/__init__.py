"""Where mail comes from: an IMAP mailbox or a Maildir folder, behind one small interface.

A source hands over what is waiting in batches (:meth:`Source.pending`), and marks a batch
processed (:meth:`Source.finish`: IMAP ``\\Seen`` and the optional move, Maildir ``cur/``
with the ``S`` flag) only when the mailbot has committed it.  :meth:`Source.wait` blocks
until new mail may be there (IMAP IDLE, else polling) or a short tick passes, so the
daemon can do its other work and notice a stop request.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from mailbot.ingest import FetchedMessage
from store.config import Settings
from store.errors import ConfigError
from store.urls import scheme_of


class SourceUnavailable(Exception):
    """The inbox cannot be reached now (server down, connection lost, login refused)."""


class Source(Protocol):
    name: str

    def connect(self) -> None: ...

    def close(self) -> None: ...

    def pending(self) -> Iterator[list[FetchedMessage]]: ...

    def finish(self, done: Sequence[FetchedMessage]) -> None: ...

    def wait(self, tick: float) -> bool: ...


def open_source(settings: Settings) -> Source:
    """The source named by ``mail.inbox`` (``REKISTERI_INBOX``)."""
    url = settings.mail.inbox
    scheme = scheme_of(url)
    if scheme == "maildir":
        from mailbot.sources.maildir import MaildirSource

        return MaildirSource(url, max_bytes=settings.mail.message_max_bytes)
    if scheme in ("imap", "imaps"):
        from mailbot.sources.imap import ImapSource

        return ImapSource(url, settings)
    raise ConfigError(
        f"unknown inbox URL scheme {scheme!r}: use imap://, imaps:// or maildir:///path",
        key="mailbot.bad_inbox_url",
        scheme=scheme,
    )
