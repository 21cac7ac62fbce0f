"""The language of what people read: every mail in every language, with and without each
optional part, and the catalogue that staff screens and documents are made of.

A native Finnish reviewer found words glued together where a template's ``{% if %}``
swallowed a space or a line break ("mukaisesti(EU:n", "TP-2026-0010,päättyy"), counts that
never read right for one ("1 riviä", "1 rows"), English left in Finnish text and a row of
unnatural words.  These tests keep them from coming back.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from itertools import product
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from markupsafe import Markup

from mailbot.templates import TEMPLATES, first_name, render_mail
from store.config import LANGUAGES, load_settings, localized
from store.i18n import catalog, format_date, format_datetime, translate
from tests.test_mail_templates import EXTRA_CONTEXT

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_DIR = ROOT / "mailbot" / "templates"
LOCALE_DIR = ROOT / "store" / "locales"
SETTINGS = load_settings(environ={})
REFERENCE = f"{SETTINGS.requests.reference_prefix}-2026-0010"
NAME = "Pirjo Niemelä"

# Each optional variable a template takes, with the values worth rendering it with (the
# default first).  A new optional variable must be added here (see the test below).
OPTIONAL_VALUES: dict[str, tuple[Any, ...]] = {
    "calls": (0, 1, 3),
    "files": ((), ("tietosi.json", "tietosi.html")),
    "encrypted": (False, True),
    "vouchers_kept_until": (None, date(2032, 12, 31)),
    "via_link": (False, True),
    "kind": ("access", "rectification", "erasure", "restriction"),
    "ground": (
        "",
        "manifestly_unfounded",
        "excessive",
        "identity_not_confirmed",
        "legal_exemption",
        "something_else",
    ),
}
# The templates whose request is optional (a restriction made by staff has none).
REQUEST_OPTIONAL = ("restriction_applied", "restriction_lifted")

BREACH_OPTIONAL: dict[str, Any] = {
    "occurred_at": datetime(2026, 3, 9, 22, 15, tzinfo=UTC),
    "consequences": "Nimesi ja sähköpostiosoitteesi ovat voineet päätyä ulkopuolisille.",
    "measures": "Vaihdoimme salasanat ja ilmoitimme tietosuojavaltuutetulle.",
    "advice": "Suhtaudu varauksella viesteihin, joissa pyydetään maksutietoja.",
    "contact_name": "Tero Lindqvist",
    "contact_email": "tero.lindqvist@kotkanleffat.fi",
    "contact_phone": "+358401234567",
}
BREACH_REQUIRED: dict[str, Any] = {
    "what": "Varmuuskopio, jossa oli asiakasrekisterin tiedot, katosi.",
    "discovered_at": datetime(2026, 3, 10, 12, 0, tzinfo=UTC),
}


@dataclasses.dataclass(frozen=True)
class Rendered:
    label: str
    language: str
    text: str  # the subject, the plain text and the HTML part's visible text
    sources: str  # everything the words may come from: templates and context


def _strings(value: Any) -> Iterator[str]:
    """Every string inside a context value, settings table or localized text."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _strings(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.astuple(value):
            yield from _strings(item)
    elif isinstance(value, SimpleNamespace):
        yield from _strings(vars(value))


def _template_sources(language: str) -> str:
    files = [*(TEMPLATE_DIR / language).glob("*.j2"), *TEMPLATE_DIR.glob("*.j2")]
    return "\n".join(path.read_text(encoding="utf-8") for path in files)


def _shared_sources(language: str) -> str:
    months = [format_date(date(2026, month, 1), language) for month in range(1, 13)]
    return "\n".join(
        [
            _template_sources(language),
            *_strings(SETTINGS.controller),
            *_strings(SETTINGS.notice),
            *months,
        ]
    )


def _visible(html_part: str) -> str:
    without_tags = re.sub(r"<!DOCTYPE[^>]*>|<head>.*?</head>|<[^>]+>", "", html_part, flags=re.S)
    return html.unescape(without_tags)


def _render(template: str, language: str, label: str, **context: Any) -> Rendered:
    mail = render_mail(template, language, SETTINGS, **context)
    text = "\n".join([mail.subject, mail.text, _visible(mail.html or "")])
    sources = "\n".join([_shared_sources(language), *_strings(context)])
    return Rendered(f"{language}/{template} {label}", language, text, sources)


def _request_variants(language: str) -> Iterator[Rendered]:
    request = SimpleNamespace(
        reference=REFERENCE, original_due_at=datetime(2026, 4, 10, 9, 0, tzinfo=UTC)
    )
    due_date = format_date(date(2026, 6, 10), language)
    for template, spec in sorted(TEMPLATES.items()):
        names = sorted(spec.optional)
        for values in product(*(OPTIONAL_VALUES[name] for name in names)):
            optional = dict(zip(names, values, strict=True))
            for name, with_request in product(
                (NAME, ""), (True, False) if template in REQUEST_OPTIONAL else (True,)
            ):
                context = {
                    "name": name,
                    "due_date": due_date,
                    **EXTRA_CONTEXT.get(template, {}),
                    **optional,
                }
                if with_request:
                    context["request"] = request
                label = f"{optional} name={bool(name)} request={with_request}"
                yield _render(template, language, label, **context)


def _breach_variants(language: str) -> Iterator[Rendered]:
    names = sorted(BREACH_OPTIONAL)
    for present in product((False, True), repeat=len(names)):
        optional = {
            name: BREACH_OPTIONAL[name] if given else ("" if name != "occurred_at" else None)
            for name, given in zip(names, present, strict=True)
        }
        given = [name for name, on in zip(names, present, strict=True) if on]
        yield _render(
            "breach_notice", language, f"with {given}", name=NAME, **BREACH_REQUIRED, **optional
        )


def _newsletter_variants(language: str) -> Iterator[Rendered]:
    address = SETTINGS.controller.privacy_inbox
    links = SimpleNamespace(
        address=address,
        mydata=f"mailto:{address}?subject=Omat%20tiedot",
        unsubscribe=f"mailto:{address}?subject=Lopeta",
        mydata_subject="Omat tietoni ABC123",
        unsubscribe_subject="Lopeta uutiskirje ABC123",
    )
    yield _render(
        "newsletter",
        language,
        "",
        newsletter_subject="Maaliskuun ensi-illat",
        body_text="Tervetuloa elokuviin!",
        body_language=language,
        links=links,
        body_html=Markup("<p>Tervetuloa elokuviin!</p>"),
    )


def rendered_mails(language: str) -> list[Rendered]:
    return [
        *_request_variants(language),
        *_breach_variants(language),
        *_newsletter_variants(language),
    ]


@functools.cache
def mails(language: str) -> list[Rendered]:
    """Every mail of ``language`` rendered, once per process, when a test first asks (not at
    import: rendering them all takes seconds, paid by every worker that only collects)."""
    return rendered_mails(language)


# ---------------------------------------------------------------- glued text

# Addresses and abbreviations that legitimately join a mark and a letter: URLs, e-mail
# addresses, domain names, "EU:n"/"ETA:n"/"EU:s" (a case ending after a colon), "P.O.".
# Each stands in the checked text as the word X.
NOT_PROSE = re.compile(
    r"<?\b(?:mailto|https?|imaps?|smtps?|maildir|outbox):\S*"
    r"|\S+@\S+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:fi|se|com|org|net|eu|json|html)\b(?:/\S*)?"
    r"|\b[A-ZÅÄÖ]{2,}:[a-zåäö]{1,3}\b"
    r"|\b(?:[A-Z]\.){2,}"
)
REF = re.escape(REFERENCE)
GLUED = {
    "a word directly before an opening parenthesis": re.compile(r"[^\W\d_]\("),
    "a number directly before a parenthesis that is not a subsection like 12(3)": re.compile(
        r"\d\((?![0-9a-z]{1,3}\))"
    ),
    "a closing parenthesis directly before a word": re.compile(r"\)[^\W_]"),
    "a comma or semicolon directly before a word": re.compile(r"[,;][^\W_]"),
    "a full stop, colon, ! or ? directly before a word": re.compile(r"[.:!?][^\W\d_]"),
    "a space before a comma, semicolon or full stop": re.compile(r"[^\S\n][,;.](?=\s|$)"),
    "two spaces between words": re.compile(r"(?<=\S) {2,}(?=\S)"),
    "the reference glued to what comes before it": re.compile(rf"(?<![\s\[(]){REF}"),
    "the reference glued to what comes after it": re.compile(rf"{REF}(?![\s\].,:;)]|$)"),
}
WORD = re.compile(r"[^\W\d_]+")


def _faults(mail: Rendered) -> list[str]:
    prose = NOT_PROSE.sub("X", mail.text)
    faults = [
        f"{what}: …{prose[max(0, m.start() - 25) : m.end() + 25]!r}…"
        for what, pattern in GLUED.items()
        for m in pattern.finditer(prose)
    ]
    # A word that is in none of the mail's sources was made by gluing two together
    # ("rajoitus" + "päättyy"), when a tag swallowed the space between them.
    known = {"x"} | {word.lower() for word in WORD.findall(mail.sources)}
    faults += [
        f"a word none of its sources has (two glued together?): {word!r}"
        for word in sorted(set(WORD.findall(prose)))
        if word.lower() not in known
    ]
    return faults


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_mail_glues_words_marks_or_the_reference_together(language):
    found = {mail.label: faults for mail in mails(language) if (faults := _faults(mail))}

    assert found == {}


def test_the_fault_finder_finds_the_faults_the_reviewer_found():
    def mail(text: str) -> Rendered:
        return Rendered(
            "example",
            "fi",
            text,
            f"{REFERENCE} pyyntösi mukaisesti rajoitus päättyy tietosuoja asetuksen artikla",
        )

    assert (
        _faults(
            mail(
                f"pyyntösi {REFERENCE} mukaisesti (EU:n tietosuoja-asetuksen "
                "18 artikla), rajoitus päättyy."
            )
        )
        == []
    )
    for glued in (
        f"pyyntösi {REFERENCE} mukaisesti(EU:n tietosuoja-asetuksen 18 artikla)",
        f"pyyntösi {REFERENCE},päättyy",
        f"pyyntösi{REFERENCE} mukaisesti",
        "rajoituspäättyy",
        "rajoitus  päättyy",
        "rajoitus päättyy .",
    ):
        assert _faults(mail(glued)), glued


def test_every_optional_variable_of_a_template_is_rendered_both_ways():
    assert {name for spec in TEMPLATES.values() for name in spec.optional} <= set(OPTIONAL_VALUES)
    assert all(len(values) > 1 for values in OPTIONAL_VALUES.values())


# ---------------------------------------------------------------- English left in fi / sv

ENGLISH = {
    "the",
    "and",
    "you",
    "your",
    "we",
    "our",
    "is",
    "are",
    "of",
    "to",
    "for",
    "with",
    "from",
    "this",
    "that",
    "not",
    "please",
    "reply",
    "request",
    "requests",
    "mail",
    "email",
    "message",
    "subject",
    "reference",
    "newsletter",
    "privacy",
    "dear",
    "hello",
    "regards",
    "thanks",
    "customer",
    "letter",
    "mailbot",
    "queue",
    "sent",
    "failed",
    "none",
}
# English only in Finnish text: "Finland" and "register" are Swedish words too.
ENGLISH_IN = {"fi": ENGLISH | {"finland", "register"}, "sv": ENGLISH}
# Names, addresses, products and commands that may stand in any language.
ALLOWED = {"json", "html", "oy", "leffat", "kotka", "kotkan", "rekisteri"}


def _english_words(text: str, language: str) -> set[str]:
    words = {word.lower() for word in WORD.findall(NOT_PROSE.sub("X", text))}
    return (words & ENGLISH_IN[language]) - ALLOWED


@pytest.mark.parametrize("language", ("fi", "sv"))
def test_no_english_words_in_finnish_or_swedish_mails(language):
    found = {
        mail.label: words
        for mail in mails(language)
        if (words := _english_words(mail.text, language))
    }

    assert found == {}


# Placeholders, command lines, options and their values, setting keys, file columns and
# header names: staff type or read them as they are.
COMMAND = re.compile(
    r"\{\w+\}|`[^`]*`|\brekisteri(?: [a-z_-]+)+|--[\w-]+(?: [a-z_]+)?"
    r"|\b\w+(?:[_.]\w+)+\b|\bsarake \w+|\b[A-Z][\w-]*-ID\b"
    r"|\b(?:starttls|cafile|auto|required|register|marketing)\b"
)


@pytest.mark.parametrize("language", ("fi", "sv"))
def test_no_english_words_in_the_finnish_or_swedish_catalogue(language):
    found = {
        key: words
        for key, value in catalog(language).items()
        if (words := _english_words(COMMAND.sub(" ", value), language))
    }

    assert found == {}


def test_the_finnish_newsletter_names_the_country_in_finnish():
    (newsletter,) = [mail for mail in mails("fi") if "/newsletter " in mail.label]

    assert "Finland" not in newsletter.text
    assert "Kotka, Suomi" in newsletter.text


# ---------------------------------------------------------------- counts


# The parameters that are counts.  A count can be 1, so the text around it must read
# right for 1 as well as for many: "Rivejä: 1", not "1 riviä"; "Rows: 1", not "1 rows".
COUNTS = {
    "already",
    "consents_recorded",
    "count",
    "created",
    "customers",
    "days",
    "erased",
    "failed",
    "held_restricted",
    "hours",
    "inbound",
    "judged",
    "mail",
    "messages",
    "minutes",
    "on_time",
    "outbound",
    "purchases",
    "queued",
    "raw",
    "redacted",
    "retry",
    "rows",
    "selected",
    "sent",
    "skipped",
    "skipped_bad",
    "skipped_erased",
    "total",
    "unchanged",
    "updated",
    "vouchers",
    "with_email",
    "without_email",
}
FIELD = re.compile(r"\{(\w+)\}")
ONE = "\x001"  # a count of one, told apart from a literal "1" in the text ("1 kohta")
WRONG_FOR_ONE = {
    # Finnish: a numeral above one takes the partitive (riviä, osumaa, asiakasta); one
    # does not ("1 rivi").  Abbreviations (pv, h, min) and case forms (1 minuuttiin) fit.
    "fi": re.compile(ONE + r" [^\W\d_]*(?:[aeiouyäö][aä]|t[aä])\b"),
    "en": re.compile(ONE + r" [^\W\d_]*[^\Ws]s\b|\(s\)"),
    "sv": re.compile(ONE + r" [^\W\d_]+(?:ar|er|or)\b|\(?:er\)"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_count_in_the_catalogue_reads_right_for_one(language):
    wrong = {}
    for key, value in catalog(language).items():
        if key.startswith("duration.") or key.endswith("_other"):  # the form for many
            continue
        text = FIELD.sub(lambda field: ONE if field.group(1) in COUNTS else "X", value)
        if WRONG_FOR_ONE[language].search(text):
            wrong[key] = value

    assert wrong == {}


# ---------------------------------------------------------------- words the reviewer struck

BAD_PHRASES = {
    r"Jonoon lähtemään": "the queue button: Lisää lähetysjonoon",
    r"(?i)tavoittamattomuus": "an unnatural compound: Ilmoitus: emme tavoittaneet sinua",
    r"(?i)unreachable letter": "an email is not a letter",
    r"nimisarakketta": "a typo: nimisaraketta",
    r"Esikatsele viesti(?!ä)": "Esikatsele viestiä (the object in the partitive)",
    r"säilötään": "säilytetään (säilöä is for preserves)",
    r"pelkistet": "minimisation is supistetaan everywhere",
    r"postiosoitteen pitää": "a postiosoite is a postal address: lähtevän postin palvelin",
    r"Saapuvien kansio|saapuvien osoite": "Saapuvan postin kansio/osoite",
    r"pani kiellon voimaan": "unnatural: the objection came into force",
    r"(?i)otsakkeet": "Otsikkotiedot",
    r"Kesti asti": "Päättyi",
    r"\"Kirjoitettu": "Tiedosto tallennettu",
    r"\"Näyttö\"": "evidence is Todiste (näyttö reads as a screen)",
    r"Näytetty teksti": "the consent wording's version: Suostumustekstin versio",
    r"tuotaisiin rekisteriimme": "tallennettaisiin rekisteriimme",
    r"\bEi pyyntö\b": "Ei tietosuojapyyntö",
    r"Henkilöllisyys tarkistettu": "identity is varmistettu everywhere",
    r"kirjanpitoaineisto, kuusi vuotta": "the kept list has more than bookkeeping records",
    r"\brows?\(s\)|mail\(s\)|\b1 rows\b": "a count that reads right for one",
    r"»[^»«\n]*«": "Finnish quotation marks are »…» (or ”…”), not »…«",
    r"hänestä tallennetut|ymmärtäessään että": "the seed notice's slips",
    r"(?<!rekisteri )\b[Mm]ailbot lähettää": "postirobotti in Finnish",
}


def _catalogue_and_template_files() -> list[Path]:
    return sorted([*LOCALE_DIR.glob("*.toml"), *TEMPLATE_DIR.rglob("*.j2")])


def test_the_struck_phrases_appear_nowhere_in_the_catalogue_or_the_templates():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {why}: {line.strip()}"
        for path in _catalogue_and_template_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for pattern, why in BAD_PHRASES.items()
        if re.search(pattern, line)
    ]

    assert found == []


def test_the_finnish_privacy_notice_has_none_of_the_seeds_slips():
    notice = " ".join(localized(text, "fi") for text in _strings_by_language(SETTINGS.notice))

    for slip in ("säilötään", "hänestä tallennetut", "ymmärtäessään että", "henkilöä pyydetään"):
        assert slip not in notice, slip


def _strings_by_language(notice: Any) -> Iterator[dict[str, str]]:
    for item in dataclasses.astuple(notice):
        if isinstance(item, dict):
            yield item


# ---------------------------------------------------------------- one word for one thing


@pytest.mark.parametrize("language", ("fi", "en"))
def test_the_key_help_names_each_tab_as_the_tab_bar_does(language):
    words = catalog(language)
    tabs = {
        "tui.request.tab": ("message", "candidates", "thread", "calls", "trail"),
        "tui.customer.tab": ("data", "consents", "purchases", "requests"),
    }
    for prefix, names in tabs.items():
        for name in names:
            on_the_tab = words[f"{prefix}.{name}"].split(" ", 1)[1]  # "2 Asiakas"
            assert words[f"tui.key.tab_{name}"] == on_the_tab, name


def test_identity_is_confirmed_with_one_word_on_every_screen_and_in_the_package():
    words = catalog("fi")

    assert words["status.verified"] == words["package.status.verified"]
    assert "varmistettu" in words["package.action.request_verified"]
    assert words["tui.status_short.verified"].lower() == "varmistettu"


PLURALS = {
    ("cli.rows", 1): {"fi": "1 rivi", "sv": "1 row", "en": "1 row"},
    ("cli.rows", 2): {"fi": "2 riviä", "sv": "2 rows", "en": "2 rows"},
    ("tui.customers.found", 1): {"fi": "1 osuma", "en": "1 match"},
    ("tui.customers.found", 2): {"fi": "2 osumaa", "en": "2 matches"},
    ("tui.health.failed_mail", 1): {
        "fi": "⚠ 1 lähtevä viesti epäonnistui: avaa Lähtevä posti (l).",
        "en": "⚠ 1 outgoing mail failed: open Outgoing mail (l).",
    },
    ("tui.health.failed_mail", 2): {
        "fi": "⚠ 2 lähtevää viestiä epäonnistui: avaa Lähtevä posti (l).",
        "en": "⚠ 2 outgoing mails failed: open Outgoing mail (l).",
    },
    ("cli.rows", 12345): {"fi": "12\u00a0345 riviä", "en": "12,345 rows"},
}


@pytest.mark.parametrize(("key", "count"), sorted(PLURALS))
def test_a_count_chooses_its_form_through_babels_plural_rules(key, count):
    for language, expected in PLURALS[key, count].items():
        assert translate(key, language, count=count) == expected, language


@pytest.mark.parametrize("language", ("fi", "en", "sv"))
def test_every_plural_message_has_a_form_for_one_and_for_many(language):
    words = catalog(language)
    for key in words:
        if key.endswith("_one") and not key.startswith("duration."):  # "yksi kuukausi"
            other = key.removesuffix("_one") + "_other"
            assert other in words, key
            assert set(FIELD.findall(words[key])) == set(FIELD.findall(words[other])), key


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_mail_greets_by_the_first_name(language):
    greeting = {"fi": "Hei", "sv": "Hej", "en": "Hello"}[language]
    for mail in mails(language):
        if "name=True" in mail.label or "/breach_notice " in mail.label:
            lines = [line for line in mail.text.splitlines() if line.startswith(greeting)]
            assert lines == [f"{greeting} Pirjo,"], mail.label
    assert first_name("Pirjo Niemelä") == "Pirjo"
    assert first_name("Niemelä, Pirjo") == "Pirjo"
    assert first_name("L. Laine") == "L. Laine"
    assert first_name("  ") == ""


def test_dates_and_times_come_from_cldr():
    moment = datetime(2026, 12, 3, 13, 27, tzinfo=UTC)
    assert [format_datetime(moment, language) for language in ("fi", "sv", "en")] == [
        "3.12.2026 klo 15.27",
        "3 december 2026 kl. 15.27",
        "3 December 2026 at 15:27",
    ]
    source = (ROOT / "store" / "i18n.py").read_text(encoding="utf-8")
    assert "huhtikuu" not in source and '"April"' not in source and '"april"' not in source


def _if_variables(source: str) -> set[str]:
    """The context variables an ``{% if %}`` of a template tests (found in Jinja's AST)."""
    from jinja2 import nodes

    from mailbot.templates import environment

    tree = environment().parse(source)
    found: set[str] = set()
    for test in tree.find_all(nodes.If):
        for name in test.test.find_all(nodes.Name):
            found.add(name.name)
    # Names the template sets itself ({% set %}, a macro's or a loop's own) are no context.
    own = {name.name for name in tree.find_all(nodes.Name) if name.ctx in ("store", "param")}
    return found - own


# Variables an {% if %} tests that the variants vary some other way: the name (with and
# without), the request (REQUEST_OPTIONAL), the newsletter's links and body, the loop
# variables of a template's own {% for %}.
VARIED_ELSEWHERE = {"name", "request", "loop"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_if_block_of_every_template_is_rendered_both_ways(language):
    varied = set(OPTIONAL_VALUES) | set(BREACH_OPTIONAL) | VARIED_ELSEWHERE
    settings_names = {"controller", "notice", "settings", "language"}
    missing = {}
    for path in sorted((TEMPLATE_DIR / language).glob("*.j2")):
        tested = _if_variables(path.read_text(encoding="utf-8")) - settings_names
        if tested - varied:
            missing[path.name] = sorted(tested - varied)

    assert missing == {}
