"""The rectification editor: the register's values beside the new ones, prefilled from what
the mailbot read in the mail, every new value editable."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Static

from store.customers import format_phone
from store.rectification import RECTIFIABLE_FIELDS
from tui.dialogs.base import Dialog
from tui.widgets.fields import TextInput
from tui.widgets.markup import escape


class RectificationDialog(Dialog[Any]):
    """Hands the new value of every field to ``plan`` (the store drops the unchanged ones
    and refuses a value it cannot store) and closes with what it returns; a refusal stays
    beside the fields, nothing typed lost."""

    PROBLEM = "#rectify-problem"

    def __init__(
        self,
        reference: str,
        current: Mapping[str, str],
        proposed: Mapping[str, str],
        plan: Callable[[dict[str, str]], Any],
    ) -> None:
        super().__init__()
        self.plan = plan
        self.reference = reference
        self.current = dict(current)
        self.proposed = dict(proposed)

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(classes="dialog wide"):
            yield Static(t("tui.rectify.title", reference=self.reference), classes="dialog-title")
            with VerticalScroll(id="rectify-scroll"):
                with Grid(id="rectify-grid"):
                    yield Label(f"[b]{t('tui.rectify.field')}[/b]")
                    yield Label(f"[b]{t('tui.rectify.now')}[/b]")
                    yield Label(f"[b]{t('tui.rectify.new')}[/b]")
                    for field in RECTIFIABLE_FIELDS:
                        old = self.current.get(field, "")
                        new = self.proposed.get(field, old)
                        if field == "phone" and new:
                            new = format_phone(new)  # the mailbot stores E.164
                        changed = field in self.proposed and new != old
                        yield Label(t(f"tui.field.{field}"), classes="changed" if changed else "")
                        yield Label(escape(old) or "–", classes="old-value")
                        yield TextInput(
                            new,
                            id=f"new-{field}",
                            compact=True,
                            classes="changed" if changed else "",
                        )
                unknown = {
                    key: value
                    for key, value in self.proposed.items()
                    if key not in RECTIFIABLE_FIELDS
                }
                if unknown:
                    yield Static(
                        t("tui.rectify.unknown")
                        + "\n"
                        + "\n".join(
                            f"  {escape(key)}: {escape(str(value))}"
                            for key, value in unknown.items()
                        ),
                        classes="dialog-hint",
                    )
            yield Static(t("tui.rectify.hint"), classes="dialog-hint")
            yield Static("", id="rectify-problem", classes="warning")
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("tui.rectify.next"), id="next", variant="primary", compact=True)
                yield Button(t("tui.dialog.cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        first_changed = next(
            (field for field in RECTIFIABLE_FIELDS if field in self.proposed), RECTIFIABLE_FIELDS[0]
        )
        self.query_one(f"#new-{first_changed}").focus()

    @on(Button.Pressed, "#next")
    def _next(self) -> None:
        changes = {
            field: self.query_one(f"#new-{field}", TextInput).value for field in RECTIFIABLE_FIELDS
        }
        self.show_problem("")
        self.checked(lambda: self.plan(changes))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
