"""A message outside the queue, to read: who sent it, what became of it, and its text."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static, TextArea

from mailbot.acts import MailText
from store.i18n import code_text, format_datetime
from tui.dialogs.base import Dialog


class MailTextDialog(Dialog[bool]):
    """Returns True when staff ask for a quarantined message to be read again."""

    def __init__(self, mail: MailText) -> None:
        super().__init__()
        self.mail = mail

    def compose(self) -> ComposeResult:
        t, mail, language = self.t, self.mail, self.language
        sender = f"{mail.from_name} <{mail.from_address}>" if mail.from_name else mail.from_address
        what = code_text("message.disposition", mail.disposition, language)
        if mail.reason:
            what += ": " + code_text("message.reason", mail.reason, language)
        with Vertical(classes="dialog wide", id="mail-text-dialog"):
            yield Static(t("tui.mail.read_title"), classes="dialog-title")
            # Every value is the sender's: shown as plain text, never as markup.
            yield Static(self._line("tui.mail.from", sender), id="mail-from")
            yield Static(self._line("tui.mail.subject", mail.subject), id="mail-subject")
            yield Static(
                self._line("tui.mail.received", format_datetime(mail.received_at, language)),
                id="mail-received",
            )
            yield Static(self._line("tui.mail.outcome", what), id="mail-outcome")
            yield TextArea(
                mail.text or t("tui.mail.no_text"), read_only=True, id="mail-text", soft_wrap=True
            )
            with Horizontal(classes="dialog-buttons"):
                if mail.quarantined:
                    yield Button(t("tui.mail.reprocess"), id="reprocess", compact=True)
                yield Button(t("tui.mail.close"), id="close", variant="primary", compact=True)

    def _line(self, key: str, value: str) -> Text:
        return Text(f"{self.t(key)} {value}")

    def on_mount(self) -> None:
        self.query_one("#close").focus()

    @on(Button.Pressed, "#reprocess")
    def _reprocess(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.dismiss(False)
