"""Calendar rules: the one-month answer deadline, its extension, and "n months/years later".

"One month from receipt" is the same day of the next month, or that month's last day
when it has no such day (31 January → 28 or 29 February).  The deadline runs to the end
of that day in Finland.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime

from store import clock

ANSWER_MONTHS = 1
EXTENSION_MONTHS = 2


def add_months(day: date, months: int) -> date:
    """Same day ``months`` later (or earlier), clamped to the last day of the target month."""
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last_day))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def due_at(received_at: datetime) -> datetime:
    """The answer deadline: the end of the same day next month, in Finnish time."""
    received_day = clock.local_today(received_at)
    return clock.end_of_local_day(add_months(received_day, ANSWER_MONTHS))


def extended_due_at(original_due_at: datetime) -> datetime:
    """Two further months on top of the original deadline."""
    due_day = clock.local_today(original_due_at)
    return clock.end_of_local_day(add_months(due_day, EXTENSION_MONTHS))


def days_left(due: datetime, now: datetime | None = None) -> int:
    """Whole days from today to the due day, in Finland; negative when overdue."""
    return (clock.local_today(due) - clock.local_today(now)).days


def is_overdue(due: datetime, now: datetime | None = None) -> bool:
    return (now or clock.now()) > due
