"""The audit trail: append-only and hash-chained.

Each event's hash covers its own id, time, actor, action, subjects and payload, and the
previous event's hash.  Changing, removing or inserting a row breaks the chain at that
point, and :func:`verify` names it.  Payloads name customers by customer number only and
must hold no other personal data: erasing a customer then never touches the chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from store import clock, prepared
from store.db import bulk_insert, joined_transaction
from store.errors import DatabaseError
from store.models import AuditEvent, AuditHead, database

GENESIS_HASH = "0" * 64

SYSTEM_ACTORS = ("@mailbot", "@retention", "@cli", "@system")
"""Actors that are not staff; staff names never start with '@'."""


def record(
    action: str,
    actor: str,
    *,
    customer_no: str | None = None,
    request_reference: str | None = None,
    at: datetime | None = None,
    **payload: Any,
) -> None:
    """Append one event.  Call it inside the transaction that makes the change it records
    (inside :func:`gathered`, the event is appended when the block ends)."""
    entry = Entry(action, customer_no, request_reference, payload)
    _append([_Pending(entry, actor, at or clock.now())])


@dataclass(frozen=True)
class Entry:
    """One event for :func:`record_many`."""

    action: str
    customer_no: str | None = None
    request_reference: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)


def record_many(entries: list[Entry], actor: str, *, at: datetime | None = None) -> int:
    """Append many events at once (a retention run: one per erased customer), chained
    exactly as :func:`record` chains them, with one lock and bulk inserts."""
    when = at or clock.now()
    _append([_Pending(entry, actor, when) for entry in entries])
    return len(entries)


@contextmanager
def gathered() -> Iterator[None]:
    """The events recorded in the block are appended together when it ends: one move of
    the chain's head for all of them, not one each (the mailbot gathers a batch's mail).
    Use it inside the transaction or savepoint that holds the block's changes: an error in
    the block drops its events, as the caller's rollback undoes the changes they record.
    A block inside another hands its events to the outer one when it ends.  Each event is
    dated when it was recorded (no earlier than the event it follows)."""
    pending: list[_Pending] = []
    token = _gathering.set(pending)
    try:
        yield
    finally:
        _gathering.reset(token)
    _append(pending)  # to the outer block's, if there is one


class AuditHeadMissing(DatabaseError):
    """The chain's head row is gone: nothing may be recorded until it is restored."""


FEW_EVENTS = 8
"""Up to this many events of one append go in as single INSERTs; more, in bulk."""


@dataclass(frozen=True)
class _Pending:
    """An event to append: its entry, who, and when."""

    entry: Entry
    actor: str
    at: datetime


_gathering: ContextVar[list[_Pending] | None] = ContextVar("audit_gathering", default=None)

_head_guess: tuple[int, str, datetime] | None = None
"""Where this process last left the head (the last event's id, hash and time): the next
append checks it and moves the head in one statement (a compare-and-swap), and only looks
again when it was wrong."""


def _append(pending: list[_Pending]) -> None:
    """Chain ``pending`` onto the head under its lock (or, inside :func:`gathered`, keep
    them for the block's end).

    Every change in the register writes here, so the statements are prepared once
    (:func:`_statements`) instead of being built by the ORM for each event.  The head is
    first guessed (where this process left it): ``UPDATE … WHERE`` the head is still there
    both locks the row and moves it, and a wrong guess (another process wrote since, or a
    rollback undid what this one wrote) changes nothing and the head is read under the lock
    as before.  Either way the events chain onto the head the database holds.

    No event is dated before the one it follows: an act that waited for the chain (held by
    another writer's transaction) or was gathered while others wrote is dated as the event
    before it, not earlier (``verify`` calls time running backwards tampering).
    """
    global _head_guess
    kept = _gathering.get()
    if kept is not None:
        kept.extend(pending)
        return
    if not pending:
        return
    lock_and_read, move, move_from = _statements()
    with joined_transaction():
        guess = _head_guess
        events: list[AuditEvent] = []
        if guess is not None:
            events = _chained(pending, *guess)
            last = events[-1]
            moved = database.execute_sql(move_from, (last.id, last.hash, guess[0], guess[1]))
            if moved.rowcount != 1:
                events = []
        if not events:
            # The UPDATE takes the head row's write lock, so concurrent writers line up,
            # and returns the head it locked (one round trip).
            head = database.execute_sql(lock_and_read).fetchone()
            if head is None:
                raise AuditHeadMissing(
                    "the audit trail's head row is missing: nothing can be recorded; "
                    "run `rekisteri audit verify` and restore the database from a backup",
                    key="audit.head_missing_write",
                )
            last_id, last_hash = head
            events = _chained(pending, last_id, last_hash, _time_of(last_id))
            database.execute_sql(move, (events[-1].id, events[-1].hash))
        if len(events) <= FEW_EVENTS:
            for event in events:  # one INSERT, built once (a COPY or executemany costs more)
                prepared.insert(event)
        else:
            for start in range(0, len(events), 500):
                bulk_insert(AuditEvent, [event.__data__ for event in events[start : start + 500]])
        _head_guess = (events[-1].id, events[-1].hash, events[-1].at)


_TIME_OF = prepared.Prepared(
    lambda slot: AuditEvent.select(AuditEvent.at).where(AuditEvent.id == slot(AuditEvent.id))
)


def _time_of(event_id: int) -> datetime | None:
    """When event ``event_id`` was recorded (None: the chain is empty, or it is gone, which
    :func:`verify` names)."""
    event = _TIME_OF.first(event_id) if event_id else None
    return event.at if event is not None else None


def _chained(
    pending: list[_Pending],
    last_id: int,
    last_hash: str,
    last_at: datetime | None,
) -> list[AuditEvent]:
    """``pending`` as events chained after the event ``last_id`` of hash ``last_hash`` and
    time ``last_at``; each dated when it was recorded, but never before the event before
    it."""
    events = []
    for item in pending:
        at = item.at if last_at is None or item.at >= last_at else last_at
        event = AuditEvent(
            id=last_id + 1,
            at=at,
            actor=item.actor,
            action=item.entry.action,
            customer_no=item.entry.customer_no,
            request_reference=item.entry.request_reference,
            payload=item.entry.payload,
            prev_hash=last_hash,
        )
        event.hash = event_hash(event)
        events.append(event)
        last_id, last_hash, last_at = event.id, event.hash, at
    return events


def _statements() -> tuple[str, str, str]:
    """Lock and read the head (``UPDATE … RETURNING``: SQLite 3.35 and PostgreSQL), move
    it, and move it from where it is guessed to be."""
    db = database.obj
    table = f"{db.quote[0]}{AuditHead._meta.table_name}{db.quote[1]}"
    param = db.param
    return (
        f"UPDATE {table} SET last_id = last_id WHERE id = 1 RETURNING last_id, last_hash",
        f"UPDATE {table} SET last_id = {param}, last_hash = {param} WHERE id = 1",
        f"UPDATE {table} SET last_id = {param}, last_hash = {param} "
        f"WHERE id = 1 AND last_id = {param} AND last_hash = {param}",
    )


def event_hash(event: AuditEvent) -> str:
    body = json.dumps(
        [
            event.id,
            clock.iso_utc(event.at),
            event.actor,
            event.action,
            event.customer_no,
            event.request_reference,
            event.payload,
            event.prev_hash,
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


PROBLEMS = {
    "missing": "event {id} is missing (removed)",
    "out_of_order": "event {id} does not follow the event before it (inserted or reordered)",
    "altered": "event {id} was altered",
    "truncated": "events from {id} on were removed",
    "head_missing": "the head of the chain is missing (removed or rewound)",
    "time_backwards": "event {id} is dated before the event before it",
    "not_expected": "event {id} is not the one the anchor names (the chain was rewritten or cut)",
}


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str = ""  # one of PROBLEMS
    tip_hash: str = ""  # the hash of the newest event: with ``checked``, the anchor

    def describe(self) -> str:
        if self.ok:
            return f"{self.checked} events, the chain is intact"
        return PROBLEMS[self.problem].format(id=self.first_bad_id)


def verify(
    batch_size: int = 5000,
    *,
    expect: tuple[int, str] | None = None,
    anchors: Iterable[tuple[int, str]] = (),
) -> VerifyResult:
    """Walk the chain from the start; report the first event altered, removed or inserted.

    ``expect`` and ``anchors`` are anchors kept outside the database (``count:hash`` of
    the tip, as the mailbot writes one a day to the anchor file and ``audit verify``
    prints it): event ``count`` must still carry that hash.  Without an anchor, a writer of
    the database who recomputes every later hash and the head cannot be caught; with one,
    nothing up to the anchor can be rewritten or cut without verify failing.
    """
    wanted = dict(anchors)
    if expect is not None:
        wanted[expect[0]] = expect[1]
    expected_prev = GENESIS_HASH
    expected_id = 1
    checked = 0
    previous_at = None
    for event in _events(batch_size):
        if event.id != expected_id:
            return VerifyResult(False, checked, expected_id, "missing")
        if event.prev_hash != expected_prev:
            return VerifyResult(False, checked, event.id, "out_of_order")
        if event_hash(event) != event.hash:
            return VerifyResult(False, checked, event.id, "altered")
        if previous_at is not None and event.at < previous_at:
            return VerifyResult(False, checked, event.id, "time_backwards")
        if event.id in wanted and event.hash != wanted[event.id]:
            return VerifyResult(False, checked, event.id, "not_expected")
        previous_at = event.at
        expected_prev = event.hash
        expected_id += 1
        checked += 1
    if wanted and checked < max(wanted):
        return VerifyResult(False, checked, checked + 1, "not_expected")
    head = AuditHead.get_or_none(AuditHead.id == 1)
    if head is None:
        return VerifyResult(False, checked, checked + 1, "head_missing")
    if checked > head.last_id:  # rows appended behind the trail's back
        return VerifyResult(False, checked, head.last_id + 1, "out_of_order")
    if checked < head.last_id or head.last_hash != expected_prev:
        return VerifyResult(False, checked, checked + 1, "truncated")
    return VerifyResult(True, checked, tip_hash=expected_prev)


ANCHOR_KEY_BYTES = 32


def anchor_key(path: Path, *, create: bool = False) -> bytes | None:
    """The key that seals the anchors (HMAC-SHA256), kept outside the database in a file
    only its owner can read: 32 random bytes as hex.  None when there is no key file and
    ``create`` is false; with ``create``, a missing key is made (the mailbot does, with
    its first anchor).  A key file that others can read, or that is not a key, is refused."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        if not create:
            return None
        key = secrets.token_bytes(ANCHOR_KEY_BYTES)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another mailbot made it a moment ago: use that one
            return anchor_key(path)
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(key.hex() + "\n")
            file.flush()
            os.fsync(file.fileno())
        return key
    if mode & 0o077:
        raise DatabaseError(
            f"{path} can be read by other users of this machine: run `chmod 600 {path}`",
            key="audit.key_readable",
            path=str(path),
        )
    text = path.read_text(encoding="ascii", errors="replace").strip()
    if len(text) != 2 * ANCHOR_KEY_BYTES or not re.fullmatch(r"[0-9a-f]+", text):
        raise DatabaseError(f"{path} is not an anchor key", key="audit.bad_key", path=str(path))
    return bytes.fromhex(text)


def seal(key: bytes, written: str) -> str:
    """The HMAC of an anchor line's time and anchor (``TIME COUNT:HASH``): only the holder
    of the key can write a line whose seal holds."""
    return hmac.new(key, written.encode("utf-8"), hashlib.sha256).hexdigest()


def write_anchor(
    path: Path,
    count: int,
    tip_hash: str,
    at: datetime | None = None,
    *,
    key: bytes | None = None,
) -> str:
    """Append ``TIME COUNT:HASH`` (and, with ``key``, its seal) to the anchor file (made
    readable by its owner only) and return the line.  The file lives outside the
    database: whoever can rewrite the database (a staff member on PostgreSQL, a script
    with the SQLite file) cannot rewrite it too unless they also hold the server's
    account, and cannot write a line that passes unless they also hold the key."""
    line = f"{clock.iso(at or clock.now())} {count}:{tip_hash}"
    if key is not None:
        line = f"{line} {seal(key, line)}"
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "a", encoding="ascii") as file:
        file.write(line + "\n")
        file.flush()
        os.fsync(file.fileno())
    return line


@dataclass(frozen=True)
class Anchors:
    """What the anchor file says: the anchors, and how many of its lines carry a seal
    (checked when the key was at hand, else ``seals_unchecked``)."""

    anchors: list[tuple[int, str]] = field(default_factory=list)
    sealed: int = 0
    seals_unchecked: bool = False


def read_anchors(path: Path, key: bytes | None = None) -> Anchors:
    """The anchors in the file (none when it does not exist).  A line that is not one is
    refused, since a damaged anchor file must not pass for an empty one.  With ``key``, so
    is a line whose seal does not hold, an unsealed line after a sealed one, and a file
    with no sealed line at all: each was written, or rewritten, by someone without the
    key.  (Lines written before the key existed carry no seal.)"""
    if not path.exists():
        return Anchors()
    anchors = []
    sealed = 0
    for number, line in enumerate(
        path.read_text(encoding="ascii", errors="replace").splitlines(), start=1
    ):
        if not line.strip():
            continue
        fields = line.split()
        anchor = parse_anchor(fields[1]) if len(fields) in (2, 3) else None
        if anchor is None:
            raise DatabaseError(
                f"{path}, line {number}: not an anchor",
                key="audit.bad_anchor_file",
                path=str(path),
                line=number,
            )
        written_seal = fields[2] if len(fields) == 3 else ""
        # Lines written before the key existed carry no seal; none may follow a sealed one.
        if written_seal or sealed:
            expected = seal(key, f"{fields[0]} {fields[1]}") if key is not None else ""
            if key is not None and not hmac.compare_digest(
                written_seal.encode("utf-8"), expected.encode("utf-8")
            ):
                raise DatabaseError(
                    f"{path}, line {number}: the seal does not hold",
                    key="audit.bad_seal",
                    path=str(path),
                    line=number,
                )
        sealed += bool(written_seal)
        anchors.append(anchor)
    if key is not None and anchors and not sealed:
        raise DatabaseError(
            f"{path}: no line is sealed although the key exists",
            key="audit.bad_seal",
            path=str(path),
            line=len(anchors),
        )
    return Anchors(anchors, sealed, seals_unchecked=key is None and sealed > 0)


def parse_anchor(text: str) -> tuple[int, str] | None:
    """``COUNT:HASH`` (a 64-digit hex SHA-256) as a pair, or None."""
    count, _, tip_hash = text.strip().partition(":")
    if not count.isdigit() or not re.fullmatch(r"[0-9a-fA-F]{64}", tip_hash):
        return None
    return int(count), tip_hash.lower()


def _events(batch_size: int) -> Iterator[AuditEvent]:
    last_id = 0
    while True:
        batch = list(
            AuditEvent.select()
            .where(AuditEvent.id > last_id)
            .order_by(AuditEvent.id)
            .limit(batch_size)
        )
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id


def trail(
    *, customer_no: str | None = None, request_reference: str | None = None, limit: int = 500
) -> list[AuditEvent]:
    """Events about a customer or a request, newest first."""
    query = AuditEvent.select().order_by(AuditEvent.id.desc()).limit(limit)
    if customer_no is not None:
        query = query.where(AuditEvent.customer_no == customer_no)
    if request_reference is not None:
        query = query.where(AuditEvent.request_reference == request_reference)
    return list(query)
