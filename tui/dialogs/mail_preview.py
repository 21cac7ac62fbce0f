"""The mail exactly as it will be queued, read (and, when staff want, edited) before
anything is sent."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from mailbot.acts import Proposal
from store.package import spoken_password
from tui.dialogs.base import Dialog
from tui.widgets.fields import TextEditor
from tui.widgets.markup import escape


class MailPreviewDialog(Dialog[Proposal]):
    """Returns the proposal to carry out (with the text staff edited, if they did), or
    None when cancelled."""

    def __init__(self, proposal: Proposal, *, editable: bool = True) -> None:
        super().__init__()
        self.proposal = proposal
        self.editable = editable  # False: the act sends its notice as written (restrictions)

    def compose(self) -> ComposeResult:
        t = self.t
        proposal = self.proposal
        mail, rendered = proposal.mail, proposal.rendered
        assert mail is not None and rendered is not None
        with Vertical(classes="dialog wide", id="mail-preview"):
            yield Static(
                t(f"tui.preview.title.{proposal.act}", reference=proposal.reference),
                classes="dialog-title",
            )
            with VerticalScroll(id="preview-scroll"):
                for line in self.what_happens():
                    yield Static(line, classes="dialog-text")
                header = (
                    f"[b]{escape(t('tui.preview.to'))}:[/b] "
                    f"{escape(mail.to_name)} <{escape(mail.to_address)}>\n"
                    f"[b]{escape(t('tui.preview.subject'))}:[/b] {escape(rendered.subject)}"
                )
                if mail.attachments:
                    header += f"\n[b]{escape(t('tui.preview.attachments'))}:[/b] " + ", ".join(
                        f"{escape(item.filename)} ({len(item.data)} B)" for item in mail.attachments
                    )
                yield Static(header, id="preview-header")
                yield Static(Text(rendered.text), id="preview-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("tui.preview.send"), id="send", variant="primary", compact=True)
                if self.editable:
                    yield Button(t("tui.desk.preview.edit"), id="edit", compact=True)
                yield Button(t("tui.dialog.cancel"), id="cancel", compact=True)

    def what_happens(self) -> list[str]:
        """Above the mail: what the act changes (package contents, corrected fields)."""
        t = self.t
        proposal = self.proposal
        lines = []
        if proposal.package is not None:
            package = proposal.package
            parts = [f"{escape(name)} ({size} B)" for name, size in package.files]
            lines.append(f"[b]{escape(t('tui.preview.package'))}:[/b] " + ", ".join(parts))
            if package.sections == (("not_found", 0),):
                lines.append(escape(t("tui.section.not_found")))
            elif package.sections:
                lines.append(
                    ", ".join(
                        f"{escape(t(f'tui.section.{name}'))}: {count}"
                        for name, count in package.sections
                    )
                )
            if package.password:
                key = (
                    "tui.preview.password_told" if package.password_told else "tui.preview.password"
                )
                lines.append(t(key, password=escape(spoken_password(package.password))))
        for change in proposal.changes:
            lines.append(
                f"{escape(t(f'tui.field.{change.field}'))}: "
                f"{escape(change.old or '–')} → [b]{escape(change.new or '–')}[/b]"
            )
        return lines

    def on_mount(self) -> None:
        self.query_one("#send").focus()

    @on(Button.Pressed, "#edit")
    def _edit(self, event: Button.Pressed) -> None:
        """The text becomes editable; what staff leave in it is sent exactly."""
        assert self.proposal.rendered is not None
        body = self.query_one("#preview-body", Static)
        editor = TextEditor(self.proposal.rendered.text, id="preview-editor", soft_wrap=True)
        self.query_one("#preview-scroll").mount(editor, after=body)
        body.display = False
        event.button.display = False
        editor.focus()

    @on(Button.Pressed, "#send")
    def _send(self) -> None:
        proposal = self.proposal
        assert proposal.rendered is not None
        editors = self.query("#preview-editor").results(TextEditor)
        for editor in editors:
            text = editor.text
            if not text.strip():
                self.notify(self.t("rule.reply_required"), severity="warning")
                editor.focus()
                return
            if text.rstrip() != proposal.rendered.text.rstrip():
                proposal = proposal.with_text(text)
        self.dismiss(proposal)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
