"""How the main screens look at 80×24, in Finnish and in English, and the desk's dialogs in
Finnish (SVG snapshots).  Once, on SQLite: what staff see does not depend on the database
(the flows run on both backends in their own tests).

Deterministic: the clock is frozen, the cursor does not blink, every worker has finished
and no notification is left on screen when the picture is taken.  Update on purpose with
``pytest tests/test_tui_snapshots.py --snapshot-update`` and look at the new pictures.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator

import pytest
from textual.pilot import Pilot

from store import outbox
from store.db import close_database
from store.heartbeat import record_last_fetch
from store.models import OutboxMail, Request
from store.urls import file_url
from tests.support.desk import (
    Desk,
    breach_told_to_everyone,
    build_desk,
    desk_app,
    log_in,
    open_customer,
    open_request,
    press_and_settle,
    settle,
    type_text,
)
from tests.support.factories import make_outbox_mail

STAFF = {"fi": "anna", "en": "emma"}


@pytest.fixture
def db_url(tmp_path) -> Iterator[str]:
    """SQLite only (overrides the suite's per-backend database): one picture per screen."""
    yield file_url("sqlite", tmp_path / "rekisteri.db")
    close_database()


@pytest.fixture
def desk(db, frozen_clock) -> Desk:
    built = build_desk(db)
    record_last_fetch()  # a mailbot that is working: no warning on the queue
    return built


def steps(
    language: str, *then: Callable[[Pilot[object]], Awaitable[None]]
) -> Callable[[Pilot[object]], Awaitable[None]]:
    async def run_before(pilot: Pilot[object]) -> None:
        await log_in(pilot, STAFF[language])
        for step in then:
            await step(pilot)
        await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    return run_before


def opened(reference: str) -> Callable[[Pilot[object]], Awaitable[None]]:
    async def step(pilot: Pilot[object]) -> None:
        await open_request(pilot, reference)

    return step


async def confirm_candidate_and_call(pilot: Pilot[object]) -> None:
    await press_and_settle(pilot, "enter", "enter")
    pilot.app.clear_notifications()
    await pilot.press("c")


async def customer_100001(pilot: Pilot[object]) -> None:
    await open_customer(pilot, "100001")


@pytest.mark.parametrize("language", ["fi", "en"])
class TestScreens:
    def test_queue(self, desk, language, snap_compare):
        assert snap_compare(desk_app(desk), run_before=steps(language))

    def test_request(self, desk, language, snap_compare):
        assert snap_compare(desk_app(desk), run_before=steps(language, opened(desk.access)))

    def test_call_dialog(self, desk, language, snap_compare):
        assert snap_compare(
            desk_app(desk),
            run_before=steps(language, opened(desk.rectification), confirm_candidate_and_call),
        )

    def test_customer(self, desk, language, snap_compare):
        assert snap_compare(desk_app(desk), run_before=steps(language, customer_100001))


def pressed(*keys: str) -> Callable[[Pilot[object]], Awaitable[None]]:
    async def step(pilot: Pilot[object]) -> None:
        await press_and_settle(pilot, *keys)

    return step


class TestDeskDialogs:
    """The dialogs of the desk's own acts, in Finnish at 80×24."""

    def test_reply_dialog(self, desk, snap_compare):
        assert snap_compare(
            desk_app(desk), run_before=steps("fi", opened(desk.access), pressed("r"))
        )

    def test_note_dialog(self, desk, snap_compare):
        assert snap_compare(
            desk_app(desk), run_before=steps("fi", opened(desk.access), pressed("p"))
        )

    def test_assign_dialog(self, desk, snap_compare):
        assert snap_compare(
            desk_app(desk), run_before=steps("fi", opened(desk.access), pressed("w"))
        )

    def test_manual_request_dialog(self, desk, snap_compare):
        assert snap_compare(desk_app(desk), run_before=steps("fi", pressed("N")))


class TestBreachRecipients:
    """Breach notices given another way, in Finnish at 80×24: the list and the dialog."""

    @staticmethod
    def opened(breach_id: int) -> Callable[[Pilot[object]], Awaitable[None]]:
        async def step(pilot: Pilot[object]) -> None:
            from tui.screens.breach_recipients import BreachRecipientsScreen

            pilot.app.push_screen(BreachRecipientsScreen(breach_id))
            await settle(pilot)

        return step

    def test_recipients_screen(self, desk, snap_compare):
        breach_id = breach_told_to_everyone(desk)
        assert snap_compare(desk_app(desk), run_before=steps("fi", self.opened(breach_id)))

    def test_informed_dialog(self, desk, snap_compare):
        breach_id = breach_told_to_everyone(desk)
        assert snap_compare(
            desk_app(desk), run_before=steps("fi", self.opened(breach_id), pressed("enter"))
        )


class TestOutbox:
    """The outbox in Finnish at 80×24: a mail sent, one refused, the refusal's answer below."""

    def test_outbox(self, desk, snap_compare):
        for reference, to, status in (
            (desk.erasure, "pekka.laine@example.fi", "sent"),
            (desk.access, "matti.meikalainen@example.fi", "failed"),
        ):
            mail = make_outbox_mail(
                desk.settings, to_address=to, request=Request.get(Request.reference == reference)
            )
            if status == "sent":
                outbox.mark_sent(mail, "250 2.0.0 Ok: queued as 4F2A")
            else:
                OutboxMail.update(
                    status="failed", attempts=3, last_error="550 5.1.1 [user unknown]"
                ).where(OutboxMail.id == mail.id).execute()
        assert snap_compare(desk_app(desk), run_before=steps("fi", pressed("l")))


class TestNewsletters:
    """A new newsletter issue in Finnish at 80×24: the form, with a file that is missing
    refused beside its field."""

    def test_issue_dialog(self, desk, snap_compare, tmp_path, monkeypatch):
        monkeypatch.chdir(tmp_path)  # the paths as typed, relative: the same in every run
        (tmp_path / "huhtikuu.md").write_text(
            "# Huhtikuun ensi-illat\n\nTervetuloa!\n", encoding="utf-8"
        )

        async def fill_in(pilot: Pilot[object]) -> None:
            from textual.widgets import Input

            await press_and_settle(pilot, "n", "n")
            await type_text(pilot, "Huhtikuun ensi-illat")
            screen = pilot.app.screen
            screen.query_one("#issue-file-fi", Input).value = "huhtikuu.md"
            screen.query_one("#issue-file-sv", Input).value = "ei-ole/april.md"
            await pilot.click("#preview")
            await settle(pilot)

        assert snap_compare(desk_app(desk), run_before=steps("fi", fill_in))

    def test_issue_preview(self, desk, snap_compare, tmp_path, monkeypatch):
        from store.models import Setting
        from store.tokens import SECRET_KEY

        # The readers' links carry a token made with the database's secret: a fixed one,
        # so the picture is the same in every run.
        Setting.delete().where(Setting.key == SECRET_KEY).execute()
        Setting.create(key=SECRET_KEY, value="5e" * 32)
        monkeypatch.chdir(tmp_path)
        (tmp_path / "huhtikuu.md").write_text(
            "# Huhtikuun ensi-illat\n\nTervetuloa elokuviin!\n", encoding="utf-8"
        )

        async def previewed(pilot: Pilot[object]) -> None:
            from textual.widgets import Input

            await press_and_settle(pilot, "n", "n")
            await type_text(pilot, "Huhtikuun ensi-illat")
            pilot.app.screen.query_one("#issue-file-fi", Input).value = "huhtikuu.md"
            await pilot.click("#preview")
            await settle(pilot)

        assert snap_compare(desk_app(desk), run_before=steps("fi", previewed))


class TestStaffTools:
    """The desk's other screens in Finnish at 80×24: mail that is in no request, the audit
    log (the whole time, actions in words, wrapped rather than cut) and one's own password."""

    def test_loose_mail(self, desk, snap_compare):
        from tests.support.mail import feed, make_mail

        feed(
            make_mail(
                "Tarjous <win@prizes.example>",
                subject="Voitit iPhonen!",
                body="Klikkaa tästä.",
                headers=[("X-Spam-Flag", "YES")],
            )
        )
        assert snap_compare(desk_app(desk), run_before=steps("fi", pressed("m")))

    def test_audit_log(self, desk, snap_compare):
        async def as_admin(pilot: Pilot[object]) -> None:
            await log_in(pilot, "admin")
            await press_and_settle(pilot, "a")
            await settle(pilot)
            pilot.app.clear_notifications()
            await pilot.pause()

        assert snap_compare(desk_app(desk), run_before=as_admin)

    def test_own_password_dialog(self, desk, snap_compare):
        async def opened_dialog(pilot: Pilot[object]) -> None:
            pilot.app.screen.change_own_password()
            await settle(pilot)

        assert snap_compare(desk_app(desk), run_before=steps("fi", opened_dialog))
