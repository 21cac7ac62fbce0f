"""One source of "now" for every rule, so tests and the CLI can move time.

Rules take an optional ``now`` argument; when omitted they ask :func:`now`,
which tests can freeze with :func:`frozen`.  ``REKISTERI_NOW`` (an ISO 8601
instant) freezes the clock for a whole process: the command-line tests use it
to exercise calendar rules without waiting for months to pass.  It is a test hook
only (see :func:`test_hooks_allowed`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

HELSINKI = ZoneInfo("Europe/Helsinki")


def test_hooks_allowed() -> bool:
    """Whether the test suite's hooks work in this process.  ``REKISTERI_NOW`` moves every
    deadline and retention limit, and ``REKISTERI_CHEAP_HASHES`` weakens password hashes
    (:mod:`store.staff`), so the installed program ignores both: they are honoured only
    in a source checkout (beside its test suite) with ``REKISTERI_TESTING=1``, which the
    suite's conftest sets."""
    return os.environ.get("REKISTERI_TESTING") == "1" and _in_source_checkout()


@cache
def _in_source_checkout() -> bool:
    """Whether this is a source checkout with its test suite (looked up once: the sender
    asks for the time several times a mail, and resolving the path took 8 % of its work)."""
    return (Path(__file__).resolve().parents[1] / "tests" / "conftest.py").is_file()


def _system_now() -> datetime:
    fixed = os.environ.get("REKISTERI_NOW")
    if fixed and test_hooks_allowed():
        return parse_instant(fixed)
    return datetime.now(UTC)


_source: Callable[[], datetime] = _system_now


def now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return _source().astimezone(UTC)


def local_today(at: datetime | None = None) -> date:
    """The calendar date in Finland at ``at`` (default: now)."""
    return (at or now()).astimezone(HELSINKI).date()


def end_of_local_day(day: date) -> datetime:
    """The last instant of ``day`` in Finland, as an aware UTC datetime."""
    next_midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=HELSINKI)
    return (next_midnight - timedelta(microseconds=1)).astimezone(UTC)


def start_of_local_day(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=HELSINKI).astimezone(UTC)


def parse_instant(text: str) -> datetime:
    """Parse ISO 8601; a time without an offset is taken as Finnish local time."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=HELSINKI)
    return value.astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with offset, in Finnish local time, for people and scripts alike."""
    if value is None:
        return None
    return value.astimezone(HELSINKI).isoformat(timespec="seconds")


@contextmanager
def frozen(at: datetime) -> Iterator[Callable[[datetime], None]]:
    """Freeze the clock at ``at``; the yielded function moves it."""
    global _source
    current = [at]
    previous = _source

    def move_to(instant: datetime) -> None:
        current[0] = instant

    _source = lambda: current[0]  # noqa: E731 - a closure over the mutable cell
    try:
        yield move_to
    finally:
        _source = previous


def iso_utc(value: datetime) -> str:
    """A stable UTC rendering with microseconds, for hashing."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def to_local_hm(value: datetime) -> str:
    """``14.05`` style local time, as Finnish screens show it."""
    return value.astimezone(HELSINKI).strftime("%H.%M")


def parse_local_day(text: str, today: date | None = None) -> date | None:
    """A calendar day as staff write it: ``4.12.2026``, ``4.12.`` (this year) or ISO
    ``2026-12-04``.  None when it is none of these."""
    text = text.strip()
    today = today or local_today()
    try:
        if "-" in text:
            return date.fromisoformat(text)
        parts = [part for part in text.split(".")]
        if len(parts) == 3 and parts[2] == "":
            parts[2] = str(today.year)
        if len(parts) != 3:
            return None
        day, month, year = (int(part) for part in parts)
        return date(year, month, day)
    except ValueError:
        return None


def received_on(day: date, at: datetime | None = None) -> datetime:
    """When a request made on ``day`` (by phone, at the counter, by letter) counts as
    received: now if it is today, else noon of that day in Finland."""
    current = at or now()
    if day == local_today(current):
        return current
    return datetime.combine(day, time(12), tzinfo=HELSINKI).astimezone(UTC)
