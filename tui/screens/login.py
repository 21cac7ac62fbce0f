"""The login screen: a named staff member and their password (argon2, with lockout)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.message import Message
from textual.widgets import Button, Label, Static

from store import audit
from store.errors import LoginRefused
from store.models import database
from store.staff import authenticate, get_staff
from tui.screens.base import RekisteriScreen
from tui.session import Session
from tui.widgets.fields import TextInput
from tui.widgets.key_bar import KeyBar


def session_of(staff: Any) -> Session:
    return Session(
        name=staff.name,
        display_name=staff.display_name or staff.name,
        role=staff.role,
        language=staff.language,
    )


class LoginScreen(RekisteriScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "app.quit", "tui.key.quit", id="login.quit", tooltip="tui.tip.quit"),
    ]

    @dataclass
    class LoggedIn(Message):
        session: Session

    @dataclass
    class Refused(Message):
        message: str

    def __init__(self, *, login_as: str | None = None, notice: str = "") -> None:
        super().__init__()
        self.login_as = login_as
        self.notice = notice

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="login-box"):
            yield Static(self.t("tui.login.title"), id="login-title")
            yield Label(self.t("tui.login.name"))
            yield TextInput(id="login-name", placeholder=self.t("tui.login.name_hint"))
            yield Label(self.t("tui.login.password"))
            yield TextInput(id="login-password", password=True)
            yield Button(
                self.t("tui.login.submit"), id="login-submit", variant="primary", compact=True
            )
            yield Static(self.notice, id="login-message")
        yield KeyBar()

    def on_mount(self) -> None:
        if self.login_as:
            self.query_one("#login-box").display = False
            self.enter_as(self.login_as)
        else:
            self.query_one("#login-name").focus()

    @on(TextInput.Submitted, "#login-name")
    def _name_entered(self) -> None:
        self.query_one("#login-password").focus()

    @on(TextInput.Submitted, "#login-password")
    @on(Button.Pressed, "#login-submit")
    def submit(self) -> None:
        name = self.query_one("#login-name", TextInput).value.strip()
        password = self.query_one("#login-password", TextInput).value
        if not name or not password:
            self.show_message(self.t("tui.login.missing"))
            return
        self.query_one("#login-submit", Button).disabled = True
        self.check_login(name, password)

    def show_message(self, text: str) -> None:
        self.query_one("#login-message", Static).update(text)

    @work(
        thread=True, exclusive=True, exit_on_error=False, group="login", description="check a login"
    )
    def check_login(self, name: str, password: str) -> None:
        ui = self.rekisteri.settings.ui
        with database.connection_context():
            try:
                staff = authenticate(
                    name,
                    password,
                    max_attempts=ui.lockout_attempts,
                    lockout=timedelta(minutes=ui.lockout_minutes),
                )
            except LoginRefused as refused:
                self.post_message(self.Refused(refused.translated(self.rekisteri.language)))
                return
        self.post_message(self.LoggedIn(session_of(staff)))

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="login",
        description="open the demo session",
    )
    def enter_as(self, name: str) -> None:
        """The demo opens logged in as its handler: no password prompt on a fresh desk."""
        with database.connection_context():
            staff = get_staff(name)
            if not staff.enabled:
                ui = self.rekisteri.settings.ui
                self.post_message(
                    self.Refused(
                        self.t(
                            "login.refused",
                            attempts=ui.lockout_attempts,
                            minutes=ui.lockout_minutes,
                        )
                    )
                )
                return
            audit.record("login.succeeded", staff.name, staff=staff.name, via="demo")
        self.post_message(self.LoggedIn(session_of(staff)))

    @on(Refused)
    def _refused(self, event: Refused) -> None:
        self.query_one("#login-box").display = True
        self.query_one("#login-submit", Button).disabled = False
        password = self.query_one("#login-password", TextInput)
        password.value = ""
        self.show_message(event.message)
        (
            password
            if self.query_one("#login-name", TextInput).value
            else self.query_one("#login-name")
        ).focus()

    def worker_failed(self, worker: Any) -> None:
        self.query_one("#login-box").display = True
        self.query_one("#login-submit", Button).disabled = False
