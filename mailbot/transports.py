"""Where outgoing mail goes: an SMTP server, or a folder of ``.eml`` files.

The forms of ``mail.smtp`` (``REKISTERI_SMTP``):

- ``smtp://[user:password@]host[:port]`` (port 25 by default): STARTTLS whenever the
  server offers it; ``?starttls=required`` refuses to send in the clear when it does not.
- ``smtps://[user:password@]host[:port]`` (port 465 by default): TLS from the first byte.
- ``outbox:///absolute/path``: each mail becomes ``<Message-ID>.eml`` in that folder.

With a user name the sender logs in (AUTH) after STARTTLS.  Certificates are checked against
the system's authorities, or against ``?cafile=/path/ca.pem`` for a private one.  A user
name or password with ``@``, ``:`` or ``/`` in it is written percent-encoded (``%40``).

An SMTP transport keeps one connection for a whole batch and reconnects when the server
drops it (idle timeouts, per-connection message limits).  Failures come out as two kinds:
:class:`ConnectionProblem` (the server could not be used at all, so no later mail would get
through either) and :class:`DeliveryFailed` (this one mail, transient or permanent).
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

import aiosmtplib

from store.config import Settings
from store.db import redact
from store.encryption import write_private_file
from store.errors import ConfigError
from store.outbox import eml_path
from store.urls import file_url_path, scheme_of

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
STARTTLS_MODES = ("auto", "required")


class ConnectionProblem(Exception):
    """The server could not be reached or used (refused, timeout, TLS, AUTH): nothing sent."""


class DeliveryFailed(Exception):
    """One mail was not accepted; ``permanent`` for a 5xx, otherwise worth another try."""

    def __init__(self, message: str, *, permanent: bool, code: int | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.code = code


class Transport(Protocol):
    async def deliver(self, *, sender: str, recipient: str, raw: bytes, message_id: str) -> str:
        """Hand one mail over; return the server's reply.  Raises the two errors above."""
        ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    implicit_tls: bool = False
    starttls_required: bool = False
    username: str | None = None
    password: str = ""
    cafile: str | None = None

    @classmethod
    def parse(cls, url: str) -> SmtpTarget:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if not parts.hostname:
            raise ConfigError(
                f"{redact(url)}: the server name is missing", key="outbox.no_host", url=redact(url)
            )
        options = dict(parse_qsl(parts.query))
        unknown = sorted(set(options) - {"starttls", "cafile"})
        if unknown:
            raise ConfigError(
                f"{redact(url)}: unknown option {unknown[0]!r}",
                key="outbox.unknown_option",
                url=redact(url),
                option=unknown[0],
            )
        starttls = options.get("starttls", "auto").lower()
        if starttls not in STARTTLS_MODES or (scheme == "smtps" and "starttls" in options):
            raise ConfigError(
                f"{redact(url)}: starttls must be auto or required (smtp:// only)",
                key="outbox.bad_starttls",
                url=redact(url),
            )
        return cls(
            host=parts.hostname,
            port=parts.port or DEFAULT_PORTS[scheme],
            implicit_tls=scheme == "smtps",
            starttls_required=starttls == "required",
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password or ""),
            cafile=options.get("cafile"),
        )


def open_transport(settings: Settings) -> Transport:
    url = settings.mail.smtp
    scheme = scheme_of(url)
    if scheme in DEFAULT_PORTS:
        return SmtpTransport(SmtpTarget.parse(url), timeout=settings.mail.smtp_timeout_seconds)
    if scheme == "outbox":
        return FileTransport(file_url_path(url))
    raise ConfigError(
        f"unknown mail URL scheme {scheme!r} in {redact(url)}: use smtp://, "
        "smtps:// or outbox:///path",
        key="outbox.unknown_scheme",
        url=redact(url),
    )


class SmtpTransport:
    def __init__(self, target: SmtpTarget, *, timeout: float) -> None:
        self.target = target
        self._client = aiosmtplib.SMTP(
            hostname=target.host,
            port=target.port,
            use_tls=target.implicit_tls,
            start_tls=False,  # decided in _connect, so that `required` can refuse clearly
            timeout=timeout,
            cert_bundle=target.cafile,
        )

    async def deliver(self, *, sender: str, recipient: str, raw: bytes, message_id: str) -> str:
        for attempt in (1, 2):  # a second time only when the mail surely did not arrive
            if not self._client.is_connected:
                await self._connect()
            data_sent = False
            try:
                options, encoding = self._envelope_options(sender, recipient, raw)
                await self._client.mail(sender, options=options, encoding=encoding)
                await self._client.rcpt(recipient, encoding=encoding)
                data_sent = True  # from here on the server may have the whole mail
                response = await self._client.data(raw)
                return f"{response.code} {response.message}"
            except aiosmtplib.SMTPServerDisconnected as error:
                self._client.close()
                if data_sent:
                    # The server may have kept the mail before it went: sending it again
                    # now would deliver it twice; the scheduled retry decides (issue 18).
                    raise DeliveryFailed(
                        f"connection lost after the message was sent: {error}", permanent=False
                    ) from None
                if attempt == 2:
                    raise DeliveryFailed(f"connection lost: {error}", permanent=False) from None
                # Dropped between two mails (an idle timeout): connect again and send it.
            except aiosmtplib.SMTPResponseException as error:
                if not data_sent:
                    await self._reset()
                if error.code == 421 and attempt == 1:
                    self._client.close()  # "closing the channel": a new connection may do
                    continue
                raise _response_failure(error.code, error.message) from None
            except aiosmtplib.SMTPTimeoutError as error:
                self._client.close()
                raise DeliveryFailed(f"timeout: {error}", permanent=False) from None
            except (aiosmtplib.SMTPNotSupported, ValueError) as error:
                # An address this server cannot take (non-ASCII without SMTPUTF8).
                await self._reset()
                raise DeliveryFailed(str(error), permanent=True) from None
            except aiosmtplib.SMTPException as error:
                self._client.close()
                raise DeliveryFailed(str(error), permanent=False) from None
        raise AssertionError("unreachable")

    def _envelope_options(self, sender: str, recipient: str, raw: bytes) -> tuple[list[str], str]:
        """MAIL FROM options and the address encoding: UTF-8 bodies say so (RFC 6152), an
        internationalised address needs SMTPUTF8 (RFC 6531), SIZE where offered (RFC 1870)."""
        client = self._client
        options = (
            ["BODY=8BITMIME"] if not raw.isascii() and client.supports_extension("8bitmime") else []
        )
        encoding = "ascii"
        if not (sender.isascii() and recipient.isascii()):
            if not client.supports_extension("smtputf8"):
                raise aiosmtplib.SMTPNotSupported(
                    "the server does not take internationalised addresses (no SMTPUTF8)"
                )
            options.append("SMTPUTF8")
            encoding = "utf-8"
        if client.supports_extension("size"):
            crlf_size = len(raw) + raw.count(b"\n") - raw.count(b"\r\n")
            options.insert(0, f"SIZE={crlf_size}")
        return options, encoding

    async def _reset(self) -> None:
        """RSET after a refused envelope, so the next mail starts clean."""
        if not self._client.is_connected:
            return
        try:
            await self._client.rset()
        except (aiosmtplib.SMTPException, OSError):
            self._client.close()

    async def close(self) -> None:
        if not self._client.is_connected:
            return
        try:
            await self._client.quit()
        except (aiosmtplib.SMTPException, OSError):
            self._client.close()

    async def _connect(self) -> None:
        target = self.target
        where = f"{target.host}:{target.port}"
        try:
            await self._client.connect()
            await self._client.ehlo()
            if not target.implicit_tls:
                if self._client.supports_extension("starttls"):
                    await self._client.starttls()
                elif target.starttls_required:
                    raise ConnectionProblem(
                        f"{where} does not offer STARTTLS, and starttls=required forbids "
                        "sending in the clear"
                    )
            if target.username is not None:
                await self._client.login(target.username, target.password)
        except ConnectionProblem:
            self._client.close()
            raise
        except aiosmtplib.SMTPAuthenticationError as error:
            self._client.close()
            raise ConnectionProblem(
                f"{where} refused the login: {error.code} {error.message}"
            ) from None
        except aiosmtplib.SMTPResponseException as error:
            self._client.close()
            raise ConnectionProblem(f"{where}: {error.code} {error.message}") from None
        except (aiosmtplib.SMTPException, ssl.SSLError, OSError) as error:
            self._client.close()
            raise ConnectionProblem(f"{where}: {_one_line(error)}") from None


def _response_failure(code: int, message: str) -> DeliveryFailed:
    return DeliveryFailed(f"{code} {_one_line(message)}", permanent=500 <= code < 600, code=code)


def _one_line(value: object) -> str:
    return " ".join(str(value).split()) or type(value).__name__


class FileTransport:
    """Writes each mail as ``<Message-ID>.eml``: a resend overwrites the same file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._ready = False

    def path_for(self, message_id: str) -> Path:
        return eml_path(self.folder, message_id)

    async def deliver(self, *, sender: str, recipient: str, raw: bytes, message_id: str) -> str:
        return await asyncio.to_thread(self._write, raw, message_id)

    async def close(self) -> None:
        return None

    def _write(self, raw: bytes, message_id: str) -> str:
        if not self._ready:
            try:
                self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            except OSError as error:
                raise ConnectionProblem(f"cannot create {self.folder}: {error.strerror}") from None
            self._ready = True
        path = self.path_for(message_id)
        try:
            # 0600 whatever the umask (a data package may be attached), through a
            # temporary file and a rename: a reader never sees half a mail.
            write_private_file(path, raw)
        except OSError as error:
            raise ConnectionProblem(f"cannot write {path}: {error.strerror}") from None
        return f"written to {path}"
