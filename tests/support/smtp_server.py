"""A real SMTP server for the tests: aiosmtpd on a free loopback port.

Variants: plain, STARTTLS or implicit TLS (SMTPS) with a certificate from a CA that the test
generates (trustme), and AUTH.  The server records every mail it accepts, with the
connection it came on, whether that was encrypted and who logged in.  It can answer RCPT
with scripted replies (``451`` twice, then accept; ``550`` for one address), drop a
connection after its first mail or
after a DATA it kept, and be stopped and started again on the same port (a
server that is down).
"""

from __future__ import annotations

import email
import email.parser
import email.policy
import socket
import ssl
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes
    peer: Any  # (host, port): one per connection
    encrypted: bool
    user: str | None
    mail_options: tuple[str, ...] = ()

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def headers(self) -> EmailMessage:
        """The headers only (the body left unparsed): a fraction of :attr:`message`'s cost,
        for a test that reads the Message-ID of thousands of mails."""
        parsed = email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(
            self.content
        )
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class RecordingHandler:
    received: list[Received] = field(default_factory=list)
    rcpt_replies: deque[str] = field(default_factory=deque)  # for the next RCPTs, in order
    refuse: dict[str, str] = field(default_factory=dict)  # address -> reply, every time
    one_mail_per_connection: bool = False  # drop the connection at its second MAIL FROM
    refused: int = 0  # RCPTs answered with an error
    drop_after_data: bool = False  # keep the mail, then go without answering the DATA

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        if self.one_mail_per_connection and getattr(session, "delivered", 0):
            assert server.transport is not None
            server.transport.abort()  # gone without a word, as an idle-timed-out server is
            return "421 4.4.2 closing"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        reply = self.refuse.get(address) or (
            self.rcpt_replies.popleft() if self.rcpt_replies else None
        )
        if reply:
            self.refused += 1
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert server.transport is not None
        encrypted = server.transport.get_extra_info("ssl_object") is not None
        user = session.auth_data.login.decode() if session.authenticated else None
        self.received.append(
            Received(
                mail_from=envelope.mail_from or "",
                rcpt_tos=tuple(envelope.rcpt_tos),
                content=envelope.original_content or b"",
                peer=session.peer,
                encrypted=encrypted,
                user=user,
                mail_options=tuple(envelope.mail_options),
            )
        )
        session.delivered = getattr(session, "delivered", 0) + 1  # type: ignore[attr-defined]
        if self.drop_after_data:
            server.transport.abort()  # the mail is kept, the client never hears so
        return f"250 2.0.0 Ok: queued as Q{len(self.received):04d}"


class _QuietController(Controller):
    def factory(self) -> SMTP:
        # AUTH without TLS is what a test of a local relay wants; aiosmtpd warns about it.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return super().factory()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@dataclass
class TlsFiles:
    ca_file: Path
    server_context: ssl.SSLContext


class SmtpServer:
    """One aiosmtpd server; ``url`` is what ``REKISTERI_SMTP`` would be to reach it."""

    def __init__(
        self,
        *,
        starttls: TlsFiles | None = None,
        implicit_tls: TlsFiles | None = None,
        users: dict[str, str] | None = None,
    ) -> None:
        self.handler = RecordingHandler()
        self.port = free_port()
        self.starttls = starttls
        self.implicit_tls = implicit_tls
        self.users = users
        self._controller: Controller | None = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    @property
    def connections(self) -> int:
        return len({mail.peer for mail in self.received})

    def url(self, *, user: str | None = None, password: str | None = None, query: str = "") -> str:
        scheme = "smtps" if self.implicit_tls else "smtp"
        login = f"{user}:{password}@" if user is not None else ""
        tls = self.starttls or self.implicit_tls
        options = [part for part in (query, f"cafile={tls.ca_file}" if tls else "") if part]
        return f"{scheme}://{login}{HOST}:{self.port}" + (
            "?" + "&".join(options) if options else ""
        )

    def start(self) -> SmtpServer:
        options: dict[str, Any] = {}
        if self.starttls:
            options["tls_context"] = self.starttls.server_context
        if self.implicit_tls:
            options["ssl_context"] = self.implicit_tls.server_context
        if self.users is not None:
            # aiosmtpd counts only STARTTLS as TLS; an SMTPS connection is encrypted anyway.
            options.update(
                authenticator=self._authenticate,
                auth_required=True,
                auth_require_tls=bool(self.starttls),
            )
        self._controller = _QuietController(
            self.handler, hostname=HOST, port=self.port, server_hostname="localhost", **options
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if isinstance(auth_data, LoginPassword) and self.users is not None:
            user, password = auth_data.login.decode(), auth_data.password.decode()
            if self.users.get(user) == password:
                return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """A throwaway CA and a server certificate for 127.0.0.1 and localhost."""
    authority = trustme.CA()
    certificate = authority.issue_cert(HOST, "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    ca_file = tmp_path_factory.mktemp("smtp-tls") / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    return TlsFiles(ca_file=ca_file, server_context=context)


@pytest.fixture
def smtp_server_factory() -> Iterator[Callable[..., SmtpServer]]:
    """Start servers with any of the options of :class:`SmtpServer`; all stop at the end."""
    servers: list[SmtpServer] = []

    def start(**options: Any) -> SmtpServer:
        server = SmtpServer(**options).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def smtp_server(smtp_server_factory: Callable[..., SmtpServer]) -> SmtpServer:
    """A plain server: no TLS, no AUTH."""
    return smtp_server_factory()
