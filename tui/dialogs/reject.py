"""Refusing a request: the ground and the reason the refusal mail must give (Art. 12(4))."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Select, Static

from store.lifecycle import REJECTION_GROUNDS
from tui.dialogs.base import Dialog
from tui.widgets.fields import TextEditor
from tui.widgets.marks import MarkedSelect


@dataclass(frozen=True)
class RejectChoice:
    ground: str
    reason: str


class RejectDialog(Dialog[Any]):
    """Hands the ground and the reason to ``plan`` (the store's refusal act) and closes with
    what it returns; a refusal (the request closed meanwhile, a reason missing) stays beside
    the fields, nothing typed lost."""

    PROBLEM = "#reject-problem"

    def __init__(self, reference: str, plan: Callable[[RejectChoice], Any]) -> None:
        super().__init__()
        self.reference = reference
        self.plan = plan

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(classes="dialog"):
            yield Static(t("tui.reject.title", reference=self.reference), classes="dialog-title")
            yield Label(t("tui.reject.ground"))
            yield MarkedSelect(
                [(t(f"tui.ground.{ground}"), ground) for ground in REJECTION_GROUNDS],
                prompt=t("tui.reject.choose"),
                id="reject-ground",
                compact=True,
            )
            yield Label(t("tui.reject.reason"))
            yield TextEditor(id="reject-reason", classes="reason")
            yield Static(t("tui.reject.hint"), classes="dialog-hint")
            yield Static("", id="reject-problem", classes="warning")
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("tui.reject.next"), id="next", variant="primary", compact=True)
                yield Button(t("tui.dialog.cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#reject-ground").focus()

    @on(Button.Pressed, "#next")
    def _next(self) -> None:
        ground = self.query_one("#reject-ground", Select).value
        reason = self.query_one("#reject-reason", TextEditor).text.strip()
        if ground is Select.BLANK or not isinstance(ground, str):
            self.show_problem(self.t("rule.choose_ground"))
            return
        self.show_problem("")
        choice = RejectChoice(ground, reason)
        self.checked(lambda: self.plan(choice))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
