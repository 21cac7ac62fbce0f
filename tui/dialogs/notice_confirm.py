"""Before breach notices are queued: whom they reach, and the notice as it will read."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from tui.data.breaches import NoticePlan
from tui.dialogs.base import Dialog


class NoticeConfirmDialog(Dialog[bool]):
    def __init__(self, breach_id: int, plan: NoticePlan, missing: tuple[str, ...]) -> None:
        super().__init__()
        self.breach_id = breach_id
        self.notice_plan = plan
        self.missing = missing

    def compose(self) -> ComposeResult:
        t = self.t
        plan, preview = self.notice_plan.plan, self.notice_plan.preview
        with Vertical(classes="dialog wide", id="notice-confirm"):
            yield Static(t("tui.breach.confirm_title", id=self.breach_id), classes="dialog-title")
            yield Static(
                t(
                    "breach.notify_plan",
                    selected=plan.selected,
                    already=plan.already,
                    with_email=plan.with_email,
                    without_email=plan.without_email,
                ),
                id="notice-plan",
                classes="dialog-text",
            )
            for item in self.missing:
                yield Static(t(f"tui.breach.notice_missing.{item}"), classes="warning")
            with VerticalScroll(id="notice-scroll"):
                yield Static(
                    Text.assemble((f"{t('tui.preview.subject')}: ", "bold"), preview.subject),
                    id="notice-subject",
                )
                yield Static(Text(preview.text), id="notice-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    t("tui.breach.queue", count=plan.with_email),
                    id="queue",
                    variant="primary",
                    compact=True,
                    disabled=not plan.new,
                )
                yield Button(t("tui.dialog.cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#queue" if self.notice_plan.plan.new else "#cancel").focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "queue")

    def action_cancel(self) -> None:
        self.dismiss(False)
