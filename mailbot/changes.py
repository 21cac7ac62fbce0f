"""The new values a rectification request proposes, for staff to confirm on the call.

Keys are the customer fields they would change: ``street_address``, ``postal_code``,
``city``, ``phone`` (E.164), ``email`` (normalised), ``first_name``, ``last_name``.
Only values the person marks as new ("uusi osoite", "my new number is", "ny adress") are
taken: a number quoted for some other reason is never proposed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mailbot.text import bounded
from store.customers import email_or_none, phone_or_none

_CHANGE_CUE = re.compile(
    r"\b(?:uusi|uuden|uutena|nyt|muuttu\w*|vaihtu\w*|muutin|muutimme|korja\w*|oikea|"
    r"ny|nya|nytt|numera|ändrats|ändrat|är nu|har bytt|"
    r"new|now|changed|moved|updated|correct|is now)\b",
    re.IGNORECASE,
)
_SENTENCES = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ])|\n+")
_ADDRESS = re.compile(
    r"(?:osoit\w*|adress\w*|address)(?:\s+(?:on|är|is|to|nyt|nu|now|muuttunut|ändrats|"
    r"changed|seuraava))*\s*[:\-–]?\s*(?P<value>[^\n:]*?\d[^\n:]*?)\s*\.?$"
    r"|(?:moved to|muutin osoitteeseen|muutimme osoitteeseen|flyttat till)\s+"
    r"(?P<moved>[^\n:]*?\d[^\n:]*?)\s*\.?$",
    re.IGNORECASE,
)
_POSTAL = re.compile(r"^(?P<street>.+?)[,\s]+(?P<postal>\d{5})\s+(?P<city>[^\d,.]+?)\s*$")
_PHONE = re.compile(r"(?<![\w+])(\+?\d[\d \-()]{5,}\d)(?!\w)")
_EMAIL = re.compile(r"(?<![\w.+\-])[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_NAME_VALUE = r"(?P<value>[A-ZÅÄÖÉÜ][\w'\-]+(?:\s+[A-ZÅÄÖÉÜ][\w'\-]+){0,2})"
_SURNAME = re.compile(
    r"(?:sukunim\w*|efternamn\w*|surname|last name|family name)\b[^A-ZÅÄÖ\n]{0,40}?" + _NAME_VALUE
)
_FULL_NAME = re.compile(r"(?:\bnime\w*|\bnimi|\bnamn\w*|\bname)\b[^A-ZÅÄÖ\n]{0,40}?" + _NAME_VALUE)
_PHONE_WORD = re.compile(
    r"puhelin|numero|telefon|nummer|phone|number|mobiil|mobile|gsm", re.IGNORECASE
)
_EMAIL_WORD = re.compile(r"sähköpost|e-?post|e-?mail|mail", re.IGNORECASE)


def proposed_changes(text: str) -> dict[str, str]:
    """The new values the person proposes in ``text`` (their own words only)."""
    changes: dict[str, str] = {}
    for sentence in _SENTENCES.split(bounded(text)):
        if not _CHANGE_CUE.search(sentence):
            continue
        _address(sentence, changes)
        if _PHONE_WORD.search(sentence):
            _phone(sentence, changes)
        if _EMAIL_WORD.search(sentence):
            _email(sentence, changes)
        _name(sentence, changes)
    return changes


def _address(sentence: str, changes: dict[str, str]) -> None:
    if "street_address" in changes:
        return
    match = _ADDRESS.search(sentence)
    if not match:
        return
    value = (match.group("value") or match.group("moved") or "").strip(" .,")
    if not value or _PHONE.fullmatch(value):
        return
    parts = _POSTAL.match(value)
    if parts:
        changes["street_address"] = parts.group("street").strip(" ,")
        changes["postal_code"] = parts.group("postal")
        changes["city"] = parts.group("city").strip()
    else:
        changes["street_address"] = value


def _phone(sentence: str, changes: dict[str, str]) -> None:
    candidates = (
        phone_or_none(candidate)
        for candidate in _PHONE.findall(sentence)
        if not re.fullmatch(r"\d{5}", candidate.replace(" ", ""))
    )  # postal codes
    _first_valid("phone", candidates, changes)


def _email(sentence: str, changes: dict[str, str]) -> None:
    _first_valid(
        "email", (email_or_none(candidate) for candidate in _EMAIL.findall(sentence)), changes
    )


def _first_valid(field: str, normalised: Iterable[str | None], changes: dict[str, str]) -> None:
    """The first candidate that is a valid value proposes it (unless one was found before)."""
    value = next((value for value in normalised if value), None)
    if value:
        changes.setdefault(field, value)


def _name(sentence: str, changes: dict[str, str]) -> None:
    surname = _SURNAME.search(sentence)
    if surname and "last_name" not in changes:
        changes["last_name"] = surname.group("value").split()[-1]
        return
    full = _FULL_NAME.search(sentence)
    if full and "last_name" not in changes:
        words = full.group("value").split()
        if len(words) >= 2:
            changes["first_name"] = " ".join(words[:-1])
            changes["last_name"] = words[-1]
