"""What the dialogs share: translation through the app, and Escape to cancel."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from textual.binding import Binding, BindingType
from textual.screen import ModalScreen

ResultType = TypeVar("ResultType")


class Dialog(ModalScreen[ResultType]):
    """A modal dialog; Escape cancels and returns None (or the dialog's own "no")."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "tui.key.cancel", id="dialog.cancel", tooltip="tui.tip.cancel"),
    ]

    def t(self, key: str, /, **params: Any) -> str:
        return self.app.t(key, **params)  # type: ignore[attr-defined]

    @property
    def language(self) -> str:
        return self.app.language  # type: ignore[attr-defined]

    def action_cancel(self) -> None:
        self.dismiss(None)  # type: ignore[arg-type]
