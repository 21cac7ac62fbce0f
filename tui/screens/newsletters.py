"""The newsletter issues and what became of their mail, refreshed while an issue goes out.

Issues are sent from the command line (``rekisteri newsletter send``); this screen shows
the same counts as ``newsletter list``: queued, sent, failed, skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Static

from store.i18n import format_date
from store.models import database
from tui.data.newsletters import NewsletterLine, newsletter_lines
from tui.screens.base import TableScreen
from tui.widgets.key_bar import KeyBar
from tui.widgets.keyed_table import KeyedTable

REFRESH_SECONDS = 5.0
"""How often the counts are read again: the mailbot sends in a process of its own."""


class NewslettersScreen(TableScreen):
    PALETTE_GROUP = "tui.newsletter.palette_group"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "r,f5",
            "refresh",
            "tui.key.refresh",
            id="newsletters.refresh",
            tooltip="tui.newsletter.tip.refresh",
        ),
        Binding(
            "j", "down", "tui.key.down", id="newsletters.down", show=False, tooltip="tui.tip.down"
        ),
        Binding("k", "up", "tui.key.up", id="newsletters.up", show=False, tooltip="tui.tip.up"),
        Binding("escape,q", "back", "tui.key.back", id="newsletters.back", tooltip="tui.tip.back"),
    ]

    @dataclass
    class Loaded(Message):
        lines: tuple[NewsletterLine, ...]

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, NewslettersScreen.Loaded)

    def compose(self) -> ComposeResult:
        yield Static(self.t("tui.newsletter.title"), classes="screen-title")
        yield KeyedTable(id="newsletters-table")
        yield Static(self.t("tui.newsletter.empty"), id="newsletters-empty")
        yield Static(self.t("tui.newsletter.how_to_send"), id="newsletters-help")
        yield KeyBar()

    def on_mount(self) -> None:
        t = self.t
        table = self.table
        table.add_column(t("newsletter.col_id"), width=3)
        table.add_column(t("newsletter.col_created"), width=10)
        # The subject takes what is left (cells have a space each side).
        table.add_column(t("newsletter.col_subject"), width=max(12, self.app.size.width - 70))
        for key in ("recipients", "queued", "sent", "failed", "skipped"):
            table.add_column(t(f"tui.newsletter.col_{key}"), width=9)
        table.focus()
        self.load()
        self.set_interval(REFRESH_SECONDS, self.load, name="newsletter counts")

    def on_screen_resume(self) -> None:
        self.load()

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="newsletters",
        description="list the newsletters",
    )
    def load(self) -> None:
        with database.connection_context():
            lines = newsletter_lines()
        self.post_message(self.Loaded(lines))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        self.table.refill((str(line.id), self.cells(line)) for line in event.lines)
        self.query_one("#newsletters-empty").display = not event.lines

    def cells(self, line: NewsletterLine) -> tuple[object, ...]:
        counts = line.counts
        return (
            str(line.id),
            format_date(line.created_at, self.session.language),
            Text(line.subject, overflow="ellipsis", no_wrap=True),
            str(line.recipients),
            str(counts["queued"]),
            Text(str(counts["sent"]), style="green" if counts["sent"] else ""),
            Text(str(counts["failed"]), style="bold red" if counts["failed"] else ""),
            Text(str(counts["skipped"]), style="yellow" if counts["skipped"] else ""),
        )

    def action_refresh(self) -> None:
        self.load()
