"""Admins: the encrypted backups, their age and when the rotation removes them; a backup
made now (docs/backups.md).  Reads only the files' headers: no key is needed here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Static

from store import backup, clock
from store.config import duration
from store.i18n import format_date, format_datetime, format_size
from store.models import database
from store.staff import require_active
from tui.screens.base import TableScreen
from tui.widgets.key_bar import KeyBar
from tui.widgets.keyed_table import KeyedTable


@dataclass(frozen=True)
class BackupLine:
    found: backup.BackupFile
    age_days: int | None
    goes_next: bool  # the next daily rotation removes it


def backup_lines(settings: Any) -> tuple[BackupLine, ...]:
    """The backup folder as the screen shows it, newest first."""
    now = clock.now()
    found = backup.list_backups(Path(settings.backup.dir))
    tomorrow = backup.kept(
        found, now + timedelta(days=1), settings.backup.daily_days, settings.backup.weekly_weeks
    )
    lines = []
    for item in reversed(found):
        taken = item.manifest.created_at if item.manifest else None
        age = (clock.local_today(now) - clock.local_today(taken)).days if taken else None
        lines.append(BackupLine(item, age, item.status == "ok" and item.path not in tomorrow))
    return tuple(lines)


class BackupsScreen(TableScreen):
    PALETTE_GROUP = "tui.palette.group.backups"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "n",
            "create",
            "tui.backups.key.create",
            id="backups.create",
            tooltip="tui.backups.tip.create",
        ),
        Binding(
            "r,f5",
            "refresh",
            "tui.key.refresh",
            id="backups.refresh",
            tooltip="tui.backups.tip.refresh",
        ),
        Binding("j", "down", "tui.key.down", id="backups.down", show=False, tooltip="tui.tip.down"),
        Binding("k", "up", "tui.key.up", id="backups.up", show=False, tooltip="tui.tip.up"),
        Binding("escape,q", "back", "tui.key.back", id="backups.back", tooltip="tui.tip.back"),
    ]

    @dataclass
    class Loaded(Message):
        lines: tuple[BackupLine, ...]

    @dataclass
    class Created(Message):
        made: backup.BackupFile

    def compose(self) -> ComposeResult:
        yield Static(self.t("tui.backups.title"), classes="screen-title")
        yield Static("", id="backups-summary")
        yield Static("", id="backups-verdict")
        yield KeyedTable(id="backups-table")
        yield KeyBar()

    def on_mount(self) -> None:
        if self.left_unless_admin():
            return
        t = self.t
        table = self.table
        table.add_column(t("backup.column_taken"), width=20)
        table.add_column(t("tui.backups.age"), width=8)
        table.add_column(t("backup.column_size"), width=10)
        table.add_column(t("backup.column_status"), width=12)
        table.add_column(t("backup.column_until"), width=20)
        table.add_column(t("backup.column_name"))
        table.focus()
        self.action_refresh()

    def action_refresh(self) -> None:
        self.load()

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="backups",
        description="read the backup folder",
    )
    def load(self) -> None:
        self.post_message(self.Loaded(backup_lines(self.rekisteri.settings)))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        settings = self.rekisteri.settings
        language = self.session.language
        t = self.t
        going = sum(1 for line in event.lines if line.goes_next)
        self.query_one("#backups-summary", Static).update(
            Text(
                t(
                    "tui.backups.summary",
                    dir=settings.backup.dir,
                    daily=duration(settings.backup.daily_days, "days", language),
                    weekly=duration(settings.backup.weekly_weeks, "weeks", language),
                    going=going,
                )
            )
        )
        if not settings.backup.recipient_file:
            self.query_one("#backups-verdict", Static).update(t("tui.backups.no_key"))
        table = self.table
        table.clear()
        for line in event.lines:
            found = line.found
            until = backup.keep_until(found, settings)
            status = t(f"backup.status_{found.status}")
            if line.goes_next:
                status = t("tui.backups.goes_next")
            table.add_row(
                Text(
                    format_datetime(found.manifest.created_at, language) if found.manifest else "–"
                ),
                Text(
                    t("tui.backups.days", count=line.age_days) if line.age_days is not None else "–"
                ),
                Text(format_size(found.size, language)),
                Text(status, style="bold red" if found.status != "ok" else ""),
                Text(format_date(until, language) if until else "–"),
                Text(found.name),
                key=found.name,
            )

    def action_create(self) -> None:
        self.query_one("#backups-verdict", Static).update(self.t("tui.backups.creating"))
        self.create()

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="backups-create",
        description="make a backup",
    )
    def create(self) -> None:
        with database.connection_context():
            require_active(self.session.name, role="admin")  # an admin still, this minute
        self.post_message(self.Created(backup.create(self.rekisteri.settings)))

    @on(Created)
    def _created(self, event: Created) -> None:
        self.query_one("#backups-verdict", Static).update(
            Text(self.t("tui.backups.created", name=event.made.name))
        )
        self.load()

    def worker_failed(self, worker: Any) -> None:
        self.query_one("#backups-verdict", Static).update("")
