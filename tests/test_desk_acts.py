"""The desk's everyday acts beyond the templates, decided in one place for the TUI and the
CLI: a free reply (on any request), a template's text edited before it goes, internal
notes, a handler, news on a request until someone opens it, requests made by phone or at
the box office, and the package password that is the approver's own."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mailbot import acts
from store import audit, clock, lifecycle
from store.errors import InvalidInput, RuleViolation
from store.models import (
    AuditEvent,
    Customer,
    MarketingSuppression,
    OutboxMail,
    Request,
    RequestNote,
)
from tests.support.desk import Desk
from tests.support.mail import feed, mail_settings, make_mail, outgoing_message


def sent_text(row: OutboxMail) -> str:
    message = outgoing_message(row)
    return str(message.get_body(preferencelist=("plain",)).get_content())


def other_request(desk: Desk) -> Request:
    return lifecycle.create_request(
        kind="other",
        actor="@mailbot",
        requester_email="kysyja@example.fi",
        requester_name="Kalle Kysyjä",
    )


def test_a_question_filed_as_other_gets_a_free_reply_threaded_and_in_its_language(desk):
    question = other_request(desk)
    proposal = acts.plan(
        "reply",
        question.reference,
        desk.settings,
        "anna",
        {"text": "Lauantaisin näytämme lastenelokuvia klo 12 ja 14."},
    )
    assert proposal.mail is not None and proposal.rendered is not None
    assert proposal.mail.to_address == "kysyja@example.fi"
    assert proposal.rendered.text.startswith("Hei Kalle,")  # Finnish greets by first name
    assert "Lauantaisin näytämme" in proposal.rendered.text
    acts.commit(proposal, desk.settings, "anna")
    row = OutboxMail.get(OutboxMail.request == question)
    assert row.template == "free_reply"
    assert question.reference in row.subject
    assert "Lauantaisin näytämme lastenelokuvia" in sent_text(row)
    assert Request.get_by_id(question.id).status == "received"  # a reply closes nothing


def test_a_reply_can_go_in_english_and_after_the_request_is_closed(desk):
    question = other_request(desk)
    lifecycle.dismiss(question, "anna", "ei tietosuojapyyntö")
    proposal = acts.plan(
        "reply",
        question.reference,
        desk.settings,
        "anna",
        {"text": "Our shows on Saturday start at noon.", "language": "en"},
    )
    assert proposal.rendered.subject.startswith("Your data protection request")
    acts.commit(proposal, desk.settings, "anna")
    assert OutboxMail.select().where(OutboxMail.request == question).count() == 1


def test_an_empty_reply_or_one_without_an_address_is_refused_with_the_reason(desk):
    question = other_request(desk)
    with pytest.raises(RuleViolation) as empty:
        acts.plan("reply", question.reference, desk.settings, "anna", {"text": "   "})
    assert empty.value.key == "rule.reply_required"
    by_phone = acts.record_request(
        acts.ManualRequest(
            kind="access", channel="phone", requester_name="Ville", requester_phone="040 1234567"
        ),
        desk.settings,
        "anna",
    )
    assert lifecycle.can_reply(by_phone) == (False, "rule.reply_needs_address")
    with pytest.raises(RuleViolation) as nowhere:
        acts.plan("reply", by_phone.reference, desk.settings, "anna", {"text": "Hei"})
    assert nowhere.value.key == "rule.reply_needs_address"


def test_a_template_edited_in_the_preview_is_sent_exactly_as_edited(desk):
    proposal = acts.plan(
        "ask_more", desk.access, desk.settings, "anna", {"reason": "Kerro asiakasnumerosi."}
    )
    edited = proposal.with_text("Hei Matti,\n\nkerro vielä asiakasnumerosi, kiitos.\n\nAnna")
    acts.commit(edited, desk.settings, "anna")
    row = OutboxMail.get(OutboxMail.template == "more_information")
    assert sent_text(row).strip() == "Hei Matti,\n\nkerro vielä asiakasnumerosi, kiitos.\n\nAnna"
    queued = AuditEvent.get(AuditEvent.action == "mail.queued")
    assert queued.payload["edited_by_staff"] is True


def test_notes_stay_internal_are_audited_and_go_with_the_minimised_request(desk):
    acts.add_note(desk.erasure, "Soitti itse, pyysi poistoa myös puhelimessa.", "anna")
    note = RequestNote.get()
    assert (note.author, note.text) == ("anna", "Soitti itse, pyysi poistoa myös puhelimessa.")
    event = AuditEvent.get(AuditEvent.action == "request.note_added")
    assert event.request_reference == desk.erasure
    assert "Soitti" not in str(event.payload)  # the trail says a note was written, not what
    assert OutboxMail.select().count() == 0  # never sent
    with pytest.raises(RuleViolation) as empty:
        acts.add_note(desk.erasure, " \n ", "anna")
    assert empty.value.key == "rule.note_required"

    from store.erasure import minimise_requests

    minimise_requests(Request.reference == desk.erasure, clock.now())
    assert RequestNote.select().count() == 0
    assert audit.verify().ok


def test_a_request_is_assigned_only_to_enabled_staff(desk):
    acts.assign(desk.access, "emma", "anna")
    assert Request.get(Request.reference == desk.access).handler == "emma"
    event = AuditEvent.get(AuditEvent.action == "request.assigned")
    assert (event.payload["old"], event.payload["new"]) == ("", "emma")
    with pytest.raises(RuleViolation) as nobody:
        acts.assign(desk.access, "nobody", "anna")
    assert nobody.value.key == "rule.assign_needs_staff"


def test_a_reply_from_another_address_marks_the_request_until_someone_opens_it(desk):
    request = Request.get(Request.reference == desk.access)
    feed(
        make_mail(
            "Joku Muu <joku.muu@example.fi>",
            subject=f"Re: Tietopyyntö [{desk.access}]",
            body="Tässä lisätiedot.",
        ),
        mail_settings(),
    )
    assert Request.get_by_id(request.id).news == "attention"
    opened = acts.open_request(desk.access, "anna")
    assert opened.news == "attention"
    assert Request.get_by_id(request.id).news == ""
    assert AuditEvent.get(AuditEvent.action == "request.opened").actor == "anna"


def test_opening_a_request_a_colleague_has_open_names_them(desk, frozen_clock):
    assert acts.open_request(desk.access, "anna").others == ()
    frozen_clock(clock.now() + timedelta(minutes=5))
    opened = acts.open_request(desk.access, "emma")
    assert [name for name, _ in opened.others] == ["anna"]
    frozen_clock(clock.now() + timedelta(minutes=lifecycle.OPENED_RECENTLY_MINUTES + 1))
    assert acts.open_request(desk.access, "emma").others == ()


def test_a_request_made_by_phone_is_recorded_with_its_own_date_and_acknowledged(desk):
    received = clock.now() - timedelta(days=3)
    request = acts.record_request(
        acts.ManualRequest(
            kind="erasure",
            channel="phone",
            requester_name="Pekka Laine",
            requester_email="pekka.laine@example.fi",
            received_at=received,
            note="Soitti lipunmyyntiin ja pyysi poistamaan tietonsa.",
        ),
        desk.settings,
        "anna",
    )
    assert (request.channel, request.status, request.received_at) == ("phone", "received", received)
    assert request.due_at == lifecycle.deadlines.due_at(received)  # counts from the call
    assert lifecycle.kind_set_by(request) == "anna"
    assert [c.customer.customer_no for c in request.candidates] == ["100003"]
    assert RequestNote.get(RequestNote.request == request).text.startswith("Soitti")
    ack = OutboxMail.get(OutboxMail.request == request)
    assert (ack.template, ack.to_address) == ("acknowledgement", "pekka.laine@example.fi")


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"channel": "email"}, "rule.manual_channel"),
        ({"requester_name": " "}, "rule.manual_needs_name"),
        ({"requester_email": "", "requester_phone": ""}, "rule.manual_needs_contact"),
        ({"requester_email": "ei osoite"}, "rule.bad_email"),
        ({"requester_phone": "12"}, "rule.bad_phone"),
    ],
)
def test_a_manual_request_with_bad_details_is_refused_and_nothing_is_recorded(desk, fields, key):
    values = {
        "kind": "access",
        "channel": "counter",
        "requester_name": "Ville Vieras",
        "requester_email": "ville@example.fi",
        **fields,
    }
    before = Request.select().count()
    with pytest.raises((RuleViolation, InvalidInput)) as refused:
        acts.record_request(acts.ManualRequest(**values), desk.settings, "anna")
    assert refused.value.key == key
    assert Request.select().count() == before


def test_an_objection_recorded_by_hand_stops_marketing_when_staff_approve_it(desk):
    request = acts.record_request(
        acts.ManualRequest(
            kind="objection",
            channel="counter",
            requester_name="Matti Meikäläinen",
            requester_email="matti.meikalainen@example.fi",
            acknowledge=False,
        ),
        desk.settings,
        "anna",
    )
    acts.confirm_candidate(request.reference, "100001", "anna")
    acts.commit(
        acts.plan("objection", request.reference, desk.settings, "anna"), desk.settings, "anna"
    )
    assert Request.get_by_id(request.id).status == "fulfilled"
    assert MarketingSuppression.select().count() == 1


def test_the_package_password_is_the_one_the_approver_read_out(desk):
    acts.confirm_candidate(desk.access, "100001", "anna")
    acts.log_call(desk.access, "confirmed", "", "anna", package_password="anna-luki-tämän")
    acts.log_call(desk.access, "confirmed", "", "emma", package_password="emma-luki-tämän")
    by_anna = acts.plan("access", desk.access, desk.settings, "anna")
    assert (by_anna.package.password, by_anna.package.password_told) == ("anna-luki-tämän", True)
    by_admin = acts.plan("access", desk.access, desk.settings, "admin")
    assert by_admin.package.password_told is False  # a fresh one, to phone through first


def test_the_could_not_reach_you_mail_waits_for_the_agreed_unanswered_calls(desk):
    """The workflow used to let it go at any time; the store's rule now decides, for the
    plan (the TUI's `u` and its preview) and again at the commit."""
    request = Request.get(Request.reference == desk.access)
    matti = Customer.get(Customer.email == "matti.meikalainen@example.fi")
    lifecycle.confirm_customer(request, matti, "anna")
    with pytest.raises(RuleViolation) as early:
        acts.plan("unreachable", request.reference, desk.settings, "anna")
    assert early.value.key == "rule.unreachable_too_early"
    assert "Soita ensin" in early.value.translated("fi")
    for _ in range(desk.settings.requests.unanswered_calls_before_letter):
        lifecycle.log_call(request, "no_answer", "anna")
    proposal = acts.plan("unreachable", request.reference, desk.settings, "anna")
    acts.commit(proposal, desk.settings, "anna")
    assert OutboxMail.get(OutboxMail.template == "unreachable").request_id == request.id
