"""The --json listings keep the field names of the contract (DESIGN.md, README)."""

import json

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


def test_the_human_table_goes_to_stdout_and_the_count_to_stderr(db, capsys, monkeypatch):
    monkeypatch.setenv("REKISTERI_LANG", "en")
    make_customer()
    assert main(["customers", "list"]) == 0
    captured = capsys.readouterr()
    assert "Meikäläinen" in captured.out
    assert "1 row" in captured.err


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
