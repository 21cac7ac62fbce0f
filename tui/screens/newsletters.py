"""The newsletter issues and what became of their mail, refreshed while an issue goes out.

The screen shows the same counts as ``newsletter list`` (queued, sent, failed, skipped),
and sends a new issue as ``newsletter send`` does: ``n`` asks for the subject and the
Markdown files (read and checked by :mod:`store.newsletters`), the preview shows the
readers by language and the mail as each gets it (``newsletter send --dry-run``), and
*queue* creates the issue and queues it through :func:`mailbot.newsletter.queue_newsletter`
in a thread worker, with a progress bar fed by the same callback as the command line's.
The staff member is the actor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import ProgressBar, Static

from mailbot.newsletter import queue_newsletter
from store import newsletters
from store.i18n import format_date
from store.models import database
from tui.data.newsletters import (
    IssuePreview,
    IssueTexts,
    NewsletterLine,
    newsletter_lines,
    preview_issue,
)
from tui.dialogs.newsletter_issue import IssueDialog
from tui.dialogs.newsletter_preview import IssuePreviewDialog
from tui.screens.base import TableScreen
from tui.widgets.key_bar import KeyBar
from tui.widgets.keyed_table import KeyedTable

REFRESH_SECONDS = 5.0
"""How often the counts are read again: the mailbot sends in a process of its own."""


class NewslettersScreen(TableScreen):
    PALETTE_GROUP = "tui.newsletter.palette_group"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "n",
            "new_issue",
            "tui.newsletter.key.new",
            id="newsletters.new",
            tooltip="tui.newsletter.tip.new",
        ),
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

    @dataclass
    class Previewed(Message):
        preview: IssuePreview

    @dataclass
    class Queued(Message):
        notice: str

    @dataclass
    class Progressed(Message):
        """Mail queued so far (the command line's progress callback); only the latest
        matters."""

        done: int
        total: int

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, NewslettersScreen.Progressed)

    def __init__(self) -> None:
        super().__init__()
        self.typed: IssueTexts | None = None  # the last issue given, to fill the form again
        self.queueing = False

    def compose(self) -> ComposeResult:
        yield Static(self.t("tui.newsletter.title"), classes="screen-title")
        yield KeyedTable(id="newsletters-table")
        yield Static(self.t("tui.newsletter.empty"), id="newsletters-empty")
        yield ProgressBar(id="newsletters-progress", show_eta=False)
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
        self.query_one("#newsletters-progress").display = False
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

    # ------------------------------------------------------------ a new issue

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While an issue is being queued, neither another issue nor leaving the screen
        (the bar shows how far it got)."""
        if action in ("new_issue", "back") and self.queueing:
            return None
        return True

    def action_new_issue(self) -> None:
        def given(texts: IssueTexts | None) -> None:
            if texts is not None:
                self.typed = texts
                self.count_readers(texts)

        self.app.push_screen(IssueDialog(self.typed), given)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="newsletter-send",
        description="count the readers of a newsletter issue",
    )
    def count_readers(self, texts: IssueTexts) -> None:
        with database.connection_context():
            preview = preview_issue(texts, self.rekisteri.settings)
        self.post_message(self.Previewed(preview))

    @on(Previewed)
    def _previewed(self, event: Previewed) -> None:
        texts = event.preview.texts

        def chosen(choice: str | None) -> None:
            if choice == "queue":
                self.start_queueing(texts, event.preview.total)
            elif choice == "back":
                self.action_new_issue()

        self.app.push_screen(IssuePreviewDialog(event.preview), chosen)

    def start_queueing(self, texts: IssueTexts, total: int) -> None:
        self.queueing = True
        self.refresh_bindings()
        bar = self.query_one("#newsletters-progress", ProgressBar)
        bar.update(total=max(total, 1), progress=0)
        bar.display = True
        self.queue_issue(texts)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="newsletter-queue",
        description="queue a newsletter issue",
    )
    def queue_issue(self, texts: IssueTexts) -> None:
        def progress(done: int, total: int) -> None:
            self.post_message(self.Progressed(done, total))

        actor = self.session.name
        with database.connection_context():
            newsletter, _ = newsletters.find_or_create(
                texts.subject, texts.bodies, actor, texts.subjects
            )
            report = queue_newsletter(
                newsletter, settings=self.rekisteri.settings, actor=actor, progress=progress
            )
        self.post_message(
            self.Queued(
                self.t(
                    "newsletter.queued",
                    id=newsletter.id,
                    queued=report.queued,
                    already=report.plan.already,
                )
            )
        )

    @on(Progressed)
    def _progressed(self, event: Progressed) -> None:
        bar = self.query_one("#newsletters-progress", ProgressBar)
        # Nobody left to queue is a finished run too.
        bar.update(total=max(event.total, 1), progress=event.done if event.total else 1)

    @on(Queued)
    def _queued(self, event: Queued) -> None:
        self.typed = None
        self.finish_queueing()
        self.notify(event.notice)
        self.load()

    def finish_queueing(self) -> None:
        """The bar stays, full, until the next issue: what the run reached."""
        self.queueing = False
        self.refresh_bindings()

    def worker_failed(self, worker: Any) -> None:
        if worker.group == "newsletter-queue":
            self.query_one("#newsletters-progress").display = False
            self.finish_queueing()
            self.load()
