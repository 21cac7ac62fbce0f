"""Choosing whom a breach notice goes to: everyone, a source, a period, or named customers."""

from __future__ import annotations

from datetime import date

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, RadioSet, Static

from store.errors import RekisteriError
from store.mailings import Selection
from store.models import SOURCES
from tui.dialogs.base import Dialog
from tui.widgets.fields import TextInput
from tui.widgets.marks import MarkedRadioButton

CHOICES = ("everyone", *(f"source-{source}" for source in SOURCES), "held", "customers")


class NotifyDialog(Dialog[Selection]):
    """Returns the :class:`Selection`; the screen counts it and shows the notice next."""

    def __init__(self, breach_id: int) -> None:
        super().__init__()
        self.breach_id = breach_id

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(classes="dialog"):
            yield Static(t("tui.breach.notify_title", id=self.breach_id), classes="dialog-title")
            with RadioSet(id="notify-choice"):
                for index, choice in enumerate(CHOICES):
                    yield MarkedRadioButton(
                        t(
                            f"tui.breach.choice.{choice.split('-')[0]}",
                            source=t(f"tui.source.{choice[7:]}")
                            if choice.startswith("source-")
                            else "",
                        ),
                        value=index == 0,
                        id=f"choice-{choice}",
                    )
            with Horizontal(id="notify-range"):
                yield Label(t("tui.breach.held_from"))
                yield TextInput(placeholder="2026-01-01", id="notify-from", compact=True)
                yield Label(t("tui.breach.held_until"))
                yield TextInput(placeholder="2026-03-01", id="notify-until", compact=True)
            yield Label(t("tui.breach.customer_numbers"))
            yield TextInput(placeholder="100042, 100043", id="notify-customers", compact=True)
            yield Static("", id="notify-problem", classes="warning")
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("tui.breach.count"), id="count", variant="primary", compact=True)
                yield Button(t("tui.dialog.cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one(RadioSet).focus()

    def selection(self) -> Selection:
        pressed = self.query_one(RadioSet).pressed_button
        choice = (pressed.id or "").removeprefix("choice-") if pressed else "everyone"
        if choice.startswith("source-"):
            return Selection(sources=(choice.removeprefix("source-"),))
        if choice == "held":
            return Selection(
                held_from=self._day("#notify-from"), held_until=self._day("#notify-until")
            )
        if choice == "customers":
            text = self.query_one("#notify-customers", TextInput).value
            return Selection(
                customer_nos=tuple(
                    part.strip()
                    for part in text.replace(";", ",").replace(" ", ",").split(",")
                    if part.strip()
                )
            )
        return Selection(everyone=True)

    def _day(self, selector: str) -> date | None:
        text = self.query_one(selector, TextInput).value.strip()
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError(self.t("tui.breach.bad_day", value=text)) from None

    @on(Button.Pressed, "#count")
    def _count(self) -> None:
        try:
            selection = self.selection()
        except RekisteriError as error:
            self.query_one("#notify-problem", Static).update(error.translated(self.language))
            return
        except ValueError as error:
            self.query_one("#notify-problem", Static).update(str(error))
            return
        self.dismiss(selection)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
