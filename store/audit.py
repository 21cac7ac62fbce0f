"""The audit trail: append-only and hash-chained.

Each event's hash covers its own id, time, actor, action, subjects and payload, and the
previous event's hash.  Changing, removing or inserting a row breaks the chain at that
point, and :func:`verify` names it.  Payloads name customers by customer number only and
must hold no other personal data: erasing a customer then never touches the chain.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from store import clock
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
) -> AuditEvent:
    """Append one event.  Call it inside the transaction that makes the change it records."""
    entry = Entry(action, customer_no, request_reference, payload)
    return _append([entry], actor, at or clock.now())[0]


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
    return len(_append(entries, actor, at or clock.now())) if entries else 0


class AuditHeadMissing(DatabaseError):
    """The chain's head row is gone: nothing may be recorded until it is restored."""


def _append(entries: list[Entry], actor: str, at: datetime) -> list[AuditEvent]:
    """Chain ``entries`` onto the head under its lock.

    Every change in the register writes here, so the statements are prepared once
    (:func:`_statements`) instead of being built by the ORM for each event.
    """
    lock, read, move = _statements()
    with joined_transaction():
        # The UPDATE takes the head row's write lock, so concurrent writers line up.
        database.execute_sql(lock)
        head = database.execute_sql(read).fetchone()
        if head is None:
            raise AuditHeadMissing(
                "the audit trail's head row is missing: nothing can be recorded; "
                "run `rekisteri audit verify` and restore the database from a backup",
                key="audit.head_missing_write",
            )
        last_id, last_hash = head
        events = []
        for entry in entries:
            event = AuditEvent(
                id=last_id + 1,
                at=at,
                actor=actor,
                action=entry.action,
                customer_no=entry.customer_no,
                request_reference=entry.request_reference,
                payload=entry.payload,
                prev_hash=last_hash,
            )
            event.hash = event_hash(event)
            events.append(event)
            last_id, last_hash = event.id, event.hash
        for start in range(0, len(events), 500):
            bulk_insert(AuditEvent, [event.__data__ for event in events[start : start + 500]])
        database.execute_sql(move, (last_id, last_hash))
    return events


def _statements() -> tuple[str, str, str]:
    db = database.obj
    table = f"{db.quote[0]}{AuditHead._meta.table_name}{db.quote[1]}"
    return (
        f"UPDATE {table} SET last_id = last_id WHERE id = 1",
        f"SELECT last_id, last_hash FROM {table} WHERE id = 1",
        f"UPDATE {table} SET last_id = {db.param}, last_hash = {db.param} WHERE id = 1",
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


def write_anchor(path: Path, count: int, tip_hash: str, at: datetime | None = None) -> str:
    """Append ``count:hash`` to the anchor file (made readable by its owner only) and
    return it.  The file lives outside the database: whoever can rewrite the database
    (a staff member on PostgreSQL, a script with the SQLite file) cannot rewrite it too
    unless they also hold the server's account."""
    anchor = f"{count}:{tip_hash}"
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "a", encoding="ascii") as file:
        file.write(f"{clock.iso(at or clock.now())} {anchor}\n")
        file.flush()
        os.fsync(file.fileno())
    return anchor


def read_anchors(path: Path) -> list[tuple[int, str]]:
    """The anchors in the file (none when it does not exist); a line that is not one is
    refused, since a damaged anchor file must not pass for an empty one."""
    if not path.exists():
        return []
    anchors = []
    for number, line in enumerate(path.read_text(encoding="ascii").splitlines(), start=1):
        if not line.strip():
            continue
        anchor = parse_anchor(line.split()[-1])
        if anchor is None:
            raise DatabaseError(
                f"{path}, line {number}: not an anchor",
                key="audit.bad_anchor_file",
                path=str(path),
                line=number,
            )
        anchors.append(anchor)
    return anchors


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
