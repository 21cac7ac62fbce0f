"""The --json listings keep the field names of the contract (DESIGN.md, README)."""

import json

import pytest

from cli.main import main
from store import lifecycle
from store.consent import record_consent
from store.models import InboundMessage
from store.staff import add_staff
from tests.support.factories import make_customer

REQUEST_FIELDS = {
    "reference",
    "kind",
    "status",
    "language",
    "requester_email",
    "customer_no",
    "received_at",
    "due_at",
}
MESSAGE_FIELDS = {"message_id", "disposition", "reason", "request", "received_at"}
CUSTOMER_FIELDS = {
    "customer_no",
    "name",
    "email",
    "phone",
    "sources",
    "relationship_ended_at",
    "marketing_consent",
}
OUTBOX_FIELDS = {
    "message_id",
    "to",
    "subject",
    "request",
    "status",
    "attempts",
    "last_error",
    "sent_at",
}
MARKETING_FIELDS = {"customer_no", "name", "email", "language"}


def listing(capsys, *args: str) -> list[dict]:
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_every_listing_prints_a_json_array_with_the_contract_fields(db, frozen_clock, capsys):
    from store import clock

    customer = make_customer()
    request = lifecycle.create_request(
        kind="erasure",
        actor="@mailbot",
        language="sv",
        requester_email="matti.meikalainen@example.fi",
    )
    lifecycle.confirm_customer(request, customer, "anna")
    InboundMessage.create(
        dedupe_key="<a@example.fi>",
        message_id="<a@example.fi>",
        received_at=clock.now(),
        disposition="new_request",
        request=request,
    )
    InboundMessage.create(
        dedupe_key="<b@example.fi>",
        message_id="<b@example.fi>",
        received_at=clock.now(),
        disposition="ignored",
        reason="auto-reply",
    )

    [row] = listing(capsys, "requests", "list")
    assert REQUEST_FIELDS <= set(row)
    assert row == row | {
        "reference": "TP-2026-0001",
        "kind": "erasure",
        "status": "awaiting_verification",
        "language": "sv",
        "customer_no": customer.customer_no,
        "received_at": "2026-03-10T12:00:00+02:00",
        "due_at": "2026-04-10T23:59:59+03:00",
    }
    messages = listing(capsys, "messages", "list")
    assert all(MESSAGE_FIELDS <= set(m) for m in messages)
    assert [(m["disposition"], m["reason"], m["request"]) for m in messages] == [
        ("new_request", None, "TP-2026-0001"),
        ("ignored", "auto-reply", None),
    ]
    [person] = listing(capsys, "customers", "list")
    assert CUSTOMER_FIELDS <= set(person)
    assert (person["phone"], person["marketing_consent"]) == ("040 1234567", False)
    assert listing(capsys, "outbox", "list") == []
    assert main(["marketing-list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_the_human_table_and_then_its_count_go_to_stdout(db, capsys, monkeypatch):
    monkeypatch.setenv("REKISTERI_LANG", "en")
    make_customer()
    assert main(["customers", "list"]) == 0
    captured = capsys.readouterr()
    assert "Meikäläinen" in captured.out
    assert captured.out.splitlines()[-1] == "1 row"  # after the table, not in the middle
    assert captured.err == ""


LONG_SUBJECT = "Pyyntösi on vastaanotettu"


def _words_whole(out: str, texts: list[str]) -> None:
    """Every word of ``texts`` stands whole in ``out`` (or cut with an ellipsis at a column's
    end), never split across two lines."""
    words = set(out.split())
    for text in texts:
        for word in text.split():
            assert word in words or any(
                w.endswith("…") and word.startswith(w[:-1]) for w in words
            ), word


def test_outbox_list_fits_80_columns_one_line_a_mail(db, frozen_clock, capsys, monkeypatch):
    from store.config import load_settings
    from tests.support.factories import make_outbox_mail

    monkeypatch.setenv("COLUMNS", "80")
    app_settings = load_settings()
    addresses = [f"pirjo.niemela.{n}@suomi24.fi" for n in range(30)]
    for address in addresses:
        make_outbox_mail(app_settings, to_address=address)
    capsys.readouterr()

    assert main(["outbox", "list"]) == 0

    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    assert 31 <= len(lines) <= 35  # a heading, 30 mails, the count
    assert lines[-1] == "30 riviä" and captured.err == ""
    assert "Tila" in lines[0] and "Vastaanottaja" in lines[0] and "Aihe" in lines[0]
    assert "Message-ID" not in lines[0]  # left out first at 80 columns
    _words_whole(captured.out, [LONG_SUBJECT])
    for address in addresses:  # an address whole or cut with an ellipsis, never wrapped
        assert address in captured.out or any(
            part.endswith("…") and address.startswith(part[:-1]) for part in captured.out.split()
        )
    assert "odottaa" not in captured.out  # the short form: "jonossa"
    assert "jonossa" in captured.out

    monkeypatch.setenv("COLUMNS", "200")
    assert main(["outbox", "list"]) == 0
    wide = capsys.readouterr().out
    assert "Message-ID" in wide and "odottaa lähetystä" in wide
    assert all(address in wide for address in addresses)


@pytest.mark.parametrize("columns", [80, 100, 60])
def test_every_listing_fits_the_terminal_and_breaks_no_word(
    db, frozen_clock, capsys, monkeypatch, columns
):
    from store import clock

    monkeypatch.setenv("COLUMNS", str(columns))
    make_customer(
        customer_no="100001",
        first_name="Anna-Liisa",
        last_name="Kolehmainen-Virtanen",
        email="anna-liisa.kolehmainen-virtanen@hotmail.com",
        sources=("ticketing", "newsletter"),
    )
    lifecycle.create_request(
        kind="objection", actor="@mailbot", requester_email="tarkastuspyyntojen@example.fi"
    )
    InboundMessage.create(
        dedupe_key="<away@example.fi>",
        message_id="<away@example.fi>",
        received_at=clock.now(),
        disposition="quarantined",
        reason="bad header: no addr-spec in the From header of this message",
        from_address="tarkastuspyyntojen@example.fi",
    )
    expected = {
        "customers": "Anna-Liisa Kolehmainen-Virtanen",
        "requests": "Suoramarkkinointikielto" if columns >= 100 else "Kielto",
        "messages": "bad header: no addr-spec in the From header of this message",
    }
    for command, words in expected.items():
        assert main([command, "list"]) == 0
        out = capsys.readouterr().out
        assert all(len(line) <= columns for line in out.splitlines()), (command, out)
        _words_whole(out, [words])


def test_table_cells_wrap_at_word_boundaries_and_cut_long_words():
    from cli.table import Cell, Column, clip, render, wrap

    assert wrap("Odottaa tarkistussoittoa", 12) == ["Odottaa", "tarkistusso…"]
    assert wrap("uutiskirje, lipunmyynti", 12) == ["uutiskirje,", "lipunmyynti"]
    assert wrap("Anna-Liisa Virtanen", 12) == ["Anna-Liisa", "Virtanen"]
    assert clip("pirjo.niemela@suomi24.fi", 12) == "pirjo.nieme…"
    lines = render(
        [Column("a", "Nimi"), Column("b", "Sähköposti", kind="clip")],
        ["Nimi", "Sähköposti"],
        [[Cell("Pirjo Niemelä"), Cell("pirjo.niemela@suomi24.fi")]],
        width=30,
    )
    assert lines == ["Nimi           Sähköposti", "Pirjo Niemelä  pirjo.niemela@…"]
    assert render(  # too narrow for both: the column marked to go first is left out
        [Column("a", "Nimi"), Column("b", "Sähköposti", kind="clip", drop=1)],
        ["Nimi", "Sähköposti"],
        [[Cell("Pirjo Niemelä"), Cell("pirjo.niemela@suomi24.fi")]],
        width=20,
    ) == ["Nimi", "Pirjo Niemelä"]
    assert render(  # a short form when the long one does not fit
        [Column("a", "Laji"), Column("b", "Tila")],
        ["Laji", "Tila"],
        [[Cell("Suoramarkkinointikielto", short="Kielto"), Cell("Saapunut")]],
        width=20,
    ) == ["Laji    Tila", "Kielto  Saapunut"]


def test_an_erased_customer_is_marked_not_an_empty_row(db, frozen_clock, capsys, monkeypatch):
    from store.config import load_settings
    from store.erasure import erase_customer

    monkeypatch.setenv("COLUMNS", "100")
    customer = make_customer(customer_no="100001")
    make_customer(customer_no="100002", first_name="Pirjo", last_name="Niemelä")
    erase_customer(customer, actor="@test", settings=load_settings())

    assert main(["customers", "list"]) == 0
    finnish = capsys.readouterr().out
    [erased] = [line for line in finnish.splitlines() if line.startswith("100001")]
    assert erased.split()[:3] == ["100001", "poistettu", "poistettu"]
    monkeypatch.setenv("REKISTERI_LANG", "en")
    assert main(["customers", "list"]) == 0
    [erased] = [line for line in capsys.readouterr().out.splitlines() if "100001" in line]
    assert "erased" in erased
    [row] = [r for r in listing(capsys, "customers", "list") if r["customer_no"] == "100001"]
    assert not row["name"] and row["erased"] is True  # the JSON as it was


def test_the_messages_table_shows_dispositions_and_reasons_in_words(
    db, frozen_clock, capsys, monkeypatch
):
    from store import clock

    InboundMessage.create(
        dedupe_key="<away@example.fi>",
        message_id="<away@example.fi>",
        received_at=clock.now(),
        disposition="ignored",
        reason="auto_reply",
    )
    InboundMessage.create(
        dedupe_key="<broken@example.fi>",
        message_id="<broken@example.fi>",
        received_at=clock.now(),
        disposition="quarantined",
        reason="bad header: no addr-spec",
    )
    monkeypatch.setenv("COLUMNS", "160")  # one line a message
    assert main(["messages", "list"]) == 0
    finnish = capsys.readouterr().out
    assert "ohitettu" in finnish and "automaattinen vastaus" in finnish
    assert "karanteenissa" in finnish and "bad header: no addr-spec" in finnish  # an error
    monkeypatch.setenv("REKISTERI_LANG", "en")
    assert main(["messages", "list"]) == 0
    english = capsys.readouterr().out
    assert "ignored" in english and "automatic reply" in english
    assert "auto_reply" not in finnish + english
    assert [row["reason"] for row in listing(capsys, "messages", "list")] == [
        "auto_reply",
        "bad header: no addr-spec",
    ]  # the JSON keeps the codes


def test_the_request_table_speaks_the_readers_language(db, frozen_clock, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")  # no folded cells
    lifecycle.create_request(
        kind="erasure", actor="@mailbot", requester_email="matti.meikalainen@example.fi"
    )
    assert main(["requests", "list"]) == 0
    finnish = capsys.readouterr().out
    assert "Poistopyyntö" in finnish and "Saapunut" in finnish and "10.4.2026" in finnish
    monkeypatch.setenv("REKISTERI_LANG", "en")
    assert main(["requests", "list"]) == 0
    english = capsys.readouterr().out
    assert "Erasure request" in english and "10 April 2026" in english


def test_customers_staff_and_consents_are_in_words_in_the_tables(
    db, frozen_clock, capsys, monkeypatch
):
    monkeypatch.setenv("COLUMNS", "160")
    customer = make_customer(customer_no="100001", sources=("ticketing", "newsletter"))
    record_consent(
        customer, "marketing", True, channel="website_form", actor="@test", evidence="lomake"
    )
    add_staff("anna", "handler", "salasana1234", "@test")
    for command in (["customers", "list"], ["staff", "list"], ["consent", "show", "100001"]):
        assert main(command) == 0
    finnish = capsys.readouterr().out
    assert "uutiskirje, lipunmyynti" in finnish
    assert "käsittelijä" in finnish and "kyllä" in finnish
    assert "Markkinointi (uutiskirje)" in finnish and "verkkolomake" in finnish
    assert "website_form" not in finnish and "handler" not in finnish


def test_a_look_at_personal_data_in_bulk_is_audited_with_who_and_how_many(db, capsys):
    from cli.context import CLI_ACTOR
    from store.models import AuditEvent

    make_customer()
    make_customer(customer_no="100002", email="toinen@example.fi", phone="0407654321")
    assert main(["customers", "list", "--json"]) == 0
    assert main(["marketing-list"]) == 0
    capsys.readouterr()
    looks = [
        (event.actor, event.payload)
        for event in AuditEvent.select().where(AuditEvent.action == "register.listed")
    ]
    assert (CLI_ACTOR, {"listing": "customers", "rows": 2, "output": "json"}) in looks
    assert (CLI_ACTOR, {"listing": "marketing-list", "rows": 0, "output": "table"}) in looks
    assert CLI_ACTOR.startswith("@cli:") and len(CLI_ACTOR) > len("@cli:")


def test_as_names_the_staff_member_the_command_acts_as(db, capsys):
    from store.models import AuditEvent

    add_staff("anna", "handler", "pitkä salasana 1", "@test")
    add_staff("ville", "handler", "pitkä salasana 2", "@test")
    from store.staff import set_enabled

    set_enabled("ville", False, "@test")
    customer = make_customer()
    assert main(["--as", "anna", "consent", "show", customer.customer_no]) == 0
    viewed = AuditEvent.select().where(AuditEvent.action == "customer.viewed").get()
    assert (viewed.actor, viewed.payload["purpose"]) == ("anna", "consent.show")
    capsys.readouterr()
    for name in ("ville", "nobody"):
        assert main(["--as", name, "customers", "list"]) == 1
        assert name in capsys.readouterr().err
    assert not AuditEvent.select().where(AuditEvent.action == "register.listed").exists()
