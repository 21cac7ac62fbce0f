"""The mail that is in no request: what the mailbot ignored (spam, mailing lists, copies,
empty mail) and what it quarantined, newest first with the quarantined on top.  Staff read
a message (the look is audited) and have a quarantined one read again once its cause is
fixed, as ``rekisteri messages list`` and ``messages reprocess`` do."""

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
from store.i18n import code_text, format_datetime
from store.listings import LooseMail, mail_outside_requests
from store.models import database
from tui.dialogs.mail_text import MailTextDialog
from tui.screens.base import TableScreen
from tui.widgets.key_bar import KeyBar
from tui.widgets.keyed_table import KeyedTable


class LooseMailScreen(TableScreen):
    PALETTE_GROUP = "tui.palette.group.mail"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "read", "tui.mail.key.read", id="mail.read", tooltip="tui.mail.tip.read"),
        Binding(
            "u",
            "reprocess",
            "tui.mail.key.reprocess",
            id="mail.reprocess",
            tooltip="tui.mail.tip.reprocess",
        ),
        Binding("r,f5", "refresh", "tui.key.refresh", id="mail.refresh", tooltip="tui.tip.refresh"),
        Binding("j", "down", "tui.key.down", id="mail.down", show=False, tooltip="tui.tip.down"),
        Binding("k", "up", "tui.key.up", id="mail.up", show=False, tooltip="tui.tip.up"),
        Binding("escape,q", "back", "tui.key.back", id="mail.back", tooltip="tui.tip.back"),
    ]

    @dataclass
    class Loaded(Message):
        lines: tuple[LooseMail, ...]

    @dataclass
    class Read(Message):
        mail: acts.MailText

    @dataclass
    class Reprocessed(Message):
        disposition: str
        reference: str | None

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[str, LooseMail] = {}

    def compose(self) -> ComposeResult:
        yield Static(self.t("tui.mail.title"), classes="screen-title")
        yield Static(self.t("tui.mail.intro"), id="mail-intro")
        yield KeyedTable(id="mail-table")
        yield KeyBar()

    def on_mount(self) -> None:
        t = self.t
        table = self.table
        table.add_column(t("tui.col.when"), width=20)
        table.add_column(t("tui.mail.col.outcome"), width=32)
        table.add_column(t("tui.mail.col.from"), width=28)
        table.add_column(t("tui.mail.col.subject"))
        table.focus()
        self.action_refresh()

    def action_refresh(self) -> None:
        self.load()

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="loose-mail",
        description="read the mail outside the queue",
    )
    def load(self) -> None:
        with database.connection_context():
            lines = tuple(mail_outside_requests())
        self.post_message(self.Loaded(lines))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        language = self.session.language
        self.lines = {str(line.id): line for line in event.lines}
        if not event.lines:
            self.query_one("#mail-intro", Static).update(self.t("tui.mail.none"))
        self.table.refill(
            (
                str(line.id),
                (
                    Text(format_datetime(line.received_at, language)),
                    Text(
                        self.outcome(line),
                        style="bold red" if line.disposition == "quarantined" else "",
                        overflow="ellipsis",
                        no_wrap=True,
                    ),
                    Text(line.from_address, overflow="ellipsis", no_wrap=True),
                    Text(line.subject, overflow="ellipsis", no_wrap=True),
                ),
            )
            for line in event.lines
        )

    def outcome(self, line: LooseMail) -> str:
        language = self.session.language
        what = code_text("message.disposition", line.disposition, language)
        if line.reason:
            what += ": " + code_text("message.reason", line.reason, language)
        return what

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reprocess":
            line = self.lines.get(self.table.highlighted_key or "")
            return (line is not None and line.disposition == "quarantined") or None
        return True

    @on(DataTable.RowHighlighted, "#mail-table")
    def _moved(self) -> None:
        self.refresh_bindings()  # "process again" only on a quarantined message

    @on(KeyedTable.Chosen, "#mail-table")
    def _chosen(self, event: KeyedTable.Chosen) -> None:
        self.read(int(event.key))

    def action_read(self) -> None:
        key = self.table.highlighted_key
        if key is not None:
            self.read(int(key))

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="loose-mail-read",
        description="read one message",
    )
    def read(self, inbound_id: int) -> None:
        with database.connection_context():
            mail = acts.read_mail(inbound_id, self.session.name)
        self.post_message(self.Read(mail))

    @on(Read)
    def _read(self, event: Read) -> None:
        mail = event.mail

        def closed(again: bool | None) -> None:
            if again:
                self.reprocess(mail.id)

        self.app.push_screen(MailTextDialog(mail), closed)

    def action_reprocess(self) -> None:
        key = self.table.highlighted_key
        line = self.lines.get(key or "")
        if line is not None and line.disposition == "quarantined":
            self.reprocess(line.id)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="loose-mail-reprocess",
        description="read a quarantined message again",
    )
    def reprocess(self, inbound_id: int) -> None:
        with database.connection_context():
            disposition, reference = acts.reprocess_mail(
                inbound_id, self.rekisteri.settings, self.session.name
            )
        self.post_message(self.Reprocessed(disposition, reference))

    @on(Reprocessed)
    def _reprocessed(self, event: Reprocessed) -> None:
        language = self.session.language
        if event.disposition == "quarantined":
            self.notify(self.t("tui.mail.still_quarantined"), severity="warning")
        else:
            self.notify(
                self.t(
                    "tui.mail.reprocessed",
                    outcome=code_text("message.disposition", event.disposition, language),
                    reference=event.reference or "–",
                )
            )
        self.load()
