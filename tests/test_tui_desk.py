"""The desk's acts beyond the templates, driven through the Pilot as staff use them: a free
reply (and a template's text edited), notes, the handler, news in the queue, two staff on
one request, a failed mail sent again, and a request made by phone (TUI and CLI)."""

from __future__ import annotations

import json
from datetime import timedelta

from cli.main import main
from mailbot import acts
from store import lifecycle
from store.models import AuditEvent, OutboxMail, Request, RequestNote
from tests.support.desk import (
    desk_app,
    log_in,
    open_request,
    press_and_settle,
    settle,
    text_of,
    type_text,
)
from tests.support.factories import make_outbox_mail
from tests.support.mail import outgoing_bytes
from tui.dialogs.assign import AssignDialog
from tui.dialogs.mail_preview import MailPreviewDialog
from tui.dialogs.manual_request import ManualRequestDialog
from tui.dialogs.reply import ReplyDialog
from tui.screens.queue import QueueScreen
from tui.screens.request import RequestScreen
from tui.widgets.fields import TextEditor, TextInput
from tui.widgets.queue_table import QueueTable


def request_row(reference: str) -> Request:
    return Request.get(Request.reference == reference)


def messages(app) -> list[str]:
    return [notification.message for notification in app._notifications]


async def test_a_free_reply_is_written_edited_in_the_preview_and_sent_exactly(desk):
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        await open_request(pilot, desk.access)
        await press_and_settle(pilot, "r")
        assert isinstance(app.screen, ReplyDialog)
        await type_text(pilot, "Lähetämme tiedot, kun olemme soittaneet teille.")
        await pilot.click("#next")
        await settle(pilot)
        assert isinstance(app.screen, MailPreviewDialog)
        assert "Lähetämme tiedot" in str(app.screen.query_one("#preview-body").render())
        await pilot.click("#edit")
        await settle(pilot)
        editor = app.screen.query_one("#preview-editor", TextEditor)
        editor.text = editor.text.replace("soittaneet teille", "soittaneet teille huomenna")
        await pilot.click("#send")
        await settle(pilot)
        assert isinstance(app.screen, RequestScreen)
    mail = OutboxMail.get(OutboxMail.template == "free_reply")
    assert mail.to_address == "matti.meikalainen@example.fi"
    assert b"huomenna" in outgoing_bytes(mail).replace(b"=\r\n", b"").replace(b"=\n", b"")
    queued = AuditEvent.get(
        (AuditEvent.action == "mail.queued") & (AuditEvent.request_reference == desk.access)
    )
    assert queued.payload.get("edited_by_staff") is True
    assert request_row(desk.access).status == "received"  # a reply decides nothing


async def test_a_note_and_a_handler_show_on_the_request_and_nothing_is_sent(desk):
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        await open_request(pilot, desk.access)
        await press_and_settle(pilot, "p")
        await type_text(pilot, "Soitti itse, soitan takaisin iltapäivällä.")
        await pilot.click("#next")
        await settle(pilot)
        await press_and_settle(pilot, "w")
        assert isinstance(app.screen, AssignDialog)
        await press_and_settle(pilot, "down", "enter")  # emma, after anna
        assert isinstance(app.screen, RequestScreen)
        assert "Käsittelijä: Emma English" in text_of(app, "#request-summary")
        await press_and_settle(pilot, "3")
        thread = text_of(app, "#thread-text")
        assert "muistiinpano (Anna Aalto), ei lähetetty" in thread
        assert "soitan takaisin iltapäivällä" in thread
    note = RequestNote.get()
    assert note.author == "anna"
    assert request_row(desk.access).handler == "emma"
    assert not OutboxMail.select().where(OutboxMail.template != "").exists()


async def test_news_marks_the_queue_until_someone_opens_the_request(desk):
    lifecycle.note_news(request_row(desk.rectification), "attention")
    app = desk_app(desk)
    async with app.run_test(notifications=True) as pilot:
        await log_in(pilot, "anna")
        table = app.screen.query_one(QueueTable)
        assert app.screen.requests[0].reference == desk.rectification
        assert str(table.get_row_at(0)[-1]) == "▲"
        await open_request(pilot, desk.rectification)
        assert any("vaatii huomiota" in message for message in messages(app))
        await press_and_settle(pilot, "escape")
        assert isinstance(app.screen, QueueScreen)
        row = next(r for r in app.screen.requests if r.reference == desk.rectification)
        assert row.news == ""
        await press_and_settle(pilot, "escape")  # the search cleared: every open request
        assert app.screen.requests[0].reference == desk.erasure  # the nearest deadline again


async def test_a_closed_request_with_a_new_reply_comes_back_to_the_queue(desk):
    closed = request_row(desk.access)
    Request.update(status="fulfilled").where(Request.id == closed.id).execute()
    lifecycle.note_news(request_row(desk.access), "reply")
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        assert app.screen.requests[0].reference == desk.access
        assert app.screen.requests[0].news == "reply"


async def test_a_colleague_with_the_request_open_is_named_and_their_change_shows(desk):
    acts.open_request(desk.access, "emma")
    app = desk_app(desk)
    async with app.run_test(notifications=True) as pilot:
        await log_in(pilot, "anna")
        await open_request(pilot, desk.access)
        assert any("Emma English" in message for message in messages(app))
        app.clear_notifications()
        acts.add_note(desk.access, "Soitin jo, ei vastannut.", "emma")
        app.screen.watch_changes()
        await settle(pilot)
        assert any("muutettu muualla" in message for message in messages(app))
        assert "Soitin jo" in text_of(app, "#thread-text")


async def test_a_failed_mail_shows_the_server_answer_and_can_be_sent_again(desk):
    mail = make_outbox_mail(desk.settings, request=request_row(desk.access))
    OutboxMail.update(status="failed", attempts=3, last_error="550 5.1.1 user unknown").where(
        OutboxMail.id == mail.id
    ).execute()
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        await open_request(pilot, desk.access)
        await press_and_settle(pilot, "3")
        thread = text_of(app, "#thread-text")
        assert "Palvelimen vastaus: 550 5.1.1 user unknown" in thread
        await press_and_settle(pilot, "y")
        await press_and_settle(pilot, "enter")  # yes, send it again
    again = OutboxMail.get_by_id(mail.id)
    assert (again.status, again.attempts) == ("queued", 0)
    assert AuditEvent.get(AuditEvent.action == "mail.requeued").actor == "anna"


async def test_a_request_made_by_phone_is_recorded_from_the_queue_keeping_what_was_typed(desk):
    app = desk_app(desk)
    async with app.run_test(size=(100, 40)) as pilot:
        await log_in(pilot, "anna")
        await press_and_settle(pilot, "N")
        dialog = app.screen
        assert isinstance(dialog, ManualRequestDialog)
        dialog.query_one("#manual-kind").value = "erasure"
        dialog.query_one("#manual-name", TextInput).value = "Pekka Laine"
        dialog.query_one("#manual-email", TextInput).value = "pekka.laine@"
        dialog.query_one("#manual-received", TextInput).value = "1.3."
        await pilot.click("#save")
        await settle(pilot)
        assert app.screen is dialog  # refused: nothing recorded, nothing lost
        assert "pekka.laine@" in text_of(app, "#manual-problem")
        assert dialog.query_one("#manual-name", TextInput).value == "Pekka Laine"
        dialog.query_one("#manual-email", TextInput).value = "pekka.laine@example.fi"
        await pilot.click("#save")
        await settle(pilot)
        assert isinstance(app.screen, RequestScreen)
        reference = app.screen.reference
    request = request_row(reference)
    assert (request.kind, request.channel, request.requester_name) == (
        "erasure",
        "phone",
        "Pekka Laine",
    )
    assert request.received_at.date().isoformat().endswith("-03-01")
    assert OutboxMail.get(OutboxMail.request == request).template == "acknowledgement"


def test_the_command_line_records_a_request_made_at_the_box_office(db, monkeypatch, capsys):
    monkeypatch.setenv("REKISTERI_LANG", "en")
    assert (
        main(
            [
                "requests",
                "new",
                "--kind",
                "access",
                "--channel",
                "counter",
                "--name",
                "Liisa Virtanen",
                "--phone",
                "040 7654321",
                "--received",
                "2026-03-02",
                "--json",
            ]
        )
        == 0
    )
    row = json.loads(capsys.readouterr().out)
    assert row["kind"] == "access" and row["status"] == "received"
    assert row["received_at"].startswith("2026-03-02")
    assert Request.get(Request.reference == row["reference"]).channel == "counter"
    assert main(["requests", "new", "--kind", "access", "--name", "X", "--received", "32.1."]) != 0
    assert "not a day: 32.1." in capsys.readouterr().err


async def test_staff_change_their_own_password_from_the_palette(desk):
    """The add-staff dialog promised "Käyttäjä voi vaihtaa sen myöhemmin", and nothing did."""
    from store.staff import authenticate
    from tui.dialogs.own_password import OwnPasswordDialog

    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        await press_and_settle(pilot, "ctrl+p")
        await type_text(pilot, "vaihda oma salasana")
        await settle(pilot)
        await press_and_settle(pilot, "enter")
        assert isinstance(app.screen, OwnPasswordDialog)
        dialog = app.screen
        dialog.query_one("#password-current", TextInput).value = "väärä-salasana"
        dialog.query_one("#password-new", TextInput).value = "uusi-pitkä-salasana"
        dialog.query_one("#password-again", TextInput).value = "uusi-pitkä-salasana"
        await pilot.click("#change")
        await settle(pilot)
        # Refused beside the fields, nothing typed lost, and counted as a failed login.
        assert app.screen is dialog
        assert text_of(app, "#password-problem") == "Nykyinen salasana on väärä."
        assert dialog.query_one("#password-new", TextInput).value == "uusi-pitkä-salasana"
        assert AuditEvent.get(AuditEvent.action == "login.failed").actor == "anna"

        dialog.query_one("#password-current", TextInput).value = "anna-salasana"
        await pilot.click("#change")
        await settle(pilot)
        assert not isinstance(app.screen, OwnPasswordDialog)
        assert "Salasana vaihdettu." in " ".join(messages(app))
    assert authenticate("anna", "uusi-pitkä-salasana").name == "anna"
    event = AuditEvent.get(AuditEvent.action == "staff.password_changed")
    assert (event.actor, event.payload["by"]) == ("anna", "self")


async def test_the_audit_log_reads_in_words_and_is_searched_by_them(desk):
    """Times were cut to "3.12.2026 klo 15." and actions shown as codes cut mid-word."""
    from store.i18n import format_datetime
    from tui.screens.audit_log import AuditLogScreen
    from tui.widgets.keyed_table import KeyedTable

    app = desk_app(desk)
    async with app.run_test(size=(120, 40)) as pilot:
        await log_in(pilot, "admin")
        await press_and_settle(pilot, "a")
        assert isinstance(app.screen, AuditLogScreen)
        table = app.screen.query_one("#audit-table", KeyedTable)
        newest = [str(cell) for cell in table.get_row_at(0)]
        login = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
        assert newest[1] == format_datetime(login.at, "fi")  # the whole time, minutes too
        assert newest[3].splitlines() == ["kirjautui sisään", "käyttäjä: admin"]
        await press_and_settle(pilot, "slash")
        await type_text(pilot, "pyyntö")
        await pilot.press("space")
        await type_text(pilot, "saapui")
        await settle(pilot)
        shown = {str(table.get_row_at(row)[3]).splitlines()[0] for row in range(table.row_count)}
        assert shown == {"pyyntö saapui"}
        assert (
            table.row_count
            == AuditEvent.select().where(AuditEvent.action == "request.received").count()
        )


async def test_a_reply_half_written_at_logout_comes_back_to_the_same_staff_member(
    desk, frozen_clock
):
    """Issue 15: the idle logout during a long call lost whatever was half written."""
    from store import clock
    from tui.screens.login import LoginScreen

    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        await open_request(pilot, desk.access)
        await press_and_settle(pilot, "r")
        await type_text(pilot, "Soitamme teille huomenna")
        frozen_clock(clock.now() + timedelta(minutes=16))
        await app.check_idle_logout()
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)

        await log_in(pilot, "emma")  # a colleague at the same desk sees nothing of it
        assert not any("tallessa" in text or "kept" in text for text in messages(app))
        await open_request(pilot, desk.access)
        await press_and_settle(pilot, "r")
        assert app.screen.query_one("#reply-text", TextEditor).text == ""
        await app.logout()
        await settle(pilot)

        await log_in(pilot, "anna")
        assert any(f"vastaus pyyntöön {desk.access}" in text for text in messages(app))
        await open_request(pilot, desk.access)
        await press_and_settle(pilot, "r")
        assert isinstance(app.screen, ReplyDialog)
        assert app.screen.query_one("#reply-text", TextEditor).text == "Soitamme teille huomenna"
