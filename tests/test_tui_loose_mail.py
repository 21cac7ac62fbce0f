"""Mail that is in no request, read from the desk (issue 15, item 8): staff see what the
mailbot ignored and quarantined, read a message (the look audited), and have a quarantined
one processed again, without the shell.  The real app through the Pilot."""

from __future__ import annotations

from mailbot.ingest import FetchedMessage, quarantine_unread
from store import clock
from store.models import AuditEvent, InboundMessage, Request
from tests.support.desk import desk_app, log_in, press_and_settle, settle
from tests.support.mail import feed, make_mail
from tui.dialogs.mail_text import MailTextDialog
from tui.screens.loose_mail import LooseMailScreen
from tui.widgets.keyed_table import KeyedTable


def _cells(app) -> list[list[str]]:
    table = app.screen.query_one("#mail-table", KeyedTable)
    return [[str(cell) for cell in table.get_row_at(row)] for row in range(table.row_count)]


async def test_staff_read_ignored_and_quarantined_mail_and_process_one_again(desk):
    feed(
        make_mail(
            "Tarjous <win@prizes.example>",
            subject="Voitit iPhonen!",
            body="Klikkaa tästä.",
            headers=[("X-Spam-Flag", "YES")],
        )
    )
    stuck = quarantine_unread(
        FetchedMessage(
            "test:inbox",
            1,
            "900",
            make_mail(
                "Ville Vieras <ville.vieras@example.fi>",
                subject="Tietopyyntö",
                body="Haluan nähdä tietoni.",
            ),
            clock.now(),
        )
    ).message
    requests_before = Request.select().count()

    app = desk_app(desk)
    async with app.run_test(size=(120, 40)) as pilot:
        await log_in(pilot, "anna")
        await press_and_settle(pilot, "m")
        assert isinstance(app.screen, LooseMailScreen)
        rows = _cells(app)
        # The quarantined message first, its outcome in words; the spam after it.
        assert rows[0][1].startswith("karanteenissa: StoppedWhileReading")
        assert rows[0][2] == ""  # quarantined unread: nothing of it was parsed
        assert rows[1][1] == "ohitettu: roskapostia (postipalvelimen arvio)"
        assert rows[1][3] == "Voitit iPhonen!"

        await press_and_settle(pilot, "enter")
        assert isinstance(app.screen, MailTextDialog)
        # Never parsed: its bytes as text (the body is quoted-printable or plain).
        shown = app.screen.query_one("#mail-text").text
        assert "ville.vieras@example.fi" in shown and "Haluan nähdä tietoni." in shown
        looked = AuditEvent.get(AuditEvent.action == "mail.viewed")
        assert (looked.actor, looked.payload["inbound_id"]) == ("anna", stuck.id)

        await pilot.click("#reprocess")
        await settle(pilot)
        assert isinstance(app.screen, LooseMailScreen)
        notices = [notification.message for notification in app._notifications]
        assert any(notice.startswith("Viesti käsiteltiin: uusi pyyntö (TP-") for notice in notices)
        assert len(_cells(app)) == 1  # it is a request now, in the queue

    again = InboundMessage.get_by_id(stuck.id)
    assert again.disposition == "new_request"
    assert Request.select().count() == requests_before + 1
    event = AuditEvent.get(AuditEvent.action == "mail.reprocessed")
    assert event.actor == "anna"
