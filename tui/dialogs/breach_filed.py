"""Recording that the notification was filed through the Ombudsman's web form."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static

from store import clock
from tui.dialogs.base import Dialog
from tui.dialogs.breach_form import editable_text
from tui.widgets.fields import TextEditor, TextInput


@dataclass(frozen=True)
class Filing:
    at: str  # as typed: the store reads it
    delay_reason: str


class FiledDialog(Dialog[Filing]):
    def __init__(
        self, breach_id: int, *, late: bool, delay_reason: str = "", supplement: bool = False
    ) -> None:
        super().__init__()
        self.breach_id = breach_id
        self.late = late
        self.delay_reason = delay_reason
        self.supplement = supplement

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(classes="dialog"):
            title = "tui.breach.supplement_title" if self.supplement else "tui.breach.filed_title"
            yield Static(t(title, id=self.breach_id), classes="dialog-title")
            yield Static(t("tui.breach.filed_intro"), classes="dialog-text")
            yield Label(t("tui.breach.filed_at"))
            yield TextInput(editable_text(clock.now()), id="filed-at", compact=True)
            yield Label(t("tui.breach.field.delay_reason"))
            yield TextEditor(self.delay_reason, id="filed-delay", classes="reason")
            yield Static(t("tui.breach.late_hint") if self.late else "", classes="dialog-hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("tui.breach.record"), id="record", variant="primary", compact=True)
                yield Button(t("tui.dialog.cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#filed-at").focus()

    @on(Button.Pressed, "#record")
    def _record(self) -> None:
        self.dismiss(
            Filing(
                self.query_one("#filed-at", TextInput).value,
                self.query_one("#filed-delay", TextEditor).text,
            )
        )

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
