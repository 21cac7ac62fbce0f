"""A reason in the staff member's words, for acts whose mail must explain itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static

from tui.dialogs.base import Dialog
from tui.widgets.fields import TextEditor


class ReasonDialog(Dialog[Any]):
    """Asks for a reason; returns it (never empty), or None when cancelled.  With ``check``
    (the act planned on the database) it closes with what ``check`` returns, and a refusal
    stays beside the reason, nothing typed lost."""

    PROBLEM = "#reason-problem"

    def __init__(
        self,
        title: str,
        intro: str,
        hint: str = "",
        *,
        submit: str = "",
        check: Callable[[str], Any] | None = None,
    ) -> None:
        super().__init__()
        self.check = check
        self.title_text = title
        self.intro = intro
        self.hint = hint
        self.submit = submit

    def texts(self) -> tuple[str, str, str]:
        """Title, introduction and hint; subclasses word them for their act."""
        return self.title_text, self.intro, self.hint

    def compose(self) -> ComposeResult:
        t = self.t
        title, intro, hint = self.texts()
        with Vertical(classes="dialog"):
            yield Static(title, classes="dialog-title")
            yield Static(intro, classes="dialog-text")
            yield Label(t("tui.reason.label"))
            yield TextEditor(id="reason", classes="reason")
            if hint:
                yield Static(hint, classes="dialog-hint")
            yield Static("", id="reason-problem", classes="warning")
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    self.submit or t("tui.reason.next"), id="next", variant="primary", compact=True
                )
                yield Button(t("tui.dialog.cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#reason").focus()

    @on(Button.Pressed, "#next")
    def _next(self) -> None:
        reason = self.query_one("#reason", TextEditor).text.strip()
        if not reason:
            self.show_problem(self.t("rule.reason_required"))
            return
        if self.check is None:
            self.dismiss(reason)
            return
        check = self.check
        self.show_problem("")
        self.checked(lambda: check(reason))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
