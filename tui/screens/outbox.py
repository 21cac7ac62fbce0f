"""The outbox: every outgoing mail, newest first, with what became of it and the server's
answer; a failed mail sent again, as ``rekisteri outbox list`` and ``outbox retry`` do.

Each reading of the list is a look at personal data, audited (``register.listed``) the way
``outbox list`` audits it; the list is read when the screen opens, on ``r`` and when the
filter changes, never on a timer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Static

from mailbot import acts
from store.i18n import format_datetime
from store.models import database
from store.models.mail import OUTBOX_STATUSES
from tui.data.outbox import LIMIT, OutboxLine, OutboxList, outbox_lines
from tui.dialogs.confirm import ConfirmDialog
from tui.dialogs.outbox_mail import OutboxMailDialog
from tui.screens.base import TableScreen
from tui.widgets.key_bar import KeyBar
from tui.widgets.keyed_table import KeyedTable

STATUS_STYLES = {"failed": "bold red", "retry": "yellow", "sent": "green", "skipped": "dim"}


class OutboxTable(KeyedTable):
    """The mail keyed by its outbox id; Enter (shown in the key bar) opens the highlighted one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "select_cursor",
            "tui.key.open",
            id="outbox.open",
            tooltip="tui.outbox.tip.open",
        ),
    ]


class OutboxScreen(TableScreen):
    PALETTE_GROUP = "tui.palette.group.outbox"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "f", "filter", "tui.key.filter", id="outbox.filter", tooltip="tui.outbox.tip.filter"
        ),
        Binding(
            "y", "retry", "tui.outbox.key.retry", id="outbox.retry", tooltip="tui.outbox.tip.retry"
        ),
        Binding(
            "r,f5", "refresh", "tui.key.refresh", id="outbox.refresh", tooltip="tui.tip.refresh"
        ),
        Binding("j", "down", "tui.key.down", id="outbox.down", show=False, tooltip="tui.tip.down"),
        Binding("k", "up", "tui.key.up", id="outbox.up", show=False, tooltip="tui.tip.up"),
        Binding("escape,q", "back", "tui.key.back", id="outbox.back", tooltip="tui.tip.back"),
    ]

    @dataclass
    class Loaded(Message):
        found: OutboxList
        failed_only: bool

    @dataclass
    class Retried(Message):
        mail: OutboxLine

    def __init__(self) -> None:
        super().__init__()
        self.failed_only = False  # the filter key: every mail, or the failed and retrying
        self.lines: dict[str, OutboxLine] = {}

    def compose(self) -> ComposeResult:
        yield Static(self.t("tui.outbox.title"), id="outbox-title", classes="screen-title")
        yield OutboxTable(id="outbox-table")
        yield Static("", id="outbox-empty")
        yield Static("", id="outbox-answer")
        yield KeyBar()

    def on_mount(self) -> None:
        t = self.t
        table = self.table
        # The time and the status as wide as their words; the subject takes what is left
        # (cells have a space each side).  At 80 columns the reference and the attempts
        # scroll in from the right (and the detail view shows everything).
        status_width = max(len(t(f"tui.outbox.{status}")) for status in OUTBOX_STATUSES)
        table.add_column(t("tui.col.when"))
        table.add_column(t("tui.outbox.col.status"), width=status_width)
        table.add_column(t("tui.outbox.col.to"), width=22)
        table.add_column(t("tui.outbox.col.subject"), width=max(12, self.app.size.width - 95))
        table.add_column(t("tui.outbox.col.request"))
        table.add_column(t("tui.outbox.col.attempts"))
        table.focus()
        self.load(self.failed_only)

    # ------------------------------------------------------------ loading

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="outbox",
        description="list the outgoing mail",
    )
    def load(self, failed_only: bool) -> None:
        with database.connection_context():
            found = outbox_lines(self.session.name, failed_only=failed_only)
        self.post_message(self.Loaded(found, failed_only))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        if event.failed_only != self.failed_only:
            return  # the filter changed while this was read: the newer read follows
        lines = event.found.lines
        self.lines = {str(line.id): line for line in lines}
        self.update_title(len(lines), event.found.more)
        empty = self.query_one("#outbox-empty", Static)
        empty.update(self.t("tui.outbox.none_failed" if self.failed_only else "tui.outbox.none"))
        empty.display = not lines
        self.table.refill((str(line.id), self.cells(line)) for line in lines)
        self.show_answer()
        self.refresh_bindings()

    def update_title(self, count: int, more: bool) -> None:
        t = self.t
        key = "tui.outbox.title_failed" if self.failed_only else "tui.outbox.title_all"
        title = t(key, count=count)
        if more:
            title += " " + t("tui.outbox.newest_only", limit=LIMIT)
        self.query_one("#outbox-title", Static).update(Text(title))

    def cells(self, line: OutboxLine) -> tuple[Text, ...]:
        language = self.session.language
        return (
            Text(format_datetime(line.created_at, language)),
            Text(
                self.t(f"tui.outbox.{line.status}"),
                style=STATUS_STYLES.get(line.status, ""),
                overflow="ellipsis",
                no_wrap=True,
            ),
            Text(line.to_address, overflow="ellipsis", no_wrap=True),
            Text(line.subject, overflow="ellipsis", no_wrap=True),
            Text(line.reference or "–"),
            Text(str(line.attempts), justify="right"),
        )

    @property
    def highlighted(self) -> OutboxLine | None:
        return self.lines.get(self.table.highlighted_key or "")

    def show_answer(self) -> None:
        """Under the list: the server's answer to the highlighted mail, and its next try."""
        line = self.highlighted
        text = Text()
        if line is not None and line.server_answer:
            failed = line.status in ("failed", "retry")
            text.append(
                self.t("tui.desk.thread.error", error=line.server_answer),
                style="red" if failed else "",
            )
        if line is not None and line.status == "retry" and line.next_attempt_at is not None:
            when = format_datetime(line.next_attempt_at, self.session.language)
            text.append(("\n" if text else "") + self.t("tui.outbox.next_attempt_at", at=when))
        self.query_one("#outbox-answer", Static).update(text)

    @on(DataTable.RowHighlighted, "#outbox-table")
    def _moved(self) -> None:
        self.show_answer()
        self.refresh_bindings()  # "send again" only on a failed mail

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry":
            line = self.highlighted
            return (line is not None and line.status == "failed") or None
        return True

    # ------------------------------------------------------------ actions

    def action_refresh(self) -> None:
        self.load(self.failed_only)

    def action_filter(self) -> None:
        self.failed_only = not self.failed_only
        self.load(self.failed_only)

    @on(KeyedTable.Chosen, "#outbox-table")
    def _chosen(self, event: KeyedTable.Chosen) -> None:
        line = self.lines.get(event.key)
        if line is not None:
            self.open_mail(line)

    def open_mail(self, line: OutboxLine) -> None:
        def closed(again: bool | None) -> None:
            if again:
                self.confirm_retry(line)

        self.app.push_screen(OutboxMailDialog(line), closed)

    def action_retry(self) -> None:
        line = self.highlighted
        if line is not None and line.status == "failed":
            self.confirm_retry(line)

    def confirm_retry(self, line: OutboxLine) -> None:
        def confirmed(yes: bool | None) -> None:
            if yes:
                self.retry(line)

        question = self.t(
            "tui.desk.retry.question", address=line.to_address, error=line.server_answer or "–"
        )
        self.app.push_screen(
            ConfirmDialog(self.t("tui.desk.retry.title"), Text(question)), confirmed
        )

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="outbox-retry",
        description="send a failed mail again",
    )
    def retry(self, line: OutboxLine) -> None:
        with database.connection_context():
            acts.retry_mail(line.message_id, self.session.name)  # as `outbox retry` does
        self.post_message(self.Retried(line))

    @on(Retried)
    def _retried(self, event: Retried) -> None:
        self.notify(self.t("tui.outbox.requeued", address=event.mail.to_address))
        self.load(self.failed_only)
