"""The notification for the Data Protection Ombudsman: every Art. 33(3) item, in Finnish."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from cli.main import main
from store import breaches, clock
from store.breach_authority import MISSING, authority_text, missing_items
from store.config import Settings, load_settings
from tests.support.factories import make_customer


@pytest.fixture(autouse=True)
def anna_on_staff(db):
    """The staff member who acts in these tests (every act asks whether its member is
    enabled)."""
    from tests.support.factories import make_staff

    make_staff("anna")


@pytest.fixture
def controller_settings() -> Settings:
    settings = load_settings(environ={})
    controller = dataclasses.replace(
        settings.controller, business_id="1234567-8", address="Keskuskatu 1, 48100 Kotka"
    )
    return dataclasses.replace(settings, controller=controller)


def complete_breach(discovered_hours_ago: float = 20) -> breaches.Breach:
    now = clock.now()
    breach = breaches.record_breach(
        discovered_at=now - timedelta(hours=discovered_hours_ago),
        occurred_at=now - timedelta(hours=discovered_hours_ago + 30),
        what="Asiakasrekisterin varmuuskopio oli julkisesti ladattavissa verkkopalvelimelta.",
        actor="anna",
        how_discovered="Tietoturvatutkija ilmoitti sähköpostitse.",
        natures=["confidentiality"],
        people_categories="lippupalvelun asiakkaat ja uutiskirjeen tilaajat",
        people_count=1200,
        data_categories="nimi, sähköpostiosoite, puhelinnumero, osoite",
        records_count=4800,
        consequences="Tietojenkalasteluviestit asiakkaiden osoitteisiin.",
        measures_taken="Tiedosto poistettiin ja palvelimen pääsy rajattiin.",
        measures_proposed="Varmuuskopiot salataan jatkossa.",
        contact_name="Tero Lindqvist",
        contact_email="tero.lindqvist@kotkanleffat.fi",
        contact_phone="040 1234567",
    )
    breaches.decide(
        breach, "people", True, "Suuri riski tietojenkalastelusta.", decided_by="tero", actor="anna"
    )
    return breach


def test_the_text_holds_every_item_of_article_33_3(db, frozen_clock, controller_settings):
    breach = complete_breach()

    text = authority_text(breach, controller_settings)

    items = {
        "controller": ["Kotkan Leffat Oy", "Y-tunnus: 1234567-8", "Keskuskatu 1, 48100 Kotka"],
        # (a) nature, with categories and approximate numbers of people and of records
        "nature": [
            "LOUKKAUKSEN LUONNE",
            breach.what,
            "luottamuksellisuuden menetys",
            "Rekisteröityjen ryhmät: lippupalvelun asiakkaat ja uutiskirjeen tilaajat",
            "Rekisteröityjen arvioitu lukumäärä: noin 1\u00a0200",
            "Henkilötietoryhmät: nimi, sähköpostiosoite, puhelinnumero, osoite",
            "Henkilötietotietueiden arvioitu lukumäärä: noin 4\u00a0800",
        ],
        # (b) the contact point
        "contact": [
            "YHTEYSPISTE",
            "Tero Lindqvist",
            "tero.lindqvist@kotkanleffat.fi",
            "040 1234567",
        ],
        # (c) likely consequences
        "consequences": ["TODENNÄKÖISET SEURAUKSET", breach.consequences],
        # (d) measures taken and proposed
        "measures": ["TOIMENPITEET", breach.measures_taken, breach.measures_proposed],
        "times": [
            "Loukkaus havaittiin: 9.3.2026 klo 16.00",
            "72 tunnin määräaika päättyy: 12.3.2026 klo 16.00",
            "Tietoturvatutkija ilmoitti",
        ],
        "delay": ["VIIVÄSTYKSEN SYYT", "72 tunnin kuluessa"],
        "people": ["Rekisteröidyille ilmoitetaan. Perustelu: Suuri riski"],
    }
    for item, fragments in items.items():
        for fragment in fragments:
            assert fragment in text, (item, fragment)
    assert MISSING not in text
    assert "puuttuu" not in text
    assert missing_items(breach) == []


def test_a_late_notification_gives_the_reasons_for_the_delay(db, frozen_clock, controller_settings):
    breach = complete_breach(discovered_hours_ago=80)
    assert missing_items(breach) == ["delay_reason"]
    text = authority_text(breach, controller_settings)
    assert "yli 72 tuntia" in text
    assert MISSING in text.split("VIIVÄSTYKSEN SYYT")[1]

    breaches.update_breach(
        breach, "anna", delay_reason="Palveluntarjoaja vahvisti vuodon laajuuden vasta nyt."
    )
    text = authority_text(breach, controller_settings)
    assert "Palveluntarjoaja vahvisti vuodon laajuuden vasta nyt." in text
    assert missing_items(breach) == []


def test_what_is_not_known_yet_is_marked_and_named(db, frozen_clock):
    breach = breaches.record_breach(
        discovered_at=clock.now() - timedelta(hours=1), what="Kadonnut muistitikku.", actor="anna"
    )
    text = authority_text(breach, load_settings(environ={}))
    assert "Kadonnut muistitikku." in text
    assert text.count(MISSING) >= 8
    assert "(puuttuu asetuksista: [controller] business_id)" in text
    assert "täydennämme ilmoitusta" in text  # Art. 33(4): in phases
    assert missing_items(breach) == [
        "natures",
        "people_categories",
        "people_count",
        "data_categories",
        "records_count",
        "consequences",
        "measures_taken",
        "measures_proposed",
        "contact",
    ]


def test_the_text_counts_the_notices_and_a_second_filing_is_a_supplement(
    db, frozen_clock, controller_settings
):
    from mailbot.breach_notices import queue_breach_notices
    from store.mailings import Selection

    breach = complete_breach()
    make_customer(email="a@example.fi")
    make_customer(email=None)
    queue_breach_notices(
        breach, Selection(everyone=True), settings=controller_settings, actor="anna"
    )
    breaches.decide(breach, "authority", True, "Laaja vuoto.", decided_by="tero", actor="anna")
    breaches.record_filing(breach, filed_by="tero", actor="anna")

    text = authority_text(breach, controller_settings)

    assert "0 lähetetty, 1 lähtövalmiina, 0 epäonnistunut" in text
    assert "Rekisteröityjä ilman sähköpostiosoitetta (heille ilmoitetaan muulla tavoin): 1." in text
    assert "Täydentävä ilmoitus. Alkuperäinen ilmoitus tehtiin 10.3.2026 klo 12.00." in text


def test_the_command_prints_the_text_and_names_what_is_missing(db, frozen_clock, capsys):
    breach = breaches.record_breach(
        discovered_at=clock.now() - timedelta(hours=1), what="Kadonnut muistitikku.", actor="anna"
    )
    assert main(["breach", "authority-text", str(breach.id)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("ILMOITUS TIETOTURVALOUKKAUKSESTA\n")
    assert "Kadonnut muistitikku." in out
    assert "Puuttuu vielä: loukkauksen tyyppi" in err
