"""The verification call: the number ON RECORD, never one from the mail, and its outcome."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, RadioSet, Static

from store.lifecycle import CallWarnings
from store.models import CALL_OUTCOMES
from store.package import spoken_password
from tui.dialogs.base import Dialog
from tui.widgets.fields import TextInput
from tui.widgets.marks import MarkedRadioButton
from tui.widgets.markup import escape


@dataclass(frozen=True)
class CallInfo:
    reference: str
    customer_no: str
    name: str
    phone: str  # the number on record, Finnish format
    warnings: CallWarnings
    unanswered: int
    package_password: str = ""  # access requests: to read out if the person confirms


@dataclass(frozen=True)
class CallOutcome:
    outcome: str  # one of store.models.CALL_OUTCOMES
    note: str
    package_password: str = ""  # read out to the person: set only with "confirmed"


class CallDialog(Dialog[CallOutcome]):
    def __init__(self, info: CallInfo) -> None:
        super().__init__()
        self.info = info

    def compose(self) -> ComposeResult:
        t = self.t
        info = self.info
        with Vertical(classes="dialog", id="call-dialog"):
            yield Static(t("tui.call.title", reference=info.reference), classes="dialog-title")
            yield Static(f"{escape(info.name)} ({escape(info.customer_no)})")
            yield Static(f"{t('tui.call.number')}: [b]{escape(info.phone)}[/b]", id="call-number")
            yield Static(t("tui.call.on_record_only"), classes="dialog-hint")
            if info.warnings.mail_phone_differs:
                yield Static(
                    t("tui.call.phone_differs", phone=escape(info.warnings.mail_phone_differs)),
                    classes="warning",
                )
            if info.warnings.reply_address_differs:
                yield Static(
                    t(
                        "tui.call.address_differs",
                        address=escape(info.warnings.reply_address_differs),
                    ),
                    classes="warning",
                )
            if info.unanswered:
                yield Static(
                    t("tui.call.unanswered_so_far", count=info.unanswered), classes="dialog-hint"
                )
            if info.package_password:
                yield Static(
                    t(
                        "tui.call.package_password",
                        password=escape(spoken_password(info.package_password)),
                    ),
                    id="call-password",
                )
            with RadioSet(id="call-outcome"):
                # Nothing chosen beforehand: the outcome that unlocks disclosure is a
                # decision, never a default that Enter confirms.
                for outcome in CALL_OUTCOMES:
                    yield MarkedRadioButton(t(f"tui.call.outcome.{outcome}"), name=outcome)
            yield Static("", id="call-problem", classes="warning")
            yield Label(t("tui.call.note"))
            yield TextInput(id="call-note", placeholder=t("tui.call.note_hint"), compact=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("tui.call.log"), id="log", variant="primary", compact=True)
                yield Button(t("tui.dialog.cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one(RadioSet).focus()

    @on(TextInput.Submitted, "#call-note")
    @on(Button.Pressed, "#log")
    def _log(self) -> None:
        pressed = self.query_one(RadioSet).pressed_button
        if pressed is None or not pressed.name:
            self.query_one("#call-problem", Static).update(self.t("tui.call.choose_outcome"))
            self.query_one(RadioSet).focus()  # what was typed in the note stays
            return
        outcome = pressed.name
        told = self.info.package_password if outcome == "confirmed" else ""
        self.dismiss(
            CallOutcome(outcome, self.query_one("#call-note", TextInput).value.strip(), told)
        )

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
