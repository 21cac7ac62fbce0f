"""What every staff screen shares: translation, the session, and one place for failures."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from store.models import database
from store.staff import set_language
from tui.commands import PaletteCommand
from tui.session import Session

if TYPE_CHECKING:
    from tui.app import RekisteriApp


class RekisteriScreen(Screen[None]):
    """A staff screen.  Its database work runs in thread workers; a worker that fails is
    reported here, in the staff member's language, and never takes the app down."""

    PALETTE_GROUP = "tui.palette.group.app"

    @dataclass
    class LanguageChanged(Message):
        """The staff member chose another language: the app redraws the session in it."""

        session: Session
    """Catalog key of the name the command palette puts before this screen's commands."""

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

    def global_commands(self) -> list[PaletteCommand]:
        """Commands the palette offers on every staff screen, after the screen's own."""
        t = self.t
        group = t("tui.palette.group.app")
        other = "en" if self.session.language == "fi" else "fi"
        language = t("tui.palette.language", language=t(f"tui.language.{other}"))
        return [
            PaletteCommand(f"{group}: {language}", t("tui.palette.language_help"),
                           lambda: self.switch_language(other)),
            PaletteCommand(f"{group}: {t('tui.key.logout')}", t("tui.tip.logout"),
                           self.rekisteri.action_logout),
        ]

    @work(thread=True, exclusive=True, exit_on_error=False, group="language",
          description="change the staff language")
    def switch_language(self, language: str) -> None:
        session = self.session
        with database.connection_context():
            set_language(session.name, language, session.name)
        self.post_message(self.LanguageChanged(replace(session, language=language)))
