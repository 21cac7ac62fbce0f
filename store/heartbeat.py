"""Small runtime state the mailbot shares with the TUI, kept in ``Setting`` rows.

The mailbot records its last successful fetch; the TUI warns when it is stale, because a
fetcher that silently stops is worse than one that fails loudly.
"""

from __future__ import annotations

from datetime import datetime

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
