"""Small runtime state the mailbot shares with the TUI, kept in ``Setting`` rows.

The mailbot records its last successful fetch; the TUI warns when it is stale, because a
fetcher that silently stops is worse than one that fails loudly.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from store import clock
from store.models import Setting

LAST_FETCH_KEY = "mailbot.last_fetch_at"
LAST_DAILY_KEY = "mailbot.last_daily_on"


def read_state(key: str) -> str | None:
    row = Setting.get_or_none(Setting.key == key)
    return row.value if row else None


def write_state(key: str, value: str) -> None:
    (
        Setting.insert(key=key, value=value)
        .on_conflict(conflict_target=[Setting.key], update={Setting.value: value})
        .execute()
    )


def record_last_fetch(at: datetime | None = None) -> None:
    """The mailbot reached the inbox and fetched what was waiting (ISO 8601)."""
    write_state(LAST_FETCH_KEY, clock.iso(at or clock.now()) or "")


def last_fetch_at() -> datetime | None:
    """When the mailbot last fetched successfully, or None if it never has."""
    value = read_state(LAST_FETCH_KEY)
    if not value:
        return None
    try:
        return clock.parse_instant(value)
    except ValueError:
        return None


def stale_after(poll_seconds: int) -> timedelta:
    """A fetch older than this means the mailbot has stopped: three polls, at least five
    minutes (a running mailbot records one every few seconds, waiting in IDLE or not)."""
    return max(timedelta(minutes=5), timedelta(seconds=3 * poll_seconds))


def mailbot_is_stale(last_fetch: datetime | None, now: datetime, *, poll_seconds: int) -> bool:
    """Whether staff should be warned that mail may not be arriving: the mailbot never
    fetched, or not within :func:`stale_after`."""
    return last_fetch is None or now - last_fetch > stale_after(poll_seconds)


def states_starting(prefix: str) -> dict[str, str]:
    """Every state whose key starts with ``prefix`` (e.g. one per mailbot process)."""
    rows = Setting.select().where(Setting.key.startswith(prefix))
    return {row.key: row.value for row in rows}


def clear_state(key: str) -> None:
    Setting.delete().where(Setting.key == key).execute()
