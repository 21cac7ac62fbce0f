"""The request lifecycle: every transition checked, timestamped and audited."""

from datetime import timedelta

import pytest

from store import audit, clock, lifecycle
from store.errors import RuleViolation
from store.models import AuditEvent, Request
from tests.support.factories import make_customer


def new_request(kind: str = "access", **fields) -> Request:
    return lifecycle.create_request(
        kind=kind, actor="@mailbot", requester_email="matti.meikalainen@example.fi", **fields
    )


def actions_for(reference: str) -> list[str]:
    return [
        event.action
        for event in AuditEvent.select()
        .where(AuditEvent.request_reference == reference)
        .order_by(AuditEvent.id)
    ]


def test_an_access_request_goes_from_receipt_to_fulfilment(db, frozen_clock):
    customer = make_customer()
    request = new_request()
    assert (request.reference, request.status) == ("TP-2026-0001", "received")
    assert clock.iso(request.due_at) == "2026-04-10T23:59:59+03:00"

    lifecycle.confirm_customer(request, customer, "anna")
    assert request.status == "awaiting_verification"
    call = lifecycle.log_call(request, "confirmed", "anna", note="Vastasi, vahvisti pyynnön.")
    assert call.phone_called == customer.phone  # the number on record, nothing else
    assert request.status == "verified"
    lifecycle.approve(request, "anna")
    lifecycle.fulfil(request, "anna", outcome="data package sent")

    stored = Request.get_by_id(request.id)
    assert (stored.status, stored.closed_at, stored.handler) == ("fulfilled", clock.now(), "anna")
    assert actions_for(request.reference) == [
        "request.received",
        "request.customer_confirmed",
        "request.verified",
        "request.call_logged",
        "request.approved",
        "request.fulfilled",
    ]
    fulfilled = AuditEvent.get(AuditEvent.action == "request.fulfilled")
    assert fulfilled.payload["on_time"] is True
    assert fulfilled.customer_no == customer.customer_no
    assert audit.verify().ok


def test_an_access_request_cannot_be_approved_without_a_confirmed_call(db, frozen_clock):
    customer = make_customer()
    request = new_request()
    lifecycle.confirm_customer(request, customer, "anna")
    lifecycle.log_call(request, "no_answer", "anna")
    lifecycle.log_call(request, "no_answer", "anna")

    with pytest.raises(RuleViolation) as refused:
        lifecycle.approve(request, "anna")

    assert refused.value.key == "rule.approve_needs_call"
    assert "tarkistussoiton" in refused.value.translated("fi")
    assert Request.get_by_id(request.id).status == "awaiting_verification"
    assert lifecycle.unanswered_calls(request) == 2
    assert "request.approved" not in actions_for(request.reference)


def test_a_call_needs_a_confirmed_customer_with_a_phone_on_record(db, frozen_clock):
    request = new_request()
    with pytest.raises(RuleViolation, match="confirm the customer"):
        lifecycle.log_call(request, "confirmed", "anna")
    lifecycle.confirm_customer(request, make_customer(phone=None), "anna")
    with pytest.raises(RuleViolation, match="no phone number"):
        lifecycle.log_call(request, "confirmed", "anna")


def test_confirming_another_customer_after_the_call_needs_a_new_call(db, frozen_clock):
    first, second = make_customer(), make_customer(email="toinen@example.fi")
    request = new_request()
    lifecycle.confirm_customer(request, first, "anna")
    lifecycle.log_call(request, "confirmed", "anna")
    lifecycle.confirm_customer(request, second, "anna")
    assert request.status == "awaiting_verification"
    assert lifecycle.can_approve(request) == (False, "rule.approve_needs_call")


def test_an_objection_needs_no_call(db, frozen_clock):
    request = new_request("objection")
    assert lifecycle.can_approve(request) == (True, "")
    lifecycle.approve(request, "@mailbot")
    lifecycle.fulfil(request, "@mailbot", outcome="marketing stopped")
    assert Request.get_by_id(request.id).status == "fulfilled"


def test_a_person_not_in_the_register_gets_the_no_data_answer_without_a_call(db, frozen_clock):
    request = new_request()
    lifecycle.mark_not_in_register(request, "anna")
    assert (request.status, request.match_state) == ("awaiting_verification", "not_in_register")
    lifecycle.approve(request, "anna")
    assert Request.get_by_id(request.id).status == "approved"


def test_reference_numbers_run_per_year_and_are_never_reused(db, frozen_clock):
    first, second = new_request(), new_request()
    assert [first.reference, second.reference] == ["TP-2026-0001", "TP-2026-0002"]
    Request.delete().where(Request.id == second.id).execute()
    assert new_request().reference == "TP-2026-0003"
    frozen_clock(clock.parse_instant("2027-01-01T00:30:00+02:00"))
    assert new_request().reference == "TP-2027-0001"


def test_the_deadline_extends_once_by_two_months_inside_the_first_month(db, frozen_clock):
    request = new_request()
    with pytest.raises(RuleViolation, match="give the reason"):
        lifecycle.extend_deadline(request, "anna", "  ")
    lifecycle.extend_deadline(request, "anna", "Laaja pyyntö: tiedot kolmesta järjestelmästä.")
    assert clock.iso(request.due_at) == "2026-06-10T23:59:59+03:00"
    assert clock.iso(request.original_due_at) == "2026-04-10T23:59:59+03:00"
    with pytest.raises(RuleViolation) as again:
        lifecycle.extend_deadline(request, "anna", "Toinen kerta")
    assert again.value.key == "rule.already_extended"


def test_the_deadline_cannot_be_extended_after_the_first_month(db, frozen_clock):
    request = new_request()
    frozen_clock(request.original_due_at + timedelta(seconds=1))
    with pytest.raises(RuleViolation) as late:
        lifecycle.extend_deadline(request, "anna", "Liian myöhään")
    assert late.value.key == "rule.extension_too_late"
    assert Request.get_by_id(request.id).extended_at is None


def test_the_clock_does_not_stop_while_waiting_for_the_requester(db, frozen_clock):
    request = new_request()
    due = request.due_at
    lifecycle.confirm_customer(request, make_customer(), "anna")
    lifecycle.ask_for_more(request, "anna", "Kaksi samannimistä asiakasta.")
    assert request.status == "waiting_for_requester"
    lifecycle.requester_replied(request, "@mailbot")
    assert (request.status, request.due_at) == ("awaiting_verification", due)


def test_a_refusal_needs_a_reason_and_closes_the_request(db, frozen_clock):
    request = new_request()
    with pytest.raises(RuleViolation):
        lifecycle.reject(request, "anna", ground="manifestly_unfounded", reason="")
    lifecycle.reject(
        request,
        "anna",
        ground="manifestly_unfounded",
        reason="Sama pyyntö kuudennen kerran tässä kuussa.",
    )
    stored = Request.get_by_id(request.id)
    assert (stored.status, stored.rejection_ground) == ("rejected", "manifestly_unfounded")
    with pytest.raises(RuleViolation) as closed:
        lifecycle.dismiss(stored, "anna")
    assert closed.value.key == "rule.not_open"


def test_staff_correct_the_kind_and_the_change_is_audited(db, frozen_clock):
    request = new_request("other")
    lifecycle.change_kind(request, "erasure", "anna")
    event = AuditEvent.get(AuditEvent.action == "request.kind_changed")
    assert (event.payload["old"], event.payload["new"], event.actor) == ("other", "erasure", "anna")


def test_a_stale_copy_cannot_overwrite_what_someone_else_did(db, frozen_clock):
    request = new_request()
    stale = Request.get_by_id(request.id)
    lifecycle.dismiss(request, "anna", reason="Ohjelmistokysymys")
    with pytest.raises(RuleViolation):
        lifecycle.change_kind(stale, "erasure", "ville")
    assert Request.get_by_id(request.id).status == "dismissed"


def test_the_package_password_is_kept_only_from_a_confirmed_call_with_that_customer(
    db, frozen_clock
):
    first, second = make_customer(), make_customer(email="toinen@example.fi")
    request = new_request()
    lifecycle.confirm_customer(request, first, "anna")
    lifecycle.log_call(request, "no_answer", "anna", package_password="1111 2222")
    assert lifecycle.agreed_package_password(request) is None
    lifecycle.log_call(request, "confirmed", "anna", package_password="3333 4444")
    assert lifecycle.agreed_package_password(request) == "3333 4444"
    event = (
        AuditEvent.select()
        .where(AuditEvent.action == "request.call_logged")
        .order_by(AuditEvent.id.desc())
        .get()
    )
    assert event.payload["package_password_given"] is True
    assert "3333 4444" not in str(event.payload)  # the audit trail never holds the secret
    lifecycle.confirm_customer(request, second, "anna")
    assert lifecycle.agreed_package_password(request) is None  # told to someone else
    lifecycle.confirm_customer(request, first, "anna")
    lifecycle.forget_package_password(request)
    assert lifecycle.agreed_package_password(request) is None


def test_a_confirmed_call_resumes_a_request_waiting_for_the_requester(db, frozen_clock):
    """We asked for more; the person then confirmed everything on the phone (issue 15
    item 3): the request is verified and can be approved, whatever its kind."""
    customer = make_customer()
    request = new_request("erasure")
    lifecycle.confirm_customer(request, customer, "anna")
    lifecycle.ask_for_more(request, "anna", "Mitä osoitetta pyyntö koskee?")
    assert lifecycle.can_approve(request) == (False, "rule.waiting_for_requester")
    with pytest.raises(RuleViolation) as refused:
        lifecycle.approve(request, "anna")
    assert refused.value.translated("fi").startswith(
        "Poistopyyntö TP-2026-0001 odottaa pyytäjän vastausta."
    )
    lifecycle.log_call(request, "confirmed", "anna", note="Vahvisti poiston puhelimessa.")
    assert (request.status, lifecycle.can_approve(request)) == ("verified", (True, ""))
    assert Request.get_by_id(request.id).status_before_wait is None


def test_staff_resume_a_wait_the_answer_to_which_came_another_way(db, frozen_clock):
    request = new_request("access")
    lifecycle.confirm_customer(request, make_customer(), "anna")
    with pytest.raises(RuleViolation) as refused:
        lifecycle.resume(request, "anna", "Vastasi puhelimessa.")
    assert refused.value.key == "rule.not_waiting"
    lifecycle.ask_for_more(request, "anna", "Mitä tietoja pyyntö koskee?")
    with pytest.raises(RuleViolation, match="reason"):
        lifecycle.resume(request, "anna", "  ")
    lifecycle.resume(request, "anna", "Vastaus tuli toisesta osoitteesta.")
    assert request.status == "awaiting_verification"
    resumed = AuditEvent.get(AuditEvent.action == "request.resumed")
    assert (resumed.actor, resumed.payload["note"]) == (
        "anna",
        "Vastaus tuli toisesta osoitteesta.",
    )


def test_a_refusal_to_approve_names_the_requests_own_kind(db, frozen_clock):
    request = new_request("erasure")
    lifecycle.confirm_customer(request, make_customer(), "anna")
    with pytest.raises(RuleViolation) as refused:
        lifecycle.approve(request, "anna")
    assert refused.value.translated("fi").startswith("Poistopyyntö TP-2026-0001:")
    assert refused.value.translated("en").startswith("Erasure request TP-2026-0001:")


# ------------------------------------------------------------ the can_… rules, one place


def test_the_unreachable_letter_is_due_only_after_the_agreed_unanswered_calls(db, frozen_clock):
    customer = make_customer()
    request = new_request()
    lifecycle.confirm_customer(request, customer, "anna")
    assert lifecycle.can_send_unreachable_letter(request, 3) == (
        False,
        "rule.unreachable_too_early",
    )
    for _ in range(3):
        lifecycle.log_call(request, "no_answer", "anna")
    assert lifecycle.can_send_unreachable_letter(request, 3) == (True, "")
    lifecycle.dismiss(request, "anna", "ei tietosuojapyyntö")
    assert lifecycle.can_send_unreachable_letter(request, 3) == (False, "rule.not_open")


def test_extending_and_asking_more_say_why_not(db, frozen_clock):
    request = new_request()
    assert lifecycle.can_extend(request, clock.now()) == (True, "")
    late = request.original_due_at + timedelta(seconds=1)
    assert lifecycle.can_extend(request, late) == (False, "rule.extension_too_late")
    assert lifecycle.can_ask_more(request) == (True, "")
    lifecycle.ask_for_more(request, "anna", "Mikä on asiakasnumerosi?")
    assert lifecycle.can_ask_more(request) == (False, "rule.already_waiting")
    with pytest.raises(RuleViolation) as again:
        lifecycle.ask_for_more(request, "anna", "Uudestaan")
    assert again.value.key == "rule.already_waiting"
    lifecycle.extend_deadline(request, "anna", "Laaja pyyntö")
    assert lifecycle.can_extend(request, clock.now()) == (False, "rule.already_extended")
    lifecycle.reject(request, "anna", ground="manifestly_unfounded", reason="Toistuva pyyntö")
    for verdict in (
        lifecycle.can_reject(request),
        lifecycle.can_dismiss(request),
        lifecycle.can_ask_more(request),
    ):
        assert verdict == (False, "rule.not_open")


def test_the_call_warns_of_another_number_and_another_address_in_the_mail(db, frozen_clock):
    customer = make_customer(phone="040 1234567", email="matti@example.fi")
    request = new_request(requester_phone="+358 50 765 4321")
    assert lifecycle.call_warnings(request, None) == lifecycle.CallWarnings()
    warnings = lifecycle.call_warnings(request, customer)
    assert warnings.mail_phone_differs == "+358507654321"
    assert warnings.reply_address_differs == "matti.meikalainen@example.fi"
    same = lifecycle.create_request(
        kind="access",
        actor="@mailbot",
        requester_email="matti@EXAMPLE.fi",
        requester_phone="0401234567",
    )
    assert lifecycle.call_warnings(same, customer) == lifecycle.CallWarnings()


def test_the_mailbot_counts_as_stopped_after_three_polls_or_five_minutes():
    from store.heartbeat import mailbot_is_stale

    now = clock.parse_instant("2026-03-10T12:00:00+02:00")
    assert mailbot_is_stale(None, now, poll_seconds=30)
    assert not mailbot_is_stale(now - timedelta(minutes=4), now, poll_seconds=30)
    assert mailbot_is_stale(now - timedelta(minutes=6), now, poll_seconds=30)
    assert not mailbot_is_stale(now - timedelta(minutes=14), now, poll_seconds=300)
