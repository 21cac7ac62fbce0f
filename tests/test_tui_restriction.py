"""Restriction of processing in the staff TUI: a restriction request worked like the others
(call, approve with the ground), the marker on every screen that shows the customer, and
lifting from the customer screen with the notice first."""

from __future__ import annotations

from store import clock, lifecycle
from store.customers import get_customer, match_candidates
from store.models import AuditEvent, InboundMessage, OutboxMail, Request
from store.restriction import active_restriction, apply_restriction
from tests.support.desk import (
    confirm_and_call,
    desk_app,
    log_in,
    open_customer,
    press_and_settle,
    settle,
    text_of,
    type_text,
)
from tui.dialogs.mail_preview import MailPreviewDialog
from tui.dialogs.reason import ReasonDialog
from tui.dialogs.restriction import RestrictionDialog
from tui.screens.customer import CustomerScreen
from tui.screens.queue import QueueScreen
from tui.widgets.queue_table import QueueTable


def customer_cell(app: object, reference: str) -> str:
    table = app.screen.query_one(QueueTable)  # type: ignore[attr-defined]
    return str(table.get_cell(reference, "customer"))


def restriction_request() -> str:
    """Liisa asks by mail that her data be kept but not used while she contests it."""
    request = lifecycle.create_request(
        kind="restriction",
        actor="@mailbot",
        requester_email="liisa.virtanen@example.fi",
        requester_name="Liisa Virtanen",
        confidence=0.9,
        candidates=match_candidates(email="liisa.virtanen@example.fi"),
    )
    InboundMessage.create(
        dedupe_key="<rajoitus@example.fi>",
        message_id="<rajoitus@example.fi>",
        from_address="liisa.virtanen@example.fi",
        from_name="Liisa Virtanen",
        subject="Rajoituspyyntö",
        received_at=clock.now(),
        body_text="Rajoittakaa tietojeni käsittelyä, kiistän osoitteeni.",
        disposition="new_request",
        request=request,
    )
    return request.reference


async def test_a_restriction_request_is_called_approved_with_its_ground_and_confirmed(desk):
    reference = restriction_request()
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        await confirm_and_call(pilot, reference, note="vahvisti")
        await press_and_settle(pilot, "a")
        assert isinstance(app.screen, RestrictionDialog)
        app.screen.query_one("#restriction-ground").value = "accuracy_contested"
        await pilot.click("#restriction-note")
        await type_text(pilot, "Osoite kiistetty")
        await pilot.click("#next")
        await settle(pilot)
        assert isinstance(app.screen, MailPreviewDialog)
        assert "paikkansapitävyys on kiistetty" in text_of(app, "#preview-body")
        await press_and_settle(pilot, "enter")
        assert "RAJOITETTU" in text_of(app, "#request-summary")
    request = Request.get(Request.reference == reference)
    restriction = active_restriction(get_customer("100002"))
    assert request.status == "fulfilled"
    assert (restriction.ground, restriction.note, restriction.request_reference) == (
        "accuracy_contested",
        "Osoite kiistetty",
        reference,
    )
    mail = OutboxMail.get(OutboxMail.template == "restriction_applied")
    assert (mail.to_address, mail.request_id) == ("liisa.virtanen@example.fi", request.id)


async def test_a_restricted_customer_is_marked_and_lifted_after_the_notice(desk):
    apply_restriction(get_customer("100002"), ground="legal_claims", actor="anna")
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        await press_and_settle(pilot, "c")
        await type_text(pilot, "liis")
        await settle(pilot)
        assert "RAJOITETTU" in str(app.screen.query_one("#customer-table").get_row_at(0)[1])
        await press_and_settle(pilot, "enter", "enter")
        assert isinstance(app.screen, CustomerScreen)
        assert "RAJOITETTU" in text_of(app, "#customer-title")
        assert "oikeusvaateen" in text_of(app, "#customer-data")
        await press_and_settle(pilot, "l")
        assert isinstance(app.screen, ReasonDialog)
        await type_text(pilot, "Oikeudenkäynti on päättynyt.")
        await pilot.click("#next")
        await settle(pilot)
        assert isinstance(app.screen, MailPreviewDialog)
        assert active_restriction(get_customer("100002")) is not None  # nothing done yet
        await press_and_settle(pilot, "enter")
        assert "RAJOITETTU" not in text_of(app, "#customer-title")
    assert active_restriction(get_customer("100002")) is None
    notice = OutboxMail.get(OutboxMail.template == "restriction_lifted")
    assert notice.to_address == "liisa.virtanen@example.fi"
    trail = [
        e.action
        for e in AuditEvent.select()
        .where(AuditEvent.customer_no == "100002")
        .order_by(AuditEvent.id)
    ]
    assert trail.index("restriction.lifted") > trail.index("mail.queued")


async def test_staff_restrict_a_customer_from_the_customer_screen(desk):
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "emma")
        await open_customer(pilot, "100003")
        assert isinstance(app.screen, CustomerScreen)
        await press_and_settle(pilot, "l")  # nothing to lift: the key does nothing
        assert isinstance(app.screen, CustomerScreen)
        await press_and_settle(pilot, "x")
        assert isinstance(app.screen, RestrictionDialog)
        app.screen.query_one("#restriction-ground").value = "objection_pending"
        await settle(pilot)  # the chosen ground's label lays the dialog out again
        await pilot.click("#next")
        await settle(pilot)
        assert isinstance(app.screen, MailPreviewDialog)
        await press_and_settle(pilot, "enter")
        assert "RESTRICTED" in text_of(app, "#customer-title")
    restriction = active_restriction(get_customer("100003"))
    assert (restriction.ground, restriction.started_by) == ("objection_pending", "emma")
    assert (
        OutboxMail.get(OutboxMail.template == "restriction_applied").to_address
        == "pekka.laine@example.fi"
    )


async def test_the_queue_marks_a_request_whose_customer_becomes_restricted(desk):
    """Staff restrict Pekka from the customer screen; back on the queue, his erasure request
    carries the mark without a manual refresh, and Liisa's does not."""
    lifecycle.confirm_customer(
        Request.get(Request.reference == desk.erasure), get_customer("100003"), "anna"
    )
    lifecycle.confirm_customer(
        Request.get(Request.reference == desk.rectification), get_customer("100002"), "anna"
    )
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "emma")
        assert customer_cell(app, desk.erasure) == "100003"
        await open_customer(pilot, "100003")
        await press_and_settle(pilot, "x")
        app.screen.query_one("#restriction-ground").value = "legal_claims"
        await settle(pilot)
        await pilot.click("#next")
        await settle(pilot)
        await press_and_settle(pilot, "enter")
        while not isinstance(app.screen, QueueScreen):
            await press_and_settle(pilot, "escape")
        await settle(pilot)
        assert customer_cell(app, desk.erasure) == "100003 R"
        assert customer_cell(app, desk.rectification) == "100002"
