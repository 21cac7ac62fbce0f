"""A staff member changes their own password: the current one, then the new one twice.

The change runs in a thread worker from the dialog itself, so a refusal (a wrong current
password, one too short, two that differ) shows beside the fields and nothing typed is
lost; a wrong current password counts as a failed login (:func:`store.staff.change_own_password`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Label, Static

from store.errors import RekisteriError
from store.models import database
from store.staff import change_own_password
from tui.dialogs.base import Dialog
from tui.widgets.fields import TextInput


class OwnPasswordDialog(Dialog[bool]):
    """Returns True once the password is changed."""

    @dataclass
    class Changed(Message):
        pass

    @dataclass
    class Refused(Message):
        problem: str

    def __init__(self, name: str) -> None:
        super().__init__()
        self.staff_name = name

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(classes="dialog", id="own-password"):
            yield Static(t("tui.password.title"), classes="dialog-title")
            with Grid(id="password-grid"):
                yield Label(t("tui.password.current"))
                yield TextInput(id="password-current", password=True, compact=True)
                yield Label(t("tui.password.new"))
                yield TextInput(id="password-new", password=True, compact=True)
                yield Label(t("tui.password.again"))
                yield TextInput(id="password-again", password=True, compact=True)
            yield Static(t("tui.password.hint"), classes="dialog-hint")
            yield Static("", id="password-problem", classes="warning")
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("tui.password.change"), id="change", variant="primary", compact=True)
                yield Button(t("tui.dialog.cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#password-current").focus()

    @on(TextInput.Submitted)
    @on(Button.Pressed, "#change")
    def _change(self) -> None:
        current = self.query_one("#password-current", TextInput).value
        new = self.query_one("#password-new", TextInput).value
        if new != self.query_one("#password-again", TextInput).value:
            self.problem(self.t("staff.passwords_differ"))
            return
        self.problem("")
        self.query_one("#change", Button).disabled = True
        self.change(current, new)

    def problem(self, text: str) -> None:
        self.query_one("#password-problem", Static).update(Text(text))

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="own-password",
        description="change one's own password",
    )
    def change(self, current: str, new: str) -> None:
        ui = self.app.settings.ui  # type: ignore[attr-defined]
        try:
            with database.connection_context():
                change_own_password(
                    self.staff_name,
                    current,
                    new,
                    max_attempts=ui.lockout_attempts,
                    lockout=timedelta(minutes=ui.lockout_minutes),
                )
        except RekisteriError as error:
            self.post_message(self.Refused(error.translated(self.language)))
            return
        self.post_message(self.Changed())

    @on(Changed)
    def _changed(self) -> None:
        self.dismiss(True)

    @on(Refused)
    def _refused(self, event: Refused) -> None:
        self.query_one("#change", Button).disabled = False
        self.problem(event.problem)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
