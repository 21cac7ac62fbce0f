"""The consent ledger: every event kept, the state derived, a withdrawal effective at once."""

import json
from datetime import timedelta

import pytest

from cli.main import main
from store import clock
from store.consent import (
    consent_state,
    has_consent,
    history,
    is_suppressed,
    may_receive_marketing,
    record_consent,
    record_form_consents,
)
from store.errors import InvalidInput
from store.models import ConsentEvent, Restriction
from tests.support.factories import make_customer


def marketing_list(capsys) -> list[str]:
    capsys.readouterr()
    assert main(["marketing-list", "--json"]) == 0
    return [row["customer_no"] for row in json.loads(capsys.readouterr().out)]


def test_the_state_is_the_latest_event_and_every_event_is_kept(db, frozen_clock):
    customer = make_customer()
    record_consent(
        customer,
        "marketing",
        True,
        channel="newsletter_signup",
        actor="@cli",
        evidence="signup form 2026-03-10",
        wording_version="uutiskirje-v2",
    )
    frozen_clock(clock.now() + timedelta(hours=1))
    record_consent(
        customer,
        "marketing",
        False,
        channel="newsletter_link",
        actor="@mailbot",
        evidence="<unsub-1@example.fi>",
    )
    state = consent_state(customer)
    assert not state["marketing"].given and state["marketing"].channel == "newsletter_link"
    assert state["register"].at is None
    assert [(e.given, e.channel, e.wording_version) for e in history(customer)] == [
        (True, "newsletter_signup", "uutiskirje-v2"),
        (False, "newsletter_link", ""),
    ]


def test_a_withdrawal_takes_the_person_off_the_marketing_list_at_once(db, frozen_clock, capsys):
    anna = make_customer(first_name="Anna", email="anna@example.fi", phone="0401111111")
    ville = make_customer(first_name="Ville", email="ville@example.fi", phone="0402222222")
    for customer in (anna, ville):
        record_consent(
            customer, "marketing", True, channel="website_form", actor="@cli", evidence="form"
        )
    assert marketing_list(capsys) == sorted([anna.customer_no, ville.customer_no])
    record_consent(
        anna, "marketing", False, channel="email_request", actor="@mailbot", evidence="mail"
    )  # the same instant: the later event wins
    assert marketing_list(capsys) == [ville.customer_no]
    assert not may_receive_marketing(anna) and may_receive_marketing(ville)


def test_nobody_restricted_erased_or_without_address_gets_marketing(db, frozen_clock, capsys):
    restricted = make_customer(email="r@example.fi", phone="0403333333")
    erased = make_customer(email="e@example.fi", phone="0404444444")
    no_email = make_customer(email=None, phone="0405555555")
    register_only = make_customer(email="o@example.fi", phone="0406666666")
    for customer in (restricted, erased, no_email):
        record_consent(customer, "marketing", True, channel="website_form", actor="@cli")
    record_consent(register_only, "register", True, channel="website_form", actor="@cli")
    Restriction.create(customer=restricted, started_at=clock.now(), ground="legal claim")
    erased.erased_at = clock.now()
    erased.save()
    assert marketing_list(capsys) == []


def test_the_website_forms_two_checkboxes_map_onto_the_two_purposes(db, frozen_clock):
    customer = make_customer()
    events = record_form_consents(
        customer,
        {"register_consent": "on", "marketing_consent": ""},
        actor="@mailbot",
        evidence="<form-1@example.fi>",
        wording_version="lomake-2026",
    )
    assert [(e.purpose, e.given, e.channel) for e in events] == [
        ("register", True, "website_form"),
        ("marketing", False, "website_form"),
    ]
    assert has_consent(customer, "register") and not has_consent(customer, "marketing")
    # The same form again records nothing new.
    assert (
        record_form_consents(
            customer,
            {"register_consent": "on", "marketing_consent": ""},
            actor="@mailbot",
            evidence="<form-2@example.fi>",
        )
        == []
    )


def test_a_withdrawn_address_is_never_resubscribed_by_an_import(db, frozen_clock, tmp_path, capsys):
    customer = make_customer(email="liisa@example.fi", sources=("newsletter",))
    record_consent(customer, "marketing", True, channel="newsletter_signup", actor="@cli")
    record_consent(customer, "marketing", False, channel="newsletter_link", actor="@mailbot")
    assert is_suppressed("Liisa@Example.fi")
    later = (clock.now() + timedelta(days=1)).astimezone(clock.HELSINKI).date().isoformat()
    csv = tmp_path / "uutiskirje.csv"
    csv.write_text(
        "first_name,last_name,email,marketing_consent,consent_at\n"
        f"Liisa,Virtanen,liisa@example.fi,kyllä,{later}\n",
        encoding="utf-8",
    )
    assert main(["import", "customers", str(csv), "--source", "newsletter"]) == 0
    assert marketing_list(capsys) == []
    # Signing up again herself is a new consent, and it counts.
    record_consent(
        customer,
        "marketing",
        True,
        channel="newsletter_signup",
        actor="@cli",
        evidence="signup form",
    )
    assert not is_suppressed("liisa@example.fi")
    assert marketing_list(capsys) == [customer.customer_no]


def test_unknown_purposes_and_channels_are_refused(db, frozen_clock):
    customer = make_customer()
    with pytest.raises(InvalidInput):
        record_consent(customer, "profiling", True, channel="staff", actor="@cli")
    with pytest.raises(InvalidInput):
        record_consent(customer, "marketing", True, channel="fax", actor="@cli")
    assert ConsentEvent.select().count() == 0


def test_staff_record_and_read_consent_from_the_command_line(db, frozen_clock, capsys):
    customer = make_customer()
    assert (
        main(
            [
                "consent",
                "give",
                customer.customer_no,
                "--purpose",
                "marketing",
                "--evidence",
                "asked at the box office, signed form 17",
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "consent",
                "withdraw",
                customer.customer_no,
                "--purpose",
                "marketing",
                "--channel",
                "email_request",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["consent", "show", customer.customer_no, "--json"]) == 0
    events = json.loads(capsys.readouterr().out)
    assert [(e["given"], e["channel"], e["evidence"]) for e in events] == [
        (True, "staff", "asked at the box office, signed form 17"),
        (False, "email_request", ""),
    ]
    assert not has_consent(customer, "marketing")
    # Giving consent needs evidence (Art. 7(1)); argparse refuses before anything is stored.
    with pytest.raises(SystemExit):
        main(["consent", "give", customer.customer_no, "--purpose", "marketing"])


def test_consent_lines_and_evidence_are_words_in_the_readers_language(
    db, frozen_clock, capsys, monkeypatch
):
    from store.consent import evidence_text

    monkeypatch.setenv("COLUMNS", "160")  # the evidence on one line
    customer = make_customer(customer_no="100001")
    record_consent(
        customer,
        "register",
        True,
        channel="import",
        actor="@import",
        evidence="import of ticketing.csv, line 2",
    )
    assert (
        main(["consent", "give", "100001", "--purpose", "marketing", "--evidence", "puhelu"]) == 0
    )
    said = capsys.readouterr().out
    assert said == (
        "Kirjattu asiakkaalle 100001: markkinointi (uutiskirje), suostumus annettu "
        "(henkilökunta).\n"
    )
    assert main(["consent", "show", "100001"]) == 0
    finnish = capsys.readouterr().out
    assert "tuotu tiedostosta ticketing.csv, rivi 2" in finnish
    assert "Asiakasrekisteri" in finnish and "tuonti" in finnish and "henkilökunta" in finnish
    for code in ("import of", "line 2", "register", "marketing", "staff"):
        assert code not in finnish, code
    monkeypatch.setenv("REKISTERI_LANG", "en")
    assert main(["consent", "show", "100001"]) == 0
    english = capsys.readouterr().out
    assert "imported from ticketing.csv, line 2" in english and "Customer register" in english
    assert main(["consent", "show", "100001", "--json"]) == 0
    [imported, _] = json.loads(capsys.readouterr().out)
    assert (imported["channel"], imported["evidence"]) == (
        "import",
        "import of ticketing.csv, line 2",
    )  # the JSON keeps what was stored
    assert evidence_text("import of ticketing.csv, line 2", "sv") == (
        "importerat från filen ticketing.csv, rad 2"
    )
    assert evidence_text("approved by anna", "fi") == "hyväksynyt anna"
    assert evidence_text("inbound message 12", "fi") == "saapunut viesti 12"
    assert evidence_text("import of the old list", "fi") == "import of the old list"  # typed
