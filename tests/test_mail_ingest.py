"""Every message becomes exactly one disposition, with what it causes (ingest, in-process)."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta

import pytest

from cli.main import main
from store import audit, clock, lifecycle, listings
from store.consent import has_consent, is_suppressed, record_consent
from store.db import is_sqlite
from store.models import (
    Attachment,
    AuditEvent,
    InboundMessage,
    MessageLocation,
    OutboxMail,
    Request,
)
from tests.support.factories import make_customer
from tests.support.mail import (
    INBOX,
    feed,
    mail_settings,
    make_mail,
    outgoing_bytes,
    outgoing_message,
)
from tests.support.sqlite_work import counted_steps


def outbox_for(address: str) -> list[OutboxMail]:
    return list(OutboxMail.select().where(OutboxMail.to_address == address).order_by(OutboxMail.id))


# ---------------------------------------------------------------- new requests


def test_a_request_gets_an_acknowledgement_in_its_language_with_reference_and_due_date(
    db, frozen_clock
):
    customer = make_customer(
        first_name="Anna", last_name="Lindholm", email="anna.lindholm@example.fi", language="sv"
    )
    result = feed(
        make_mail(
            "Anna Lindholm <anna.lindholm@example.fi>",
            subject="Radering av mina uppgifter",
            body="Hej!\n\nJag vill att ni raderar alla mina personuppgifter "
            "enligt artikel 17.\n\nMed vänliga hälsningar\nAnna",
        )
    )
    message = result.message
    assert message.disposition == "new_request" and message.reason is None
    request = Request.get_by_id(message.request_id)
    assert (request.kind, request.language, request.status) == ("erasure", "sv", "received")
    assert request.reference == "TP-2026-0001"
    assert [c.customer_id for c in request.candidates] == [customer.id]
    assert request.customer_id is None  # candidates only: staff confirm who it is
    [ack] = outbox_for("anna.lindholm@example.fi")
    assert ack.automatic and ack.template == "acknowledgement" and ack.language == "sv"
    sent = outgoing_message(ack)
    assert "TP-2026-0001" in sent["Subject"]
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["In-Reply-To"] == message.message_id
    assert "10 april 2026" in sent.get_content()  # one month from receipt, in Swedish


def test_the_website_form_is_read_field_by_field(db, frozen_clock):
    customer = make_customer(
        first_name="Maija",
        last_name="Virtanen",
        customer_no="100042",
        email="maija@example.fi",
        phone="040 1234567",
    )
    body = (
        "Form: Privacy request\nName: Maija Virtanen\nEmail: maija@example.fi\n"
        "Phone: 040 123 4567\nCustomer number: 100042\nRequest: Access to my data\n"
        "Message: I want to see everything,\nincluding my ticket purchases.\n"
    )
    result = feed(make_mail("Website <lomake@kotkanleffat.fi>", subject="Form", body=body))
    message = result.message
    assert message.form_fields["customer_no"] == "100042"
    assert message.form_fields["message"] == (
        "I want to see everything,\nincluding my ticket purchases."
    )
    request = Request.get_by_id(message.request_id)
    assert (request.kind, request.channel, request.language) == ("access", "website_form", "en")
    assert request.requester_email == "maija@example.fi"
    assert request.requester_phone == "+358401234567"
    [candidate] = request.candidates
    assert candidate.customer_id == customer.id
    assert set(candidate.matched_on.split(",")) == {"customer_no", "email", "phone", "name"}
    assert outbox_for("maija@example.fi")  # answered at the address typed into the form
    assert not outbox_for("lomake@kotkanleffat.fi")


def test_a_name_alone_is_only_a_candidate(db, frozen_clock):
    make_customer(first_name="Maija", last_name="Virtanen", email="other@example.fi")
    result = feed(make_mail("Maija Virtanen <maija.uusi@example.com>", body="Poistakaa tietoni."))
    request = Request.get_by_id(result.message.request_id)
    [candidate] = request.candidates
    assert candidate.matched_on == "name"
    assert request.match_state == "candidates" and request.customer_id is None


def test_rectification_proposes_the_new_values(db, frozen_clock):
    feed(
        make_mail(
            subject="Osoitteenmuutos",
            body="Hei, osoitteeni on muuttunut. Uusi osoite: Kirkkokatu 5 B 12, "
            "48100 Kotka.\nUusi puhelinnumero on 040 765 4321.\n\nt. Maija",
        )
    )
    request = Request.get()
    assert request.kind == "rectification"
    assert request.proposed_changes == {
        "street_address": "Kirkkokatu 5 B 12",
        "postal_code": "48100",
        "city": "Kotka",
        "phone": "+358407654321",
    }


def test_a_question_for_customer_service_reaches_the_queue_without_an_answer(db, frozen_clock):
    result = feed(
        make_mail(
            "liisa@example.fi",
            subject="Lastenelokuvat",
            body="Hei! Onko lauantaina lastenelokuvia ja mihin aikaan?",
        )
    )
    assert result.message.disposition == "new_request"
    assert Request.get().kind == "other"
    assert OutboxMail.select().count() == 0


def test_at_most_three_acknowledgements_per_sender_per_hour(db, frozen_clock):
    settings = mail_settings(repeat_window_hours=0)  # every mail its own request
    for number in range(5):
        feed(
            make_mail(
                "flood@example.fi",
                subject=f"Tietopyyntö {number}",
                body="Haluan tarkastaa tietoni.",
            ),
            settings,
        )
    assert Request.select().count() == 5  # every request still reaches the queue
    assert len(outbox_for("flood@example.fi")) == 3


def test_the_same_request_again_joins_the_open_one(db, frozen_clock):
    """Within ``mail.repeat_window_hours`` the same sender asking the same thing again adds
    to the open request; another kind of request, or a day later, is a request of its own."""
    first = feed(make_mail("b@example.fi", subject="Tietopyyntö", body="Haluan nähdä tietoni."))
    again = feed(make_mail("b@example.fi", subject="Vielä", body="Haluan nähdä tietoni!"))
    assert (again.message.disposition, again.message.request_id) == (
        "reply",
        first.message.request_id,
    )
    assert not again.message.needs_attention
    other = feed(make_mail("b@example.fi", subject="Poisto", body="Poistakaa tietoni."))
    assert other.message.disposition == "new_request"
    frozen_clock(clock.now() + timedelta(hours=25))
    later = feed(make_mail("b@example.fi", subject="Taas", body="Haluan nähdä tietoni."))
    assert later.message.disposition == "new_request"
    assert Request.select().count() == 3


def test_a_mail_costs_as_little_with_2000_access_requests_in_the_queue_as_with_10(db, frozen_clock):
    """Asking whether the sender has just asked the same must not read every request of the
    same kind: SQLite chose the index on kind for it, and every mail cost more as the
    queue grew (0.5 ms a mail with 5,000 in the queue).  The lookup has an index of its
    own: one mail's work does not grow with the queue."""
    if not is_sqlite():
        pytest.skip("SQLite's planner; PostgreSQL keeps its own statistics (autovacuum)")
    now = clock.now()

    def queue_access_requests(count: int) -> None:
        start = Request.select().count()
        rows = [
            {
                "reference": f"TP-TEST-{start + n}",
                "kind": "access",
                "status": "received",
                "requester_email": f"someone{start + n}@example.fi",
                "received_at": now,
                "due_at": now + timedelta(days=30),
                "original_due_at": now + timedelta(days=30),
                "created_at": now,
                "updated_at": now,
            }
            for n in range(count)
        ]
        for chunk in range(0, count, 500):
            Request.insert_many(rows[chunk : chunk + 500]).execute()

    def work_of_one_mail(sender: str) -> int:
        with counted_steps() as steps:  # every SQLite instruction
            result = feed(make_mail(sender, subject="Tietopyyntö", body="Haluan nähdä tietoni."))
        assert result.message.disposition == "new_request"
        return steps[0]

    queue_access_requests(10)
    with_ten = work_of_one_mail("first@example.fi")
    queue_access_requests(1990)
    with_two_thousand = work_of_one_mail("second@example.fi")

    assert with_two_thousand <= 1.5 * with_ten, (with_ten, with_two_thousand)


# ---------------------------------------------------------------- objections


def test_a_marketing_objection_is_applied_at_once_and_confirmed(db, frozen_clock):
    customer = make_customer(email="tapani@example.fi")
    record_consent(customer, "marketing", True, channel="newsletter_signup", actor="@test")
    result = feed(
        make_mail(
            "Tapani <tapani@example.fi>",
            subject="Re: Kotkan Leffojen uutiskirje – marraskuu",
            body="En halua enää uutiskirjettä, kiitos.\n\n"
            "> Haluatko tarkistaa tietosi? Vastaa tähän viestiin.\n",
        )
    )
    request = Request.get_by_id(result.message.request_id)
    assert (request.kind, request.status) == ("objection", "fulfilled")
    assert request.customer_id == customer.id
    assert not has_consent(customer, "marketing")
    assert is_suppressed("tapani@example.fi")
    [mail] = outbox_for("tapani@example.fi")
    assert mail.template == "marketing_stopped" and mail.automatic
    actions = [event.action for event in AuditEvent.select().order_by(AuditEvent.id)]
    assert {
        "consent.marketing.withdrawn",
        "marketing.suppressed",
        "request.approved",
        "request.fulfilled",
    } <= set(actions)
    assert audit.verify().ok


def test_an_objector_outside_the_register_is_still_suppressed(db, frozen_clock):
    feed(
        make_mail(
            "stranger@example.com",
            subject="Unsubscribe",
            body="Please unsubscribe me from your newsletter.",
        )
    )
    request = Request.get()
    assert (request.kind, request.status, request.customer_id) == ("objection", "fulfilled", None)
    assert is_suppressed("stranger@example.com")


def test_erase_and_stop_marketing_applies_the_objection_and_queues_the_erasure(db, frozen_clock):
    customer = make_customer(email="kaksi@example.fi")
    record_consent(customer, "marketing", True, channel="website_form", actor="@test")
    result = feed(
        make_mail(
            "kaksi@example.fi",
            subject="Tietoni",
            body="Poistakaa tietoni rekisteristänne ja lopettakaa markkinointi heti.",
        )
    )
    erasure = Request.get_by_id(result.message.request_id)
    assert (erasure.kind, erasure.status) == ("erasure", "received")
    objection = Request.get(Request.kind == "objection")
    assert objection.status == "fulfilled"
    assert not has_consent(customer, "marketing")
    assert sorted(mail.template for mail in outbox_for("kaksi@example.fi")) == [
        "acknowledgement",
        "marketing_stopped",
    ]


# ---------------------------------------------------------------- replies


def test_a_reply_with_the_reference_in_the_subject_joins_its_request(db, frozen_clock):
    first = feed(make_mail("maija@example.fi", body="Haluan tarkastaa tietoni.")).message
    request = Request.get_by_id(first.request_id)
    lifecycle.ask_for_more(request, "anna", reason="which address did you use?")
    reply = feed(
        make_mail(
            "maija@example.fi",
            subject=f"Re: [{request.reference}] lisätietoa",
            body="Käytin osoitetta maija@example.fi.",
        )
    ).message
    assert reply.disposition == "reply" and reply.request_id == request.id
    assert not reply.needs_attention
    assert Request.get_by_id(request.id).status == "received"  # requester_replied
    assert Request.select().count() == 1
    assert len(outbox_for("maija@example.fi")) == 1  # replies are not acknowledged


def test_a_reply_to_our_acknowledgement_is_threaded_by_in_reply_to(db, frozen_clock):
    feed(make_mail("maija@example.fi", body="Haluan tarkastaa tietoni."))
    [ack] = outbox_for("maija@example.fi")
    reply = feed(
        make_mail(
            "maija@example.fi",
            subject="Re: vastaus",
            body="Kiitos, odotan soittoa.",
            headers=[("In-Reply-To", ack.message_id), ("References", ack.message_id)],
        )
    ).message
    assert reply.disposition == "reply"
    assert reply.request_id == ack.request_id


def test_a_reply_from_someone_else_is_flagged_not_silently_attached(db, frozen_clock):
    first = feed(make_mail("maija@example.fi", body="Haluan tarkastaa tietoni.")).message
    reference = Request.get_by_id(first.request_id).reference
    other = feed(
        make_mail("someone.else@example.com", subject=f"Re: {reference}", body="Tässä lisätietoja.")
    ).message
    assert other.disposition == "reply"
    assert other.needs_attention and other.attention_reason == "sender_differs"
    rows = {row["message_id"]: row for row in _messages_json()}
    assert rows[other.message_id]["needs_attention"] is True


def test_mail_about_a_closed_request_is_flagged_or_becomes_a_new_one(db, frozen_clock):
    first = feed(make_mail("maija@example.fi", body="Haluan tarkastaa tietoni.")).message
    request = Request.get_by_id(first.request_id)
    lifecycle.dismiss(request, "anna", reason="duplicate")
    thanks = feed(
        make_mail("maija@example.fi", subject=f"Re: {request.reference}", body="Kiitos!")
    ).message
    assert (thanks.disposition, thanks.request_id) == ("reply", request.id)
    assert thanks.needs_attention and thanks.attention_reason == "request_closed"
    again = feed(
        make_mail(
            "maija@example.fi",
            subject=f"Re: {request.reference}",
            body="Poistakaa nyt kaikki tietoni.",
        )
    ).message
    assert again.disposition == "new_request"
    assert Request.get_by_id(again.request_id).kind == "erasure"


def _messages_json() -> list[dict]:
    import contextlib
    import io
    import json

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["messages", "list", "--json"]) == 0
    return json.loads(out.getvalue())


# ---------------------------------------------------------------- ignored


@pytest.mark.parametrize(
    ("sender", "headers", "reason"),
    [
        ("ooo@example.fi", [("Auto-Submitted", "auto-replied")], "auto_reply"),
        ("ooo@example.fi", [("Precedence", "Auto_Reply")], "auto_reply"),
        ("ooo@example.fi", [("X-Autoreply", "yes")], "auto_reply"),
        ("ooo@example.fi", [("X-Autorespond", "yes")], "auto_reply"),
        ("ooo@example.fi", [("X-Auto-Response-Suppress", "OOF, AutoReply")], "auto_reply"),
        ("news@example.fi", [("List-Id", "<news.example.fi>")], "mailing_list"),
        ("news@example.fi", [("List-Unsubscribe", "<mailto:u@example.fi>")], "mailing_list"),
        ("news@example.fi", [("Precedence", "BULK")], "mailing_list"),
        ("MAILER-DAEMON@example.fi", [], "bounce"),
        ("postmaster@example.fi", [], "bounce"),
        ("someone@example.fi", [("Return-Path", "<>")], "bounce"),
        ("tietosuoja@kotkanleffat.fi", [], "own_address"),
        ("someone@example.fi", [("X-Loop", "tietosuoja@kotkanleffat.fi")], "own_address"),
    ],
)
def test_automatic_mail_is_ignored_with_its_reason_and_never_answered(
    db, frozen_clock, sender, headers, reason
):
    result = feed(
        make_mail(sender, subject="Poistakaa tietoni", body="poistakaa tietoni", headers=headers)
    )
    assert (result.message.disposition, result.message.reason) == ("ignored", reason)
    assert Request.select().count() == 0
    assert OutboxMail.select().count() == 0


def test_an_out_of_office_reply_to_our_answer_is_shown_with_its_request(db, frozen_clock):
    feed(make_mail("maija@example.fi", body="Haluan tarkastaa tietoni."))
    [ack] = outbox_for("maija@example.fi")
    away = feed(
        make_mail(
            "maija@example.fi",
            subject=f"Automatic reply: {ack.subject}",
            body="I am away.",
            headers=[("Auto-Submitted", "auto-replied"), ("In-Reply-To", ack.message_id)],
        )
    ).message
    assert (away.disposition, away.reason) == ("ignored", "auto_reply")
    assert away.request_id == ack.request_id
    assert len(outbox_for("maija@example.fi")) == 1  # and never answered


def test_auto_submitted_no_is_a_person(db, frozen_clock):
    result = feed(make_mail(body="poistakaa tietoni", headers=[("Auto-Submitted", "no")]))
    assert result.message.disposition == "new_request"


def test_our_own_message_id_coming_back_is_ignored(db, frozen_clock):
    feed(make_mail("maija@example.fi", body="Haluan tarkastaa tietoni."))
    [ack] = outbox_for("maija@example.fi")
    echoed = feed(outgoing_bytes(ack)).message  # e.g. a list or a forwarder sent it back
    assert (echoed.disposition, echoed.reason) == ("ignored", "own_address")


# ---------------------------------------------------------------- exactly once


def test_the_same_message_at_a_new_location_is_recognised(db, frozen_clock):
    raw = make_mail(body="poistakaa tietoni")
    first = feed(raw, uidvalidity=1, uid="7")
    again = feed(raw, uidvalidity=2, uid="1")  # the server gave the mailbox a new UIDVALIDITY
    assert first.new and not again.new
    assert again.message.id == first.message.id
    assert Request.select().count() == 1 and InboundMessage.select().count() == 1
    assert MessageLocation.select().count() == 2
    assert not feed(raw, uidvalidity=2, uid="1").new  # the same location: nothing at all


def test_a_second_copy_under_the_same_message_id_is_an_ignored_duplicate(db, frozen_clock):
    first = feed(make_mail(body="poistakaa tietoni", message_id="<kopio@example.fi>"))
    copy = feed(
        make_mail(
            body="poistakaa tietoni",
            message_id="<kopio@example.fi>",
            headers=[("Cc", "toinen@kotkanleffat.fi")],
        )
    )
    assert copy.new
    assert (copy.message.disposition, copy.message.reason) == ("ignored", "duplicate")
    assert copy.message.request_id == first.message.request_id
    assert Request.select().count() == 1


def test_a_reused_message_id_does_not_drop_another_persons_request(db, frozen_clock):
    """Same Message-ID, another sender and text: a request of its own, acknowledged, and
    flagged for staff, never filed as a duplicate of the first mail."""
    first = feed(
        make_mail(
            "Maija <maija@example.fi>", body="Poistakaa tietoni.", message_id="<sama@example.fi>"
        )
    )
    other = feed(
        make_mail(
            "Pekka <pekka@example.fi>", body="Haluan nähdä tietoni.", message_id="<sama@example.fi>"
        )
    )
    assert other.new and other.message.disposition == "new_request"
    assert other.message.request_id != first.message.request_id
    assert (other.message.needs_attention, other.message.attention_reason) == (
        True,
        "message_id_reused",
    )
    assert Request.get_by_id(other.message.request_id).requester_email == "pekka@example.fi"
    assert OutboxMail.select().where(OutboxMail.to_address == "pekka@example.fi").count() == 1
    again = feed(
        make_mail(
            "Pekka <pekka@example.fi>", body="Haluan nähdä tietoni.", message_id="<sama@example.fi>"
        ),
        uid="9",
    )
    assert not again.new or again.message.reason == "duplicate"
    assert Request.select().count() == 2


def test_a_message_without_message_id_is_deduplicated_by_its_bytes(db, frozen_clock):
    raw = b"From: a@example.fi\r\nSubject: poisto\r\n\r\npoistakaa tietoni\r\n"
    first = feed(raw)
    again = feed(raw)
    assert first.message.dedupe_key.startswith("sha256:") and first.message.message_id is None
    assert not again.new and Request.select().count() == 1


# ---------------------------------------------------------------- parsing kept


def test_raw_bytes_and_attachments_are_kept_with_the_size_cap(db, frozen_clock):
    message = email.message.EmailMessage()
    message["From"] = "maija@example.fi"
    message["Subject"] = "Tietojen oikaisu"
    message["Message-ID"] = "<liite@example.fi>"
    message.set_content("Korjatkaa nimeni, liitteenä todistus.")
    message.add_attachment(b"x" * 100, maintype="application", subtype="pdf", filename="pieni.pdf")
    message.add_attachment(b"y" * 5000, maintype="image", subtype="jpeg", filename="iso.jpg")
    raw = message.as_bytes()
    stored = feed(raw, mail_settings(attachment_max_bytes=1000)).message
    assert bytes(stored.raw_message) == raw and stored.raw_size == len(raw)
    rows = {row.filename: row for row in Attachment.select().where(Attachment.message == stored)}
    assert rows["pieni.pdf"].kept and bytes(rows["pieni.pdf"].data) == b"x" * 100
    assert not rows["iso.jpg"].kept and rows["iso.jpg"].data is None
    assert rows["iso.jpg"].size == 5000
    assert stored.disposition == "new_request"


def test_quoted_text_and_signature_are_kept_apart(db, frozen_clock):
    stored = feed(
        make_mail(
            subject="Re: Kotkan Leffojen uutiskirje",
            body="Kiitos!\n\n-- \nMaija Virtanen\n040 123 4567\n\n"
            "ti 3.3.2026 klo 10.15 Kotkan Leffat <uutiskirje@kotkanleffat"
            ".fi> kirjoitti:\n> Haluatko tarkistaa tietosi?\n",
        )
    ).message
    assert stored.body_text == "Kiitos!"
    assert "Haluatko tarkistaa tietosi?" in stored.quoted_text
    assert Request.get_by_id(stored.request_id).kind == "other"  # the quote decides nothing


# ---------------------------------------------------------------- quarantine


def test_a_message_that_fails_is_quarantined_and_can_be_reprocessed(
    db, frozen_clock, tmp_path, monkeypatch, capsys
):
    broken = mail_settings(from_address="not an address")  # a configuration mistake
    result = feed(
        make_mail(
            "maija@example.fi",
            message_id="<karanteeni@example.fi>",
            body="Haluan tarkastaa tietoni.",
        ),
        broken,
    )
    message = result.message
    assert message.disposition == "quarantined" and message.needs_attention
    assert "addr-spec" in message.reason and message.raw_message is not None
    assert Request.select().count() == 0  # nothing half-done was kept
    events = list(AuditEvent.select())  # and no event of the half-done request
    assert [(event.action, event.payload.get("disposition")) for event in events] == [
        ("mail.received", "quarantined")
    ]
    assert audit.verify().ok
    # Staff fix the configuration, then reprocess from the command line.
    assert main(["messages", "reprocess", "karanteeni@example.fi"]) == 0
    message = InboundMessage.get_by_id(message.id)
    assert message.disposition == "new_request" and not message.needs_attention
    assert Request.get_by_id(message.request_id).kind == "access"
    assert main(["messages", "reprocess", "<karanteeni@example.fi>"]) == 1  # not quarantined
    assert "ei ole karanteenissa" in capsys.readouterr().err


FORWARDED_BY_BOX_OFFICE = """Hei, tämä tuli lipunmyynnin osoitteeseen. Hoidatko?

Terveisin Kirsi / lipunmyynti

---------- Välitetty viesti ----------
Lähettäjä: Aila Peltonen <aila.peltonen@example.fi>
Aihe: tietopyyntö

Haluan tarkastaa kaikki tietoni, joita teillä on minusta. Aila Peltonen, Kotka
"""


def test_a_customers_mail_forwarded_by_staff_is_the_customers_request(db, frozen_clock):
    result = feed(
        make_mail(
            "Kirsi Mononen <lipunmyynti@kotkanleffat.fi>",
            subject="VL: tietopyyntö",
            body=FORWARDED_BY_BOX_OFFICE,
        )
    )
    request = Request.get_by_id(result.message.request_id)
    assert request.kind == "access"
    assert (request.requester_email, request.requester_name) == (
        "aila.peltonen@example.fi",
        "Aila Peltonen",
    )
    assert result.message.from_address == "lipunmyynti@kotkanleffat.fi"  # who forwarded it
    assert result.message.attention_reason == "forwarded_by_staff"
    assert [mail.to_address for mail in OutboxMail.select()] == ["aila.peltonen@example.fi"]


def test_a_person_forwarding_their_own_unanswered_request_means_it(db, frozen_clock):
    body = (
        "I sent this a month ago and have had no reply. Please deal with it.\n\n"
        "---------- Forwarded message ----------\n"
        "From: Lucy Baker <lucy.baker@example.co.uk>\nDate: 10 February 2026\n"
        "Subject: Subject access request\n\n"
        "I am writing to make a subject access request for any personal information "
        "you hold about me.\nLucy Baker\n"
    )
    result = feed(make_mail("Lucy Baker <lucy.baker@example.co.uk>", subject="Fwd: SAR", body=body))
    request = Request.get_by_id(result.message.request_id)
    assert (request.kind, request.requester_email) == ("access", "lucy.baker@example.co.uk")
    assert not result.message.needs_attention


def test_our_own_newsletter_forwarded_back_is_not_read_as_the_persons_words(db, frozen_clock):
    body = (
        "Poistakaa minut tältä listalta.\n\n"
        "---------- Välitetty viesti ----------\n"
        f"Lähettäjä: Kotkan Leffat <{INBOX}>\nAihe: Uutiskirje\n\n"
        "Tarkista ja päivitä tietosi Oma tili -sivulla. Pyydä kopio tiedoistasi.\n"
    )
    result = feed(make_mail("Maija <maija@example.fi>", subject="VL: Uutiskirje", body=body))
    assert Request.get_by_id(result.message.request_id).kind == "objection"


@pytest.mark.parametrize(
    ("subject", "ignored"),
    [
        ("Automaattinen vastaus: Tietopyyntösi", True),
        ("Automatic reply: Your request TP-2026-0001", True),
        ("Out of Office: Tietopyyntö", True),
        ("Autosvar: Begäran", True),
        ("Abwesenheitsnotiz: Auskunft", True),
        ("Absence de réponse à ma demande d'accès", False),  # a person, complaining
        ("Automaattisesti lähetetyt mainokset pois", False),
    ],
)
def test_an_out_of_office_reply_without_headers_is_known_by_its_subject(
    db, frozen_clock, subject, ignored
):
    result = feed(make_mail(subject=subject, body="Olen lomalla 3.7. asti."))
    assert (result.message.reason == "auto_reply") is ignored
    assert (result.message.disposition == "ignored") is ignored


def test_a_letter_asking_for_two_rights_becomes_two_requests_sharing_the_letter(db, frozen_clock):
    from pathlib import Path

    from tui.data.request import load_request

    cited = Path(__file__).parent / "corpus" / "cited" / "fi-two-access-erasure.eml"
    result = feed(cited.read_bytes())
    first = Request.get_by_id(result.message.request_id)
    [second] = list(Request.select().where(Request.part_of == first))
    assert {first.kind, second.kind} == {"access", "erasure"}
    assert first.written_language == second.written_language == "fi"
    assert {mail.request_id for mail in OutboxMail.select()} == {first.id, second.id}
    view = load_request(second.reference, mail_settings())
    assert view.first_message is not None
    assert view.first_message.body == result.message.body_text  # the letter, on both
    assert view.letter_parts == ((first.reference, first.kind),)
    listed = {row["reference"]: row for row in listings.requests()}
    assert listed[second.reference]["part_of"] == first.reference
    assert listed[first.reference]["part_of"] is None
