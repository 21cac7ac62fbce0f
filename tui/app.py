"""The staff app: it only wires.  Screens do the work, the store decides.

:func:`make_app` is the one factory: ``rekisteri tui``, ``rekisteri demo`` and the tests
all build the app through it, so what the tests see is what staff get.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import Any, ClassVar, cast

from textual import events, on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.reactive import reactive
from textual.screen import Screen

from store import clock, staff
from store.config import Settings
from store.errors import RekisteriError, StaffNotActive
from store.i18n import translate
from store.models import database
from tui.commands import RekisteriCommands
from tui.dialogs.base import Dialog
from tui.dialogs.help import HelpDialog
from tui.drafts import Drafts
from tui.screens.base import RekisteriScreen
from tui.screens.login import LoginScreen
from tui.screens.queue import QueueScreen
from tui.session import Session
from tui.textual_strings import NO_MATCHES, StaffCommandPalette, system_commands, words

IDLE_CHECK_SECONDS = 15.0


class RekisteriApp(App[None]):
    TITLE = "Rekisteri"
    CSS_PATH: ClassVar[list[str | PurePath]] = [
        "styles/global.tcss",
        "styles/screens.tcss",
        "styles/dialogs.tcss",
        "styles/breaches.tcss",
        "styles/newsletters.tcss",
    ]
    COMMANDS: ClassVar[set[Any]] = {RekisteriCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+q",
            "quit",
            "tui.key.quit",
            id="app.quit",
            tooltip="tui.tip.quit",
            show=False,
            priority=True,
        ),
        Binding("question_mark,f1", "help", "tui.key.help", id="app.help", tooltip="tui.tip.help"),
        Binding(
            "ctrl+p",
            "command_palette",
            "tui.key.palette",
            id="app.palette",
            tooltip="tui.tip.palette",
            show=False,
        ),
    ]

    session: reactive[Session | None] = reactive(None, init=False)

    def __init__(
        self, settings: Settings, *, login_as: str | None = None, cursor_blink: bool = True
    ) -> None:
        super().__init__()
        self.settings = settings
        self.login_as = login_as
        self.cursor_blink = cursor_blink
        self.last_activity: datetime = clock.now()
        self.drafts = Drafts()

    # ------------------------------------------------------------ language

    @property
    def language(self) -> str:
        return self.session.language if self.session else self.settings.ui.language

    def t(self, key: str, /, **params: Any) -> str:
        return translate(key, self.language, **params)

    def describe(self, text: str) -> str:
        """A binding's description or tooltip in the staff language: our catalogue keys and
        Textual's own English words alike (:mod:`tui.textual_strings`)."""
        return words(text, self.language)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's system commands in the staff language.  (``COMMANDS`` holds only our
        provider, so the palette does not list them: staff get our help, not Textual's panel,
        and no screenshot of personal data is written to disk.)"""
        return system_commands(super().get_system_commands(screen), self.language)

    # ------------------------------------------------------------ life cycle

    def on_mount(self) -> None:
        self.set_keymap(self.settings.keymap)
        self.push_screen(LoginScreen(login_as=self.login_as))
        self.set_interval(IDLE_CHECK_SECONDS, self.check_idle_logout, name="idle logout")

    @on(LoginScreen.LoggedIn)
    def _logged_in(self, event: LoginScreen.LoggedIn) -> None:
        self.session = event.session
        self.last_activity = clock.now()
        self.switch_screen(QueueScreen())
        waiting = self.drafts.waiting(event.session.name)
        if waiting:
            self.notify(
                self.t(
                    "tui.drafts.waiting",
                    count=len(waiting),
                    where=", ".join(
                        self.t(
                            f"tui.drafts.{key.partition(':')[0]}", reference=key.partition(":")[2]
                        )
                        for key in waiting
                    ),
                ),
                timeout=10,
            )

    def take_draft(self, key: str) -> str:
        """The current staff member's draft for ``key`` (a dialog opening again)."""
        return self.drafts.take(self.session.name, key) if self.session else ""

    def keep_drafts(self) -> None:
        """Before the session's screens close: every half-written text in them."""
        if self.session is None:
            return
        for screen in self.screen_stack:
            if isinstance(screen, Dialog) and screen.draft_key:
                self.drafts.keep(self.session.name, screen.draft_key, screen.draft_text())
            for key, text in getattr(screen, "drafts", lambda: {})().items():
                self.drafts.keep(self.session.name, key, text)

    async def logout(self, notice: str = "") -> None:
        """Back to the login screen, with every screen of the session closed.

        The session ends only once its screens are gone: until then they (and the key bar
        asking their ``check_action``) may still read it.
        """
        self.login_as = None
        self.keep_drafts()
        while len(self.screen_stack) > 2:
            await self.pop_screen()
        await self.switch_screen(LoginScreen(notice=notice))
        self.session = None

    async def action_logout(self) -> None:
        await self.logout()

    @on(RekisteriScreen.LanguageChanged)
    async def restart_session(self, event: RekisteriScreen.LanguageChanged) -> None:
        """Show the session again from the queue, in the language just chosen."""
        self.session = event.session
        while len(self.screen_stack) > 2:
            await self.pop_screen()
        await self.switch_screen(QueueScreen())

    # ------------------------------------------------------------ idle logout

    async def on_event(self, event: events.Event) -> None:
        # Any key or click counts as presence; the keys themselves go on to their bindings.
        if isinstance(event, events.Key | events.MouseDown):
            self.last_activity = clock.now()
        await super().on_event(event)

    async def check_idle_logout(self) -> None:
        if self.session is None:
            return
        self.check_still_enabled(self.session.name)
        limit = timedelta(minutes=self.settings.ui.idle_logout_minutes)
        if clock.now() - self.last_activity >= limit:
            await self.logout(
                self.t("tui.login.idle_logout", minutes=self.settings.ui.idle_logout_minutes)
            )

    @work(thread=True, exclusive=True, group="staff-check", exit_on_error=False)
    def check_still_enabled(self, name: str) -> None:
        """Log out at once a member an admin has disabled while they were logged in."""
        with database.connection_context():
            active = staff.is_active(name)
        if not active:
            # cast: mypy cannot solve `T | Awaitable[T]` for a coroutine function
            logout = cast("Callable[[str], Awaitable[Any]]", self.logout_disabled)
            self.call_from_thread(logout, name)

    async def logout_disabled(self, name: str) -> None:
        if self.session is not None and self.session.name == name:
            await self.logout(self.t("tui.login.disabled_logout"))

    # ------------------------------------------------------------ shared actions

    def report_error(self, error: BaseException) -> None:
        """A failure in the staff member's language; a rule's refusal is a warning."""
        if isinstance(error, StaffNotActive) and self.session is not None:
            self.call_later(self.logout_disabled, self.session.name)
        if isinstance(error, RekisteriError):
            self.notify(error.translated(self.language), severity="warning", timeout=8)
        else:
            self.notify(
                self.t("tui.error.internal", error=f"{type(error).__name__}: {error}"),
                severity="error",
                timeout=12,
            )

    def action_help_quit(self) -> None:
        """Ctrl+C outside a text field: how to quit, in the staff language (Textual's own
        notice is in English)."""
        for active in self.active_bindings.values():
            if active.binding.action in ("quit", "app.quit"):
                key = self.get_key_display(active.binding)
                self.notify(
                    self.t("tui.textual.quit_hint", key=key),
                    title=self.t("tui.textual.quit_hint_title"),
                )
                return

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpDialog):
            self.push_screen(HelpDialog(self.screen.active_bindings))

    def action_command_palette(self) -> None:
        # cast: App is invariant in its return type, and is_open asks for App[object]
        if self.session is not None and not CommandPalette.is_open(cast("App[object]", self)):
            self.push_screen(
                StaffCommandPalette(
                    placeholder=self.t("tui.palette.placeholder"),
                    no_matches=self.describe(NO_MATCHES),
                    id="--command-palette",
                )
            )


def make_app(
    settings: Settings, *, login_as: str | None = None, cursor_blink: bool = True
) -> RekisteriApp:
    """The staff app on ``settings`` (the database must already be open and migrated).

    ``login_as`` skips the password prompt (the demo's handler); ``cursor_blink=False``
    keeps snapshots still.
    """
    return RekisteriApp(settings, login_as=login_as, cursor_blink=cursor_blink)
