"""The two calendar rules of the privacy notice, exact to the day.

**Customer data** is erased at the latest ``months_after_relationship`` (two) months after
the customer relationship ends: the same day that many months later, or that month's last
day when it has no such day (ended 31 December → due 28 February, 29 in a leap year).
The retention job erases on that day, so "at the latest" holds even though it runs daily.

**Vouchers** (ticket purchases) are kept ``voucher_years`` (six) years from the end of the
calendar year in which the financial year of the purchase ended (Accounting Act 1336/1997,
ch. 2 §10).  The financial year ends on ``financial_year_end`` (``MM-DD``); with a
calendar financial year a purchase of 2026 is kept until 31 December 2032 and deleted on
1 January 2033.  With a financial year ending 30 June, a purchase of 1 July 2026 belongs
to the year ending 30 June 2027 and is kept until 31 December 2033.

**Requests of people not in the register** (no customer linked) are kept, with their mail,
``non_customer_requests_months`` (twelve) months after they closed, as proof of the answer;
on that day they are minimised and their mail redacted.  A quarantined message (it belongs
to no request) goes the same time after it arrived.

Days are Finnish calendar days (the company's), whatever the server's time zone.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

from store import clock
from store.config import RetentionSettings
from store.deadlines import add_months, add_years
from store.errors import ConfigError


def erasure_due_on(relationship_ended_at: datetime, rules: RetentionSettings) -> date:
    """The Finnish day by which a customer whose relationship ended must be erased."""
    return add_months(clock.local_today(relationship_ended_at), rules.months_after_relationship)


def is_erasure_due(
    relationship_ended_at: datetime, rules: RetentionSettings, now: datetime | None = None
) -> bool:
    return clock.local_today(now) >= erasure_due_on(relationship_ended_at, rules)


def latest_due_end(rules: RetentionSettings, now: datetime | None = None) -> datetime:
    """An instant no relationship end that is due today can be later than (for SQL).

    Every end on or before the last day of the month ``months_after_relationship`` before
    today's month may be due; :func:`is_erasure_due` then decides each one exactly.
    """
    earlier = add_months(clock.local_today(now), -rules.months_after_relationship)
    last_day = date(
        earlier.year, earlier.month, calendar.monthrange(earlier.year, earlier.month)[1]
    )
    return clock.end_of_local_day(last_day)


def non_customer_closed_before(rules: RetentionSettings, now: datetime | None = None) -> datetime:
    """Requests closed (quarantined mail received) at or before this instant are past their
    ``non_customer_requests_months`` today (for SQL): the last Finnish day whose date that
    many months later is today or earlier, to its end."""
    today = clock.local_today(now)
    months = rules.non_customer_requests_months
    day = add_months(today, -months)
    while add_months(day + timedelta(days=1), months) <= today:
        day += timedelta(days=1)  # 31 Jan + one month is 28 Feb: the end of January is due
    return clock.end_of_local_day(day)


def financial_year_end(day: date, rules: RetentionSettings) -> date:
    """The last day of the financial year that ``day`` belongs to."""
    month, month_day = _year_end(rules)
    end = _clamped(day.year, month, month_day)
    return end if day <= end else _clamped(day.year + 1, month, month_day)


def voucher_kept_until(purchased_at: datetime, rules: RetentionSettings) -> date:
    """The last day a voucher must be kept: 31 December, six years after its year ended."""
    year_ended = financial_year_end(clock.local_today(purchased_at), rules).year
    return add_years(date(year_ended, 12, 31), rules.voucher_years)


def voucher_expired(
    purchased_at: datetime, rules: RetentionSettings, now: datetime | None = None
) -> bool:
    return clock.local_today(now) > voucher_kept_until(purchased_at, rules)


def vouchers_expired_before(rules: RetentionSettings, now: datetime | None = None) -> datetime:
    """Purchases at or before this instant are past their keeping time today (for SQL).

    The newest expired purchase is the last day of the financial year that ended in the
    calendar year ``voucher_years + 1`` before this one.
    """
    month, month_day = _year_end(rules)
    year = clock.local_today(now).year - rules.voucher_years - 1
    return clock.end_of_local_day(_clamped(year, month, month_day))


def _year_end(rules: RetentionSettings) -> tuple[int, int]:
    try:
        month_text, day_text = rules.financial_year_end.split("-")
        month, month_day = int(month_text), int(day_text)
        date(2000, month, month_day)  # a leap year: 02-29 is a valid setting
    except ValueError:
        raise ConfigError(
            f"retention.financial_year_end must be MM-DD, not {rules.financial_year_end!r}",
            key="error.financial_year_end",
            value=f'"{rules.financial_year_end}"',
        ) from None
    return month, month_day


def _clamped(year: int, month: int, day: int) -> date:
    """``day`` of ``month`` in ``year``, or the month's last day (a year ending 29 Feb)."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))
