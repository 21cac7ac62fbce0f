"""Admins: the audit log, filterable, with ``audit verify`` run from the screen."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static
from textual.worker import get_current_worker

from store import audit
from store.i18n import format_datetime
from store.models import database
from tui.data.admin import audit_log
from tui.data.request import AuditLine, action_words
from tui.screens.base import TableScreen
from tui.widgets.fields import TextInput
from tui.widgets.key_bar import KeyBar
from tui.widgets.keyed_table import KeyedTable

ID_WIDTH = 5
TIME_WIDTH = 20
ACTOR_WIDTH = 10
MIN_WORDS_WIDTH = 24


def event_text(action: str, details: str) -> Text:
    """What happened, and below it the details (dimmed)."""
    text = Text(action, style="bold", overflow="fold")
    if details:
        text.append("\n" + details, style="dim")
    return text


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
        self.shown: tuple[AuditLine, ...] = ()
        self.table.focus()
        self.load("")

    def on_resize(self, event: events.Resize) -> None:
        if hasattr(self, "shown"):
            self.show(self.shown)

    def columns(self) -> None:
        """The number, the whole time and the actor at their own width; the action in words
        and its details below it in what is left, wrapped at word boundaries (never cut)."""
        t = self.t
        table = self.table
        fixed = ID_WIDTH + TIME_WIDTH + ACTOR_WIDTH
        # every column has a cell of padding on both sides; two for the scroll bar
        free = max(self.size.width - fixed - 4 * 2 - 2, MIN_WORDS_WIDTH)
        table.add_column("#", width=ID_WIDTH)
        table.add_column(t("tui.col.when"), width=TIME_WIDTH)  # "13.12.2026 klo 15.27"
        table.add_column(t("tui.col.actor"), width=ACTOR_WIDTH)
        table.add_column(t("tui.col.action"), width=free)

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
        self.show(event.lines)

    def show(self, lines: tuple[AuditLine, ...]) -> None:
        self.shown = lines
        language = self.session.language
        table = self.table
        table.clear(columns=True)
        self.columns()
        for line in lines:
            table.add_row(
                Text(str(line.id)),
                Text(format_datetime(line.at, language)),
                Text(line.actor, overflow="fold"),
                event_text(action_words(line.action, language), line.details),
                key=str(line.id),
                height=None,  # as many lines as the longest cell wraps to
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
