"""Admins: the audit log, filterable, with ``audit verify`` run from the screen."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static
from textual.worker import get_current_worker

from store import audit
from store.i18n import code_text, format_datetime
from store.models import database
from tui.data.admin import audit_log
from tui.data.request import AuditLine
from tui.screens.base import TableScreen
from tui.widgets.fields import TextInput
from tui.widgets.key_bar import KeyBar
from tui.widgets.keyed_table import KeyedTable


def action_words(action: str, language: str) -> str:
    """An audit action as staff say it (``request.received`` → "pyyntö vastaanotettu"),
    or the code itself for one the catalog has no words for."""
    return code_text("tui.audit.action", action.replace(".", "_"), language)


class AuditLogScreen(TableScreen):
    PALETTE_GROUP = "tui.palette.group.audit"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "verify", "tui.key.verify", id="audit.verify", tooltip="tui.tip.audit.verify"),
        Binding(
            "slash", "search", "tui.key.search", id="audit.search", tooltip="tui.tip.audit.search"
        ),
        Binding("j", "down", "tui.key.down", id="audit.down", show=False, tooltip="tui.tip.down"),
        Binding("k", "up", "tui.key.up", id="audit.up", show=False, tooltip="tui.tip.up"),
        Binding("escape,q", "back", "tui.key.back", id="audit.back", tooltip="tui.tip.back"),
    ]

    filter_text: reactive[str] = reactive("", init=False)

    @dataclass
    class Loaded(Message):
        text: str
        lines: tuple[AuditLine, ...]

    @dataclass
    class Verified(Message):
        result: audit.VerifyResult

    def compose(self) -> ComposeResult:
        t = self.t
        yield Static(t("tui.audit.title"), classes="screen-title")
        yield Static("", id="audit-verdict")
        yield TextInput(placeholder=t("tui.audit.search_hint"), id="audit-search", compact=True)
        yield KeyedTable(id="audit-table")
        yield KeyBar()

    def on_mount(self) -> None:
        if self.left_unless_admin():
            return
        t = self.t
        table = self.table
        table.add_column("#", width=6)
        table.add_column(t("tui.col.when"), width=20)  # "13.12.2026 klo 15.27"
        table.add_column(t("tui.col.actor"), width=10)
        table.add_column(t("tui.col.action"), width=30)
        table.add_column(t("tui.col.details"))
        table.focus()
        self.load("")

    @on(TextInput.Changed, "#audit-search")
    def _typed(self, event: TextInput.Changed) -> None:
        self.filter_text = event.value

    def watch_filter_text(self, text: str) -> None:
        self.load(text)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="audit",
        description="read the audit log",
    )
    def load(self, text: str) -> None:
        with database.connection_context():
            lines = audit_log(text, language=self.session.language)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Loaded(text, lines))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        if event.text != self.filter_text:
            return
        language = self.session.language
        table = self.table
        table.clear()
        for line in event.lines:
            table.add_row(
                Text(str(line.id)),
                Text(format_datetime(line.at, language)),
                Text(line.actor, overflow="ellipsis", no_wrap=True),
                Text(action_words(line.action, language), overflow="ellipsis", no_wrap=True),
                Text(line.details, overflow="ellipsis", no_wrap=True),
                key=str(line.id),
            )

    def action_verify(self) -> None:
        self.query_one("#audit-verdict", Static).update(self.t("tui.audit.verifying"))
        self.verify()

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="audit-verify",
        description="verify the audit chain",
    )
    def verify(self) -> None:
        with database.connection_context():
            result = audit.verify()
        self.post_message(self.Verified(result))

    @on(Verified)
    def _verified(self, event: Verified) -> None:
        result = event.result
        verdict = self.query_one("#audit-verdict", Static)
        if result.ok:
            verdict.update(self.t("audit.ok", count=result.checked))
            verdict.set_classes("ok")
        else:
            verdict.update(self.t(f"audit.{result.problem}", id=result.first_bad_id))
            verdict.set_classes("warning")

    def action_search(self) -> None:
        self.query_one("#audit-search").focus()

    def worker_failed(self, worker: Any) -> None:
        self.query_one("#audit-verdict", Static).update("")
