"""The staff TUI, driven through the Pilot like a handler at the keyboard: the real app on a
real database, each flow checked by what staff see and what the register then holds."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from textual.widgets import Button

from store import clock, lifecycle
from store.models import (
    AuditEvent,
    Customer,
    InboundMessage,
    OutboxMail,
    Purchase,
    Request,
    VerificationCall,
)
from store.package import spoken_password
from tests.support.desk import (
    confirm_and_call,
    desk_app,
    log_in,
    open_and_confirm,
    open_request,
    press_and_settle,
    settle,
    text_of,
    type_text,
)
from tests.support.mail import outgoing_message
from tui.dialogs.call import CallDialog
from tui.dialogs.erasure import ErasureDialog
from tui.dialogs.mail_preview import MailPreviewDialog
from tui.dialogs.rectification import RectificationDialog
from tui.screens.customer import CustomerScreen
from tui.screens.login import LoginScreen
from tui.screens.queue import QueueScreen
from tui.screens.request import RequestScreen
from tui.widgets.queue_table import QueueTable


def request_row(reference: str) -> Request:
    return Request.get(Request.reference == reference)


# ---------------------------------------------------------------- logging in


async def test_staff_log_in_and_see_the_queue_nearest_deadline_first(desk):
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        assert isinstance(app.screen, QueueScreen)
        assert app.session is not None and app.session.name == "anna"
        table = app.screen.query_one(QueueTable)
        references = [row.reference for row in app.screen.requests]
        assert references == [desk.erasure, desk.rectification, desk.access]
        assert table.row_count == 3
        assert "Anna Aalto" in text_of(app, "#queue-title")
        # the erasure is ten days overdue, the rectification due within a week
        assert [row.days_left for row in app.screen.requests] == [-10, 3, 29]


async def test_a_wrong_password_is_refused_and_five_lock_the_name(desk):
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna", "väärä salasana")
        assert isinstance(app.screen, LoginScreen)
        refused = (
            "Väärä käyttäjätunnus tai salasana. Tunnus lukitaan 15 minuutiksi "
            "5 väärän yrityksen jälkeen."
        )
        assert text_of(app, "#login-message") == refused
        for _ in range(4):
            await type_text(pilot, "väärä salasana")
            await press_and_settle(pilot, "enter")
        # now even the right password is refused until the lock runs out, in the words an
        # unknown name gets
        await type_text(pilot, "anna-salasana")
        await press_and_settle(pilot, "enter")
        assert isinstance(app.screen, LoginScreen)
        assert text_of(app, "#login-message") == refused
    actions = [e.action for e in AuditEvent.select().where(AuditEvent.actor == "anna")]
    assert "login.locked" in actions


async def test_an_idle_session_is_logged_out(desk, frozen_clock):
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        frozen_clock(clock.now() + timedelta(minutes=16))
        await app.check_idle_logout()
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.session is None
        assert "15 minuuttiin" in text_of(app, "#login-message")


@pytest.mark.parametrize("with_dialog", [False, True], ids=["request open", "call dialog open"])
async def test_logging_out_from_an_open_request_returns_to_the_login(desk, with_dialog):
    """Issue 15: logging out with a request (or the call dialog over it) open crashed the
    app with "staff screens are shown only after login"."""
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        await open_and_confirm(pilot, desk.access)
        if with_dialog:
            await press_and_settle(pilot, "c")
            assert isinstance(app.screen, CallDialog)
        await app.logout()
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.session is None
        assert app.return_code in (None, 0) and app.is_running


async def test_the_idle_logout_from_an_open_request_returns_to_the_login(desk, frozen_clock):
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        await open_request(pilot, desk.access)
        assert isinstance(app.screen, RequestScreen)
        frozen_clock(clock.now() + timedelta(minutes=16))
        await app.check_idle_logout()
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.is_running


async def test_a_member_disabled_while_logged_in_is_logged_out(desk):
    """Issue 18 item 12: a disabled member kept full access in an open session."""
    from store import staff

    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        await open_request(pilot, desk.access)
        staff.set_enabled("anna", False, "@test")
        await app.check_idle_logout()
        await settle(pilot)
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.session is None
        assert "poistettu käytöstä" in text_of(app, "#login-message")


async def test_an_english_speaking_handler_gets_english_screens(desk):
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "emma")
        assert text_of(app, "#queue-title").startswith("Requests: 3")


# ---------------------------------------------------------------- the queue


async def test_new_requests_from_the_mailbot_appear_without_a_restart(desk):
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        # the mailbot is another process: it only writes to the database
        new = lifecycle.create_request(
            kind="objection", actor="@mailbot", requester_email="uusi@example.fi"
        )
        app.screen.reload()  # what the refresh timer does every few seconds
        await settle(pilot)
        assert new.reference in [row.reference for row in app.screen.requests]
        assert text_of(app, "#queue-title").startswith("Pyynnöt: 4")


async def test_failed_mail_is_flagged_and_a_silent_mailbot_warned_about(desk):
    from tests.support.factories import make_outbox_mail

    make_outbox_mail(desk.settings, request=request_row(desk.access))
    OutboxMail.update(status="failed", last_error="550 no such user").execute()
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        health = text_of(app, "#queue-health")
        assert "1 lähtevä viesti epäonnistui" in health
        assert "Postirobotti ei ole vielä hakenut postia" in health
        flagged = [row.reference for row in app.screen.requests if row.failed_mail]
        assert flagged == [desk.access]


async def test_the_queue_filters_by_kind_and_searches(desk):
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        await pilot.press("slash")
        await type_text(pilot, "liisa")
        await settle(pilot)
        assert [row.reference for row in app.screen.requests] == [desk.rectification]
        await press_and_settle(pilot, "escape")
        app.screen.query_one("#queue-kind").value = "erasure"
        await settle(pilot)
        assert [row.reference for row in app.screen.requests] == [desk.erasure]


# ---------------------------------------------------------------- a request


async def test_opening_a_request_shows_the_mail_and_the_candidates(desk):
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        await open_request(pilot, desk.access)
        assert isinstance(app.screen, RequestScreen)
        summary = text_of(app, "#request-summary")
        assert desk.access in summary and "Tarkastuspyyntö" in summary
        assert "varmuus 93 %" in summary
        candidates = app.screen.query_one("#candidates")
        assert candidates.row_count == 1 and candidates.has_focus
        await press_and_settle(pilot, "1", "h")
        assert "haluaisin tarkistaa" in text_of(app, "#message-body")
        assert "Subject: Tietopyyntö" in text_of(app, "#message-details")


@pytest.mark.parametrize(
    ("staff", "words"),
    [
        ("anna", "Tarkista: lähettäjä ei ole pyytäjä eikä pyynnön asiakas"),
        ("emma", "Check: the sender is neither the requester nor the request's customer"),
    ],
)
async def test_why_a_message_needs_attention_is_said_in_words(desk, staff, words):
    InboundMessage.update(needs_attention=True, attention_reason="sender_differs").where(
        InboundMessage.request == request_row(desk.access)
    ).execute()
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, staff)
        await open_request(pilot, desk.access)
        body = text_of(app, "#message-body")
        assert words in body and "sender_differs" not in body


async def test_a_confirmed_call_to_the_number_on_record_verifies_the_request(desk):
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        await open_and_confirm(pilot, desk.access)
        await press_and_settle(pilot, "c")
        assert isinstance(app.screen, CallDialog)
        assert "040 1234567" in text_of(app, "#call-number")
        await pilot.press("space", "tab")
        await type_text(pilot, "vahvisti pyynnön")
        await press_and_settle(pilot, "enter")
        assert isinstance(app.screen, RequestScreen)
        assert app.screen.query_one("#button-approve", Button).disabled is False
    request = request_row(desk.access)
    call = VerificationCall.get(VerificationCall.request == request)
    assert (request.status, call.outcome, call.phone_called, call.note) == (
        "verified",
        "confirmed",
        "+358401234567",
        "vahvisti pyynnön",
    )


async def test_the_call_outcome_is_never_chosen_beforehand(desk):
    """Enter alone must not log "confirmed" (it unlocks disclosure); the note typed stays,
    and the chosen outcome shows without colour (issue 15 item 10)."""
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        await open_and_confirm(pilot, desk.access)
        await press_and_settle(pilot, "c")
        marks = [button.render().plain[:3] for button in app.screen.query("RadioButton")]
        assert marks == ["▐ ▌"] * 4  # nothing chosen
        await pilot.press("tab")
        await type_text(pilot, "soitin klo 10")
        await press_and_settle(pilot, "enter")
        assert isinstance(app.screen, CallDialog)
        assert text_of(app, "#call-problem") == "Valitse puhelun tulos."
        assert app.screen.query_one("#call-note").value == "soitin klo 10"
        await press_and_settle(pilot, "space")  # the highlighted first outcome
        first = app.screen.query("RadioButton").first()
        assert first.render().plain.startswith("▐●▌")
    assert not VerificationCall.select().exists()


async def test_the_call_dialog_warns_of_a_number_and_address_from_the_mail(desk):
    Customer.update(email="liisa@vanha.example").where(Customer.customer_no == "100002").execute()
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        await open_and_confirm(pilot, desk.rectification)
        await press_and_settle(pilot, "c")
        warnings = " ".join(str(w.render()) for w in app.screen.query(".warning"))
        assert "050 1112223" in text_of(app, "#call-number")  # on record, never the mail's
        assert "040 7654321" in warnings and "liisa.virtanen@example.fi" in warnings


async def test_approval_is_refused_before_a_confirmed_call(desk):
    app = desk_app(desk)
    async with app.run_test(notifications=True) as pilot:
        await log_in(pilot, "anna")
        await open_and_confirm(pilot, desk.access)
        assert app.screen.query_one("#button-approve", Button).disabled is True
        await press_and_settle(pilot, "a")  # the key still asks the store, and the store refuses
        messages = [notification.message for notification in app._notifications]
        assert any("vaatii kirjatun, vahvistetun tarkistussoiton" in m for m in messages)
    assert request_row(desk.access).status == "awaiting_verification"
    assert OutboxMail.select().count() == 0


async def test_unanswered_calls_offer_the_could_not_reach_you_letter(desk):
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        await open_and_confirm(pilot, desk.access)
        for _ in range(3):
            await press_and_settle(pilot, "c")
            await press_and_settle(pilot, "down", "space", "tab", "enter")  # "no answer"
        await press_and_settle(pilot, "enter")  # yes, send the letter
        assert isinstance(app.screen, MailPreviewDialog)
        assert "Emme tavoittaneet sinua" in str(app.screen.query_one("#preview-header").render())
        await press_and_settle(pilot, "enter")
    mail = OutboxMail.get(OutboxMail.template == "unreachable")
    assert mail.to_address == "matti.meikalainen@example.fi"


# ---------------------------------------------------------------- acting


async def test_approving_an_access_request_queues_the_data_package(desk):
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        await open_and_confirm(pilot, desk.access)
        await press_and_settle(pilot, "c")
        told = app.screen.info.package_password  # what staff read out on the phone
        assert spoken_password(told) in text_of(app, "#call-password")
        await pilot.press("space", "tab")
        await type_text(pilot, "vahvisti")
        await press_and_settle(pilot, "enter")
        await press_and_settle(pilot, "a")
        assert isinstance(app.screen, MailPreviewDialog)
        package = app.screen.proposal.package
        assert package is not None and (package.password, package.password_told) == (told, True)
        await press_and_settle(pilot, "enter")
        assert isinstance(app.screen, RequestScreen)
    request = request_row(desk.access)
    assert request.status == "fulfilled"
    mail = OutboxMail.get(OutboxMail.request == request)
    assert (mail.template, mail.to_address, mail.status) == (
        "your_data",
        "matti.meikalainen@example.fi",
        "queued",
    )
    message = outgoing_message(mail)
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename().endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(attachment.get_content())) as archive:
        names = archive.namelist()
        json_name = next(name for name in names if name.endswith(".json"))
        with pytest.raises(RuntimeError):  # encrypted: nothing opens without the password
            archive.read(json_name)
        assert archive.read(json_name, pwd=told.encode())  # the password told on the phone
    # Its work done, the password is not kept.
    assert (
        not VerificationCall.select()
        .where(VerificationCall.package_password.is_null(False))
        .exists()
    )
    actions = [
        e.action
        for e in AuditEvent.select()
        .where(AuditEvent.request_reference == desk.access)
        .order_by(AuditEvent.id)
    ]
    assert (
        actions.index("request.approved")
        < actions.index("mail.queued")
        < actions.index("request.fulfilled")
    )


async def test_someone_not_in_the_register_gets_a_plain_answer_and_no_package(desk):
    """Nobody was called and we hold nothing: the answer says so, with no ZIP and no
    password (issue 15 item 2)."""
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        await open_request(pilot, desk.access)
        await press_and_settle(pilot, "n", "enter")  # Ei rekisterissä, yes
        await press_and_settle(pilot, "a")
        assert isinstance(app.screen, MailPreviewDialog)
        assert app.screen.proposal.package is None
        assert "Asiakasrekisterissämme ei ole tietojasi" in str(
            app.screen.query_one("#preview-header").render()
        )
        await press_and_settle(pilot, "enter")
        assert isinstance(app.screen, RequestScreen)
    request = request_row(desk.access)
    assert (request.status, request.outcome) == ("fulfilled", "no data held")
    mail = OutboxMail.get(OutboxMail.request == request)
    assert (mail.template, mail.to_address) == ("no_data_held", "matti.meikalainen@example.fi")
    message = outgoing_message(mail)
    assert list(message.iter_attachments()) == []
    body = message.get_body(("plain",)).get_content()
    assert "Rekisterissämme ei ole sinusta henkilötietoja" in body
    assert "salasan" not in body and "liite" not in body.lower()
    assert "Tietosuojavaltuutetun toimisto" in body


async def test_a_rectification_is_applied_from_the_side_by_side_editor(desk):
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        await confirm_and_call(pilot, desk.rectification)
        await press_and_settle(pilot, "a")
        assert isinstance(app.screen, RectificationDialog)
        street = app.screen.query_one("#new-street_address")
        assert street.value == "Kirkkokatu 5 B 12"  # prefilled from the mail
        street.value = "Kirkkokatu 5 B 13"  # staff correct what the mailbot read
        await pilot.click("#next")
        await settle(pilot)
        assert isinstance(app.screen, MailPreviewDialog)
        body = str(app.screen.query_one("#preview-body").render())
        assert "Puistotie 3 → Kirkkokatu 5 B 13" in body
        await press_and_settle(pilot, "enter")
    liisa = Customer.get(Customer.customer_no == "100002")
    assert (liisa.street_address, liisa.phone) == ("Kirkkokatu 5 B 13", "+358407654321")
    assert request_row(desk.rectification).status == "fulfilled"
    event = AuditEvent.get(AuditEvent.action == "customer.rectified")
    assert event.payload["fields"] == ["street_address", "phone"]
    assert "Kirkkokatu" not in str(event.payload)  # the trail names fields, never values
    assert (
        OutboxMail.get(OutboxMail.template == "data_corrected").to_address
        == "liisa.virtanen@example.fi"
    )


async def test_a_confirmed_call_unlocks_a_request_that_waited_for_the_requester(desk):
    """We asked the requester for more, and the answer came by phone (issue 15 item 3)."""
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        await open_and_confirm(pilot, desk.erasure)
        lifecycle.ask_for_more(request_row(desk.erasure), "anna", "Mitä osoitetta pyyntö koskee?")
        await press_and_settle(pilot, "c")
        await pilot.press("space", "tab")
        await type_text(pilot, "vahvisti poiston")
        await press_and_settle(pilot, "enter")
        assert request_row(desk.erasure).status == "verified"
        await press_and_settle(pilot, "a")
        assert isinstance(app.screen, ErasureDialog)


async def test_staff_resume_a_request_whose_answer_came_another_way(desk):
    waiting = request_row(desk.access)
    lifecycle.confirm_customer(waiting, Customer.get(Customer.customer_no == "100001"), "anna")
    lifecycle.ask_for_more(waiting, "anna", "Mitä tietoja pyyntö koskee?")
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        await open_request(pilot, desk.access)
        await press_and_settle(pilot, "o")
        await type_text(pilot, "vastasi toisesta osoitteesta")
        await press_and_settle(pilot, "tab", "enter")
        assert isinstance(app.screen, RequestScreen)
    request = request_row(desk.access)
    assert request.status == "awaiting_verification"
    event = AuditEvent.get(AuditEvent.action == "request.resumed")
    assert (event.actor, event.payload["note"]) == ("anna", "vastasi toisesta osoitteesta")


async def test_a_request_filed_as_other_is_acknowledged_when_staff_correct_its_kind(desk):
    """The mailbot filed a real request as *Muu* and said nothing; the correction sends the
    acknowledgement (previewed), and the header says who set the kind (issue 15 item 7)."""
    other = lifecycle.create_request(
        kind="other",
        actor="@mailbot",
        requester_email="aino.lahti@example.fi",
        requester_name="Aino Lahti",
        confidence=0.3,
    )
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        await open_request(pilot, other.reference)
        assert "varmuus 30 %" in text_of(app, "#request-summary")
        await press_and_settle(pilot, "t", "home", "enter")  # Tarkastuspyyntö
        assert isinstance(app.screen, MailPreviewDialog)
        assert "Pyyntösi on vastaanotettu" in str(app.screen.query_one("#preview-header").render())
        await press_and_settle(pilot, "enter")
        assert isinstance(app.screen, RequestScreen)
        summary = text_of(app, "#request-summary")
        assert "lajin asetti Anna Aalto" in summary and "varmuus" not in summary
        await press_and_settle(pilot, "t", "down", "enter")  # Oikaisupyyntö: nothing more owed
        assert isinstance(app.screen, RequestScreen)
    assert request_row(other.reference).kind == "rectification"
    mails = [(m.template, m.to_address) for m in OutboxMail.select()]
    assert mails == [("acknowledgement", "aino.lahti@example.fi")]


async def test_erasing_a_customer_keeps_the_purchases_the_law_requires(desk):
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        await confirm_and_call(pilot, desk.erasure)
        await press_and_settle(pilot, "a")
        assert isinstance(app.screen, ErasureDialog)
        kept_text = str(app.screen.query_one("#erase-kept").render())
        assert "Lippuostojen kuitit (1) kirjanpitolain vuoksi 31.12.2031 asti" in kept_text
        erase = app.screen.query_one("#erase", Button)
        await type_text(pilot, "100004")
        assert erase.disabled is True  # not the customer's number
        await pilot.press("backspace", "3")
        assert erase.disabled is False
        await press_and_settle(pilot, "enter")
        assert isinstance(app.screen, MailPreviewDialog)
        await press_and_settle(pilot, "enter")
    pekka = Customer.get(Customer.customer_no == "100003")
    assert pekka.erased_at is not None and pekka.email is None and pekka.first_name == ""
    kept = [p.receipt_no for p in Purchase.select().where(Purchase.customer == pekka)]
    assert kept == ["K-0003"]  # under six years: kept, linked to the number only
    assert not Purchase.select().where(Purchase.receipt_no == "K-0004").exists()  # past it
    assert request_row(desk.erasure).status == "fulfilled"
    mail = OutboxMail.get(OutboxMail.template == "data_erased")
    assert mail.to_address == "pekka.laine@example.fi"


async def test_a_request_can_be_rejected_with_a_reason(desk):
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        await open_request(pilot, desk.access)
        await press_and_settle(pilot, "x")
        app.screen.query_one("#reject-ground").value = "manifestly_unfounded"
        await pilot.click("#reject-reason")
        await type_text(pilot, "Sama pyyntö kolmannen kerran tässä kuussa.")
        await pilot.click("#next")
        await settle(pilot)
        assert isinstance(app.screen, MailPreviewDialog)
        await press_and_settle(pilot, "enter")
    request = request_row(desk.access)
    assert (request.status, request.rejection_ground) == ("rejected", "manifestly_unfounded")
    assert OutboxMail.get(OutboxMail.request == request).template == "refusal"


# ---------------------------------------------------------------- customers and admins


async def test_customer_search_as_you_type_and_the_look_is_audited(desk):
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        await press_and_settle(pilot, "c")
        await type_text(pilot, "liis")
        await settle(pilot)
        table = app.screen.query_one("#customer-table")
        assert table.row_count == 1
        await press_and_settle(pilot, "enter", "enter")
        assert isinstance(app.screen, CustomerScreen)
        assert "Virtanen" in text_of(app, "#customer-title")
    look = AuditEvent.get(AuditEvent.action == "customer.viewed")
    assert (look.actor, look.customer_no) == ("anna", "100002")


async def test_an_admin_verifies_the_audit_chain_from_the_screen(desk):
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "admin")
        await press_and_settle(pilot, "a")
        await press_and_settle(pilot, "v")
        assert "Lokiketju on ehjä" in text_of(app, "#audit-verdict")


async def test_an_admin_disables_and_enables_a_handler(desk):
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "admin")
        await press_and_settle(pilot, "u")
        await press_and_settle(pilot, "j", "x")  # anna is after admin
        await press_and_settle(pilot, "enter")
    from store.models import Staff

    assert Staff.get(Staff.name == "anna").enabled is False


async def test_the_command_palette_offers_what_the_current_screen_can_do(desk):
    from tui.dialogs.extend import ExtendDialog

    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        await open_request(pilot, desk.access)
        await press_and_settle(pilot, "ctrl+p")
        await type_text(pilot, "pyyntö: jatka")
        await settle(pilot)
        await press_and_settle(pilot, "enter")
        assert isinstance(app.screen, ExtendDialog)
        assert "jatkettu määräaika 8.6.2026" in str(app.screen.query_one(".dialog-text").render())
        await type_text(pilot, "Pyydetyt tiedot ovat laajat.")
        await pilot.click("#next")
        await settle(pilot)
        assert isinstance(app.screen, MailPreviewDialog)
        assert "Uusi määräaika: 8.6.2026" in str(app.screen.query_one("#preview-body").render())
        await press_and_settle(pilot, "enter")
    request = request_row(desk.access)
    assert clock.local_today(request.due_at).isoformat() == "2026-06-08"
    assert OutboxMail.get(OutboxMail.request == request).template == "deadline_extended"


async def test_the_command_palette_names_each_command_once(desk):
    """The queue's Q and the app's Ctrl+Q both quit: the palette listed "Jono: Lopeta"
    twice."""
    from tui.commands import RekisteriCommands

    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        for opened in (lambda: None, lambda: open_request(pilot, desk.access)):
            step = opened()
            if step is not None:
                await step
            provider = RekisteriCommands(app.screen)
            titles = [command.title for command in provider.commands()]
            assert titles and len(titles) == len(set(titles)), titles
            assert sum(title.endswith(": Lopeta") for title in titles) <= 1, titles


async def test_an_erased_customers_consents_say_they_closed_with_the_erasure(desk):
    from store.customers import get_customer
    from store.erasure import erase_customer

    erase_customer(get_customer("100001"), actor="anna", settings=desk.settings)
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        app.push_screen(CustomerScreen("100001"))  # the search leaves erased customers out
        await settle(pilot)
        consents = app.screen.query_one("#customer-consents")
        channels = [str(consents.get_row_at(row)[3]) for row in range(consents.row_count)]
        assert channels.count("tietojen poisto") == 2  # register and marketing, closed
        assert "tui.channel.erasure" not in channels
