"""Restricting processing (Art. 18): the ground of Art. 18(1) and staff's note."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Select, Static

from store.restriction import GROUNDS, ground_text
from tui.dialogs.base import Dialog
from tui.widgets.fields import TextEditor


@dataclass(frozen=True)
class RestrictionChoice:
    ground: str
    note: str


class RestrictionDialog(Dialog[RestrictionChoice]):
    """Asks for the ground (required) and a note (what is contested, which claim)."""

    def __init__(self, subject: str) -> None:
        super().__init__()
        self.subject = subject  # the request's reference or the customer's number

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(classes="dialog"):
            yield Static(t("tui.restriction.title", subject=self.subject), classes="dialog-title")
            yield Static(t("tui.restriction.intro"), classes="dialog-text")
            yield Label(t("tui.restriction.ground"))
            yield Select(
                [(ground_text(ground, self.language), ground) for ground in GROUNDS],
                prompt=t("tui.restriction.choose"),
                id="restriction-ground",
                compact=True,
            )
            yield Label(t("tui.restriction.note"))
            yield TextEditor(id="restriction-note", classes="reason")
            yield Static("", id="restriction-problem", classes="warning")
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("tui.reason.next"), id="next", variant="primary", compact=True)
                yield Button(t("tui.dialog.cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#restriction-ground").focus()

    @on(Button.Pressed, "#next")
    def _next(self) -> None:
        ground = self.query_one("#restriction-ground", Select).value
        if ground is Select.BLANK or not isinstance(ground, str):
            self.query_one("#restriction-problem", Static).update(self.t("tui.restriction.choose"))
            return
        note = self.query_one("#restriction-note", TextEditor).text.strip()
        self.dismiss(RestrictionChoice(ground, note))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
