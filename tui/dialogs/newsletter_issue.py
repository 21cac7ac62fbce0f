"""A new newsletter issue: its subject and the Markdown file of each language's text.

The same inputs as ``rekisteri newsletter send`` (the Finnish subject and file, and a
subject and file for Swedish and English if wanted), read and checked by the same store
functions, in a thread worker.  A refusal is shown beside the field it is about, and
nothing typed is lost.  Returns the :class:`IssueTexts` read, or None when cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Label, Static
from textual.worker import Worker, WorkerState

from store.config import LANGUAGES
from store.errors import RekisteriError
from tui.data.newsletters import IssueTexts, read_issue
from tui.dialogs.base import Dialog
from tui.widgets.fields import TextInput

FIELDS = tuple(f"{kind}-{language}" for language in LANGUAGES for kind in ("subject", "file"))
"""The form's fields in order: ``subject-fi``, ``file-fi``, ``subject-sv``…"""

SUBJECT_KEYS = ("newsletter.no_subject", "newsletter.subject_too_long")
FILE_KEYS = ("newsletter.file_unreadable", "newsletter.empty_body")


def field_of(error: RekisteriError) -> str:
    """The field a refusal is about ("" for none in particular)."""
    language = error.params.get("language")
    if error.key in SUBJECT_KEYS:
        return "subject-fi"
    if error.key in FILE_KEYS and language in LANGUAGES:
        return f"file-{language}"
    return ""


class IssueDialog(Dialog[IssueTexts]):
    @dataclass
    class Read(Message):
        texts: IssueTexts

    @dataclass
    class Refused(Message):
        problems: dict[str, str]  # field ("" for the form) → the refusal in words

    def __init__(self, typed: IssueTexts | None = None) -> None:
        super().__init__()
        self.typed = typed

    def initial(self, field: str) -> str:
        typed = self.typed
        if typed is None:
            return ""
        kind, language = field.split("-")
        if kind == "file":
            return typed.paths.get(language, "")
        return typed.subject if language == "fi" else typed.subjects.get(language, "")

    def placeholder(self, field: str) -> str:
        kind, language = field.split("-")
        if kind == "file":
            return self.t(
                "tui.newsletter.file_placeholder"
                if language == "fi"
                else "tui.newsletter.optional_placeholder"
            )
        if language == "fi":
            return self.t("tui.newsletter.subject_placeholder")
        return self.t("tui.newsletter.other_subject_placeholder")

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(classes="dialog", id="issue-form"):
            yield Static(t("tui.newsletter.issue_title"), classes="dialog-title")
            for field in FIELDS:
                name = field.replace("-", "_")
                with Horizontal(classes="issue-row"):
                    yield Label(t(f"tui.newsletter.{name}"), classes="issue-label")
                    yield TextInput(
                        self.initial(field),
                        placeholder=self.placeholder(field),
                        id=f"issue-{field}",
                        compact=True,
                    )
                yield Static("", id=f"issue-{field}-problem", classes="issue-problem warning")
            yield Static(t("tui.newsletter.issue_hint"), classes="dialog-hint")
            yield Static("", id="issue-problem", classes="issue-problem warning")
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    t("tui.newsletter.preview"), id="preview", variant="primary", compact=True
                )
                yield Button(t("tui.dialog.cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        for widget in self.query(".issue-problem"):
            widget.display = False
        self.query_one("#issue-subject-fi").focus()

    def value(self, field: str) -> str:
        return self.query_one(f"#issue-{field}", TextInput).value

    def show_problems(self, problems: dict[str, str]) -> None:
        for field in ("", *FIELDS):
            widget = self.query_one(
                f"#issue-{field}-problem" if field else "#issue-problem", Static
            )
            widget.update(Text(problems.get(field, "")))  # a path as typed, never markup
            widget.display = field in problems
        first = next((field for field in FIELDS if field in problems), None)
        if first is not None:
            self.query_one(f"#issue-{first}").focus()

    @on(Button.Pressed, "#preview")
    @on(TextInput.Submitted)
    def _preview(self) -> None:
        if not self.value("file-fi").strip():
            self.show_problems({"file-fi": self.t("tui.newsletter.need_finnish")})
            return
        paths = {
            language: path
            for language in LANGUAGES
            if (path := self.value(f"file-{language}").strip())
        }
        subjects = {
            language: subject
            for language in LANGUAGES[1:]
            if (subject := self.value(f"subject-{language}").strip())
        }
        self.show_problems({})
        self.query_one("#preview", Button).disabled = True
        self.read(self.value("subject-fi"), subjects, paths)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="newsletter-issue",
        description="read the texts of a newsletter issue",
    )
    def read(self, subject: str, subjects: dict[str, str], paths: dict[str, str]) -> None:
        try:
            texts = read_issue(subject, subjects, paths)
        except RekisteriError as error:
            self.post_message(self.Refused({field_of(error): error.translated(self.language)}))
            return
        self.post_message(self.Read(texts))

    @on(Read)
    def _read(self, event: Read) -> None:
        self.dismiss(event.texts)

    @on(Refused)
    def _refused(self, event: Refused) -> None:
        self.query_one("#preview", Button).disabled = False
        self.show_problems(event.problems)

    @on(Worker.StateChanged)
    def _failed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.app.report_error(event.worker.error)  # type: ignore[attr-defined]
            self.query_one("#preview", Button).disabled = False

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
