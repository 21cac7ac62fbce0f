"""Adding a staff member: name, display name, role, language and a first password."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Button, Label, Select, Static

from store.models import ROLES
from tui.dialogs.base import Dialog
from tui.widgets.fields import TextInput
from tui.widgets.marks import MarkedSelect


@dataclass(frozen=True)
class NewStaff:
    name: str
    display_name: str
    role: str
    language: str
    password: str


class AddStaffDialog(Dialog[Any]):
    """Adds the member through ``add`` (run on the database in a worker) and closes with
    what it returns; a refusal (a weak password, a name taken) stays beside the fields."""

    PROBLEM = "#staff-problem"

    def __init__(self, add: Callable[[NewStaff], Any]) -> None:
        super().__init__()
        self.add = add

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(classes="dialog"):
            yield Static(t("tui.staff.add_title"), classes="dialog-title")
            with Grid(id="staff-grid"):
                yield Label(t("col.name"))
                yield TextInput(id="staff-name", compact=True)
                yield Label(t("tui.staff.display_name"))
                yield TextInput(id="staff-display", compact=True)
                yield Label(t("col.role"))
                yield MarkedSelect(
                    [(t(f"tui.role.{role}"), role) for role in ROLES],
                    value="handler",
                    allow_blank=False,
                    id="staff-role",
                    compact=True,
                )
                yield Label(t("col.language"))
                yield MarkedSelect(
                    [(t("tui.language.fi"), "fi"), (t("tui.language.en"), "en")],
                    value="fi",
                    allow_blank=False,
                    id="staff-language",
                    compact=True,
                )
                yield Label(t("tui.login.password"))
                yield TextInput(id="staff-password", password=True, compact=True)
            yield Static(t("tui.staff.password_hint"), classes="dialog-hint")
            yield Static("", id="staff-problem", classes="warning")
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("tui.staff.add"), id="add", variant="primary", compact=True)
                yield Button(t("tui.dialog.cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#staff-name").focus()

    @on(Button.Pressed, "#add")
    def _add(self) -> None:
        new = NewStaff(
            name=self.query_one("#staff-name", TextInput).value.strip(),
            display_name=self.query_one("#staff-display", TextInput).value.strip(),
            role=str(self.query_one("#staff-role", Select).value),
            language=str(self.query_one("#staff-language", Select).value),
            password=self.query_one("#staff-password", TextInput).value,
        )
        self.show_problem("")
        self.checked(lambda: self.add(new))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
