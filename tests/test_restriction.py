"""Restriction of processing (Art. 18): applied after the call, kept but not used, marked
everywhere, and lifted only after the person has been told."""

from __future__ import annotations

import json
from email.message import EmailMessage

import pytest

from cli.main import main
from mailbot.restriction_notices import lift, restrict
from mailbot.sender import send_due
from store import audit, clock, lifecycle
from store.config import load_settings
from store.consent import record_consent
from store.erasure import erase_customer
from store.errors import RuleViolation
from store.models import AuditEvent, Customer, InboundMessage, OutboxMail, Restriction
from store.package import build_package
from store.restriction import active_restriction, apply_restriction, lift_restriction
from store.retention import apply_retention
from store.urls import file_url
from tests.support.factories import make_customer, make_outbox_mail
from tests.support.mail import outgoing_message
from tests.support.privacy import at, settings


def restriction_request(customer: Customer, *, language: str = "fi", call: bool = True):
    """A restriction request by mail from ``customer``, confirmed (and verified by a call)."""
    request = lifecycle.create_request(
        kind="restriction",
        actor="@mailbot",
        language=language,
        requester_email=customer.email,
        requester_name=customer.name,
    )
    InboundMessage.create(
        dedupe_key=f"<{request.reference}@example.fi>",
        message_id=f"<{request.reference}@example.fi>",
        from_address=customer.email,
        subject="Rajoituspyyntö",
        received_at=clock.now(),
        body_text="Rajoittakaa tietojeni käsittelyä.",
        disposition="new_request",
        request=request,
    )
    lifecycle.confirm_customer(request, customer, "anna")
    if call:
        lifecycle.log_call(request, "confirmed", "anna", note="vahvisti pyynnön")
    return request


def json_out(capsys: pytest.CaptureFixture[str], *argv: str):
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


# ---------------------------------------------------------------- applying


def test_a_restriction_request_is_applied_only_after_the_verification_call(db, frozen_clock):
    customer = make_customer(email="riitta@example.fi", language="sv")
    request = restriction_request(customer, call=False)

    with pytest.raises(RuleViolation) as refused:
        restrict(
            customer,
            ground="accuracy_contested",
            settings=settings(),
            actor="anna",
            request=request,
        )
    assert refused.value.key == "rule.approve_needs_call"
    assert active_restriction(customer) is None
    assert not OutboxMail.select().where(OutboxMail.template == "restriction_applied").exists()

    lifecycle.log_call(request, "confirmed", "anna")
    outcome = restrict(
        customer,
        ground="accuracy_contested",
        settings=settings(),
        actor="anna",
        note="Osoite kiistetty",
        request=request,
    )

    restriction = active_restriction(customer)
    assert (restriction.ground, restriction.request_reference, restriction.started_by) == (
        "accuracy_contested",
        request.reference,
        "anna",
    )
    assert request.status == "fulfilled"
    mail = outcome.mail
    assert (mail.template, mail.to_address, mail.language) == (
        "restriction_applied",
        "riitta@example.fi",
        "fi",
    )  # the request's language
    sent = outgoing_message(mail)
    assert request.reference in sent["Subject"]
    assert sent["In-Reply-To"] == f"<{request.reference}@example.fi>"
    assert "tietojen paikkansapitävyys on kiistetty" in sent.get_content()
    applied = AuditEvent.get(AuditEvent.action == "restriction.applied")
    assert applied.payload == {"ground": "accuracy_contested"}  # no note, no personal data
    assert applied.request_reference == request.reference
    assert audit.verify().ok


def test_a_customer_is_restricted_once_and_never_after_erasure(db, frozen_clock):
    customer = make_customer()
    apply_restriction(customer, ground="legal_claims", actor="anna")

    with pytest.raises(RuleViolation) as twice:
        apply_restriction(customer, ground="legal_claims", actor="anna")
    assert twice.value.key == "restriction.already"
    with pytest.raises(RuleViolation) as erasing:
        erase_customer(customer, actor="anna", settings=settings())
    assert erasing.value.key == "erasure.restricted"

    other = make_customer(email="toinen@example.fi", phone="0409999999")
    erase_customer(other, actor="anna", settings=settings())
    with pytest.raises(RuleViolation) as erased:
        apply_restriction(other, ground="legal_claims", actor="anna")
    assert erased.value.key == "restriction.erased"


def test_a_request_about_someone_else_does_not_restrict_this_customer(db, frozen_clock):
    asker = make_customer(email="kysyja@example.fi")
    bystander = make_customer(email="sivullinen@example.fi", phone="0405555555")
    request = restriction_request(asker)
    lifecycle.approve(request, "anna")

    with pytest.raises(RuleViolation) as refused:
        apply_restriction(bystander, ground="legal_claims", actor="anna", request=request)
    assert refused.value.key == "restriction.wrong_customer"


# ---------------------------------------------------------------- kept, not used


def test_a_restricted_customer_due_for_retention_is_kept_and_gets_no_marketing(
    db, frozen_clock, capsys
):
    restricted = make_customer(
        email="rajoitettu@example.fi", relationship_ended_at=at("2025-06-01 12:00")
    )
    free = make_customer(email="vapaa@example.fi", phone="0401112222")
    for customer in (restricted, free):
        record_consent(customer, "marketing", True, channel="newsletter_signup", actor="@cli")
    apply_restriction(restricted, ground="legal_claims", actor="anna")

    listed = json_out(capsys, "marketing-list", "--json")
    assert [row["customer_no"] for row in listed] == [free.customer_no]
    customers = {row["customer_no"]: row for row in json_out(capsys, "customers", "list", "--json")}
    assert customers[restricted.customer_no]["restricted"] is True
    assert customers[free.customer_no]["restricted"] is False

    # Without the consent the two months since the relationship ended are long over.
    record_consent(restricted, "marketing", False, channel="staff", actor="@cli")
    report = apply_retention(settings())

    assert report.erasures == []
    assert [(h.customer_no, h.reason, h.ground) for h in report.held] == [
        (restricted.customer_no, "restricted", "legal_claims")
    ]
    assert Customer.get_by_id(restricted.id).erased_at is None


def test_the_retention_job_says_why_it_keeps_a_restricted_customer(db, frozen_clock, capsys):
    customer = make_customer(email=None, phone=None, relationship_ended_at=at("2025-01-01 12:00"))
    apply_restriction(customer, ground="legal_claims", actor="anna")

    assert main(["retention"]) == 0

    shown = capsys.readouterr().out
    assert customer.customer_no in shown and "oikeusvaateen" in shown
    assert Customer.get_by_id(customer.id).erased_at is None

    lift(
        customer,
        reason="Oikeudenkäynti päättyi.",
        settings=settings(),
        actor="anna",
        informed_otherwise="Kirje lähetetty 10.3.2026",
    )
    apply_retention(settings())
    assert Customer.get_by_id(customer.id).erased_at is not None


async def test_a_newsletter_queued_before_the_restriction_is_skipped_at_sending(
    db, frozen_clock, tmp_path
):
    customer = make_customer(email="tilaaja@example.fi")
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = (
        "tietosuoja@kotkanleffat.fi",
        customer.email,
        "Uutiskirje",
    )
    message["Message-ID"] = "<uutiskirje-1@kotkanleffat.fi>"
    message.set_content("Ensi viikon elokuvat")
    OutboxMail.create(
        message_id=message["Message-ID"],
        to_address=customer.email,
        subject="Uutiskirje",
        template="newsletter",
        language="fi",
        customer=customer,
        raw_message=message.as_bytes(),
        status="queued",
        next_attempt_at=clock.now(),
        created_at=clock.now(),
        created_by="@cli",
    )
    apply_restriction(customer, ground="objection_pending", actor="anna")
    config = load_settings(environ={"REKISTERI_SMTP": file_url("outbox", tmp_path / "out")})

    report = await send_due(config)

    mail = OutboxMail.get(OutboxMail.template == "newsletter")
    assert (report.skipped, mail.status) == (1, "skipped")
    assert mail.last_error == "processing restricted (Art. 18)"
    assert not list((tmp_path / "out").glob("*.eml"))


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("fi", "Tietojesi käsittely on rajoitettu"),
        ("sv", "Behandlingen av dina uppgifter är begränsad"),
        ("en", "Processing of your data is restricted"),
    ],
)
def test_the_data_package_says_the_person_is_restricted(db, frozen_clock, language, says):
    customer = make_customer()
    apply_restriction(customer, ground="accuracy_contested", actor="anna", note="Osoite")

    package = build_package(customer, language=language, settings=settings(), actor="anna")

    assert package.document["restricted"] is True
    assert package.document["restrictions"][0]["ground"] == "accuracy_contested"
    assert says in package.html
    assert {"fi": "paikkansapitävyys", "sv": "riktighet", "en": "accuracy"}[
        language
    ] in package.html


# ---------------------------------------------------------------- lifting


def test_lifting_queues_the_notice_before_the_restriction_ends(db, frozen_clock):
    customer = make_customer(email="liisa@example.fi", language="en")
    request = restriction_request(customer, language="en")
    restrict(
        customer, ground="accuracy_contested", settings=settings(), actor="anna", request=request
    )

    outcome = lift(
        customer,
        reason="Your address was checked and is correct.",
        settings=settings(),
        actor="anna",
    )

    trail = [
        (event.action, event.payload.get("template"))
        for event in AuditEvent.select()
        .where(AuditEvent.customer_no == customer.customer_no)
        .order_by(AuditEvent.id)
    ]
    assert trail[-2:] == [("mail.queued", "restriction_lifted"), ("restriction.lifted", None)]
    mail = outcome.mail
    assert (mail.template, mail.to_address, mail.status) == (
        "restriction_lifted",
        "liisa@example.fi",
        "queued",
    )
    text = outgoing_message(mail).get_content()
    assert "Your address was checked and is correct." in text and "Article 18(3)" in text
    restriction = Restriction.get_by_id(outcome.restriction.id)
    assert restriction.lifted_at is not None
    assert restriction.lift_notice_message_id == mail.message_id
    assert active_restriction(customer) is None


def test_the_store_will_not_lift_before_the_person_is_told(db, frozen_clock):
    customer = make_customer(email="pekka@example.fi")
    restriction = apply_restriction(customer, ground="legal_claims", actor="anna")
    other_mail = make_customer_mail(customer)

    for notice in (None, other_mail):
        with pytest.raises(RuleViolation) as refused:
            lift_restriction(restriction, actor="anna", reason="Valmis", notice=notice)
        assert refused.value.key == "restriction.notice_first"
    with pytest.raises(RuleViolation) as no_reason:
        lift(customer, reason="  ", settings=settings(), actor="anna")
    assert no_reason.value.key == "restriction.reason_required"

    assert active_restriction(customer) is not None
    assert not OutboxMail.select().where(OutboxMail.template == "restriction_lifted").exists()


def test_a_person_without_an_address_is_told_another_way_and_that_is_recorded(db, frozen_clock):
    customer = make_customer(email=None)
    restriction = apply_restriction(customer, ground="legal_claims", actor="anna")

    with pytest.raises(RuleViolation) as refused:
        lift(customer, reason="Asia ratkesi.", settings=settings(), actor="anna")
    assert refused.value.key == "restriction.informed_required"

    outcome = lift(
        customer,
        reason="Asia ratkesi.",
        settings=settings(),
        actor="anna",
        informed_otherwise="Soitettu 10.3.2026 numeroon rekisterissä",
    )
    assert outcome.mail is None
    lifted = Restriction.get_by_id(restriction.id)
    assert lifted.lift_informed_otherwise.startswith("Soitettu")
    event = AuditEvent.get(AuditEvent.action == "restriction.lifted")
    assert event.payload["told"] == "otherwise" and "Soitettu" not in json.dumps(event.payload)


def make_customer_mail(customer: Customer) -> OutboxMail:
    return make_outbox_mail(settings(), to_address=customer.email, customer=customer)


# ---------------------------------------------------------------- the command line


def test_staff_apply_list_and_lift_from_the_command_line(db, frozen_clock, capsys):
    customer = make_customer(email="cli@example.fi", customer_no="T000321")

    assert (
        main(
            [
                "restriction",
                "apply",
                "T000321",
                "--ground",
                "objection_pending",
                "--note",
                "Vastustaa analytiikkaa",
            ]
        )
        == 0
    )
    assert "T000321" in capsys.readouterr().out
    [row] = json_out(capsys, "restriction", "list", "--json")
    assert (row["customer_no"], row["ground"], row["active"], row["request"]) == (
        "T000321",
        "objection_pending",
        True,
        None,
    )

    assert (
        main(["restriction", "lift", "T000321", "--reason", "Vastustus hylätty.", "--dry-run"]) == 0
    )
    preview = capsys.readouterr()
    assert "Vastustus hylätty." in preview.out and active_restriction(customer) is not None

    assert main(["restriction", "lift", "T000321", "--reason", "Vastustus hylätty."]) == 0
    assert "cli@example.fi" in capsys.readouterr().err
    assert json_out(capsys, "restriction", "list", "--json") == []
    [lifted] = json_out(capsys, "restriction", "list", "--all", "--json")
    assert lifted["active"] is False and lifted["lift_reason"] == "Vastustus hylätty."
    templates = [row["template"] for row in json_out(capsys, "outbox", "list", "--json")]
    assert templates == ["restriction_applied", "restriction_lifted"]

    assert main(["restriction", "lift", "T000321", "--reason", "Taas"]) == 1
    assert "ei ole rajoitettu" in capsys.readouterr().err
