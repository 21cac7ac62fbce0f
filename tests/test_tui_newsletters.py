"""The newsletters in the staff TUI: the same counts as ``newsletter list``, kept fresh while
the mailbot sends."""

from __future__ import annotations

import dataclasses

from textual.widgets import DataTable

from mailbot.newsletter import queue_newsletter
from mailbot.sender import send_due
from store import newsletters
from store.consent import record_consent
from store.models import Customer
from tests.support.desk import desk_app, log_in, press_and_settle
from tui.screens.newsletters import NewslettersScreen


def rows(app) -> list[list[str]]:
    table = app.screen.query_one(DataTable)
    return [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]


async def test_the_newsletter_screen_shows_each_issue_and_what_became_of_its_mail(desk, tmp_path):
    app = desk_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await log_in(pilot, "anna")
        await press_and_settle(pilot, "n")
        assert isinstance(app.screen, NewslettersScreen)
        assert app.screen.query_one("#newsletters-empty").display
        assert rows(app) == []

        newsletter, _ = newsletters.find_or_create(
            "Huhtikuun ensi-illat", {"fi": "# Ensi-illat\n\nTervetuloa!"}, "@cli"
        )
        settings = dataclasses.replace(
            desk.settings, mail=dataclasses.replace(desk.settings.mail, smtp=f"outbox://{tmp_path}")
        )
        queue_newsletter(newsletter, settings=settings, actor="@cli")
        await press_and_settle(pilot, "r")
        assert rows(app) == [["1", "10.3.2026", "Huhtikuun ensi-illat", "2", "2", "0", "0", "0"]]
        assert not app.screen.query_one("#newsletters-empty").display

        pekka = Customer.get(Customer.customer_no == "100003")
        record_consent(pekka, "marketing", False, channel="newsletter_link", actor="@mailbot")
        await send_due(settings)
        await press_and_settle(pilot, "r")
        assert rows(app) == [["1", "10.3.2026", "Huhtikuun ensi-illat", "2", "0", "1", "0", "1"]]

        await press_and_settle(pilot, "escape")
        assert not isinstance(app.screen, NewslettersScreen)
