"""The breach register: every breach with its 72-hour countdown to the authority deadline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Static

from store import breaches, clock
from store.i18n import format_datetime
from store.models import database
from tui.data.breaches import BreachLine, breach_lines, countdown
from tui.dialogs.breach_form import BreachFormDialog
from tui.screens.base import TableScreen
from tui.widgets.key_bar import KeyBar
from tui.widgets.keyed_table import KeyedTable

TICK_SECONDS = 30.0
"""How often the countdowns are redrawn (from the loaded deadlines, without a query)."""


class BreachesScreen(TableScreen):
    PALETTE_GROUP = "tui.breach.palette_group"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "tui.key.open", id="breaches.open", tooltip="tui.breach.tip.open"),
        Binding("n", "new", "tui.breach.key.new", id="breaches.new", tooltip="tui.breach.tip.new"),
        Binding(
            "r,f5",
            "refresh",
            "tui.key.refresh",
            id="breaches.refresh",
            tooltip="tui.breach.tip.refresh",
            show=False,
        ),
        Binding(
            "j", "down", "tui.key.down", id="breaches.down", show=False, tooltip="tui.tip.down"
        ),
        Binding("k", "up", "tui.key.up", id="breaches.up", show=False, tooltip="tui.tip.up"),
        Binding("escape,q", "back", "tui.key.back", id="breaches.back", tooltip="tui.tip.back"),
    ]

    @dataclass
    class Loaded(Message):
        lines: tuple[BreachLine, ...]

    @dataclass
    class Recorded(Message):
        breach_id: int

    def __init__(self) -> None:
        super().__init__()
        self.lines: tuple[BreachLine, ...] = ()

    def compose(self) -> ComposeResult:
        yield Static(self.t("tui.breach.list_title"), classes="screen-title")
        yield KeyedTable(id="breaches-table")
        yield Static(self.t("tui.breach.empty"), id="breaches-empty")
        yield KeyBar()

    def on_mount(self) -> None:
        t = self.t
        table = self.table
        table.add_column(t("breach.col_id"), width=3)
        table.add_column(t("breach.col_discovered"), width=20)
        table.add_column(t("tui.breach.col_countdown"), width=20)
        table.add_column(t("tui.breach.col_sent"), width=9)
        # The description takes what is left of the screen (cells have a space each side).
        table.add_column(t("breach.col_what"), width=max(12, self.app.size.width - 64))
        table.focus()
        self.load()
        self.set_interval(TICK_SECONDS, self.redraw, name="breach countdown")

    def on_screen_resume(self) -> None:
        self.load()

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="breaches",
        description="list the breaches",
    )
    def load(self) -> None:
        with database.connection_context():
            lines = breach_lines()
        self.post_message(self.Loaded(lines))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        self.lines = event.lines
        self.query_one("#breaches-empty").display = not event.lines
        self.redraw()

    def redraw(self) -> None:
        self.table.refill((str(line.id), self.cells(line)) for line in self.lines)

    def cells(self, line: BreachLine) -> tuple[object, ...]:
        notices = line.notices
        return (
            str(line.id),
            format_datetime(line.discovered_at, self.session.language),
            self.authority_cell(line),
            f"{notices['sent']}/{sum(notices.values())}"
            + (f" !{notices['failed']}" if notices["failed"] else ""),
            Text(line.what.splitlines()[0] if line.what else "", overflow="ellipsis", no_wrap=True),
        )

    def authority_cell(self, line: BreachLine) -> Text:
        """The countdown, or how the authority deadline was met."""
        t = self.t
        if line.authority_notified_at is not None:
            late = line.authority_notified_at > line.deadline_at
            return Text(
                t("tui.breach.filed_late" if late else "tui.breach.filed"),
                style="yellow" if late else "green",
            )
        if line.authority_required is False:
            return Text(t("tui.breach.not_notified"), style="dim")
        hours, minutes, passed = countdown(line.deadline_at)
        if passed:
            return Text(t("tui.breach.overdue", hours=hours, minutes=minutes), style="bold red")
        return Text(
            t("tui.breach.left", hours=hours, minutes=minutes), style="yellow" if hours < 24 else ""
        )

    @on(KeyedTable.Chosen, "#breaches-table")
    def _chosen(self, event: KeyedTable.Chosen) -> None:
        self.open(int(event.key))

    def action_open(self) -> None:
        breach_id = self.table.highlighted_key
        if breach_id is not None:
            self.open(int(breach_id))

    def open(self, breach_id: int) -> None:
        from tui.screens.breach import BreachScreen

        self.app.push_screen(BreachScreen(breach_id))

    def action_new(self) -> None:
        def recorded(done: BreachesScreen.Recorded | None) -> None:
            if done is not None:
                self.post_message(done)

        self.app.push_screen(
            BreachFormDialog(self.t("tui.breach.new_title"), self.record), recorded
        )

    def record(self, typed: dict[str, str]) -> BreachesScreen.Recorded:
        """Record the breach (in the form's worker, on the database): a refusal stays in the
        form with what was typed."""
        values: dict[str, Any] = {
            name: breaches.parse_field(name, text) for name, text in typed.items()
        }
        breach = breaches.record_breach(
            discovered_at=values.pop("discovered_at") or clock.now(),
            what=values.pop("what") or "",
            actor=self.session.name,
            controller=self.rekisteri.settings.controller,
            **{name: value for name, value in values.items() if value not in ("", None)},
        )
        return self.Recorded(breach.id)

    @on(Recorded)
    def _recorded(self, event: Recorded) -> None:
        self.notify(self.t("tui.breach.recorded", id=event.breach_id))
        self.load()
        self.open(event.breach_id)

    def action_refresh(self) -> None:
        self.load()
