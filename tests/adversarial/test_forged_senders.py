"""Mail that claims to be somebody else's (issue 18 items 3 and 4): a From our mail server
found forged, and the website form's text sent by anyone.  Through the real path: a
Maildir, ``rekisteri mailbot --once``, the register and the outbox it writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main
from mailbot.authresults import authentication_of, parse_authentication_results
from store.consent import has_consent, record_consent
from store.models import InboundMessage, OutboxMail, Request
from tests.support.factories import make_customer
from tests.support.mail import deliver_to_maildir, make_mail, outgoing_message

OURS = "mx.kotkanleffat.fi"
FORGED = f"{OURS}; spf=fail smtp.mailfrom=example.fi; dkim=none; dmarc=fail header.from=example.fi"
GENUINE = (
    f"{OURS};\r\n spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=example.fi;\r\n"
    " dkim=pass header.d=example.fi header.s=s1; dmarc=pass header.from=example.fi"
)
STOP = "Lopettakaa suoramarkkinointi, en halua enää uutiskirjettä."


def received_by_us(raw: bytes, *results: str) -> bytes:
    """The mail as our receiving server hands it on: its verdicts on top."""
    return b"".join(f"Authentication-Results: {value}\r\n".encode() for value in results) + raw


def run_mailbot(inbox: Path, monkeypatch: pytest.MonkeyPatch, config: str = "") -> None:
    monkeypatch.setenv("REKISTERI_INBOX", f"maildir://{inbox}")
    if config:
        path = inbox.parent / "rekisteri.toml"
        path.write_text(config, encoding="utf-8")
        monkeypatch.setenv("REKISTERI_CONFIG", str(path))
    assert main(["mailbot", "--once"]) == 0


@pytest.fixture
def customer(db):
    customer = make_customer(email="customer@example.fi", customer_no="100077")
    record_consent(customer, "marketing", True, channel="newsletter_signup", actor="@test")
    return customer


def test_a_forged_sender_objection_waits_for_staff(customer, tmp_path, monkeypatch):
    """A From our server found forged withdrew the customer's consent at once."""
    inbox = tmp_path / "inbox"
    raw = make_mail("customer@example.fi", subject="Uutiskirje", body=STOP)
    deliver_to_maildir(inbox, [received_by_us(raw, FORGED)])
    run_mailbot(inbox, monkeypatch)

    [message] = InboundMessage.select()
    assert message.authentication == {
        "authserv_id": OURS,
        "spf": "fail",
        "dkim": "none",
        "dmarc": "fail",
        "failed": ["spf", "dmarc"],
    }
    assert (message.needs_attention, message.attention_reason) == (True, "authentication_failed")
    assert has_consent(customer, "marketing")  # nothing applied to the customer
    request = Request.get_by_id(message.request_id)
    assert (request.kind, request.status, request.customer_id) == ("objection", "received", None)
    assert OutboxMail.select().count() == 0  # no answer to an address that did not write


def test_an_authenticated_sender_objection_applies_at_once(customer, tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    raw = make_mail("customer@example.fi", subject="Uutiskirje", body=STOP)
    deliver_to_maildir(inbox, [received_by_us(raw, GENUINE)])
    run_mailbot(inbox, monkeypatch)

    [message] = InboundMessage.select()
    assert message.authentication["failed"] == [] and message.authentication["dmarc"] == "pass"
    assert not message.needs_attention
    assert not has_consent(customer, "marketing")
    assert Request.get().status == "fulfilled"


@pytest.mark.parametrize(
    "senders",
    [
        ("From: customer@example.fi\r\n", "From: attacker@evil.example\r\n"),
        ("From: customer@example.fi, attacker@evil.example\r\n",),
    ],
    ids=["two From headers", "two mailboxes in one From"],
)
def test_a_mail_naming_two_senders_applies_nothing(customer, tmp_path, monkeypatch, senders):
    """With two From headers the first was taken as the sender, with no flag: an objection
    in the customer's name withdrew their consent at once (the hostile corpus found it)."""
    inbox = tmp_path / "inbox"
    raw = make_mail("placeholder@example.invalid", subject="Uutiskirje", body=STOP)
    head, _, rest = raw.partition(b"From: placeholder@example.invalid\n")
    if not rest:
        head, _, rest = raw.partition(b"From: placeholder@example.invalid\r\n")
    assert rest
    deliver_to_maildir(inbox, [head + "".join(senders).encode() + rest])
    run_mailbot(inbox, monkeypatch)

    [message] = InboundMessage.select()
    assert (message.needs_attention, message.attention_reason) == (True, "several_senders")
    assert has_consent(customer, "marketing")  # nothing applied to the customer
    assert OutboxMail.select().count() == 0  # no answer to either


def test_only_the_trusted_servers_verdict_counts(customer, tmp_path, monkeypatch):
    """A header the sender wrote (another authserv-id, below ours) is not believed."""
    inbox = tmp_path / "inbox"
    raw = make_mail(
        "customer@example.fi",
        subject="Uutiskirje",
        body=STOP,
        headers=[("Authentication-Results", "mx.kotkanleffat.fi.evil.example; dmarc=pass")],
    )
    deliver_to_maildir(inbox, [received_by_us(raw, "relay.example; dmarc=pass", FORGED)])
    run_mailbot(
        inbox, monkeypatch, config='[mail]\ntrusted_authserv_ids = ["MX.kotkanleffat.fi"]\n'
    )

    [message] = InboundMessage.select()
    assert message.authentication["authserv_id"] == OURS
    assert message.attention_reason == "authentication_failed"
    assert has_consent(customer, "marketing")


def test_the_verdict_is_shown_with_the_headers(customer, tmp_path, monkeypatch):
    from tui.data.request import load_thread

    inbox = tmp_path / "inbox"
    raw = make_mail("customer@example.fi", subject="Tietopyyntö", body="Haluan nähdä tietoni.")
    deliver_to_maildir(inbox, [received_by_us(raw, FORGED)])
    run_mailbot(inbox, monkeypatch)
    [item] = [item for item in load_thread(Request.get()) if item.direction == "in"]
    assert item.authentication == f"spf=fail dkim=none dmarc=fail ({OURS})"
    assert item.authentication_failed and item.attention_reason == "authentication_failed"
    assert dict(item.headers)["Authentication-Results"].startswith(OURS)


def test_the_header_grammar():
    verdict = parse_authentication_results(
        'mx.example.fi 1; dkim=fail reason="bad; sig" header.d=a.example; '
        "dkim=pass (good) header.d=b.example; spf/2=softfail; arc=pass; dmarc=none"
    )
    assert verdict is not None and verdict.authserv_id == "mx.example.fi"
    assert verdict.results == {"dkim": "pass", "spf": "softfail", "dmarc": "none"}
    assert verdict.failed == []
    assert parse_authentication_results("mx.example.fi; none").results == {}
    headers = [["Authentication-Results", "a.example; dmarc=fail"], ["From", "x@y.fi"]]
    assert authentication_of(headers).failed == ["dmarc"]
    assert authentication_of(headers, ["b.example"]) is None
    assert authentication_of([["Subject", "x"]]) is None


# ---------------------------------------------------------------- the website form

LURE = "Tilisi on lukittu - avaa http://evil.example/unlock"


def form_mail(sender: str, request: str = "Suoramarkkinointikielto") -> bytes:
    return make_mail(
        sender,
        subject="Tietosuojapyyntö verkkolomakkeelta",
        body=(
            f"Lomake: Tietosuojapyyntö\nNimi: {LURE}\nSähköposti: customer@example.fi\n"
            f"Pyyntö: {request}\nViesti: {STOP}\n"
        ),
    )


def test_the_form_format_from_an_outsider_is_an_ordinary_mail(customer, tmp_path, monkeypatch):
    """An outsider made the company mail the customer "Hei Tilisi on lukittu - avaa …"."""
    inbox = tmp_path / "inbox"
    deliver_to_maildir(inbox, [form_mail("Hyökkääjä <attacker@evil.example>")])
    run_mailbot(inbox, monkeypatch)

    [message] = InboundMessage.select()
    assert message.form_fields == {}
    request = Request.get_by_id(message.request_id)
    assert (request.channel, request.requester_email) == ("email", "attacker@evil.example")
    assert has_consent(customer, "marketing")
    assert [mail.to_address for mail in OutboxMail.select()] in ([], ["attacker@evil.example"])


@pytest.mark.parametrize("kind", ["Suoramarkkinointikielto", "Tietojen tarkastus"])
def test_a_website_form_is_a_candidate_and_never_greets_with_its_text(
    customer, tmp_path, monkeypatch, kind
):
    inbox = tmp_path / "inbox"
    deliver_to_maildir(inbox, [form_mail("Verkkosivu <lomake@kotkanleffat.fi>", kind)])
    run_mailbot(inbox, monkeypatch)

    [message] = InboundMessage.select()
    request = Request.get_by_id(message.request_id)
    assert (request.channel, request.requester_email) == ("website_form", "customer@example.fi")
    assert request.customer_id is None  # a candidate: staff confirm who it is
    assert [c.customer_id for c in request.candidates] == [customer.id]
    assert has_consent(customer, "marketing")  # the objection waits for staff
    assert request.status == "received"
    for mail in OutboxMail.select():
        sent = outgoing_message(mail)
        assert sent["To"].addresses[0].display_name == ""
        assert "lukittu" not in sent.as_string() and "evil.example" not in sent.as_string()
        assert sent.get_body().get_content().startswith("Hei,")
    [ack] = OutboxMail.select()  # answered at the address typed into the form, by its reference
    assert (ack.to_address, ack.template) == ("customer@example.fi", "acknowledgement")


def test_a_form_from_the_website_address_but_forged_is_an_ordinary_mail(
    customer, tmp_path, monkeypatch
):
    inbox = tmp_path / "inbox"
    forged = received_by_us(form_mail("lomake@kotkanleffat.fi"), FORGED)
    deliver_to_maildir(inbox, [forged])
    run_mailbot(inbox, monkeypatch)
    [message] = InboundMessage.select()
    assert message.form_fields == {} and message.attention_reason == "authentication_failed"
    assert OutboxMail.select().count() == 0
