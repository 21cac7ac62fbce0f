"""One outgoing mail in full: to whom, about what, what became of it, and the server's answer."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from store.i18n import format_datetime
from tui.data.outbox import OutboxLine
from tui.dialogs.base import Dialog


class OutboxMailDialog(Dialog[bool]):
    """Returns True when staff ask for a failed mail to be sent again."""

    def __init__(self, mail: OutboxLine) -> None:
        super().__init__()
        self.mail = mail

    def compose(self) -> ComposeResult:
        t, mail = self.t, self.mail
        to = f"{mail.to_name} <{mail.to_address}>" if mail.to_name else mail.to_address
        status = Text(t(f"tui.outbox.{mail.status}"), style="bold red" if self.failed else "")
        with Vertical(classes="dialog wide", id="outbox-mail-dialog"):
            yield Static(t("tui.outbox.mail_title"), classes="dialog-title")
            # The values are the recipient's and the server's: plain text, never markup.
            yield Static(self._line("tui.outbox.to", to), id="outbox-mail-to")
            yield Static(self._line("tui.outbox.subject", mail.subject), id="outbox-mail-subject")
            yield Static(
                self._line("tui.outbox.request", mail.reference or "–"), id="outbox-mail-request"
            )
            yield Static(
                Text.assemble(f"{t('tui.outbox.status')} ", status), id="outbox-mail-status"
            )
            yield Static(self._line("tui.outbox.created", self._when(mail.created_at)))
            if mail.sent_at is not None:
                yield Static(self._line("tui.outbox.sent", self._when(mail.sent_at)))
            yield Static(
                self._line("tui.outbox.attempts", str(mail.attempts)), id="outbox-mail-attempts"
            )
            if mail.status in ("queued", "retry") and mail.next_attempt_at is not None:
                yield Static(
                    self._line("tui.outbox.next_attempt", self._when(mail.next_attempt_at)),
                    id="outbox-mail-next",
                )
            yield Static(
                Text(
                    t("tui.desk.thread.error", error=mail.server_answer or "–"),
                    style="red" if self.failed and mail.server_answer else "",
                ),
                id="outbox-mail-answer",
            )
            yield Static(self._line("tui.outbox.message_id", mail.message_id), id="outbox-mail-id")
            if self.failed:
                yield Static(t("tui.outbox.fix_first"), classes="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                if self.failed:
                    yield Button(t("tui.outbox.retry"), id="retry", compact=True)
                yield Button(t("tui.key.close"), id="close", variant="primary", compact=True)

    @property
    def failed(self) -> bool:
        return self.mail.status == "failed"

    def _line(self, key: str, value: str) -> Text:
        return Text(f"{self.t(key)} {value}")

    def _when(self, at: datetime) -> str:
        return format_datetime(at, self.language)

    def on_mount(self) -> None:
        self.query_one("#close").focus()

    @on(Button.Pressed, "#retry")
    def _retry(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.dismiss(False)
