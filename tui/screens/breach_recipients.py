"""A breach's notice recipients whom the mail did not reach (no address on record, or the
mail failed), with the phone number and postal address to reach them another way, and the
act that records how each was told (``rekisteri breach recipients ID --status no_email``
and ``breach informed`` on the command line).  The look is audited, as the command's is."""

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
from store import breaches, listings, mailings
from store.customers import format_phone
from store.i18n import format_datetime
from store.mailings import RecipientLine
from store.models import database
from tui.dialogs.informed import Informed, InformedDialog
from tui.screens.base import TableScreen
from tui.widgets.key_bar import KeyBar
from tui.widgets.keyed_table import KeyedTable


class BreachRecipientsScreen(TableScreen):
    PALETTE_GROUP = "tui.breach.palette_group"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter,i",
            "informed",
            "tui.recipients.key.informed",
            id="recipients.informed",
            tooltip="tui.recipients.tip.informed",
        ),
        Binding(
            "f",
            "filter",
            "tui.recipients.key.filter",
            id="recipients.filter",
            tooltip="tui.recipients.tip.filter",
        ),
        Binding(
            "r,f5", "refresh", "tui.key.refresh", id="recipients.refresh", tooltip="tui.tip.refresh"
        ),
        Binding(
            "j", "down", "tui.key.down", id="recipients.down", show=False, tooltip="tui.tip.down"
        ),
        Binding("k", "up", "tui.key.up", id="recipients.up", show=False, tooltip="tui.tip.up"),
        Binding("escape,q", "back", "tui.key.back", id="recipients.back", tooltip="tui.tip.back"),
    ]

    @dataclass
    class Loaded(Message):
        lines: tuple[RecipientLine, ...]

    @dataclass
    class Recorded(Message):
        customer_no: str
        channel: str

    def __init__(self, breach_id: int) -> None:
        super().__init__()
        self.breach_id = breach_id
        self.only_to_reach = True  # those the mail did not reach; ``f`` shows everyone
        self.lines: dict[str, RecipientLine] = {}

    def compose(self) -> ComposeResult:
        yield Static(
            self.t("tui.recipients.title", id=self.breach_id),
            classes="screen-title",
        )
        yield Static(self.t("tui.recipients.intro"), id="recipients-intro")
        yield KeyedTable(id="recipients-table")
        yield KeyBar()

    def on_mount(self) -> None:
        t = self.t
        table = self.table
        table.add_column(t("tui.recipients.col.customer_no"), width=10)
        table.add_column(t("tui.recipients.col.name"), width=18)
        table.add_column(t("tui.recipients.col.phone"), width=12)
        table.add_column(t("tui.recipients.col.status"), width=22)
        table.add_column(t("tui.recipients.col.address"))
        table.focus()
        self.load()

    def action_refresh(self) -> None:
        self.load()

    def action_filter(self) -> None:
        self.only_to_reach = not self.only_to_reach
        self.load()

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="breach-recipients",
        description="read the breach notice's recipients",
    )
    def load(self) -> None:
        with database.connection_context():
            mailing = breaches.notice_mailing(breaches.get_breach(self.breach_id))
            lines = tuple(mailings.recipient_lines(mailing)) if mailing else ()
            if self.only_to_reach:
                lines = tuple(
                    line for line in lines if line.status in breaches.NEEDS_ANOTHER_CHANNEL
                )
            listings.record_look(
                "breach-recipients", self.session.name, rows=len(lines), output="table"
            )
        self.post_message(self.Loaded(lines))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        self.lines = {line.customer_no: line for line in event.lines}
        intro = "tui.recipients.intro" if self.only_to_reach else "tui.recipients.intro_all"
        if not event.lines:
            intro = "tui.recipients.none" if self.only_to_reach else "tui.recipients.none_all"
        self.query_one("#recipients-intro", Static).update(self.t(intro, id=self.breach_id))
        self.table.refill(
            (
                line.customer_no,
                (
                    Text(line.customer_no),
                    Text(line.name, overflow="ellipsis", no_wrap=True),
                    Text(format_phone(line.phone) or "–"),
                    Text(
                        self.status_words(line),
                        style="bold" if line.status in breaches.NEEDS_ANOTHER_CHANNEL else "",
                        overflow="ellipsis",
                        no_wrap=True,
                    ),
                    Text(line.address or "–", overflow="ellipsis", no_wrap=True),
                ),
            )
            for line in event.lines
        )
        self.refresh_bindings()

    def status_words(self, line: RecipientLine) -> str:
        if line.status == "informed":
            return self.t(
                "tui.recipients.status.informed",
                how=self.t(f"breach.channel.{line.informed_how or 'other'}"),
                at=format_datetime(line.informed_at, self.session.language)
                if line.informed_at
                else "",
            )
        return self.t(f"tui.recipients.status.{line.status}")

    def highlighted(self) -> RecipientLine | None:
        return self.lines.get(self.table.highlighted_key or "")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "informed":
            line = self.highlighted()
            return (line is not None and breaches.can_mark_informed(line.status)[0]) or None
        return True

    @on(DataTable.RowHighlighted, "#recipients-table")
    def _moved(self) -> None:
        self.refresh_bindings()

    @on(KeyedTable.Chosen, "#recipients-table")
    def _chosen(self, event: KeyedTable.Chosen) -> None:
        self.action_informed()

    def action_informed(self) -> None:
        line = self.highlighted()
        if line is None:
            return
        allowed, why = breaches.can_mark_informed(line.status)
        if not allowed:
            self.notify(self.t(why, customer_no=line.customer_no), severity="warning")
            return
        contact = " · ".join(
            part for part in (format_phone(line.phone), line.address) if part
        ) or self.t("tui.recipients.no_contact")

        def chosen(informed: Informed | None) -> None:
            if informed is not None:
                self.record(line.customer_no, informed)

        self.app.push_screen(InformedDialog(line.customer_no, line.name, contact), chosen)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="breach-recipient-informed",
        description="record a notice given another way",
    )
    def record(self, customer_no: str, informed: Informed) -> None:
        with database.connection_context():
            acts.mark_breach_recipient_informed(
                self.breach_id, customer_no, informed.channel, self.session.name, note=informed.note
            )
        self.post_message(self.Recorded(customer_no, informed.channel))

    @on(Recorded)
    def _recorded(self, event: Recorded) -> None:
        self.notify(
            self.t(
                "breach.recipient_informed",
                customer_no=event.customer_no,
                how=self.t(f"breach.channel.{event.channel}"),
            )
        )
        self.load()
