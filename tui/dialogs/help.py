"""``?``: every key that works where staff are, and what it does (Textual's own keys too, in
the staff language: :mod:`tui.textual_strings`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpDialog(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,q,question_mark,f1",
            "close",
            "tui.key.close",
            id="help.close",
            tooltip="tui.tip.close",
        ),
    ]

    def __init__(self, bindings: Mapping[str, ActiveBinding]) -> None:
        super().__init__()
        self.entries = list(bindings.values())

    def t(self, key: str, /, **params: Any) -> str:
        return self.app.t(key, **params)  # type: ignore[attr-defined]

    def describe(self, text: str) -> str:
        return self.app.describe(text)  # type: ignore[attr-defined, no-any-return]

    def compose(self) -> ComposeResult:
        table = Table(box=None, expand=True, show_header=False, padding=(0, 1))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(ratio=1)
        by_action: dict[str, list[str]] = {}
        described: dict[str, tuple[str, str]] = {}
        for active in self.entries:
            binding = active.binding
            if not binding.description or binding.system:
                continue
            by_action.setdefault(binding.action, []).append(self.app.get_key_display(binding))
            described[binding.action] = (binding.description, binding.tooltip)
        for action, keys in by_action.items():
            description, tooltip = described[action]
            text = self.describe(description)
            if tooltip:
                text += f" – {self.describe(tooltip)}"
            table.add_row(" ".join(dict.fromkeys(keys)), text)
        with VerticalScroll(classes="dialog"):
            yield Static(self.t("tui.help.title"), classes="dialog-title")
            yield Static(table)
            yield Static(self.t("tui.help.footer"), classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)
