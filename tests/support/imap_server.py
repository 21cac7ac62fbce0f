"""A real IMAP server for the mailbot tests: Dovecot, or pymap where Dovecot is missing.

Dovecot (``dovecot-imapd``) runs as root from a throwaway configuration on a free loopback
port.  It refuses to run its login processes as root, so they run as ``dovenull``, its
internal processes as ``dovecot``, and every mail user as ``nobody:nogroup`` (a static
userdb) in a mail folder owned by nobody.  Without Dovecot (or without root) the fixture
starts ``pymap`` instead, so a bare ``pytest`` still runs the IMAP tests; the few tests
that need what only Dovecot does (a restart that keeps the mail, a new UIDVALIDITY) skip.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from imapclient import IMAPClient

USER = "tietosuoja"
PASSWORD = "salasana-123"
START_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def dovecot_available() -> bool:
    """Dovecot installed and we are root; ``REKISTERI_TEST_IMAP=pymap`` tries the fallback."""
    if os.environ.get("REKISTERI_TEST_IMAP") == "pymap":
        return False
    return shutil.which("dovecot") is not None and os.geteuid() == 0


@dataclass
class ImapServer:
    """A running IMAP server with one user; ``url`` is what ``REKISTERI_INBOX`` takes."""

    root: Path
    port: int
    kind: str  # "dovecot" or "pymap"
    tls_files: tuple[Path, Path] | None = None  # certificate chain, key: STARTTLS required
    ca_file: Path | None = None  # the CA the client trusts for that certificate
    capabilities: Sequence[str] | None = None  # replaces what Dovecot announces
    imaps_port: int = 0
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    # ------------------------------------------------------------ addresses

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def url(self, folder: str = "INBOX", scheme: str = "imap") -> str:
        return f"{scheme}://{USER}:{PASSWORD}@{self.host}:{self.port}/{folder}"

    @property
    def config_path(self) -> Path:
        return self.root / "dovecot.conf"

    # ------------------------------------------------------------ life cycle

    def start(self) -> None:
        if self.kind == "dovecot":
            self._write_dovecot_config()
            command = ["dovecot", "-F", "-c", str(self.config_path)]
        else:
            pymap = shutil.which("pymap") or str(Path(sys.executable).parent / "pymap")
            command = [
                pymap,
                "--host",
                self.host,
                "--port",
                str(self.port),
                "--no-tls",
                "dict",
                "--demo-user",
                USER,
                "--demo-password",
                PASSWORD,
            ]
        log = (self.root / "server.log").open("ab")
        self.process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} exited: {self.log_text()[-2000:]}")
            try:
                with self.client() as client:
                    client.noop()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.kind} did not start: {self.log_text()[-2000:]}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        # The whole process group: a stopped server drops its clients' connections too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        if self.kind == "dovecot":
            # The master's children (login, imap) may linger a moment after it exits.
            _wait_port_free(self.port)

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_text(self) -> str:
        path = self.root / "server.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        dovecot_log = self.root / "dovecot.log"
        if dovecot_log.exists():
            text += dovecot_log.read_text(errors="replace")
        return text

    # ------------------------------------------------------------ mail

    @contextlib.contextmanager
    def client(self, folder: str | None = None) -> Iterator[IMAPClient]:
        client = IMAPClient(self.host, self.port, ssl=False, timeout=30)
        try:
            if self.tls_files is not None:
                client.starttls(ssl.create_default_context(cafile=str(self.ca_file)))
            client.login(USER, PASSWORD)
            if folder:
                client.select_folder(folder)
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.logout()

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        with self.client() as client:
            client.append(folder, raw)

    def append_many(self, messages: Sequence[bytes], folder: str = "INBOX") -> None:
        with self.client() as client:
            for raw in messages:
                client.append(folder, raw)

    def uids_and_flags(self, folder: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
        with self.client() as client:
            if not client.folder_exists(folder):
                return {}
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            return {uid: data[b"FLAGS"] for uid, data in client.fetch(uids, ["FLAGS"]).items()}

    def uidvalidity(self, folder: str = "INBOX") -> int:
        with self.client() as client:
            return int(client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"])

    def change_uidvalidity(self, folder: str = "INBOX") -> int:
        """Give the mailbox a new UIDVALIDITY, as a server rebuild or migration does."""
        if self.kind != "dovecot":
            pytest.skip("changing UIDVALIDITY needs Dovecot")
        new_value = self.uidvalidity(folder) + 1000
        subprocess.run(
            [
                "doveadm",
                "-c",
                str(self.config_path),
                "mailbox",
                "update",
                "-u",
                USER,
                "--uid-validity",
                str(new_value),
                folder,
            ],
            check=True,
            capture_output=True,
        )
        return new_value

    # ------------------------------------------------------------ Dovecot

    def _write_dovecot_config(self) -> None:
        for name in ("run", "state", "mail"):
            (self.root / name).mkdir(exist_ok=True)
        nobody = pwd.getpwnam("nobody").pw_uid
        nogroup = grp.getgrnam("nogroup").gr_gid
        os.chown(self.root / "mail", nobody, nogroup)
        tls = "no"
        tls_lines = ""
        if self.tls_files is not None:
            cert, key = self.tls_files
            tls = "required"
            tls_lines = f"ssl_cert = <{cert}\nssl_key = <{key}\n"
        capability_line = ""
        if self.capabilities is not None:
            capability_line = f"imap_capability = {' '.join(self.capabilities)}\n"
        self.config_path.write_text(f"""\
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
protocols = imap
listen = {self.host}
ssl = {tls}
{tls_lines}disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = dovenull
default_internal_user = dovecot
mail_location = maildir:{self.root}/mail/%u
first_valid_uid = 1
{capability_line}passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={self.root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = {self.host}
    port = {self.port}
  }}
  inet_listener imaps {{
    address = {self.host}
    port = {self.imaps_port}
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
protocol imap {{
  mail_max_userip_connections = 50
}}
""")


def _wait_port_free(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return
        time.sleep(0.05)


@contextlib.contextmanager
def running_imap_server(**options: object) -> Iterator[ImapServer]:
    """Start a server in a throwaway folder that nobody and dovenull can reach."""
    root = Path(tempfile.mkdtemp(prefix="rekisteri-imap-"))
    root.chmod(0o755)
    kind = "dovecot" if dovecot_available() else "pymap"
    server = ImapServer(root=root, port=free_port(), kind=kind, **options)  # type: ignore[arg-type]
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap_server() -> Iterator[ImapServer]:
    """A fresh IMAP server (Dovecot, or pymap) with an empty INBOX for ``USER``."""
    with running_imap_server() as server:
        yield server


@pytest.fixture
def dovecot_server() -> Iterator[ImapServer]:
    """Dovecot only: for what needs its persistence (restarts, UIDVALIDITY changes)."""
    if not dovecot_available():
        pytest.skip("needs Dovecot (dovecot-imapd) running as root")
    with running_imap_server() as server:
        yield server
