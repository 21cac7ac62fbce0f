"""Whether the authority (Art. 33) or the people (Art. 34) must be told, and why."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, RadioSet, Static

from tui.dialogs.base import Dialog
from tui.widgets.fields import TextEditor
from tui.widgets.marks import MarkedRadioButton


@dataclass(frozen=True)
class Decision:
    required: bool
    reason: str


class DecisionDialog(Dialog[Decision]):
    def __init__(
        self, which: str, breach_id: int, current: bool | None = None, reason: str = ""
    ) -> None:
        super().__init__()
        self.which = which  # "authority" or "people"
        self.breach_id = breach_id
        self.current = current
        self.reason = reason

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(classes="dialog"):
            yield Static(
                t(f"tui.breach.decide_{self.which}_title", id=self.breach_id),
                classes="dialog-title",
            )
            yield Static(t(f"tui.breach.decide_{self.which}_intro"), classes="dialog-text")
            with RadioSet(id="decision"):
                yield MarkedRadioButton(
                    t(f"tui.breach.decide_{self.which}_yes"),
                    value=self.current is True,
                    id="decision-yes",
                )
                yield MarkedRadioButton(
                    t(f"tui.breach.decide_{self.which}_no"),
                    value=self.current is False,
                    id="decision-no",
                )
            yield Label(t("tui.breach.reasoning"))
            yield TextEditor(self.reason, id="decision-reason", classes="reason")
            yield Static("", id="decision-problem", classes="warning")
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("tui.breach.record"), id="record", variant="primary", compact=True)
                yield Button(t("tui.dialog.cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one(RadioSet).focus()

    @on(Button.Pressed, "#record")
    def _record(self) -> None:
        pressed = self.query_one(RadioSet).pressed_button
        reason = self.query_one("#decision-reason", TextEditor).text.strip()
        problem = self.query_one("#decision-problem", Static)
        if pressed is None:
            problem.update(self.t("tui.breach.choose_yes_no"))
        elif not reason:
            problem.update(self.t("breach.reason_required"))
        else:
            self.dismiss(Decision(pressed.id == "decision-yes", reason))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
