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
    """A modal dialog; Escape cancels and returns None (or the dialog's own "no")."""

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
    def _key_bar(self) -> None:
        self.mount(KeyBar())

    def t(self, key: str, /, **params: Any) -> str:
        return self.app.t(key, **params)  # type: ignore[attr-defined]

    @property
    def language(self) -> str:
        return self.app.language  # type: ignore[attr-defined]

    def action_cancel(self) -> None:
        self.dismiss(None)  # type: ignore[arg-type]

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
