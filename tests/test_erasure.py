"""Erasure: personal data gone, vouchers kept for their six years, requests kept minimised."""

import json
from datetime import date, timedelta

import pytest

from cli.main import main
from store import audit, clock, lifecycle
from store.consent import has_consent, record_consent
from store.erasure import erase_customer, erasure_preview
from store.errors import RuleViolation
from store.models import (
    Attachment,
    AuditEvent,
    ConsentEvent,
    Customer,
    CustomerSource,
    InboundMessage,
    OutboxMail,
    Purchase,
    Request,
    Restriction,
    VerificationCall,
)
from store.retention import apply_retention
from tests.support.factories import make_customer
from tests.support.privacy import at, make_purchase, make_request, settings

NOW = "2026-03-10 12:00"


@pytest.fixture
def customer(db, frozen_clock):
    frozen_clock(at("2026-01-02 10:00"))
    person = make_customer(
        first_name="Maija",
        last_name="Mallikas",
        email="maija@example.fi",
        phone="050 1234567",
        sources=("ticketing", "newsletter"),
    )
    record_consent(
        person,
        "register",
        True,
        channel="ticketing_registration",
        actor="@cli",
        evidence="lipunmyynti, maija@example.fi",
    )
    record_consent(
        person, "marketing", True, channel="website_form", actor="@cli", evidence="lomake"
    )
    old_request = make_request(person)  # closed on 2 January: its grace is over by March
    frozen_clock(at(NOW))
    make_purchase(person, "2019-06-01 18:00")  # kept until 31.12.2025: past its time
    make_purchase(person, "2025-11-20 18:00")  # kept until 31.12.2031
    make_purchase(person, "2026-02-14 18:00")  # kept until 31.12.2032
    person.old_request = old_request
    return person


def test_erasure_clears_the_person_and_keeps_the_proof(customer, capsys):
    recent = make_request(customer, kind="erasure")  # closed today: inside its grace period
    report = erase_customer(customer, actor="anna", settings=settings())
    stored = Customer.get(Customer.customer_no == customer.customer_no)
    assert (
        stored.first_name,
        stored.last_name,
        stored.email,
        stored.phone,
        stored.street_address,
        stored.postal_code,
        stored.city,
    ) == ("", "", None, None, "", "", "")
    assert stored.erased_at == clock.now() and customer.erased_at == clock.now()
    assert CustomerSource.select().where(CustomerSource.customer == stored).count() == 0
    # Consents closed, evidence gone, the ledger's proof kept.
    assert not has_consent(stored, "marketing") and not has_consent(stored, "register")
    events = list(
        ConsentEvent.select().where(ConsentEvent.customer == stored).order_by(ConsentEvent.id)
    )
    assert [(e.purpose, e.given, e.channel) for e in events[-2:]] == [
        ("register", False, "erasure"),
        ("marketing", False, "erasure"),
    ]
    assert {e.evidence for e in events} == {""}
    assert sorted(report.consents_closed) == ["marketing", "register"]
    # Vouchers: kept until their six years are over, the older one deleted now.
    receipts = Purchase.select().where(Purchase.customer == stored)
    assert sorted(p.purchased_at.year for p in receipts) == [2025, 2026]
    assert report.vouchers_deleted == 1 and report.vouchers_kept_until == date(2032, 12, 31)
    # Both requests minimised: reference, kind, dates and outcome stay.
    for request in (customer.old_request, recent):
        kept = Request.get_by_id(request.id)
        assert (kept.reference, kept.kind, kept.status, kept.outcome) == (
            request.reference,
            request.kind,
            "fulfilled",
            "tiedot lähetetty",
        )
        assert kept.received_at == request.received_at and kept.closed_at is not None
        assert (kept.requester_email, kept.requester_name, kept.requester_phone) == (None, "", None)
        assert kept.minimised_at == clock.now()
        assert [(c.phone_called, c.note, c.outcome) for c in kept.calls] == [("", "", "confirmed")]
    # Mail of the old request is redacted now; the recent one's waits for its grace period.
    old_mail = InboundMessage.get(InboundMessage.request == customer.old_request.id)
    assert (old_mail.body_text, old_mail.from_address, old_mail.raw_message) == ("", "", None)
    assert old_mail.dedupe_key and old_mail.disposition == "new_request"
    assert Attachment.select().where(Attachment.message == old_mail).count() == 0
    recent_mail = InboundMessage.get(InboundMessage.request == recent.id)
    assert recent_mail.body_text and recent_mail.redacted_at is None
    assert report.mail_kept == 2 and report.mail_kept_until == date(2026, 4, 9)
    # Not on any list; the audit chain still verifies.
    assert main(["marketing-list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert audit.verify().ok


def test_one_audit_event_names_the_customer_by_number_only(customer):
    before = AuditEvent.select().count()
    erase_customer(customer, actor="anna", settings=settings())
    [event] = AuditEvent.select().where(AuditEvent.id > before)
    assert (event.action, event.actor, event.customer_no) == (
        "customer.erased",
        "anna",
        customer.customer_no,
    )
    assert event.payload["via"] == "staff" and event.payload["vouchers_kept"] == 2
    assert "maija" not in json.dumps(event.payload).lower()


def test_the_preview_says_what_goes_and_what_stays_until_when(customer):
    preview = erasure_preview(customer, settings())
    assert preview.allowed
    assert preview.fields == [
        "first_name",
        "last_name",
        "street_address",
        "postal_code",
        "city",
        "phone",
        "email",
    ]
    assert [v.kept_until for v in preview.vouchers_kept] == [date(2031, 12, 31), date(2032, 12, 31)]
    assert preview.vouchers_deleted == 1
    assert preview.requests_minimised == [customer.old_request.reference]
    assert (preview.messages_redacted, preview.outbox_redacted) == (1, 1)
    assert Customer.get_by_id(customer.id).email == "maija@example.fi"  # nothing done yet


def test_an_open_request_is_minimised_and_its_mail_redacted_once_closed_and_grace_over(
    customer, frozen_clock
):
    request = make_request(customer, kind="erasure", close=False)
    lifecycle.log_call(request, "confirmed", "anna")
    lifecycle.approve(request, "anna")
    report = erase_customer(customer, actor="anna", settings=settings(), request=request)
    assert report.requests_open == [request.reference]
    # The confirmation can still go to the requester: the open request keeps the address.
    assert Request.get_by_id(request.id).requester_email == "maija@example.fi"
    lifecycle.fulfil(request, "anna", outcome="poistettu")
    apply_retention(settings())
    assert Request.get_by_id(request.id).requester_email is None
    assert InboundMessage.get(InboundMessage.request == request.id).body_text
    frozen_clock(clock.now() + timedelta(days=30, minutes=1))
    apply_retention(settings())
    message = InboundMessage.get(InboundMessage.request == request.id)
    assert (message.body_text, message.subject, message.raw_message) == ("", "", None)
    sent = OutboxMail.get(OutboxMail.request == request.id)
    assert (sent.to_address, sent.raw_message) == ("", None) and sent.status == "sent"
    assert audit.verify().ok


def test_a_restricted_customer_is_not_erased(customer):
    Restriction.create(customer=customer, started_at=clock.now(), ground="oikeusvaatimus")
    assert erasure_preview(customer, settings()).blocked_by == "erasure.restricted"
    with pytest.raises(RuleViolation) as refused:
        erase_customer(customer, actor="anna", settings=settings())
    assert refused.value.key == "erasure.restricted"
    assert Customer.get_by_id(customer.id).email == "maija@example.fi"


def test_erasing_twice_is_refused(customer):
    erase_customer(customer, actor="anna", settings=settings())
    with pytest.raises(RuleViolation) as refused:
        erase_customer(customer, actor="anna", settings=settings())
    assert refused.value.key == "erasure.already_erased"


def test_erase_from_the_command_line_needs_the_number_twice(customer, capsys):
    assert main(["erase", customer.customer_no]) == 1
    captured = capsys.readouterr()
    assert "31.12.2032" in captured.out and "--confirm" in captured.err
    # what is erased, in words (issue 16), not as the database's column names
    assert "etunimi, sukunimi" in captured.out and "first_name" not in captured.out
    assert "Suostumukset päätetään: asiakasrekisteri, markkinointi (uutiskirje)" in captured.out
    assert "register" not in captured.out and "marketing" not in captured.out
    assert Customer.get_by_id(customer.id).erased_at is None
    assert main(["erase", customer.customer_no, "--confirm", "T999999"]) == 1
    assert Customer.get_by_id(customer.id).erased_at is None
    assert main(["erase", customer.customer_no, "--confirm", customer.customer_no]) == 0
    assert Customer.get_by_id(customer.id).erased_at is not None
    assert main(["audit", "verify"]) == 0


def test_the_package_of_an_erased_customer_holds_only_what_is_kept(customer):
    from store.package import build_package

    erase_customer(customer, actor="anna", settings=settings())
    stored = Customer.get_by_id(customer.id)
    doc = build_package(stored, language="fi", settings=settings(), actor="anna").document
    assert doc["customer"]["first_name"] == "" and doc["customer"]["email"] is None
    assert len(doc["purchases"]) == 2
    assert "maija" not in json.dumps(doc).lower()
    assert VerificationCall.select().where(VerificationCall.phone_called != "").count() == 0


def test_erase_for_a_request_without_its_call_is_refused_and_changes_nothing(customer, capsys):
    """The defect: `erase N --confirm N --request REF` erased the customer of a request that
    had no confirmed customer and no call, and left the request open for good."""
    request = lifecycle.create_request(
        kind="erasure",
        actor="@mailbot",
        requester_email=customer.email,
        requester_name=customer.name,
    )
    number = customer.customer_no
    assert main(["erase", number, "--confirm", number, "--request", request.reference]) == 1
    assert "rekisteri:" in capsys.readouterr().err
    assert Customer.get_by_id(customer.id).erased_at is None
    lifecycle.confirm_customer(request, customer, "anna")
    assert main(["erase", number, "--confirm", number, "--request", request.reference]) == 1
    assert Customer.get_by_id(customer.id).erased_at is None
    assert Request.get_by_id(request.id).status == "awaiting_verification"


def test_erase_for_a_request_runs_the_requests_act(customer, capsys):
    request = make_request(customer, kind="erasure", close=False, body="Poistakaa tietoni.")
    lifecycle.log_call(request, "confirmed", "anna", note="vahvisti")
    number = customer.customer_no
    reference = request.reference.lower()  # typed in any case
    assert main(["erase", number, "--confirm", number, "--request", reference]) == 0
    assert Customer.get_by_id(customer.id).erased_at is not None
    stored = Request.get_by_id(request.id)
    assert stored.status == "fulfilled"
    # Closed by the act: minimised at once, the confirmation keeps the address it goes to.
    assert (stored.requester_email, stored.requester_name) == (None, "")
    answer = OutboxMail.select().where(
        (OutboxMail.request == request) & (OutboxMail.template == "data_erased")
    )
    assert answer.count() == 1
    assert main(["audit", "verify"]) == 0


def test_erase_for_another_customers_request_is_refused(customer, capsys):
    other = make_customer(first_name="Olli", last_name="Muu", email="olli@example.fi")
    request = make_request(other, kind="erasure", close=False)
    lifecycle.log_call(request, "confirmed", "anna")
    number = customer.customer_no
    assert main(["erase", number, "--confirm", number, "--request", request.reference]) == 1
    assert Customer.get_by_id(customer.id).erased_at is None
    assert Customer.get_by_id(other.id).erased_at is None


def test_erasure_finds_the_persons_unlinked_requests_and_mail_but_not_a_shared_phones(customer):
    """Issue 18 item 8: erasure went by the customer link only."""
    sister = make_customer(
        first_name="Liisa", last_name="Mallikas", email="liisa@example.fi", phone="050 1234567"
    )
    question = lifecycle.create_request(
        kind="other", actor="@mailbot", requester_email="MAIJA@example.fi", requester_name="Maija"
    )
    lifecycle.dismiss(question, "anna", "Maija kysyi näytösajoista")
    by_phone = lifecycle.create_request(
        kind="access", actor="@mailbot", requester_phone="+358501234567", requester_name="Liisa"
    )
    lifecycle.dismiss(by_phone, "anna", "kaksoiskappale")
    unparsed = InboundMessage.create(
        dedupe_key="sha256:abc",
        received_at=clock.now(),
        disposition="quarantined",
        reason="HeaderParseError: maija@example.fi",
        raw_message=b"From: =?x?q?broken <maija@example.fi>\r\n\r\nPuhelin 050 1234567",
    )
    stray = OutboxMail.create(
        message_id="<stray@kotkanleffat.fi>",
        to_address="maija@example.fi",
        to_name="Maija Mallikas",
        raw_message=b"To: maija@example.fi",
        status="sent",
        created_at=clock.now(),
    )
    report = erase_customer(customer, actor="anna", settings=settings())
    assert question.reference in report.requests_minimised
    kept = Request.get_by_id(question.id)
    assert (kept.requester_email, kept.requester_name, kept.outcome) == (None, "", "")
    assert kept.status == "dismissed" and kept.minimised_at is not None
    message = InboundMessage.get_by_id(unparsed.id)
    assert (message.raw_message, message.reason) == (None, "quarantined")
    assert OutboxMail.get_by_id(stray.id).to_address == ""
    # The phone is her sister's too: the request made by phone alone is not hers to erase.
    assert Request.get_by_id(by_phone.id).requester_name == "Liisa"
    assert Customer.get_by_id(sister.id).phone == "+358501234567"
    assert audit.verify().ok


def test_a_request_made_only_by_the_persons_phone_is_minimised_with_them(customer):
    by_phone = lifecycle.create_request(
        kind="access", actor="@mailbot", requester_phone="+358501234567", requester_name="Maija"
    )
    lifecycle.dismiss(by_phone, "anna", "soitti, ei pyyntö")
    erase_customer(customer, actor="anna", settings=settings())
    kept = Request.get_by_id(by_phone.id)
    assert (kept.requester_phone, kept.requester_name, kept.outcome) == (None, "", "")
