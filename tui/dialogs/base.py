"""What the dialogs share: translation through the app, and Escape to cancel."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from textual.binding import Binding, BindingType
from textual.screen import ModalScreen

ResultType = TypeVar("ResultType")


class Dialog(ModalScreen[ResultType]):
    """A modal dialog; Escape cancels and returns None (or the dialog's own "no").

    A dialog where staff write (a reply, a note, a reason) is given a ``draft_key`` by the
    screen that opens it (``"reply:TP-2026-0042"``): if the session ends while it is open,
    its text is kept (:mod:`tui.drafts`) and comes back when the same staff member opens
    the same dialog again.
    """

    draft_key: str = ""

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

    def draft_text(self) -> str:
        """What staff have written here so far (the first text editor's text)."""
        from tui.widgets.fields import TextEditor

        editors = list(self.query(TextEditor))
        return editors[0].text if editors else ""

    def _on_mount(self) -> None:
        # Runs beside a subclass's own on_mount (Textual calls both).
        if not self.draft_key:
            return
        from tui.widgets.fields import TextEditor

        editors = list(self.query(TextEditor))
        take = getattr(self.app, "take_draft", None)
        if editors and take is not None and not editors[0].text.strip():
            draft = take(self.draft_key)
            if draft:
                editors[0].text = draft
