"""The notification for the Ombudsman's web form, to read and copy."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static, TextArea

from tui.dialogs.base import Dialog


class AuthorityTextDialog(Dialog[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        # A priority binding: the text area's own Ctrl+Y (redo) means nothing when read-only.
        Binding(
            "ctrl+y",
            "copy",
            "tui.breach.key.copy",
            id="breach.copy",
            tooltip="tui.breach.tip.copy",
            priority=True,
        ),
    ]

    def __init__(self, breach_id: int, text: str, missing: list[str]) -> None:
        super().__init__()
        self.breach_id = breach_id
        self.text = text
        self.missing = missing

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(classes="dialog wide", id="authority-text-dialog"):
            yield Static(t("tui.breach.text_title", id=self.breach_id), classes="dialog-title")
            yield Static(t("tui.breach.text_intro"), classes="dialog-text")
            if self.missing:
                yield Static(
                    t(
                        "breach.missing_items",
                        items=", ".join(t(f"breach.item.{item}") for item in self.missing),
                    ),
                    id="authority-missing",
                    classes="warning",
                )
            yield TextArea(self.text, read_only=True, id="authority-text", soft_wrap=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("tui.breach.copy"), id="copy", variant="primary", compact=True)
                yield Button(t("tui.breach.close"), id="close", compact=True)

    def on_mount(self) -> None:
        self.query_one("#copy").focus()

    def action_copy(self) -> None:
        # OSC 52: reaches the staff member's own clipboard, over SSH too.
        self.app.copy_to_clipboard(self.text)
        self.notify(self.t("tui.breach.copied"))

    @on(Button.Pressed, "#copy")
    def _copy(self) -> None:
        self.action_copy()

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.dismiss(None)
