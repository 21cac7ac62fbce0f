"""The one translation mechanism: message catalogs in ``locales/<language>.toml``.

Keys are dotted (``queue.title``); values are ``str.format`` templates.  Staff screens
exist in Finnish and English; customer-facing words also in Swedish.  A key missing in
the wanted language falls back to English, then to the key itself, so a gap shows up
on screen instead of crashing it (and ``tests/test_i18n.py`` finds it first).

A message about a number has its plural forms beside it, named by CLDR's plural
categories: ``rows_one = "{count} rivi"``, ``rows_other = "{count} riviä"``.
``translate("cli.rows", "fi", count=1)`` chooses the form through Babel's plural rules for
the language (the number is ``count``, or else the first number the message shows) and
writes the number the language's way (``12 345``); without a number the plain key is used.
Dates, times and numbers go through Babel (CLDR) too: :func:`format_date`,
:func:`format_datetime`, :func:`format_number`.
"""

from __future__ import annotations

import errno
import json
import re
import tomllib
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from store import user_cache
from store.clock import HELSINKI

CATALOG_LANGUAGES = ("fi", "en", "sv")
STAFF_LANGUAGES = ("fi", "en")

# The CLDR locale each language is written in: Finnish and Swedish as they are written in
# Finland, English as in Britain ("10 April 2026", "15:27").
LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}
_DATE_WIDTH = {"fi": "short", "sv": "long", "en": "long"}  # 10.4.2026, 10 april 2026
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")


@cache
def locale(language: str) -> Locale:
    return Locale.parse(LOCALES.get(language, language))


def plural_category(number: float, language: str) -> str:
    """CLDR's plural category of ``number`` in ``language``: ``one`` for 1 in fi, sv and en."""
    return locale(language).plural_form(abs(number))


@cache
def catalog(language: str) -> dict[str, str]:
    """The catalogue of ``language``, its keys flattened (``tui.queue.title``)."""
    source = resources.files("store").joinpath("locales", f"{language}.toml")
    if not source.is_file():
        return {}
    if isinstance(source, Path):
        return _through_cache(source)
    return dict(_flatten(tomllib.loads(source.read_text(encoding="utf-8"))))


def _through_cache(source: Path) -> dict[str, str]:
    """``source`` flattened, kept as JSON in the user's cache folder (:mod:`store.user_cache`):
    parsing the TOML takes ~25 ms a language, which every command would pay as it starts;
    reading the JSON takes 1 ms."""
    kind = f"catalog-{source.stem}"
    copy = user_cache.copy_of(source, kind, ".json")
    kept = user_cache.read(copy)
    if kept is not None:
        with suppress(ValueError):
            flat = json.loads(kept)
            if isinstance(flat, dict) and all(isinstance(text, str) for text in flat.values()):
                return flat
    flat = dict(_flatten(tomllib.loads(source.read_text(encoding="utf-8"))))
    user_cache.keep(copy, json.dumps(flat, ensure_ascii=False).encode("utf-8"), kind)
    return flat


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
    ``RuleViolation(..., key="rule.waiting_for_requester", kind=Term("kind.erasure"))``;
    ``params`` fill its own fields (``Term("config.expect.int_min", {"limit": 1})``)."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


_FIELD = re.compile(r"\{(\w+)")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _count_field(template: str, params: dict[str, Any]) -> str | None:
    """The parameter a plural message is about: ``count``, else the first number it shows."""
    if _is_number(params.get("count")):
        return "count"
    return next((name for name in _FIELD.findall(template) if _is_number(params.get(name))), None)


def plural_key(key: str, language: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """``key`` or its plural form for the number in ``params`` (written the language's way)."""
    other = words_for(f"{key}_other", language)
    if other is None or not params:
        return key, params
    field = _count_field(other, params)
    if field is None:
        return key, params
    number = params[field]
    form = f"{key}_{plural_category(number, language)}"
    # The forms of one language together: a Swedish "_other" is not paired with an English "_one".
    own = catalog(language) if f"{key}_other" in catalog(language) else catalog("en")
    chosen = form if form in own else f"{key}_other"
    return chosen, {**params, field: format_number(number, language)}


def translate(key: str, language: str, /, **params: Any) -> str:
    key, params = plural_key(key, language, params)
    template = words_for(key, language) or key
    if not params:
        return template
    params = {
        name: translate(value.key, language, **value.params) if isinstance(value, Term) else value
        for name, value in params.items()
    }
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


def os_reason(error: OSError) -> Term | str:
    """Why the operating system refused, in the reader's language: the catalogue's
    ``os_error.<errno name>`` (``os_error.enoent``: "tiedostoa tai kansiota ei ole") as a
    :class:`Term`, translated where the message is; Python's English ``strerror`` for an errno
    the catalogue does not name."""
    name = errno.errorcode.get(error.errno or 0, "").lower()
    if name and f"os_error.{name}" in catalog("en"):
        return Term(f"os_error.{name}")
    return error.strerror or str(error)


def os_error_text(error: OSError, language: str) -> str:
    """``/tmp/x.csv: tiedostoa tai kansiota ei ole``: the file and the reason, in ``language``."""
    reason = os_reason(error)
    if error.filename is None:
        return translate(reason.key, language) if isinstance(reason, Term) else reason
    if error.filename2 is not None:
        return translate(
            "cli.os_error_two",
            language,
            path=error.filename,
            other=error.filename2,
            reason=reason,
        )
    return translate("cli.os_error", language, path=error.filename, reason=reason)


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


def format_date(day: date | datetime, language: str) -> str:
    """``10.4.2026`` in Finnish, ``10 april 2026`` in Swedish, ``10 April 2026`` in English:
    CLDR's short date in Finland, its long date in Finland-Swedish and British English.

    A datetime is shown as its calendar date in Finland.
    """
    if isinstance(day, datetime):
        day = day.astimezone(HELSINKI).date()
    return _format_day(day, language)


@lru_cache(maxsize=4096)
def _format_day(day: date, language: str) -> str:
    """(Thousands of acknowledgements a day name the same few due dates.)"""
    return babel_dates.format_date(day, _DATE_WIDTH.get(language, "long"), locale=locale(language))


def format_time(value: datetime, language: str) -> str:
    """The clock in Finland: ``15.27`` in Finnish and Finland-Swedish, ``15:27`` in English."""
    return babel_dates.format_time(
        value.astimezone(HELSINKI), "short", tzinfo=HELSINKI, locale=locale(language)
    )


def format_datetime(value: datetime, language: str) -> str:
    """``3.12.2026 klo 15.27``, ``3 december 2026 kl. 15.27``, ``3 December 2026 at 15:27``
    (CLDR's "at time" pattern, which Babel does not ship: ``format.at_time`` in the catalogue)."""
    local = value.astimezone(HELSINKI)
    return translate(
        "format.at_time",
        language,
        date=format_date(local.date(), language),
        time=format_time(local, language),
    )


def format_datetime_compact(value: datetime, language: str) -> str:
    """A moment in a narrow table column: ``3.12.2026 15.27``, ``3 dec. 2026 15.27``,
    ``3 Dec 2026 15:27`` (CLDR's medium date and short time)."""
    local = value.astimezone(HELSINKI)
    day = babel_dates.format_date(local.date(), "medium", locale=locale(language))
    return f"{day} {format_time(local, language)}"


def format_number(value: float, language: str) -> str:
    """``12 345`` in Finnish and Swedish, ``12,345`` in English (CLDR grouping and decimals)."""
    return babel_numbers.format_decimal(value, locale=locale(language))


def format_percent(share: float, language: str) -> str:
    """``88 %`` in Finnish and Swedish, ``88%`` in English: a share (0.88) as CLDR writes it."""
    return babel_numbers.format_percent(share, locale=locale(language))


def format_size(size: int, language: str) -> str:
    """``12,3 Mt`` / ``12,3 MB`` / ``12.3 MB``: a file's size in CLDR's short units."""
    from babel.units import format_unit

    if size < 1_000_000:
        value, unit = round(size / 1000, 1), "digital-kilobyte"
    elif size < 1_000_000_000:
        value, unit = round(size / 1_000_000, 1), "digital-megabyte"
    else:
        value, unit = round(size / 1_000_000_000, 2), "digital-gigabyte"
    return format_unit(value, unit, "short", locale=locale(language))
