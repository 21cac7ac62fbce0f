"""The importer's shortcuts for normalising addresses and numbers give exactly what the full
check gives: the same normalised form, or the same refusal with the same message."""

import random

import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email

from store import customers
from store.customers import normalize_email, normalize_phone
from store.errors import InvalidInput


def outcome(normalise, text):
    try:
        return normalise(text)
    except InvalidInput as error:
        return ("refused", str(error))


def full_phone_parse(text):
    """What normalize_phone gave before its shortcut: phonenumbers on every number."""
    try:
        number = phonenumbers.parse(text, "FI")
    except phonenumbers.NumberParseException:
        return ("refused", f"not a phone number: {text!r}")
    if not phonenumbers.is_possible_number(number):
        return ("refused", f"not a phone number: {text!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def full_email_check(text):
    """What normalize_email gave before its shortcut: email-validator on every address."""
    try:
        return validate_email(text.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        return ("refused", f"not an email address: {text!r} ({error})")


@pytest.fixture
def fresh_caches(monkeypatch):
    monkeypatch.setattr(customers, "_PLAIN_FINNISH_SHAPES", {})
    normalize_phone.cache_clear()
    normalize_email.cache_clear()
    customers._domain_forms.cache_clear()
    yield
    normalize_phone.cache_clear()
    normalize_email.cache_clear()
    customers._domain_forms.cache_clear()


def written_numbers(count, seed):
    """Numbers as people write them: 0, +358 or 00358 and 1 to 18 digits, with spaces and
    dashes anywhere, some starting with 0 after the prefix."""
    rng = random.Random(seed)
    numbers = []
    for _ in range(count):
        text = rng.choice(["0", "+358", "+358 ", "00358", "+3580", "0 "])
        for position in range(rng.randint(1, 18)):
            digit = rng.choice("0123456789" if position else "1234567890")
            text += rng.choice(["", "", "", " ", "-", "  "]) * (position > 0) + digit
        numbers.append(text)
    return numbers


def test_plain_finnish_numbers_normalise_as_phonenumbers_parses_them(fresh_caches):
    numbers = written_numbers(5000, seed=20)
    for text in numbers:
        assert outcome(normalize_phone, text) == full_phone_parse(text), text
    assert customers._PLAIN_FINNISH_SHAPES, "the shortcut was never taken"


@pytest.mark.parametrize(
    "address",
    [
        "a@example.fi",
        "Aino.Virtanen@Example.FI",
        "  aino@example.fi ",
        "POSTMASTER@example.fi",
        "a+tag@example.fi",
        "a..b@example.fi",
        ".a@example.fi",
        "a.@example.fi",
        "a@example",
        "a@-example.fi",
        "a@example.fi.",
        "a@ex..ample.fi",
        "a@ex_ample.fi",
        "a@example.123",
        "a@localhost",
        "a@example.invalid",
        "a@sähköposti.fi",
        "a@SÄHKÖPOSTI.FI",
        "a@xn--shkposti-5za2p.fi",
        "a@e\u0301xample.fi",
        "a@example.fi\u200b",
        "ä@example.fi",
        "a@b@example.fi",
        '"a b"@example.fi',
        "Aino <a@example.fi>",
        "a@[192.0.2.1]",
        "x" * 64 + "@example.fi",
        "x" * 65 + "@example.fi",
        "x" * 200 + "@" + "d" * 40 + ".fi",
        "x" * 60 + "@" + ("d" * 62 + ".") * 3 + "fi",
        "x" * 10 + "@" + ("d" * 62 + ".") * 4 + "fi",
        "x" * 10 + "@" + "d" * 64 + ".fi",
        "x" * 70 + "@" + ("ä" * 50 + ".") * 3 + "fi",
    ],
)
def test_addresses_normalise_as_email_validator_checks_them(fresh_caches, address):
    domain = address.rpartition("@")[2]
    # The domain seen first in another address, then in this one: its cached verdict
    # gives the same as checking the whole address.
    outcome(normalize_email, f"someone.else@{domain}")
    assert outcome(normalize_email, address) == full_email_check(address)


def test_a_domain_is_checked_once_for_all_its_addresses(fresh_caches):
    for number in range(100):
        assert normalize_email(f"Asiakas.{number}@Example.FI") == f"asiakas.{number}@example.fi"
    assert customers._domain_forms.cache_info().misses == 1
