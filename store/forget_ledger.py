"""The forget ledger: what a restore from an older backup must do again.

Every erasure (on request, by staff or by the retention rules), marketing objection,
consent withdrawal, restriction, lifted restriction and rectification is also written
here, by customer number and without other readable personal data, to a small
append-only file kept outside the database and outside the backups.  A restore replays the
entries made after its backup was taken (:func:`store.backup.replay`), so restoring
never brings an erased person back, resumes marketing to someone who objected, or undoes
a restriction or a correction.

The file is JSON lines, mode 0600, each line chained to the one before by SHA-256 (an
edited, removed or reordered line breaks the chain, and a restore refuses a broken
ledger).  A rectification's new values are the only personal data an entry needs; they
are sealed to the backup recipient key (:func:`store.encryption.seal`), so only the
controller's identity key, at restore time, can read them.

An entry is written *before* the transaction of its act commits (under the same
database lock): a crash between the two leaves an entry for an act that did not happen,
never an act without its entry.  Replaying such an entry does what the person asked for
(an erasure, a withdrawal) and is harmless; every replay step is idempotent.

Processes sharing the file (the mailbot, the desks, the command line on one server)
take an exclusive ``flock`` for each append.  On PostgreSQL with desks on several
machines, point ``backup.ledger_file`` at one shared path.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from store import clock
from store.encryption import Recipient, seal

if TYPE_CHECKING:
    from store.config import Settings
from store.errors import InvalidInput

GENESIS = "0" * 64
PG_LOCK_KEY = 4242002
"""PostgreSQL advisory lock: an act holds it shared from its entry to its commit, a backup
takes it exclusively while it reads the ledger's position and takes its snapshot."""


class Act(StrEnum):
    """What an entry records; the replay knows each."""

    STARTED = "ledger.started"
    ERASED = "customer.erased"
    CONSENT_WITHDRAWN = "consent.withdrawn"
    SUPPRESSED = "marketing.suppressed"
    RESTRICTED = "restriction.applied"
    LIFTED = "restriction.lifted"
    RECTIFIED = "customer.rectified"


@dataclass(frozen=True)
class Entry:
    seq: int
    at: datetime
    act: Act
    customer_no: str | None
    details: dict[str, Any] = field(default_factory=dict)
    prev: str = GENESIS
    hash: str = ""

    def as_line(self) -> str:
        return json.dumps(
            {
                "seq": self.seq,
                "at": clock.iso_utc(self.at),
                "act": str(self.act),
                "customer_no": self.customer_no,
                "details": self.details,
                "prev": self.prev,
                "hash": self.hash,
            },
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )


@dataclass(frozen=True)
class Position:
    """How far the ledger went: its newest entry's number and hash (a backup keeps it)."""

    seq: int
    hash: str


class LedgerDamaged(InvalidInput):
    """The ledger's chain is broken: a line was edited, removed or reordered."""


def entry_hash(
    seq: int, at: str, act: str, customer_no: str | None, details: dict[str, Any], prev: str
) -> str:
    body = json.dumps(
        [seq, at, act, customer_no, details, prev],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- the process's ledger


@dataclass
class _Configured:
    path: Path
    recipient: Recipient | None
    recipient_file: Path | None = None
    """Read at the first rectification, not when every command opens the database."""

    def sealing_key(self) -> Recipient | None:
        if self.recipient is None and self.recipient_file is not None:
            from store.encryption import load_recipient

            with suppress(InvalidInput):  # an unreadable key is reported by ``backup create``
                self.recipient = load_recipient(self.recipient_file)
            self.recipient_file = None
        return self.recipient


_ledger: _Configured | None = None
_suspended = threading.local()


def configure(
    path: Path | None, recipient: Recipient | None = None, *, recipient_file: Path | None = None
) -> None:
    """Where this process writes its entries (None: nowhere, as in unit tests), and the key
    that seals a rectification's new values (or the file it is read from when first needed).
    The command line calls it when it opens the database."""
    global _ledger
    _ledger = None if path is None else _Configured(path, recipient, recipient_file)


def configure_from_settings(settings: Settings) -> None:
    """The ledger of ``backup.ledger_file``; rectifications sealed to ``backup.recipient_file``
    when one is set (an unreadable key is reported by ``backup create``, not by every act)."""
    recipient_file = settings.backup.recipient_file
    configure(
        Path(settings.backup.ledger_file),
        recipient_file=Path(recipient_file) if recipient_file else None,
    )


def configured_path() -> Path | None:
    return _ledger.path if _ledger else None


@contextmanager
def suspended() -> Iterator[None]:
    """No entries while a restore replays the ledger: its acts are already in it."""
    _suspended.active = True
    try:
        yield
    finally:
        _suspended.active = False


def note(act: Act, customer_no: str | None = None, **details: Any) -> Entry | None:
    """Append one entry for an act about to be committed (no-op when not configured)."""
    if _ledger is None or getattr(_suspended, "active", False):
        return None
    _hold_until_commit()
    return append(_ledger.path, act, customer_no, details)


def _hold_until_commit() -> None:
    """Keep a backup from taking its snapshot between this entry and its act's commit.

    On SQLite the act's transaction already holds the write lock (call :func:`note` after
    the act's first write), which a backup waits for; on PostgreSQL a shared advisory lock
    held to the end of the transaction does the same."""
    import peewee

    from store.models.base import database

    if isinstance(database.obj, peewee.PostgresqlDatabase):
        database.execute_sql("SELECT pg_advisory_xact_lock_shared(%s)", (PG_LOCK_KEY,))


def note_rectification(customer_no: str, new_values: dict[str, str]) -> Entry | None:
    """A rectification: the fields by name, their new values sealed to the backup key (or
    left out when no key is configured: the restore then lists the fields to check)."""
    if _ledger is None or getattr(_suspended, "active", False):
        return None
    details: dict[str, Any] = {"fields": sorted(new_values)}
    recipient = _ledger.sealing_key()
    if recipient is not None:
        plain = json.dumps(new_values, ensure_ascii=False, sort_keys=True).encode("utf-8")
        details["sealed"] = seal(plain, recipient)
    return note(Act.RECTIFIED, customer_no, **details)


# ---------------------------------------------------------------- the file


def append(
    path: Path,
    act: Act,
    customer_no: str | None,
    details: dict[str, Any],
    at: datetime | None = None,
) -> Entry:
    """Append an entry under an exclusive lock, chained to the newest one; a new file
    starts with a :attr:`Act.STARTED` entry that dates the ledger's beginning."""
    at = at or clock.now()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        os.fchmod(descriptor, 0o600)
        tip = _tip(descriptor)
        lines = []
        if tip is None:
            tip = _make(0, at, Act.STARTED, None, {}, GENESIS)
            lines.append(tip.as_line())
        entry = _make(tip.seq + 1, at, act, customer_no, details, tip.hash)
        lines.append(entry.as_line())
        os.write(descriptor, ("\n".join(lines) + "\n").encode("utf-8"))
        os.fsync(descriptor)
        return entry
    finally:
        os.close(descriptor)  # closing releases the lock


def start(path: Path) -> Position:
    """Make the ledger if it does not exist yet (``rekisteri init``, the first backup), so
    its start is not later than the first backup; its current position."""
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            if _tip(descriptor) is None:
                first = _make(0, clock.now(), Act.STARTED, None, {}, GENESIS)
                os.write(descriptor, (first.as_line() + "\n").encode("utf-8"))
                os.fsync(descriptor)
        finally:
            os.close(descriptor)
    now = position(path)
    if now is None:  # only if another process emptied the file meanwhile
        raise LedgerDamaged(
            f"the forget ledger {path} is empty", key="backup.ledger_damaged", where=f" ({path})"
        )
    return now


def _make(
    seq: int, at: datetime, act: Act, customer_no: str | None, details: dict[str, Any], prev: str
) -> Entry:
    digest = entry_hash(seq, clock.iso_utc(at), str(act), customer_no, details, prev)
    return Entry(seq, at, act, customer_no, details, prev, digest)


def _tip(descriptor: int) -> Entry | None:
    """The newest whole entry; a torn last line (a process killed while writing it, before
    its act committed) is cut off."""
    size = os.fstat(descriptor).st_size
    if size == 0:
        return None
    start = max(0, size - 65536)
    tail = os.pread(descriptor, size - start, start)
    if not tail.endswith(b"\n"):
        cut = tail.rfind(b"\n")
        keep = start + cut + 1 if cut >= 0 else start
        os.ftruncate(descriptor, keep)
        tail = tail[: cut + 1] if cut >= 0 else b""
        if keep == 0:
            return None
    lines = tail.rstrip(b"\n").split(b"\n")
    return _parse(lines[-1].decode("utf-8"), line_no=None)


def _parse(line: str, line_no: int | None) -> Entry:
    where = f" (line {line_no})" if line_no else ""
    try:
        data = json.loads(line)
        return Entry(
            seq=int(data["seq"]),
            at=clock.parse_instant(data["at"]),
            act=Act(data["act"]),
            customer_no=data["customer_no"],
            details=dict(data["details"]),
            prev=str(data["prev"]),
            hash=str(data["hash"]),
        )
    except (ValueError, KeyError, TypeError):
        raise LedgerDamaged(
            f"the forget ledger is damaged{where}", key="backup.ledger_damaged", where=where
        ) from None


def read(path: Path) -> list[Entry]:
    """Every entry, the chain checked from the start (:class:`LedgerDamaged` if broken)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    entries: list[Entry] = []
    previous = GENESIS
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        entry = _parse(line, number)
        expected = entry_hash(
            entry.seq,
            clock.iso_utc(entry.at),
            str(entry.act),
            entry.customer_no,
            entry.details,
            entry.prev,
        )
        if entry.seq != len(entries) or entry.prev != previous or entry.hash != expected:
            where = f" (line {number})"
            raise LedgerDamaged(
                f"the forget ledger is damaged{where}", key="backup.ledger_damaged", where=where
            )
        entries.append(entry)
        previous = entry.hash
    return entries


def position(path: Path) -> Position | None:
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH)
        size = os.fstat(descriptor).st_size
        start = max(0, size - 65536)
        tail = os.pread(descriptor, size - start, start)
    finally:
        os.close(descriptor)
    lines = [line for line in tail.split(b"\n") if line.strip()]
    if not lines:
        return None
    entry: Entry | None
    try:
        entry = _parse(lines[-1].decode("utf-8"), None)
    except LedgerDamaged:  # a torn last line, being written or left by a killed writer
        entry = _parse(lines[-2].decode("utf-8"), None) if len(lines) > 1 else None
    return Position(entry.seq, entry.hash) if entry else None
