"""A free reply: staff's own words to the person, in the person's language or another."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Select, Static

from store.config import LANGUAGES
from tui.dialogs.base import Dialog
from tui.widgets.fields import TextEditor


@dataclass(frozen=True)
class ReplyChoice:
    text: str
    language: str


class ReplyDialog(Dialog[ReplyChoice]):
    """Asks for the reply's text and language; the mail is previewed before it is queued."""

    def __init__(self, reference: str, to: str, language: str, draft: str = "") -> None:
        super().__init__()
        self.reference = reference
        self.to = to
        self.reply_language = language if language in LANGUAGES else "fi"
        self.draft = draft

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(classes="dialog", id="reply-dialog"):
            yield Static(
                t("tui.desk.reply.title", reference=self.reference), classes="dialog-title"
            )
            yield Static(t("tui.desk.reply.intro", address=self.to), classes="dialog-text")
            yield Label(t("tui.desk.reply.language"))
            yield Select(
                [(t(f"tui.customer_language.{code}"), code) for code in LANGUAGES],
                value=self.reply_language,
                allow_blank=False,
                id="reply-language",
                compact=True,
            )
            yield Label(t("tui.desk.reply.text"))
            yield TextEditor(self.draft, id="reply-text", classes="letter")
            yield Static(t("tui.desk.reply.hint"), classes="dialog-hint")
            yield Static("", id="reply-problem", classes="warning")
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("tui.reason.next"), id="next", variant="primary", compact=True)
                yield Button(t("tui.dialog.cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#reply-text").focus()

    @on(Button.Pressed, "#next")
    def _next(self) -> None:
        text = self.query_one("#reply-text", TextEditor).text.strip()
        if not text:
            self.query_one("#reply-problem", Static).update(self.t("rule.reply_required"))
            self.query_one("#reply-text").focus()
            return
        language = self.query_one("#reply-language", Select).value
        self.dismiss(ReplyChoice(text, str(language)))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
