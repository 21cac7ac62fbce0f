"""A yes/no question."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from tui.dialogs.base import Dialog


class ConfirmDialog(Dialog[bool]):
    """``question`` as markup, or as a :class:`~rich.text.Text` when it holds someone else's
    words (an address, a server's answer): those are shown as they are."""

    def __init__(self, title: str, question: str | Text, *, yes: str = "", no: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.question = question
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title")
            yield Static(self.question, classes="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    self.yes or self.t("tui.dialog.yes"), id="yes", variant="primary", compact=True
                )
                yield Button(self.no or self.t("tui.dialog.no"), id="no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#yes").focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_cancel(self) -> None:
        self.dismiss(False)
