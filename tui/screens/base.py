"""What every staff screen shares: translation, the session, and one place for failures."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.message import Message
from textual.screen import Screen
from textual.widgets import TabbedContent
from textual.worker import Worker, WorkerState

from store.models import database
from store.staff import set_language
from tui.commands import PaletteCommand
from tui.session import Session
from tui.widgets.keyed_table import KeyedTable

if TYPE_CHECKING:
    from mailbot.acts import Outcome
    from tui.app import RekisteriApp


class RekisteriScreen(Screen[None]):
    """A staff screen.  Its database work runs in thread workers; a worker that fails is
    reported here, in the staff member's language, and never takes the app down."""

    PALETTE_GROUP = "tui.palette.group.app"
    """Catalog key of the name the command palette puts before this screen's commands."""

    @dataclass
    class LanguageChanged(Message):
        """The staff member chose another language: the app redraws the session in it."""

        session: Session

    @property
    def rekisteri(self) -> RekisteriApp:
        return self.app  # type: ignore[return-value]

    @property
    def session(self) -> Session:
        session = self.rekisteri.session
        assert session is not None, "staff screens are shown only after login"
        return session

    def t(self, key: str, /, **params: Any) -> str:
        return self.rekisteri.t(key, **params)

    @on(Worker.StateChanged)
    def _report_failed_worker(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.rekisteri.report_error(event.worker.error)
            self.worker_failed(event.worker)

    def worker_failed(self, worker: Worker[Any]) -> None:
        """Hook for a screen to undo a "loading" state when its worker failed."""

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_tab(self, tab: str) -> None:
        """On a screen with tabs: show ``tab`` (the number keys' bindings) and focus what it
        shows (its table, its text), so the keys that follow work on it: ``2`` then Enter
        confirms the highlighted candidate."""
        tabs = self.query_one(TabbedContent)
        tabs.active = tab
        pane = tabs.get_pane(tab)
        main = next((widget for widget in pane.query("*") if widget.can_focus), None)
        if main is not None:
            self.call_after_refresh(main.focus)

    def left_unless_admin(self) -> bool:
        """For an admin's screen, on mount: leave it, with a warning, unless an admin is
        logged in.  True when it was left."""
        if self.session.is_admin:
            return False
        self.notify(self.t("tui.error.admins_only"), severity="warning")
        self.app.pop_screen()
        return True

    def done_notice(self, outcome: Outcome, key: str, **params: Any) -> str:
        """What an act did (``key``), and where its mail was queued if it queued one."""
        text = self.t(key, **params)
        if outcome.mail_to:
            text += " " + self.t("tui.done.mail_queued", address=outcome.mail_to)
        return text

    def global_commands(self) -> list[PaletteCommand]:
        """Commands the palette offers on every staff screen, after the screen's own."""
        t = self.t
        group = t("tui.palette.group.app")
        other = "en" if self.session.language == "fi" else "fi"
        language = t("tui.palette.language", language=t(f"tui.language.{other}"))
        return [
            PaletteCommand(
                f"{group}: {language}",
                t("tui.palette.language_help"),
                lambda: self.switch_language(other),
            ),
            PaletteCommand(
                f"{group}: {t('tui.palette.own_password')}",
                t("tui.palette.own_password_help"),
                self.change_own_password,
            ),
            PaletteCommand(
                f"{group}: {t('tui.key.logout')}", t("tui.tip.logout"), self.rekisteri.action_logout
            ),
        ]

    def change_own_password(self) -> None:
        from tui.dialogs.own_password import OwnPasswordDialog

        def closed(changed: bool | None) -> None:
            if changed:
                self.notify(self.t("tui.password.done"))

        self.app.push_screen(OwnPasswordDialog(self.session.name), closed)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="language",
        description="change the staff language",
    )
    def switch_language(self, language: str) -> None:
        session = self.session
        with database.connection_context():
            set_language(session.name, language, session.name)
        self.post_message(self.LanguageChanged(replace(session, language=language)))


class TableScreen(RekisteriScreen):
    """A screen around one :class:`KeyedTable` (the breaches, the newsletters, staff, the
    audit log): the screen's own ``j``/``k`` bindings (``down``/``up``) move in it."""

    @property
    def table(self) -> KeyedTable:
        return self.query_one(KeyedTable)

    def action_down(self) -> None:
        self.table.action_cursor_down()

    def action_up(self) -> None:
        self.table.action_cursor_up()
