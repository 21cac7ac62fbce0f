"""The calendar rules of the answer deadline (GDPR Art. 12(3))."""

from datetime import date

import pytest

from store import clock, deadlines


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 15), 1, date(2026, 2, 15)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 12, 31), 1, date(2027, 1, 31)),
        (date(2026, 2, 28), 1, date(2026, 3, 28)),
        (date(2026, 2, 28), 2, date(2026, 4, 28)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 5, 31), -3, date(2026, 2, 28)),
    ],
)
def test_add_months_keeps_the_day_or_clamps_to_the_month_end(day, months, expected):
    assert deadlines.add_months(day, months) == expected


def test_due_date_is_the_same_day_next_month_to_the_end_of_the_finnish_day():
    received = clock.parse_instant("2026-01-31T09:00:00+02:00")
    due = deadlines.due_at(received)
    assert clock.iso(due) == "2026-02-28T23:59:59+02:00"


def test_receipt_late_in_the_finnish_evening_counts_as_that_finnish_day():
    # 23:30 in Helsinki on 31 January is still 31 January (21:30 UTC).
    received = clock.parse_instant("2026-01-31T21:30:00+00:00")
    assert clock.local_today(deadlines.due_at(received)) == date(2026, 2, 28)


def test_due_date_across_the_spring_daylight_saving_change_is_end_of_day_local():
    received = clock.parse_instant("2026-02-28T10:00:00+02:00")
    due = deadlines.due_at(received)
    assert clock.iso(due) == "2026-03-28T23:59:59+02:00"
    later = deadlines.due_at(clock.parse_instant("2026-03-29T10:00:00+03:00"))
    assert clock.iso(later) == "2026-04-29T23:59:59+03:00"


def test_extension_adds_two_months_to_the_original_due_day():
    original = deadlines.due_at(clock.parse_instant("2026-01-31T09:00:00+02:00"))
    assert clock.local_today(deadlines.extended_due_at(original)) == date(2026, 4, 28)


def test_days_left_counts_finnish_calendar_days():
    due = clock.end_of_local_day(date(2026, 3, 17))
    assert deadlines.days_left(due, clock.parse_instant("2026-03-10T23:59:00+02:00")) == 7
    assert deadlines.days_left(due, clock.parse_instant("2026-03-18T00:01:00+02:00")) == -1
    assert not deadlines.is_overdue(due, clock.parse_instant("2026-03-17T23:59:00+02:00"))
    assert deadlines.is_overdue(due, clock.parse_instant("2026-03-18T00:00:00+02:00"))
