"""Customers: normalising what identifies them, finding them, matching a request to them."""

from __future__ import annotations

import hashlib
import operator
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache, reduce
from typing import Any

from peewee import Expression

from store import audit, db
from store.errors import InvalidInput, NotFound
from store.models import Customer, CustomerSource
from store.prepared import Prepared

# phonenumbers and email-validator compile ~150 patterns when imported (~40 ms): they are
# imported where a number or an address is first normalised, not by every command that
# imports this module (``rekisteri requests list`` normalises none).


@cache
def _plain_address_rules() -> tuple[re.Pattern[str], int]:
    """email-validator's pattern of a plain local part, and its longest address."""
    from email_validator.rfc_constants import DOT_ATOM_TEXT, EMAIL_MAX_LENGTH

    return DOT_ATOM_TEXT, EMAIL_MAX_LENGTH


# ---------------------------------------------------------------- normalising


@lru_cache(maxsize=65536)
def normalize_phone(text: str) -> str:
    """A phone number as E.164 (``+358401234567``); Finnish when no country code is given.
    Remembered: the mailbot and the desk look the same numbers up again and again."""
    return normalize_phone_uncached(text)


def normalize_phone_uncached(text: str) -> str:
    """:func:`normalize_phone` not remembered, for a file whose numbers are each seen once
    (a cache would only hold every one of them)."""
    national = _finnish_national_number(text)
    if national is None:
        return _parse_phone(text)
    shape = (text[0], len(national))
    plain = _PLAIN_FINNISH_SHAPES.get(shape)
    if plain:
        return "+358" + national
    result = _parse_phone(text)
    if plain is None:
        _PLAIN_FINNISH_SHAPES[shape] = result == "+358" + national
    return result


def _parse_phone(text: str) -> str:
    import phonenumbers

    try:
        number = phonenumbers.parse(text, "FI")
    except phonenumbers.NumberParseException:
        raise InvalidInput(
            f"not a phone number: {text!r}", key="error.bad_phone", value=text
        ) from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidInput(f"not a phone number: {text!r}", key="error.bad_phone", value=text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# A Finnish number written plainly: 0 or +358, then digits (the first not 0), with at most
# one space or dash between two digits.  Parsing one (~30 µs) depends only on whether it
# starts with 0 or +358 and on how many digits follow: no international prefix can start
# it, the national prefix 0 is always dropped (no Finnish number starts with 0 after it)
# and whether the number is possible is a matter of its length.  So phonenumbers parses
# the first number of each shape, and the others of that shape take its verdict.
_FINNISH_NUMBER = re.compile(r"(?:0|\+358 ?)([1-9](?:[ -]?[0-9]){0,16})")
_PLAIN_FINNISH_SHAPES: dict[tuple[str, int], bool] = {}
"""(0 or +, digits after the prefix) -> whether phonenumbers gave "+358" and those digits."""


def _finnish_national_number(text: str) -> str | None:
    """The digits after 0 or +358 of a number written as :data:`_FINNISH_NUMBER`."""
    match = _FINNISH_NUMBER.fullmatch(text)
    if match is None:
        return None
    return match[1].replace(" ", "").replace("-", "")


def format_phone(e164: str | None) -> str:
    """Finnish numbers in the Finnish way (``040 1234567``), others internationally."""
    if not e164:
        return ""
    import phonenumbers

    try:
        number = phonenumbers.parse(e164, "FI")
    except phonenumbers.NumberParseException:
        return e164
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 358
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


@lru_cache(maxsize=65536)
def normalize_email(text: str) -> str:
    """A syntactically valid address, lowercased: the form every lookup and match uses.
    Remembered, as :func:`normalize_phone` is."""
    return normalize_email_uncached(text)


def normalize_email_uncached(text: str) -> str:
    """:func:`normalize_email` not remembered, for a file whose addresses are each seen once."""
    plain_local_part, longest = _plain_address_rules()
    address = text.strip()
    local, at, domain = address.rpartition("@")
    if at and plain_local_part.match(local) and _PLAIN_DOMAIN.match(domain):
        # The common address: a plain local part (email-validator accepts it as it is)
        # at a domain checked once, not character by character for every address.
        known = _domain_forms(domain)
        if known is not None and len(local) + 1 + known[1] <= longest:
            return f"{local}@{known[0]}".lower()
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(address, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidInput(
            f"not an email address: {text!r} ({error})", key="error.bad_email", value=text
        ) from None
    return result.normalized.lower()


# Letters, digits, dots and dashes: no character that could make email-validator split or
# read the address differently (an @-sign, brackets, quotes, a combining character).
_PLAIN_DOMAIN = re.compile(r"[\w.-]+\Z")


@lru_cache(maxsize=4096)
def _domain_forms(domain: str) -> tuple[str, int] | None:
    """``domain`` as email-validator normalises it, and the most bytes the domain takes in
    any form whose length it checks (as written, normalised, in ASCII); None when an
    address there is not valid (the whole address is then checked, for its own error)."""
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(f"a@{domain}", check_deliverability=False)
    except EmailNotValidError:
        return None
    forms = (domain, result.domain, result.ascii_domain)
    return result.domain, max(len(form.encode()) for form in forms)


def phone_or_none(text: str | None) -> str | None:
    """:func:`normalize_phone`, or None when there is no number or it cannot be one."""
    if not text:
        return None
    try:
        return normalize_phone(text)
    except InvalidInput:
        return None


def email_or_none(text: str | None) -> str | None:
    """:func:`normalize_email`, or None when there is no address or it is not valid."""
    if not text:
        return None
    try:
        return normalize_email(text)
    except InvalidInput:
        return None


def email_hash(email: str) -> str:
    """A stable hash of a normalised address: how suppression entries remember an address."""
    return hashlib.sha256(normalize_email(email).encode("utf-8")).hexdigest()


@lru_cache(maxsize=4096)
def name_keys(first_name: str, last_name: str) -> tuple[str, str]:
    """Casefolded "first last" and "last first", so a prefix of either name finds the person."""
    first = " ".join(first_name.split()).casefold()
    last = " ".join(last_name.split()).casefold()
    return f"{first} {last}".strip(), f"{last} {first}".strip()


# ---------------------------------------------------------------- finding


def get_customer(customer_no: str) -> Customer:
    customer = Customer.get_or_none(Customer.customer_no == customer_no)
    if customer is None:
        raise NotFound(
            f"no customer {customer_no}", key="error.no_customer", customer_no=customer_no
        )
    return customer


def sources_of(customer: Customer) -> list[str]:
    return sorted(row.source for row in customer.source_rows)


def record_view(customer: Customer, actor: str, purpose: str = "") -> None:
    """Opening a customer is audited: who looked at whom, and when."""
    audit.record("customer.viewed", actor, customer_no=customer.customer_no, purpose=purpose)


def _bytewise(column: Any) -> Any:
    """The column compared byte by byte: PostgreSQL's "C" collation, SQLite's default."""
    return column if db.is_sqlite() else column.collate('"C"')


def _prefix(column: Any, prefix: str) -> Expression:
    """An index-friendly, case-sensitive prefix test on an already casefolded column."""
    if db.is_sqlite():
        # GLOB is case-sensitive and uses the index; escape its own wildcards.
        globbed = re.sub(r"([*?\[])", r"[\1]", prefix)
        return Expression(column, "GLOB", f"{globbed}*")
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Expression(_bytewise(column), "LIKE", f"{escaped}%")


_DIGITS = re.compile(r"^[+\d][\d\s\-()]*$")


def search_customers(query: str, limit: int = 50) -> list[Customer]:
    """Customers whose name, email, phone or customer number starts with ``query``.

    Each column is searched on its own index and in that index's order, so a short prefix
    matching thousands of people still reads only ``limit`` rows per column.
    """
    text = " ".join(query.split())
    if not text:
        return []
    folded = text.casefold()
    searches: list[tuple[Any, str]] = [
        (Customer.name_key, folded),
        (Customer.reverse_name_key, folded),
        (Customer.customer_no, text),
    ]
    if "@" in text or "." in text:
        searches.append((Customer.email, folded))
    if _DIGITS.match(text) and sum(ch.isdigit() for ch in text) >= 3:
        searches.append((Customer.phone, _phone_prefix(text)))
    results: dict[int, Customer] = {}
    for column, prefix in searches:
        rows = (
            Customer.select()
            .where(_prefix(column, prefix) & Customer.erased_at.is_null())
            .order_by(_bytewise(column))
            .limit(limit)
        )
        for customer in rows:
            results.setdefault(customer.id, customer)
    ordered = sorted(
        results.values(),
        key=lambda c: (c.last_name.casefold(), c.first_name.casefold(), c.customer_no),
    )
    return ordered[:limit]


def _phone_prefix(text: str) -> str:
    """What an E.164 number typed so far would start with: ``0401`` → ``+358401``."""
    digits = re.sub(r"[^\d+]", "", text)
    if digits.startswith("+"):
        return digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    if digits.startswith("0"):
        return "+358" + digits[1:]
    return "+358" + digits


# ---------------------------------------------------------------- matching

MATCH_WEIGHTS = {"token": 1.0, "customer_no": 0.9, "email": 0.8, "phone": 0.7, "name": 0.3}


@dataclass
class CandidateMatch:
    customer: Customer
    matched_on: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        best = max((MATCH_WEIGHTS[how] for how in self.matched_on), default=0.0)
        return min(1.0, best + 0.05 * (len(self.matched_on) - 1))


def match_candidates(
    *,
    email: str | None = None,
    phone: str | None = None,
    customer_no: str | None = None,
    name: str | None = None,
    limit: int = 10,
) -> list[CandidateMatch]:
    """Customers a request may be about, best first, each with how it matched.

    A match on the name alone is only ever a candidate: a person is never confirmed, let
    alone merged, because their name matched.
    """
    found: dict[int, CandidateMatch] = {}

    def add(customers: list[Customer], how: str) -> None:
        for customer in customers:
            match = found.setdefault(customer.id, CandidateMatch(customer))
            if how not in match.matched_on:
                match.matched_on.append(how)

    # The exact identifiers in one query; each customer found is then told by which.
    exact = {
        "customer_no": customer_no.strip() if customer_no else None,
        "email": email_or_none(email),
        "phone": phone_or_none(phone),
    }
    given = tuple(how for how, value in exact.items() if value)
    if given:
        rows = list(_by_identifiers(given).rows(*(exact[how] for how in given)))
        for how in given:
            add([row for row in rows if getattr(row, how) == exact[how]], how)
    if name:
        first_last, _ = name_keys(name, "")
        if len(first_last) >= 3:
            add(list(_BY_NAME_KEY.rows(first_last, first_last, limit)), "name")
    ordered = sorted(found.values(), key=lambda match: -match.score)
    return ordered[:limit]


@cache
def _by_identifiers(given: tuple[str, ...]) -> Prepared:
    """Live customers whose ``given`` identifiers (customer_no, email, phone) match any of
    the values, built once for each set of identifiers a request can come with."""
    return Prepared(
        lambda slot: Customer.select().where(
            reduce(
                operator.or_,
                [getattr(Customer, how) == slot(getattr(Customer, how)) for how in given],
            )
            & Customer.erased_at.is_null()
        )
    )


_BY_NAME_KEY = Prepared(
    lambda slot: (
        Customer.select()
        .where(
            (
                (Customer.name_key == slot(Customer.name_key))
                | (Customer.reverse_name_key == slot(Customer.reverse_name_key))
            )
            & Customer.erased_at.is_null()
        )
        .limit(slot(Customer.id))
    )
)


def has_source(customer: Customer, source: str) -> bool:
    return (
        CustomerSource.select()
        .where((CustomerSource.customer == customer) & (CustomerSource.source == source))
        .exists()
    )
