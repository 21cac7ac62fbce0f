"""The privacy notice (Art. 13), the record of processing (Art. 30) and the data package
(Art. 15) say the same facts, each from one setting, in every language and format."""

from __future__ import annotations

import html
import json
from datetime import timedelta
from pathlib import Path

import pytest

from cli.main import main
from store import breaches, clock, lifecycle
from store.config import LANGUAGES, load_settings
from store.consent import record_consent
from store.documents import FORMATS, render
from store.erasure import erase_customer
from store.facts import information
from store.models import Request, Restriction
from store.notice import NOTICE_SECTIONS, build_notice
from store.package import build_package
from store.record import build_record
from tests.support.factories import make_customer

OMBUDSMAN = {
    "fi": "Tietosuojavaltuutetun toimisto",
    "sv": "Dataombudsmannens byrå",
    "en": "Office of the Data Protection Ombudsman",
}
NEWSLETTER_LINK = {
    "fi": "Jokaisessa uutiskirjeessämme on linkki",
    "sv": "Varje nyhetsbrev har en länk",
    "en": "Every newsletter has a link",
}

SEED_STATEMENTS = (
    # The company's own notice (the seed), field by field, as a fresh install prints it; its
    # Finnish slips corrected (säilytetään, itsestäsi, one "you" throughout: issue 16).
    "Rekisterin nimi",
    "Asiakasrekisteri",
    "Henkilötietojen käsittelyn tarkoitus",
    "markkinointi",
    "Rekisterin sisältämät tiedot",
    "nimi, asiakasnumero, osoite, puhelinnumero, sähköpostiosoite",
    "Tietolähteet",
    "Asiakas voi itse vapaaehtoisesti liittyä yrityksemme "
    "sähköpostilistalle. Lisäksi, jos asiakas haluaa tehdä lippuvarauksia, hänen tulee "
    "rekisteröityä lipunmyyntijärjestelmäämme.",
    "Tietojen luovuttaminen",
    "Emme luovuta tietoja kolmansille osapuolille.",
    "Tietojen siirto EU:n ulkopuolelle",
    "Tietoja ei luovuteta EU:n tai ETA-alueen ulkopuolelle.",
    "Ulkopuolisten palveluntuottajien vastuu",
    "Henkilötietoja käsitellään omalla palvelimella, joka sijaitsee Suomessa.",
    "Henkilötietojen säilytysaika",
    "Asiakkuustiedot tuhotaan viimeistään kaksi kuukautta asiakassuhteen päättymisen jälkeen.",
    "henkilötiedot säilytetään, kunnes asiakas peruu suostumuksensa.",
    "Kirjanpitoaineisto säilytetään kirjanpitolain mukaisesti kuusi vuotta.",
    "Rekisterin tiedostustavat",
    "Samassa lomakkeessa on erillinen kohta",
    "Rekisterin suojaus",
    "Salasanat vaihdetaan säännöllisesti.",
    "Käyttäjiä sitoo vaitiolovelvollisuus.",
    "Tero Lindqvist, toimitusjohtaja, tero.lindqvist@kotkanleffat.fi",
    "Henkilön oikeus omiin tietoihinsa",
    "Tiedot lähetetään tarkistussoiton jälkeen antamaasi sähköpostiosoitteeseen.",
    "Tietojen muutokset hoidetaan sähköpostitse.",
    "Jokaisessa uutiskirjeessämme on linkki, jonka kautta voit nähdä itsestäsi tallennetut "
    "tiedot ja tarvittaessa muuttaa niitä.",
    "Kotkan Leffat Oy / tietosuojavastaava Tero Lindqvist tiedottaa mahdollisesta "
    "tietovuodosta tietosuojaviranomaisille sekä asiakkaille viipymättä.",
)


def flat(text: str) -> str:
    """What a reader sees: entities decoded, Markdown escapes and line wrapping gone."""
    text = html.unescape(text).replace("\\", "")
    return " ".join(text.split())


def art_13_facts(language: str) -> list[str]:
    """Every fact Art. 13 asks for, as the default configuration states it."""
    settings = load_settings(environ={})
    info = information(settings, language)
    controller = settings.controller
    facts = [
        controller.name,
        controller.privacy_inbox,
        controller.contact_person,
        controller.contact_email,
        controller.privacy_officer,
        controller.privacy_officer_email,
        OMBUDSMAN[language],
        NEWSLETTER_LINK[language],
    ]
    for entry in info["purposes"]:
        facts += [entry["purpose"], entry["legal_basis"]]
    facts += [
        info[item]
        for item in (
            "register_name",
            "data_categories",
            "provision_requirement",
            "sources",
            "recipients",
            "transfers",
            "processors",
            "retention",
            "security",
            "automated_decisions",
            "rights",
            "how_to_use_rights",
            "complaint",
            "informing",
            "breaches",
            "access_to_register",
        )
    ]
    return facts


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_notice_has_every_art_13_item_in_each_language_and_format(language, fmt):
    settings = load_settings(environ={})
    document = build_notice(settings, language)

    assert [section.key for section in document.sections] == list(NOTICE_SECTIONS)
    shown = flat(render(document, fmt))
    missing = [fact for fact in art_13_facts(language) if flat(fact) not in shown]
    assert missing == []
    if language == "fi":
        assert "kaksi kuukautta" in shown and "kuusi vuotta" in shown
    # People who wrote to us but are not customers (issue 18 item 8): their own limit.
    assert {
        "fi": "todisteena pyyntöön vastaamisesta kaksitoista kuukautta pyynnön sulkemisesta",
        "sv": "som bevis på handläggningen i tolv månader efter att ärendet avslutats",
        "en": "proof of how it was handled for twelve months after it was closed",
    }[language] in shown
    if fmt == "html":
        assert f'<html lang="{language}">' in render(document, fmt)


def test_a_fresh_install_prints_the_seed_notice_with_what_art_13_adds(capsys):
    assert main(["notice", "--lang", "fi"]) == 0

    shown = flat(capsys.readouterr().out)
    assert [statement for statement in SEED_STATEMENTS if flat(statement) not in shown] == []
    for added in (
        "Oikeutettu etu (6 artiklan 1 kohdan f alakohta)",  # a basis per purpose
        "Suostumus (6 artiklan 1 kohdan a alakohta",
        "Tietosuojavastaava ------------------ Tero Lindqvist, "
        "tietosuoja@kotkanleffat.fi",  # the DPO's contact
        "Tietojen antaminen on vapaaehtoista",  # 13(2)(e)
        "automaattiseen päätöksentekoon",  # 13(2)(f)
        "Tietosuojavaltuutetun toimisto",
    ):  # 13(2)(d)
        assert flat(added) in shown, added


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_record_has_every_art_30_item_and_the_figures(db, frozen_clock, language):
    settings = load_settings(environ={})
    info = information(settings, language)
    shown = flat(render(build_record(settings, language), "md"))

    expected = [
        settings.controller.name,
        settings.controller.privacy_inbox,
        settings.controller.privacy_officer,
        info["people_categories"],
        info["data_categories"],
        info["recipients"],
        info["transfers"],
        info["retention"],
        info["processors"],
        info["security"],
    ]
    expected += [text for entry in info["purposes"] for text in entry.values()]
    assert [fact for fact in expected if flat(fact) not in shown] == []
    record = build_record(settings, language)
    assert {
        "controller",
        "purposes",
        "people_categories",
        "data_categories",
        "recipients",
        "transfers",
        "retention",
        "security",
        "figures_customers",
        "figures_requests",
        "figures_restrictions",
        "figures_breaches",
    } <= {s.key for s in record.sections}
    limits = " ".join(item.text for item in record.section("retention").items)
    assert {"fi": "kaksi kuukautta", "sv": "två månader", "en": "two months"}[language] in limits
    assert {"fi": "kaksitoista kuukautta", "sv": "tolv månader", "en": "twelve months"}[
        language
    ] in limits


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_package_carries_the_same_facts_in_each_language(db, frozen_clock, language):
    settings = load_settings(environ={})
    customer = make_customer(language=language)
    package = build_package(customer, language=language, settings=settings, actor="anna")
    shown = flat(package.html)
    info = information(settings, language)

    for item in (
        "data_categories",
        "recipients",
        "transfers",
        "retention",
        "sources",
        "automated_decisions",
        "rights",
        "how_to_use_rights",
        "complaint",
    ):
        assert package.document["information"][item] == info[item]
        assert flat(info[item]) in shown, item
    assert package.document["information"]["purposes"] == info["purposes"]
    assert (
        package.document["controller"]["privacy_officer_email"]
        == settings.controller.privacy_officer_email
    )


# ---------------------------------------------------------------- one setting, every document

CHANGES = [
    # (TOML, what the documents must now say, what they must no longer say)
    (
        '[controller]\nprivacy_officer = "Liisa Laaksonen"\n',
        "Liisa Laaksonen",
        "tietosuojavastaava Tero Lindqvist",
    ),
    ("[retention]\nmonths_after_relationship = 3\n", "kolme kuukautta", "kaksi kuukautta"),
    (
        "[retention]\nnon_customer_requests_months = 6\n",
        "vastaamisesta kuusi kuukautta pyynnön sulkemisesta",
        "kaksitoista kuukautta",
    ),
    (
        '[notice.recipients]\nfi = "Lipunmyynnin kumppani Oy saa nimesi ja varauksesi."\n',
        "Lipunmyynnin kumppani Oy saa nimesi ja varauksesi.",
        "Emme luovuta tietoja kolmansille osapuolille.",
    ),
    (
        '[notice.transfers]\nfi = "Varmuuskopiot säilytetään Norjassa (ETA)."\n',
        "Varmuuskopiot säilytetään Norjassa (ETA).",
        "Tietoja ei luovuteta EU:n",
    ),
]


@pytest.mark.parametrize(("toml", "now_says", "no_longer"), CHANGES)
def test_one_changed_setting_changes_the_notice_the_record_and_the_next_package(
    db, frozen_clock, tmp_path, capsys, toml, now_says, no_longer
):
    config = tmp_path / "rekisteri.toml"
    config.write_text(toml, encoding="utf-8")
    customer = make_customer(customer_no="T000777")

    def output(*argv: str) -> str:
        assert main(["--config", str(config), *argv]) == 0
        return flat(capsys.readouterr().out)

    notice = output("notice", "--lang", "fi")
    record = output("notice", "--record")
    record_json = output("notice", "--record", "--json")
    output("export", customer.customer_no, "--out", str(tmp_path / "package"), "--language", "fi")
    package = [
        flat(path.read_text(encoding="utf-8")) for path in sorted((tmp_path / "package").iterdir())
    ]

    for document in (notice, record, record_json, *package):
        assert now_says in document
        assert no_longer not in document


def test_a_placeholder_the_settings_do_not_know_is_refused(tmp_path, capsys):
    config = tmp_path / "rekisteri.toml"
    config.write_text('[notice.breaches]\nfi = "{controller.dpo} ilmoittaa."\n', encoding="utf-8")

    assert main(["--config", str(config), "notice"]) == 1

    error = capsys.readouterr().err
    assert "notice.breaches.fi" in error and "{controller.dpo}" in error
    assert "Traceback" not in error


def test_purposes_are_a_list_each_with_its_legal_basis(tmp_path, capsys):
    config = tmp_path / "rekisteri.toml"
    config.write_text(
        '[[notice.purposes]]\npurpose.fi = "Elokuvakerho"\n'
        'legal_basis.fi = "Jäsenyyssopimus (6 artiklan 1 kohdan b alakohta)."\n',
        encoding="utf-8",
    )

    assert main(["--config", str(config), "notice", "--format", "md"]) == 0

    shown = capsys.readouterr().out
    assert "- **Elokuvakerho:** Jäsenyyssopimus (6 artiklan 1 kohdan b alakohta)." in shown
    assert "Asiakassuhteen hoitaminen" not in shown  # a list in a file replaces the list


# ---------------------------------------------------------------- the figures (Art. 5(2))


def test_the_record_counts_the_register_and_the_requests_of_twelve_months(db, frozen_clock, capsys):
    from tests.support.factories import make_staff

    make_staff("anna")  # breach acts ask whether their member is enabled
    now = clock.now()
    make_customer(email="a@example.fi", sources=("ticketing",))  # a ticket buyer only
    both = make_customer(
        email="b@example.fi", phone="0401111111", sources=("ticketing", "newsletter")
    )
    subscriber = make_customer(email="c@example.fi", phone=None, sources=("newsletter",))
    restricted = make_customer(email="d@example.fi", phone="0402222222")
    gone = make_customer(email="e@example.fi", phone="0403333333")
    for customer in (both, subscriber, restricted):
        record_consent(customer, "marketing", True, channel="newsletter_signup", actor="@cli")
    Restriction.create(customer=restricted, ground="legal_claims", started_at=now)
    erase_customer(gone, actor="anna", settings=load_settings(environ={}))

    def request(
        kind: str, received_days_ago: int, *, status: str, closed_days_ago: int | None = None
    ) -> Request:
        made = lifecycle.create_request(
            kind=kind, actor="@mailbot", received_at=now - timedelta(days=received_days_ago)
        )
        closed = now - timedelta(days=closed_days_ago) if closed_days_ago is not None else None
        Request.update(status=status, closed_at=closed).where(Request.id == made.id).execute()
        return made

    request("access", 40, status="fulfilled", closed_days_ago=30)  # on time
    request("erasure", 100, status="rejected", closed_days_ago=20)  # late
    request("other", 10, status="dismissed", closed_days_ago=9)  # not a request: not judged
    oldest = request("rectification", 45, status="awaiting_verification")  # open, past due
    request("restriction", 3, status="received")  # open, not yet due
    request("access", 400, status="fulfilled", closed_days_ago=390)  # before the period
    breach = breaches.record_breach(
        discovered_at=now - timedelta(days=60), what="Hukattu muisti", actor="anna"
    )
    breaches.decide(breach, "authority", True, "riski", decided_by="Tero", actor="anna")
    breaches.record_filing(breach, filed_by="Tero", actor="anna", at=now - timedelta(days=59))

    assert main(["notice", "--record", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)["figures"]

    assert figures["customers"] == {
        "in_register": 4,
        "by_source": {"ticketing": 3, "newsletter": 2},
        "marketing_consent": 3,
        "marketing_list": 2,
        "erased": 1,
    }
    requests = figures["requests"]
    assert requests["received"] == 5
    assert requests["by_kind"]["access"] == {
        "fulfilled": 1,
        "rejected": 0,
        "dismissed": 0,
        "open": 0,
    }
    assert requests["by_kind"]["erasure"]["rejected"] == 1
    assert requests["by_kind"]["restriction"]["open"] == 1
    assert (requests["answered"], requests["answered_on_time"], requests["open_past_due"]) == (
        2,
        1,
        1,
    )
    assert requests["on_time_share"] == pytest.approx(1 / 3, abs=1e-4)
    assert requests["longest_open"]["reference"] == oldest.reference
    assert requests["longest_open"]["days_open"] == 45 and requests["longest_open"]["past_due"]
    assert figures["restrictions"]["active"] == 1
    assert figures["breaches"]["recorded"] == 1
    assert figures["breaches"]["authority_notified"] == 1
    assert figures["breaches"]["notified_late"] == 0

    assert main(["notice", "--record", "--lang", "fi"]) == 0
    text = flat(capsys.readouterr().out)
    assert f"Pisimpään avoinna ollut pyyntö: {oldest.reference} (Oikaisupyyntö)" in text
    assert "Vastattu määräajassa: 33,3 % (1/3" in text


def test_the_notice_is_written_to_a_file_and_json_needs_the_record(tmp_path, capsys):
    out = tmp_path / "seloste" / "tietosuojaseloste.html"

    assert main(["notice", "--lang", "sv", "--format", "html", "--out", str(out)]) == 0
    assert main(["notice", "--json"]) == 1

    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Dataskyddsbeskrivning" in page
    assert "<script" not in page and "src=" not in page
    assert "--record" in capsys.readouterr().err


def test_the_record_refuses_a_database_without_a_schema(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("REKISTERI_DB", f"sqlite:///{tmp_path / 'empty.db'}")

    assert main(["notice", "--record"]) == 1

    assert "init" in capsys.readouterr().err


def test_the_embedded_defaults_name_each_fact_once():
    """A fact the [controller] table holds is never typed again in a [notice] text."""
    text = (Path(__file__).resolve().parents[1] / "store" / "defaults.toml").read_text(
        encoding="utf-8"
    )
    notice = text[text.index("[notice.register_name]") :]
    settings = load_settings(environ={})
    for fact in (
        settings.controller.name,
        settings.controller.contact_person,
        settings.controller.contact_email,
        settings.controller.privacy_inbox,
    ):
        assert fact not in notice, fact
