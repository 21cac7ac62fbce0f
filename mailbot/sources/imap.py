"""An IMAP mailbox through imapclient: ``imap://`` (STARTTLS) and ``imaps://``.

- ``imap://`` upgrades with STARTTLS whenever the server offers it; plain text is allowed
  only to a loopback address, so a password never crosses a network unencrypted.
- New mail is announced by IDLE where the server has it.  The server's EXISTS notices for
  mail that arrives during a pass come in the replies to FETCH and STORE, where imapclient
  drops them, so before every IDLE the source asks for UIDs above the highest it has seen
  and looks again until a pass finds nothing new.  An EXISTS that reached the client in the
  same segment as ``+ idling`` sits in imaplib's read buffer, where a poll of the socket
  never sees it: the buffer is looked at before every poll.  No wake-up is lost.  IDLE is
  re-issued every
  ``mail.idle_renew_seconds`` (well inside the 29-minute limit of RFC 2177), with a full
  look at the mailbox each time; without IDLE the mailbox is polled every
  ``mail.poll_seconds``.
- Messages are fetched with ``BODY.PEEK[]``, so nothing is marked read before the database
  commit; :meth:`ImapSource.finish` then sets ``\\Seen`` and, when ``mail.processed_folder``
  is set, moves them (MOVE where supported, else COPY, ``\\Deleted`` and EXPUNGE).
- Which messages are new is decided against the database (UIDVALIDITY and UID), never by
  ``\\Seen`` alone: another client may have read a message first.
"""

from __future__ import annotations

import contextlib
import imaplib
import ipaddress
import logging
import socket
import ssl
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from imapclient import IMAPClient

from mailbot.ingest import FetchedMessage
from mailbot.sources import SourceUnavailable
from store.config import Settings
from store.errors import ConfigError
from store.models import MessageLocation

log = logging.getLogger("rekisteri.mailbot")

BATCH = 50  # messages per FETCH: few round trips, bounded memory
TIMEOUT_SECONDS = 60
_CONNECTION_ERRORS = (OSError, imaplib.IMAP4.error, EOFError)


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def plain_text_allowed(host: str, starttls_offered: bool) -> bool:
    """Whether to log in without TLS: only to loopback, and only when STARTTLS is absent."""
    return not starttls_offered and is_loopback(host)


class ImapSource:
    def __init__(self, url: str, settings: Settings) -> None:
        parts = urlsplit(url)
        self.tls = parts.scheme.lower() == "imaps"
        if not parts.hostname:
            raise ConfigError(
                f"{url}: name the server, e.g. imaps://user:pass@host/INBOX",
                key="mailbot.bad_inbox_url",
                scheme=parts.scheme,
            )
        self.host = parts.hostname
        self.port = parts.port or (993 if self.tls else 143)
        self.user = unquote(parts.username or "")
        self.password = unquote(parts.password or "")
        self.folder = unquote(parts.path.lstrip("/")) or "INBOX"
        self.settings = settings
        self.name = f"{parts.scheme.lower()}://{self.user}@{self.host}:{self.port}/{self.folder}"
        self.client: IMAPClient | None = None
        self.uidvalidity = 0
        self.capabilities: set[bytes] = set()
        self._idling = False
        self._idle_since = 0.0
        self._last_look = 0.0
        self._highest_uid = 0  # the highest UID in the folder at the last look

    # ------------------------------------------------------------ connection

    def connect(self) -> None:
        self.close()
        try:
            client = IMAPClient(
                self.host,
                self.port,
                ssl=self.tls,
                ssl_context=ssl.create_default_context() if self.tls else None,
                timeout=TIMEOUT_SECONDS,
            )
            client.normalise_times = False  # INTERNALDATE with its offset, not naive local
            if not self.tls:
                offered = b"STARTTLS" in client.capabilities()
                if offered:
                    client.starttls(ssl.create_default_context())
                elif not plain_text_allowed(self.host, offered):
                    client.shutdown()
                    raise ConfigError(
                        f"{self.host} offers no STARTTLS: use imaps://, or a loopback address "
                        "for plain text",
                        key="mailbot.no_tls",
                        host=self.host,
                    )
            client.login(self.user, self.password)
            info = client.select_folder(self.folder)
            self.uidvalidity = int(info[b"UIDVALIDITY"])
            self.capabilities = set(client.capabilities())
            processed = self.settings.mail.processed_folder
            if processed and not client.folder_exists(processed):
                client.create_folder(processed)
        except _CONNECTION_ERRORS as error:
            raise SourceUnavailable(f"{self.name}: {_describe(error)}") from error
        self.client = client
        self._idling = False
        log.info(
            "inbox %s: connected (UIDVALIDITY %s, %s)",
            self.name,
            self.uidvalidity,
            "IDLE" if self.has_idle else f"polling every {self.settings.mail.poll_seconds} s",
        )

    def close(self) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        try:
            if self._idling:
                client.idle_done()
            client.logout()
        except Exception:
            with contextlib.suppress(Exception):
                client.shutdown()
        self._idling = False

    @property
    def has_idle(self) -> bool:
        return b"IDLE" in self.capabilities

    # ------------------------------------------------------------ fetching

    def pending(self) -> Iterator[list[FetchedMessage]]:
        client = self._ready()
        self._last_look = time.monotonic()
        try:
            present = set(client.search("ALL"))
            self._highest_uid = max(present, default=0)
            known = self._known_uids()
            self._finish_interrupted(present & known)
            waiting = sorted(present - known)
            for start in range(0, len(waiting), BATCH):
                uids = waiting[start : start + BATCH]
                answer = client.fetch(uids, [self._body_item, "RFC822.SIZE", "INTERNALDATE"])
                batch = [self._fetched(uid, answer[uid]) for uid in uids if uid in answer]
                if batch:
                    yield batch
        except _CONNECTION_ERRORS as error:
            raise SourceUnavailable(f"{self.name}: {_describe(error)}") from error

    def finish(self, done: Sequence[FetchedMessage]) -> None:
        """Flag (and move) messages whose disposition is committed."""
        uids = [int(message.uid) for message in done if message.uidvalidity == self.uidvalidity]
        if not uids:
            return
        try:
            self._mark_processed(self._ready(), uids)
        except _CONNECTION_ERRORS as error:
            raise SourceUnavailable(f"{self.name}: {_describe(error)}") from error

    @property
    def _body_item(self) -> str:
        """The whole message, or only its first ``mail.message_max_bytes`` (RFC 3501 partial
        fetch): a 100 MB mail never reaches this process whole."""
        limit = self.settings.mail.message_max_bytes
        return f"BODY.PEEK[]<0.{limit}>" if limit > 0 else "BODY.PEEK[]"

    def _fetched(self, uid: int, data: dict[bytes, Any]) -> FetchedMessage:
        raw = data.get(b"BODY[]") or data.get(b"BODY[]<0>") or b""
        size = data.get(b"RFC822.SIZE")
        arrived = data.get(b"INTERNALDATE")
        if isinstance(arrived, datetime):
            arrived = (
                arrived.astimezone(UTC) if arrived.tzinfo else arrived.astimezone().astimezone(UTC)
            )  # naive: the machine's local time
        else:
            arrived = None
        return FetchedMessage(
            self.name,
            self.uidvalidity,
            str(uid),
            bytes(raw),
            arrived,
            size=size if isinstance(size, int) else 0,
        )

    def _known_uids(self) -> set[int]:
        rows = MessageLocation.select(MessageLocation.uid).where(
            (MessageLocation.mailbox == self.name)
            & (MessageLocation.uidvalidity == self.uidvalidity)
        )
        return {int(row.uid) for row in rows if row.uid.isdigit()}

    def _finish_interrupted(self, known_present: set[int]) -> None:
        """Messages committed before a crash but not yet flagged or moved."""
        if not known_present:
            return
        client = self._ready()
        if self.settings.mail.processed_folder:
            leftover = sorted(known_present)
        else:
            leftover = sorted(known_present & set(client.search("UNSEEN")))
        if leftover:
            log.info("inbox %s: finishing %s message(s) processed before", self.name, len(leftover))
            self._mark_processed(client, leftover)

    def _mark_processed(self, client: IMAPClient, uids: list[int]) -> None:
        client.add_flags(uids, [b"\\Seen"], silent=True)
        folder = self.settings.mail.processed_folder
        if not folder:
            return
        if b"MOVE" in self.capabilities:
            client.move(uids, folder)
            return
        client.copy(uids, folder)
        client.delete_messages(uids, silent=True)
        if b"UIDPLUS" in self.capabilities:
            client.uid_expunge(uids)
        else:
            client.expunge()

    # ------------------------------------------------------------ waiting

    def wait(self, tick: float) -> bool:
        """Wait at most ``tick`` seconds; True when the mailbox should be looked at."""
        client = self._ready(keep_idle=True)
        try:
            if not self.has_idle:
                remaining = self.settings.mail.poll_seconds - (time.monotonic() - self._last_look)
                if remaining > 0:
                    time.sleep(min(tick, remaining))
                    if remaining > tick:
                        return False
                client.noop()
                return True
            if not self._idling:
                _forget_announcements(client)  # the search below answers for them
                if self._arrived_since_last_look(client):
                    return True
                client.idle()
                self._idling, self._idle_since = True, time.monotonic()
                if _announced_while_entering_idle(client):
                    self._end_idle(client)
                    return True
            renew_in = self.settings.mail.idle_renew_seconds - (time.monotonic() - self._idle_since)
            if renew_in <= 0:
                self._end_idle(client)
                return True  # re-issue IDLE, with a full look at the mailbox first
            if _already_received(client):
                self._idling = False
                _, responses = client.idle_done()  # reads the buffered lines, answers DONE
            else:
                responses = client.idle_check(timeout=min(tick, renew_in))
        except _CONNECTION_ERRORS as error:
            self._idling = False
            raise SourceUnavailable(f"{self.name}: {_describe(error)}") from error
        if any(_is_bye(response) for response in responses):
            self._idling = False
            raise SourceUnavailable(f"{self.name}: the server said goodbye")
        if any(_announces_mail(response) for response in responses):
            if self._idling:
                try:
                    self._end_idle(client)
                except _CONNECTION_ERRORS as error:
                    raise SourceUnavailable(f"{self.name}: {_describe(error)}") from error
            return True
        return False

    def _arrived_since_last_look(self, client: IMAPClient) -> bool:
        """Whether a UID above the last look's highest exists (``n:*`` always names the
        highest UID, even one below ``n``, hence the filter)."""
        newer = client.search(["UID", f"{self._highest_uid + 1}:*"])
        return any(int(uid) > self._highest_uid for uid in newer)

    def _ready(self, keep_idle: bool = False) -> IMAPClient:
        if self.client is None:
            raise SourceUnavailable(f"{self.name}: not connected")
        if self._idling and not keep_idle:
            try:
                self._end_idle(self.client)
            except _CONNECTION_ERRORS as error:
                raise SourceUnavailable(f"{self.name}: {_describe(error)}") from error
        return self.client

    def _end_idle(self, client: IMAPClient) -> None:
        self._idling = False
        client.idle_done()


def _forget_announcements(client: IMAPClient) -> None:
    """Drop the EXISTS and RECENT that earlier commands (SELECT among them) left behind: a
    search is about to answer for them, and kept they would wake the next IDLE for
    nothing."""
    untagged = getattr(getattr(client, "_imap", None), "untagged_responses", None)
    if isinstance(untagged, dict):
        for name in ("EXISTS", "RECENT"):
            untagged.pop(name, None)


def _already_received(client: IMAPClient) -> bool:
    """Whether server lines are already off the socket, in imaplib's read buffer (or in the
    TLS layer), where ``idle_check``'s poll of the socket never sees them.  Under load
    ``+ idling`` and the EXISTS right behind it arrive in one segment: reading the first
    line buffers the second, and without this the wake-up waited for the next renewal.
    The peek is made with the socket not blocking; what it reads stays buffered."""
    imap = getattr(client, "_imap", None)
    sock = getattr(imap, "sock", None)
    peek = getattr(getattr(imap, "file", None), "peek", None)
    if not isinstance(sock, socket.socket) or peek is None:
        return False
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return True
    timeout = sock.gettimeout()
    sock.settimeout(0)
    try:
        return bool(peek(1))
    except (BlockingIOError, ssl.SSLWantReadError, InterruptedError):
        return False
    finally:
        sock.settimeout(timeout)


def _announced_while_entering_idle(client: IMAPClient) -> bool:
    """Mail that arrived between the last look and IDLE: the server may announce it before
    it answers IDLE, and imaplib files such untagged lines away where ``idle_check`` never
    looks, so without this the wake-up is lost until the next renewal."""
    untagged = getattr(getattr(client, "_imap", None), "untagged_responses", None)
    if not isinstance(untagged, dict):
        return False
    announced = False
    for name in ("EXISTS", "RECENT"):
        announced |= bool(untagged.pop(name, None))
    return announced


def _is_bye(response: Any) -> bool:
    return isinstance(response, tuple) and len(response) >= 1 and response[0] == b"BYE"


def _announces_mail(response: Any) -> bool:
    return (
        isinstance(response, tuple) and len(response) >= 2 and response[1] in (b"EXISTS", b"RECENT")
    )


def _describe(error: BaseException) -> str:
    if isinstance(error, socket.timeout):
        return "timed out"
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
