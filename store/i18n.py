"""The one translation mechanism: message catalogs in ``locales/<language>.toml``.

Keys are dotted (``queue.title``); values are ``str.format`` templates.  Staff screens
exist in Finnish and English; customer-facing words also in Swedish.  A key missing in
the wanted language falls back to English, then to the key itself, so a gap shows up
on screen instead of crashing it (and ``tests/test_i18n.py`` finds it first).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

from store.clock import HELSINKI

CATALOG_LANGUAGES = ("fi", "en", "sv")
STAFF_LANGUAGES = ("fi", "en")


@cache
def catalog(language: str) -> dict[str, str]:
    path = resources.files("store").joinpath("locales", f"{language}.toml")
    if not path.is_file():
        return {}
    return dict(_flatten(tomllib.loads(path.read_text(encoding="utf-8"))))


def _flatten(table: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for key, value in table.items():
        if isinstance(value, dict):
            items.extend(_flatten(value, f"{prefix}{key}."))
        else:
            items.append((f"{prefix}{key}", str(value)))
    return items


def words_for(key: str, language: str) -> str | None:
    """The catalog's text for ``key`` in ``language``, else in English, else None."""
    return catalog(language).get(key) or catalog("en").get(key)


@dataclass(frozen=True)
class Term:
    """A parameter that is itself a catalogue key, put into the message in the same language:
    ``RuleViolation(..., key="rule.waiting_for_requester", kind=Term("kind.erasure"))``."""

    key: str


def translate(key: str, language: str, /, **params: Any) -> str:
    template = words_for(key, language) or key
    if not params:
        return template
    params = {
        name: translate(value.key, language) if isinstance(value, Term) else value
        for name, value in params.items()
    }
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


def code_text(prefix: str, code: str, language: str) -> str:
    """A stored code in words (catalog key ``prefix.code``: ``message.reason.auto_reply``), or
    the code as stored when the catalog has no words for it (a quarantined message's error)."""
    return words_for(f"{prefix}.{code}", language) or code


Translator = Callable[..., str]


def translator(language: str) -> Translator:
    """``t = translator("fi"); t("queue.title")``."""

    def t(key: str, /, **params: Any) -> str:
        return translate(key, language, **params)

    return t


_MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "sv": (
        "januari",
        "februari",
        "mars",
        "april",
        "maj",
        "juni",
        "juli",
        "augusti",
        "september",
        "oktober",
        "november",
        "december",
    ),
}


def format_date(day: date | datetime, language: str) -> str:
    """``10.4.2026`` in Finnish, ``10 april 2026`` in Swedish, ``10 April 2026`` in English.

    A datetime is shown as its calendar date in Finland.
    """
    if isinstance(day, datetime):
        day = day.astimezone(HELSINKI).date()
    if language in _MONTHS:
        return f"{day.day} {_MONTHS[language][day.month - 1]} {day.year}"
    return f"{day.day}.{day.month}.{day.year}"


def format_datetime(value: datetime, language: str) -> str:
    local = value.astimezone(HELSINKI)
    separator = " klo " if language == "fi" else " "
    clock_text = local.strftime("%H.%M") if language == "fi" else local.strftime("%H:%M")
    return f"{format_date(local.date(), language)}{separator}{clock_text}"


def format_time(value: datetime, language: str) -> str:
    """The time of day in Finland: ``14.05`` in Finnish, ``14:05`` otherwise."""
    local = value.astimezone(HELSINKI)
    return local.strftime("%H.%M") if language == "fi" else local.strftime("%H:%M")
