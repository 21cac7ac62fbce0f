"""A request made another way than by mail: by phone, at the box office, by letter.

The dialog records it itself (in a thread worker, through the acts layer), so a refusal
(a bad address, a date in the future) is shown beside the fields with nothing typed lost.
It returns the new request's reference, or None when cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Label, Select, Static

from mailbot import acts
from store import clock
from store.config import LANGUAGES
from store.errors import RekisteriError
from store.i18n import format_date
from store.models import KINDS, MANUAL_CHANNELS, database
from tui.dialogs.base import Dialog
from tui.widgets.fields import TextEditor, TextInput
from tui.widgets.marks import MarkedCheckbox, MarkedSelect

FIELDS = ("name", "email", "phone", "received")


class ManualRequestDialog(Dialog[str]):
    @dataclass
    class Recorded(Message):
        reference: str

    @dataclass
    class Refused(Message):
        problem: str

    def compose(self) -> ComposeResult:
        t = self.t
        today = format_date(clock.now(), self.language)
        with Vertical(classes="dialog wide", id="manual-request"):
            yield Static(t("tui.desk.manual.title"), classes="dialog-title")
            with VerticalScroll(id="manual-scroll"):
                with Horizontal(classes="manual-row"):
                    yield MarkedSelect(
                        [(t(f"kind.{kind}"), kind) for kind in KINDS if kind != "other"],
                        prompt=t("tui.desk.manual.kind"),
                        id="manual-kind",
                        compact=True,
                    )
                    yield MarkedSelect(
                        [(t(f"tui.desk.channel.{name}"), name) for name in MANUAL_CHANNELS],
                        value="phone",
                        allow_blank=False,
                        id="manual-channel",
                        compact=True,
                    )
                    yield MarkedSelect(
                        [(t(f"tui.customer_language.{code}"), code) for code in LANGUAGES],
                        value="fi",
                        allow_blank=False,
                        id="manual-language",
                        compact=True,
                    )
                for name in FIELDS:
                    yield Label(t(f"tui.desk.manual.{name}"))
                    yield TextInput(
                        today if name == "received" else "", id=f"manual-{name}", compact=True
                    )
                yield Label(t("tui.desk.manual.note"))
                yield TextEditor(id="manual-note", classes="reason")
                yield MarkedCheckbox(
                    t("tui.desk.manual.acknowledge"), True, id="manual-acknowledge", compact=True
                )
            yield Static(t("tui.desk.manual.hint"), classes="dialog-hint")
            yield Static("", id="manual-problem", classes="warning")
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    t("tui.desk.manual.submit"), id="save", variant="primary", compact=True
                )
                yield Button(t("tui.dialog.cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#manual-kind").focus()

    def problem(self, text: str) -> None:
        self.query_one("#manual-problem", Static).update(text)

    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        kind = self.query_one("#manual-kind", Select).value
        if not isinstance(kind, str):
            self.problem(self.t("rule.choose_kind"))
            self.query_one("#manual-kind").focus()
            return
        typed = {name: self.query_one(f"#manual-{name}", TextInput).value for name in FIELDS}
        day = clock.parse_local_day(typed["received"])
        if day is None:
            self.problem(self.t("tui.desk.manual.bad_day", value=typed["received"]))
            self.query_one("#manual-received").focus()
            return
        manual = acts.ManualRequest(
            kind=kind,
            channel=str(self.query_one("#manual-channel", Select).value),
            requester_name=typed["name"],
            requester_email=typed["email"],
            requester_phone=typed["phone"],
            language=str(self.query_one("#manual-language", Select).value),
            received_at=clock.received_on(day),
            note=self.query_one("#manual-note", TextEditor).text,
            acknowledge=self.query_one("#manual-acknowledge", MarkedCheckbox).value,
        )
        self.problem("")
        self.query_one("#save", Button).disabled = True
        self.record(manual)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="manual-request",
        description="record a request made by phone, at the counter or by letter",
    )
    def record(self, manual: acts.ManualRequest) -> None:
        app = self.app
        actor = app.session.name  # type: ignore[attr-defined]
        try:
            with database.connection_context():
                request = acts.record_request(manual, app.settings, actor)  # type: ignore[attr-defined]
        except RekisteriError as error:
            self.post_message(self.Refused(error.translated(self.language)))
            return
        self.post_message(self.Recorded(request.reference))

    @on(Recorded)
    def _recorded(self, event: Recorded) -> None:
        self.dismiss(event.reference)

    @on(Refused)
    def _refused(self, event: Refused) -> None:
        self.query_one("#save", Button).disabled = False
        self.problem(event.problem)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
