"""The breach register in the staff TUI, driven through the Pilot: record a breach, watch the
72-hour countdown, decide, copy the authority text, record the filing, notify the customers."""

from __future__ import annotations

from textual.widgets import DataTable, TextArea

from store import breaches, clock
from store.models import AuditEvent, Breach, MailingRecipient, OutboxMail
from tests.support.desk import desk_app, log_in, press_and_settle, settle, text_of, type_text
from tui.dialogs.authority_text import AuthorityTextDialog
from tui.dialogs.breach_form import BreachFormDialog
from tui.dialogs.notice_confirm import NoticeConfirmDialog
from tui.screens.breach import BreachScreen
from tui.screens.breaches import BreachesScreen


async def test_a_breach_is_recorded_decided_filed_and_its_notices_queued(desk):
    app = desk_app(desk)
    async with app.run_test(size=(100, 40)) as pilot:
        await log_in(pilot, "anna")
        await press_and_settle(pilot, "b")
        assert isinstance(app.screen, BreachesScreen)
        assert app.screen.query_one("#breaches-empty").display

        await press_and_settle(pilot, "n")
        assert isinstance(app.screen, BreachFormDialog)
        await type_text(pilot, "Varmuuskopio oli ladattavissa verkosta.")
        await pilot.click("#save")
        await settle(pilot)

        assert isinstance(app.screen, BreachScreen)
        breach = Breach.get()
        assert (breach.discovered_at, breach.created_by) == (clock.now(), "anna")
        assert breach.what == "Varmuuskopio oli ladattavissa verkosta."
        assert breach.contact_name == desk.settings.controller.privacy_officer
        assert "72 h 0 min jäljellä (viimeistään 13.3.2026 klo 12.00)" in text_of(
            app, "#breach-countdown"
        )
        assert "ei vielä päätetty" in text_of(app, "#breach-decisions")

        await press_and_settle(pilot, "a")
        await pilot.click("#decision-yes")
        await pilot.click("#decision-reason")
        await type_text(pilot, "Yhteystietoja vuoti.")
        await pilot.click("#record")
        await settle(pilot)
        breach = Breach.get()
        assert (breach.authority_required, breach.authority_decided_by) == (True, "anna")
        assert "Valvontaviranomaiselle ilmoitetaan – päätti anna" in text_of(
            app, "#breach-decisions"
        )

        await press_and_settle(pilot, "t")
        assert isinstance(app.screen, AuthorityTextDialog)
        text = app.screen.query_one("#authority-text", TextArea).text
        assert text.startswith("ILMOITUS TIETOTURVALOUKKAUKSESTA")
        assert "Varmuuskopio oli ladattavissa verkosta." in text
        await pilot.press("ctrl+y")
        assert app.clipboard == text
        await press_and_settle(pilot, "escape")

        await press_and_settle(pilot, "f")
        await pilot.click("#record")
        await settle(pilot)
        breach = Breach.get()
        assert (breach.authority_notified_at, breach.authority_notified_by) == (clock.now(), "anna")
        assert "Ilmoitettu tietosuojavaltuutetulle" in text_of(app, "#breach-countdown")

        await press_and_settle(pilot, "s")
        await pilot.click("#count")  # everyone, the default
        await settle(pilot)
        assert isinstance(app.screen, NoticeConfirmDialog)
        assert "Uusia: 3 sähköpostitse, 0 ilman" in text_of(app, "#notice-plan")
        assert "Varmuuskopio oli ladattavissa verkosta." in text_of(app, "#notice-body")
        await pilot.click("#queue")
        await settle(pilot)

        assert isinstance(app.screen, BreachScreen)
        assert OutboxMail.select().where(OutboxMail.template == "breach_notice").count() == 3
        assert MailingRecipient.select().count() == 3
        assert not app.screen.query_one("#breach-progress").display
        assert "3 jonossa, 0 lähetetty, 0 epäonnistui" in text_of(app, "#breach-notices")
        assert Breach.get().people_decided_by == "anna"  # the promise-based decision

        await press_and_settle(pilot, "escape")
        assert isinstance(app.screen, BreachesScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 1
        assert "ilmoitettu" in str(table.get_row_at(0)[2])
    actors = {
        event.actor
        for event in AuditEvent.select().where(
            AuditEvent.action.startswith("breach.") | AuditEvent.action.startswith("mailing.")
        )
    }
    assert actors == {"anna"}


async def test_the_list_counts_down_and_flags_a_passed_deadline(desk, frozen_clock):
    breaches.record_breach(
        discovered_at=clock.parse_instant("2026-03-07T10:30:00+02:00"),
        what="Vanha vuoto.",
        actor="anna",
    )
    breaches.record_breach(
        discovered_at=clock.parse_instant("2026-03-10T11:00:00+02:00"),
        what="Tuore vuoto.",
        actor="anna",
    )
    app = desk_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await log_in(pilot, "anna")
        await press_and_settle(pilot, "b")
        table = app.screen.query_one(DataTable)
        cells = [str(table.get_row_at(row)[2]) for row in range(table.row_count)]
        assert cells == ["71 h 0 min jäljellä", "YLITETTY 1 h 30 min"]
        frozen_clock(clock.parse_instant("2026-03-10T12:30:00+02:00"))
        app.screen.redraw()
        cells = [str(table.get_row_at(row)[2]) for row in range(table.row_count)]
        assert cells == ["70 h 30 min jäljellä", "YLITETTY 2 h 0 min"]
