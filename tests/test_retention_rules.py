"""The notice's two calendar rules, exact to the day: "two months" and "six years"."""

from datetime import date

import pytest

from store import clock
from store.config import RetentionSettings, load_settings
from store.errors import ConfigError
from store.retention_rules import (
    erasure_due_on,
    financial_year_end,
    is_erasure_due,
    latest_due_end,
    non_customer_closed_before,
    voucher_expired,
    voucher_kept_until,
    vouchers_expired_before,
)
from tests.support.privacy import at

RULES = RetentionSettings()
JUNE_YEAR = RetentionSettings(financial_year_end="06-30")


@pytest.mark.parametrize(
    ("ended", "due"),
    [
        ("2026-01-15 10:00", date(2026, 3, 15)),
        ("2025-12-31 18:00", date(2026, 2, 28)),  # no 31 February: the month's last day
        ("2023-12-31 18:00", date(2024, 2, 29)),  # leap year
        ("2024-02-29 12:00", date(2024, 4, 29)),  # from a leap day
        ("2026-08-31 12:00", date(2026, 10, 31)),
        ("2026-01-31 23:30", date(2026, 3, 31)),  # late evening in Finland: still 31 January
    ],
)
def test_customer_data_is_due_two_calendar_months_after_the_relationship_ends(ended, due):
    assert erasure_due_on(at(ended), RULES) == due


def test_the_day_counts_in_finland_not_in_utc():
    # 00:30 on 1 February in Helsinki is still 31 January in UTC.
    assert erasure_due_on(at("2026-02-01 00:30"), RULES) == date(2026, 4, 1)


@pytest.mark.parametrize(
    ("ended", "now", "due"),
    [
        ("2025-12-31 12:00", "2026-02-27 23:59", False),
        ("2025-12-31 12:00", "2026-02-28 00:00", True),
        ("2025-12-28 12:00", "2026-02-28 00:00", True),
        ("2023-12-31 12:00", "2024-02-28 23:59", False),  # leap year: due on the 29th
        ("2023-12-31 12:00", "2024-02-29 00:01", True),
        ("2026-01-10 12:00", "2026-03-09 23:59", False),
        ("2026-01-10 12:00", "2026-03-10 00:00", True),
    ],
)
def test_erasure_is_due_from_the_first_minute_of_the_due_day(ended, now, due):
    assert is_erasure_due(at(ended), RULES, at(now)) is due
    if due:  # the coarse SQL bound never leaves out a customer that is due
        assert at(ended) <= latest_due_end(RULES, at(now))


def test_the_coarse_bound_covers_every_end_of_a_short_month():
    now = at("2026-04-30 08:00")  # due today: everything ended up to 28 February
    assert is_erasure_due(at("2026-02-28 23:00"), RULES, now)
    assert at("2026-02-28 23:00") <= latest_due_end(RULES, now)


@pytest.mark.parametrize(
    ("purchased", "kept_until"),
    [
        ("2026-01-01 00:00", date(2032, 12, 31)),
        ("2026-12-31 23:59", date(2032, 12, 31)),
        ("2024-02-29 20:00", date(2030, 12, 31)),  # a leap-day receipt
        ("2027-01-01 00:00", date(2033, 12, 31)),
    ],
)
def test_vouchers_are_kept_six_years_from_the_end_of_the_financial_year(purchased, kept_until):
    assert voucher_kept_until(at(purchased), RULES) == kept_until


@pytest.mark.parametrize(
    ("purchased", "kept_until"),
    [
        ("2026-06-30 22:00", date(2032, 12, 31)),  # the year ending 30 June 2026
        ("2026-07-01 08:00", date(2033, 12, 31)),  # the year ending 30 June 2027
    ],
)
def test_a_financial_year_that_is_not_the_calendar_year(purchased, kept_until):
    assert voucher_kept_until(at(purchased), JUNE_YEAR) == kept_until


def test_a_financial_year_ending_on_the_last_day_of_february():
    rules = RetentionSettings(financial_year_end="02-29")
    assert financial_year_end(date(2027, 2, 28), rules) == date(2027, 2, 28)
    assert financial_year_end(date(2027, 3, 1), rules) == date(2028, 2, 29)
    assert financial_year_end(date(2028, 2, 29), rules) == date(2028, 2, 29)


@pytest.mark.parametrize(
    ("now", "expired"),
    [
        ("2032-12-31 23:59", False),
        ("2033-01-01 00:00", True),
    ],
)
def test_a_receipt_of_2026_goes_on_the_first_of_january_2033(now, expired):
    purchased = at("2026-12-31 20:00")
    assert voucher_expired(purchased, RULES, at(now)) is expired
    assert (purchased <= vouchers_expired_before(RULES, at(now))) is expired


def test_a_malformed_financial_year_end_is_a_configuration_error():
    with pytest.raises(ConfigError, match="MM-DD"):
        voucher_kept_until(at("2026-01-01 12:00"), RetentionSettings(financial_year_end="31.12"))


@pytest.mark.parametrize(
    ("now", "closed_up_to"),
    [
        ("2027-03-02 00:30", "2026-03-02"),  # twelve months to the day
        ("2027-02-28 12:00", "2026-02-28"),
        ("2026-02-28 12:00", "2025-02-28"),
        ("2025-02-28 12:00", "2024-02-29"),  # closed on a leap day: due on 28 February
    ],
)
def test_requests_of_people_not_in_the_register_go_after_twelve_months(now, closed_up_to):
    cutoff = non_customer_closed_before(RetentionSettings(), at(now))
    assert clock.local_today(cutoff).isoformat() == closed_up_to
    assert cutoff == clock.end_of_local_day(date.fromisoformat(closed_up_to))


@pytest.mark.parametrize(
    "toml",
    [
        "[retention]\nnon_customer_requests_months = 0\n",
        '[retention]\nnon_customer_requests_months = "12"\n',
        "[retention]\nmonths_after_relationship = -1\n",
        "[retention]\nmail_grace_days = true\n",
    ],
)
def test_a_time_limit_that_is_not_a_whole_number_of_at_least_one_is_refused(tmp_path, toml):
    config = tmp_path / "rekisteri.toml"
    config.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match="retention"):
        load_settings(config, environ={})
