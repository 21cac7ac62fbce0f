"""What the dialogs share: translation through the app, Escape to cancel, and a key bar of
their own (the keys of the dialog, not those of the screen behind it)."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from textual import events, on
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen

from tui.widgets.key_bar import KeyBar

ResultType = TypeVar("ResultType")


class Dialog(ModalScreen[ResultType]):
    """A modal dialog; Escape cancels and returns None (or the dialog's own "no")."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "tui.key.cancel", id="dialog.cancel", tooltip="tui.tip.cancel"),
    ]

    @on(events.Mount)
    def _key_bar(self) -> None:
        self.mount(KeyBar())

    def t(self, key: str, /, **params: Any) -> str:
        return self.app.t(key, **params)  # type: ignore[attr-defined]

    @property
    def language(self) -> str:
        return self.app.language  # type: ignore[attr-defined]

    def action_cancel(self) -> None:
        self.dismiss(None)  # type: ignore[arg-type]
