"""The outbox in the desk (issue 15): staff see every outgoing mail in words, newest first,
the failed ones on their own with the server's answer, and send a failed one again through
the act ``rekisteri outbox retry`` uses, without the shell.  The real app through the Pilot."""

from __future__ import annotations

from datetime import timedelta

from store import clock, outbox
from store.models import AuditEvent, OutboxMail, Request
from tests.support.desk import desk_app, log_in, press_and_settle, settle, text_of, type_text
from tests.support.factories import make_outbox_mail
from tui.dialogs.confirm import ConfirmDialog
from tui.dialogs.outbox_mail import OutboxMailDialog
from tui.screens.outbox import OutboxScreen
from tui.widgets.keyed_table import KeyedTable

REFUSED = "550 5.1.1 <matti.meikalainen@example.fi>: [user unknown]"


def _cells(app) -> list[list[str]]:
    table = app.screen.query_one("#outbox-table", KeyedTable)
    return [[str(cell) for cell in table.get_row_at(row)] for row in range(table.row_count)]


def _request(reference: str) -> Request:
    return Request.get(Request.reference == reference)


def _sent_and_failed(desk) -> tuple[OutboxMail, OutboxMail]:
    """An acknowledgement the server took, then a reply it refused for good."""
    sent = make_outbox_mail(desk.settings, request=_request(desk.rectification))
    outbox.mark_sent(sent, "250 2.0.0 Ok: queued as 4F2A")
    failed = make_outbox_mail(desk.settings, request=_request(desk.access))
    OutboxMail.update(status="failed", attempts=3, last_error=REFUSED).where(
        OutboxMail.id == failed.id
    ).execute()
    return sent, failed


def _looks() -> list[AuditEvent]:
    return list(
        AuditEvent.select().where(AuditEvent.action == "register.listed").order_by(AuditEvent.id)
    )


async def test_the_outbox_lists_mail_in_words_newest_first_with_the_servers_answer(desk):
    _, failed = _sent_and_failed(desk)
    app = desk_app(desk)
    async with app.run_test(size=(120, 40)) as pilot:
        await log_in(pilot, "anna")
        await press_and_settle(pilot, "l")
        assert isinstance(app.screen, OutboxScreen)
        rows = _cells(app)
        assert len(rows) == 2
        # Newest first: the refused reply, then the acknowledgement.
        when, status, to, subject, reference, attempts = rows[0]
        assert when == "10.3.2026 klo 12.00"
        assert (status, to, reference, attempts) == (
            "EPÄONNISTUI",
            "matti.meikalainen@example.fi",
            desk.access,
            "3",
        )
        assert subject == failed.subject
        assert rows[1][1] == "lähetetty" and rows[1][4] == desk.rectification
        assert "2 viestiä" in text_of(app, "#outbox-title")
        # The server's answer of the highlighted mail under the list, as plain text.
        assert text_of(app, "#outbox-answer") == f"Palvelimen vastaus: {REFUSED}"

        await press_and_settle(pilot, "enter")
        dialog = app.screen
        assert isinstance(dialog, OutboxMailDialog)
        assert text_of(app, "#outbox-mail-answer") == f"Palvelimen vastaus: {REFUSED}"
        assert text_of(app, "#outbox-mail-attempts") == "Yrityksiä: 3"
        assert text_of(app, "#outbox-mail-status") == "Tila: EPÄONNISTUI"
        assert failed.message_id in text_of(app, "#outbox-mail-id")
        assert dialog.query("#retry")  # a failed mail can be sent again from here
        await press_and_settle(pilot, "escape")

        await press_and_settle(pilot, "j")  # the sent one: its server's reply, no retry
        assert text_of(app, "#outbox-answer") == (
            "Palvelimen vastaus: 250 2.0.0 Ok: queued as 4F2A"
        )
        assert app.screen.check_action("retry", ()) is None
        await press_and_settle(pilot, "enter")
        assert not app.screen.query("#retry")

    # Reading the list is a look at personal data, audited as `outbox list` audits it.
    (look,) = _looks()
    assert look.actor == "anna"
    assert look.payload == {"listing": "outbox", "rows": 2, "output": "table"}


async def test_the_filter_shows_the_failed_and_those_waiting_for_a_retry(desk):
    _sent_and_failed(desk)
    waiting = make_outbox_mail(desk.settings, request=_request(desk.erasure))
    OutboxMail.update(
        status="retry",
        attempts=1,
        last_error="451 4.7.1 Try again later",
        next_attempt_at=clock.now() + timedelta(minutes=5),
    ).where(OutboxMail.id == waiting.id).execute()
    app = desk_app(desk)
    async with app.run_test(size=(120, 40)) as pilot:
        await log_in(pilot, "anna")
        await press_and_settle(pilot, "l")
        assert len(_cells(app)) == 3

        await press_and_settle(pilot, "f")
        rows = _cells(app)
        assert [row[1] for row in rows] == ["yritetään uudelleen", "EPÄONNISTUI"]
        assert "vain epäonnistuneet: 2 viestiä" in text_of(app, "#outbox-title")
        assert text_of(app, "#outbox-answer") == (
            "Palvelimen vastaus: 451 4.7.1 Try again later\nSeuraava yritys 10.3.2026 klo 12.05."
        )
        # Waiting for its next attempt, the mailbot still has it: not sent again by hand.
        assert app.screen.check_action("retry", ()) is None

        await press_and_settle(pilot, "f")
        assert len(_cells(app)) == 3
    assert [look.payload["rows"] for look in _looks()] == [3, 2, 3]


async def test_a_failed_mail_is_sent_again_after_a_confirmation_and_audited(desk):
    _, failed = _sent_and_failed(desk)
    app = desk_app(desk)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await log_in(pilot, "anna")
        await press_and_settle(pilot, "l")
        await press_and_settle(pilot, "y")
        assert isinstance(app.screen, ConfirmDialog)
        # The server's answer in the question as it came: brackets and all, no markup.
        assert REFUSED in str(app.screen.query_one(".dialog-text").render())
        await press_and_settle(pilot, "enter")  # yes, send it again
        assert isinstance(app.screen, OutboxScreen)
        assert _cells(app)[0][1] == "jonossa"
        assert _cells(app)[0][5] == "0"
        notices = [notification.message for notification in app._notifications]
        assert "Viesti osoitteeseen matti.meikalainen@example.fi on taas lähetysjonossa." in (
            notices
        )
    again = OutboxMail.get_by_id(failed.id)
    assert (again.status, again.attempts) == ("queued", 0)
    requeued = AuditEvent.get(AuditEvent.action == "mail.requeued")
    assert requeued.actor == "anna"
    assert requeued.request_reference == desk.access
    assert requeued.payload["previous_attempts"] == 3


async def test_a_failed_mail_is_sent_again_from_its_detail_view(desk):
    _, failed = _sent_and_failed(desk)
    app = desk_app(desk)
    async with app.run_test(size=(120, 40)) as pilot:
        await log_in(pilot, "anna")
        await press_and_settle(pilot, "l", "enter")
        await pilot.click("#retry")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await press_and_settle(pilot, "enter")
    assert OutboxMail.get_by_id(failed.id).status == "queued"


async def test_an_empty_outbox_says_so(desk):
    OutboxMail.delete().execute()
    app = desk_app(desk)
    async with app.run_test(size=(120, 40)) as pilot:
        await log_in(pilot, "anna")
        await press_and_settle(pilot, "l")
        assert isinstance(app.screen, OutboxScreen)
        assert _cells(app) == []
        empty = app.screen.query_one("#outbox-empty")
        assert empty.display
        assert text_of(app, "#outbox-empty") == "Lähteviä viestejä ei ole."
        await press_and_settle(pilot, "f")
        assert text_of(app, "#outbox-empty") == "Epäonnistuneita lähteviä viestejä ei ole."
    assert [look.payload["rows"] for look in _looks()] == [0, 0]


async def test_the_outbox_opens_from_the_command_palette_and_the_queue_warns_toward_it(desk):
    _sent_and_failed(desk)
    app = desk_app(desk)
    async with app.run_test(size=(120, 40)) as pilot:
        await log_in(pilot, "anna")
        assert "1 lähtevä viesti epäonnistui: avaa Lähtevä posti (l)." in text_of(
            app, "#queue-health"
        )
        await press_and_settle(pilot, "ctrl+p")
        await type_text(pilot, "jono: lähtevä posti")
        await settle(pilot)
        await press_and_settle(pilot, "enter")
        assert isinstance(app.screen, OutboxScreen)
        assert len(_cells(app)) == 2
