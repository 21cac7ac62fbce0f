"""A breach notice given another way: how the customer was told (no channel is chosen
beforehand) and, if staff want, a note of what was sent or said."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from store.breaches import InformedChannel
from tui.dialogs.base import Dialog


@dataclass(frozen=True)
class Informed:
    channel: str  # InformedChannel
    note: str


class InformedDialog(Dialog[Informed]):
    def __init__(self, customer_no: str, name: str, contact: str) -> None:
        super().__init__()
        self.customer_no = customer_no
        self.person = name
        self.contact = contact  # the phone number and postal address on record

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(classes="dialog"):
            yield Static(
                t("tui.recipients.informed_title", customer_no=self.customer_no),
                classes="dialog-title",
            )
            yield Static(Text(f"{self.person}\n{self.contact}"), id="informed-contact")
            yield Static(t("tui.recipients.how"))
            yield OptionList(
                *(
                    Option(t(f"tui.recipients.channel.{channel.value}"), id=channel.value)
                    for channel in InformedChannel
                ),
                id="informed-channels",
            )
            yield Input(placeholder=t("tui.recipients.note_hint"), id="informed-note")
            yield Static(t("tui.recipients.informed_help"), classes="dialog-hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = None  # staff choose; nothing is chosen for them
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        note = self.query_one("#informed-note", Input).value
        self.dismiss(Informed(str(event.option.id), note))
