"""Correcting the classifier: choose the request's kind."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from store.models import KINDS
from tui.dialogs.base import Dialog


class KindDialog(Dialog[str]):
    def __init__(self, reference: str, current: str) -> None:
        super().__init__()
        self.reference = reference
        self.current = current

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(classes="dialog"):
            yield Static(t("tui.kind.title", reference=self.reference), classes="dialog-title")
            yield OptionList(
                *(Option(t(f"kind.{kind}"), id=kind) for kind in KINDS), id="kind-options"
            )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = KINDS.index(self.current) if self.current in KINDS else 0
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
