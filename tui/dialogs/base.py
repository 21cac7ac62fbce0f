"""What the dialogs share: translation through the app, Escape to cancel, a key bar of
their own (the keys of the dialog, not those of the screen behind it), and answers the
store checks before the dialog closes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from textual import events, on, work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from store.errors import RekisteriError
from store.models import database
from tui.widgets.key_bar import KeyBar

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

    PROBLEM = ""
    """Selector of the ``Static`` beside the fields where a refusal is shown."""

    @dataclass
    class Accepted(Message):
        """The store accepted what was typed: the dialog closes with ``result``."""

        result: Any

    @dataclass
    class Refused(Message):
        """The store refused what was typed: said beside the fields, nothing typed lost."""

        problem: str

    @on(events.Mount)
    def _mounted(self) -> None:
        self.mount(KeyBar())
        self.restore_draft()

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

    def restore_draft(self) -> None:
        """The staff member's kept draft for this dialog, into its (empty) text editor."""
        if not self.draft_key:
            return
        from tui.widgets.fields import TextEditor

        editors = list(self.query(TextEditor))
        take = getattr(self.app, "take_draft", None)
        if editors and take is not None and not editors[0].text.strip():
            draft = take(self.draft_key)
            if draft:
                editors[0].text = draft

    def show_problem(self, text: str) -> None:
        self.query_one(self.PROBLEM, Static).update(text)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="dialog-check",
        description="check what was typed in a dialog",
    )
    def checked(self, check: Callable[[], Any]) -> None:
        """Run ``check`` (the store's rules, or the act itself) on the database; close with
        what it returns, or keep the dialog open with the refusal beside the fields."""
        try:
            with database.connection_context():
                result = check()
        except RekisteriError as error:
            self.post_message(self.Refused(error.translated(self.language)))
            return
        self.post_message(self.Accepted(result))

    @on(Accepted)
    def _check_accepted(self, event: Accepted) -> None:
        self.dismiss(event.result)

    @on(Refused)
    def _check_refused(self, event: Refused) -> None:
        self.show_problem(event.problem)
