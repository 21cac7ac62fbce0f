"""Admins: the named persons allowed into the register; add, disable, enable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Static

from store import staff
from store.i18n import format_datetime
from store.models import database
from tui.data.admin import StaffLine, staff_lines
from tui.dialogs.add_staff import AddStaffDialog, NewStaff
from tui.dialogs.confirm import ConfirmDialog
from tui.screens.base import TableScreen
from tui.widgets.key_bar import KeyBar
from tui.widgets.keyed_table import KeyedTable


class StaffAdminScreen(TableScreen):
    PALETTE_GROUP = "tui.palette.group.staff"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "add", "tui.key.add_staff", id="staff.add", tooltip="tui.tip.staff.add"),
        Binding(
            "x",
            "toggle_enabled",
            "tui.key.toggle_enabled",
            id="staff.toggle",
            tooltip="tui.tip.staff.toggle",
        ),
        Binding("j", "down", "tui.key.down", id="staff.down", show=False, tooltip="tui.tip.down"),
        Binding("k", "up", "tui.key.up", id="staff.up", show=False, tooltip="tui.tip.up"),
        Binding("escape,q", "back", "tui.key.back", id="staff.back", tooltip="tui.tip.back"),
    ]

    @dataclass
    class Loaded(Message):
        lines: tuple[StaffLine, ...]

    @dataclass
    class Changed(Message):
        notice: str

    def __init__(self) -> None:
        super().__init__()
        self.lines: tuple[StaffLine, ...] = ()

    def compose(self) -> ComposeResult:
        yield Static(self.t("tui.staff.title"), classes="screen-title")
        yield KeyedTable(id="staff-table")
        yield KeyBar()

    def on_mount(self) -> None:
        if self.left_unless_admin():
            return
        t = self.t
        table = self.table
        table.add_column(t("col.name"), width=12)
        table.add_column(t("tui.staff.display_name"), width=16)
        table.add_column(t("col.role"), width=13)
        table.add_column(t("col.enabled"), width=9)
        table.add_column(t("col.last_login"))
        table.focus()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="staff", description="list staff")
    def load(self) -> None:
        with database.connection_context():
            lines = staff_lines()
        self.post_message(self.Loaded(lines))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        t, language = self.t, self.session.language
        self.lines = event.lines
        self.table.refill(
            (
                line.name,
                (
                    line.name,
                    line.display_name,
                    t(f"tui.role.{line.role}"),
                    t("tui.yes") if line.enabled else t("tui.no"),
                    format_datetime(line.last_login_at, language) if line.last_login_at else "–",
                ),
            )
            for line in event.lines
        )

    def selected(self) -> StaffLine | None:
        name = self.table.highlighted_key
        return next((line for line in self.lines if line.name == name), None)

    def action_add(self) -> None:
        def added(done: StaffAdminScreen.Changed | None) -> None:
            if done is not None:
                self.post_message(done)

        self.app.push_screen(AddStaffDialog(self.add), added)

    def add(self, new: NewStaff) -> StaffAdminScreen.Changed:
        """Add the member (in the dialog's worker, on the database): a refusal stays in the
        dialog with what was typed."""
        staff.add_staff(
            new.name,
            new.role,
            new.password,
            self.session.name,
            display_name=new.display_name,
            language=new.language,
        )
        return self.Changed(
            self.t("staff.added", name=new.name, role=self.t(f"tui.role.{new.role}"))
        )

    def action_toggle_enabled(self) -> None:
        line = self.selected()
        if line is None:
            return
        if line.name == self.session.name:
            self.notify(self.t("tui.staff.not_yourself"), severity="warning")
            return
        enable = not line.enabled
        question = "tui.staff.enable_question" if enable else "tui.staff.disable_question"

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.set_enabled(line.name, enable)

        self.app.push_screen(
            ConfirmDialog(self.t("tui.staff.title"), self.t(question, name=line.name)), confirmed
        )

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="staff-change",
        description="enable or disable a staff member",
    )
    def set_enabled(self, name: str, enabled: bool) -> None:
        with database.connection_context():
            staff.set_enabled(name, enabled, self.session.name)
        self.post_message(
            self.Changed(self.t("staff.enabled" if enabled else "staff.disabled", name=name))
        )

    @on(Changed)
    def _changed(self, event: Changed) -> None:
        self.notify(event.notice)
        self.load()
