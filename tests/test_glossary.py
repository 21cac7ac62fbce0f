"""The glossary (docs/glossary.md) and the catalogues say the same word for each code.

The test reads the glossary's tables: each section names the catalogue keys that hold its
words (``Catalogue: `status.*`, `package.status.*`; short: `tui.status_short.*```), and each
row gives a code's word in Finnish, Swedish and English (and its short form).  Every key of
those prefixes must say its language's word, every code the store knows must have a row, and
every key under a prefix must be a code of the glossary (issue 16: one word for one thing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from store import consent
from store.i18n import catalog
from store.models.customers import SOURCES
from store.models.mail import DISPOSITIONS, OUTBOX_STATUSES
from store.models.requests import KINDS, MANUAL_CHANNELS, STATUSES
from store.models.staff import ROLES
from store.rectification import RECTIFIABLE_FIELDS

GLOSSARY = Path(__file__).resolve().parents[1] / "docs" / "glossary.md"
LANGUAGES = ("fi", "sv", "en")
SHORT_LANGUAGES = ("fi", "en")
ABSENT = "—"


@dataclass
class Section:
    title: str
    prefixes: tuple[str, ...] = ()
    short: str | None = None
    rows: dict[str, dict[str, str]] = field(default_factory=dict)
    """code → {"fi": …, "sv": …, "en": …, "fi_short": …, "en_short": …}"""


PREFIX = re.compile(r"`([a-z_.]+)\.\*`")


def glossary() -> dict[str, Section]:
    sections: dict[str, Section] = {}
    current: Section | None = None
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = Section(line[3:].strip())
            sections[current.title] = current
        elif current is not None and line.startswith("Catalogue:"):
            main, _, short = line.removeprefix("Catalogue:").partition("; short:")
            current.prefixes = tuple(PREFIX.findall(main))
            current.short = next(iter(PREFIX.findall(short)), None)
        elif current is not None and current.prefixes and line.startswith("| `"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            code = cells[0].strip("`")
            names = [*LANGUAGES, *(f"{lang}_short" for lang in SHORT_LANGUAGES)]
            assert code not in current.rows, f"{current.title}: {code} twice"
            current.rows[code] = dict(zip(names, cells[1:], strict=False))
    return {title: section for title, section in sections.items() if section.prefixes}


SECTIONS = glossary()

CODES = {
    "Request kinds": KINDS,
    "Request statuses": STATUSES,
    "What became of an inbound message": DISPOSITIONS,
    "Outgoing mail statuses": OUTBOX_STATUSES,
    "Where a customer's data came from": SOURCES,
    "Staff roles": ROLES,
    "Consent purposes": consent.PURPOSES,
    "Consent channels": consent.CHANNELS,
    "Request channels": ("email", *MANUAL_CHANNELS),
}
"""The sections whose rows are exactly the codes the store knows."""


def keys_under(prefix: str, language: str) -> dict[str, str]:
    """The catalogue's own entries ``prefix.code`` in ``language`` (no English fallback)."""
    depth = prefix.count(".") + 1
    return {
        key[len(prefix) + 1 :]: value
        for key, value in catalog(language).items()
        if key.startswith(prefix + ".") and key.count(".") == depth
    }


def test_the_glossary_has_every_section_the_test_knows():
    assert set(CODES) <= set(SECTIONS)
    assert "Fields" in SECTIONS and "Acts in the audit trail" in SECTIONS


@pytest.mark.parametrize("title", sorted(CODES))
def test_every_code_has_a_row_and_no_row_is_not_a_code(title):
    assert list(SECTIONS[title].rows) == list(CODES[title])


def test_every_customer_field_a_person_can_correct_has_a_row():
    assert set(RECTIFIABLE_FIELDS) <= set(SECTIONS["Fields"].rows)


@pytest.mark.parametrize("title", sorted(SECTIONS))
def test_the_catalogues_say_the_glossarys_word(title):
    section = SECTIONS[title]
    wrong = []
    for code, words in section.rows.items():
        for language in LANGUAGES:
            held = [keys_under(p, language).get(code) for p in section.prefixes]
            if words[language] == ABSENT:
                if any(held):
                    wrong.append(f"{code} [{language}]: the glossary has no word, catalogue {held}")
                continue
            if not any(held):
                wrong.append(f"{code} [{language}]: no catalogue key holds {words[language]!r}")
            for prefix, word in zip(section.prefixes, held, strict=True):
                if word is not None and word != words[language]:
                    wrong.append(
                        f"{prefix}.{code} [{language}]: {word!r}, glossary {words[language]!r}"
                    )
        if section.short is None:
            continue
        for language in SHORT_LANGUAGES:
            expected = words.get(f"{language}_short", ABSENT)
            word = keys_under(section.short, language).get(code)
            if (word or ABSENT) != expected:
                wrong.append(
                    f"{section.short}.{code} [{language}]: {word!r}, glossary {expected!r}"
                )
    assert wrong == []


@pytest.mark.parametrize("title", sorted(SECTIONS))
def test_every_catalogue_key_of_a_section_is_in_the_glossary(title):
    section = SECTIONS[title]
    prefixes = (
        section.prefixes if section.short in (None, "col") else (*section.prefixes, section.short)
    )
    unlisted = sorted(
        f"{prefix}.{code}"
        for prefix in prefixes
        for language in LANGUAGES
        for code in keys_under(prefix, language)
        if code not in section.rows
    )
    assert unlisted == []
