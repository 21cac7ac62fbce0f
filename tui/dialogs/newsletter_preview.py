"""Before an issue is queued: its readers counted, and its mail as a reader of each
language gets it (one tab per language; the same rendering as ``newsletter send
--dry-run`` and ``newsletter preview``).

Returns ``"queue"``, ``"back"`` (to the form, with everything typed kept) or None.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static, TabbedContent, TabPane

from store.config import LANGUAGES
from tui.data.newsletters import IssuePreview
from tui.dialogs.base import Dialog


class IssuePreviewDialog(Dialog[str]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            str(number),
            f"tab('issue-tab-{language}')",
            f"tui.newsletter.key.tab_{language}",
            id=f"newsletter.tab_{language}",
            show=False,
            tooltip="tui.newsletter.tip.tab",
        )
        for number, language in enumerate(LANGUAGES, start=1)
    ]

    def __init__(self, preview: IssuePreview) -> None:
        super().__init__()
        self.preview = preview

    def compose(self) -> ComposeResult:
        t = self.t
        preview = self.preview
        with Vertical(classes="dialog wide", id="issue-preview"):
            yield Static(
                Text(t("tui.newsletter.preview_title", subject=preview.texts.subject)),
                classes="dialog-title",
            )
            yield Static(
                Text(t("tui.newsletter.readers", total=preview.total, **preview.audience)),
                id="issue-readers",
            )
            if preview.existing_id is not None:
                yield Static(
                    Text(
                        t(
                            "tui.newsletter.resuming",
                            id=preview.existing_id,
                            already=preview.already,
                        )
                    ),
                    id="issue-resuming",
                    classes="warning",
                )
            if not preview.total:
                yield Static(t("tui.newsletter.nobody_new"), id="issue-nobody", classes="warning")
            with TabbedContent(id="issue-tabs"):
                for number, language in enumerate(LANGUAGES, start=1):
                    mail = preview.mails[language]
                    own = language in preview.texts.bodies
                    with TabPane(
                        t(
                            "tui.newsletter.tab",
                            number=number,
                            language=t(f"tui.newsletter.key.tab_{language}"),
                            count=preview.audience[language],
                        ),
                        id=f"issue-tab-{language}",
                    ):
                        yield Static(
                            t("tui.newsletter.own_text" if own else "tui.newsletter.finnish_text"),
                            classes="dialog-hint",
                        )
                        with VerticalScroll(classes="issue-mail"):
                            yield Static(
                                Text.assemble(
                                    (f"{t('tui.preview.subject')}: ", "bold"), mail.subject
                                ),
                                id=f"issue-subject-{language}",
                            )
                            yield Static(Text(mail.text), id=f"issue-body-{language}")
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    t("tui.newsletter.queue", count=preview.total),
                    id="queue",
                    variant="primary",
                    compact=True,
                    disabled=not preview.total,
                )
                yield Button(t("tui.newsletter.back"), id="back", compact=True)
                yield Button(t("tui.dialog.cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#queue" if self.preview.total else "#back").focus()

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id if event.button.id in ("queue", "back") else None)
