"""Recording a breach, or filling in what has become known: every register field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Label, Static

from store import clock
from store.models import BREACH_NATURES
from tui.dialogs.base import Dialog
from tui.widgets.fields import TextEditor, TextInput
from tui.widgets.marks import MarkedCheckbox

TIME_FORMAT = "%Y-%m-%d %H:%M"
"""How a time is shown for editing (Finnish time); ISO 8601 is read back."""

LINES = ("what", "consequences", "measures_taken", "measures_proposed", "delay_reason")
"""Fields written as paragraphs; the others fit on one line."""

FORM_FIELDS = (
    "discovered_at",
    "occurred_at",
    "occurred_until",
    "how_discovered",
    "what",
    "people_categories",
    "people_count",
    "data_categories",
    "records_count",
    "consequences",
    "measures_taken",
    "measures_proposed",
    "contact_name",
    "contact_email",
    "contact_phone",
    "delay_reason",
)


def editable_text(value: Any) -> str:
    """A stored value as staff edit it."""
    if value is None:
        return ""
    if hasattr(value, "astimezone"):
        return value.astimezone(clock.HELSINKI).strftime(TIME_FORMAT)
    return str(value)


class BreachFormDialog(Dialog[Any]):
    """Hands what staff typed, field by field (``natures`` comma-separated), to ``save``
    (run on the database in a worker: the store's rules read and check it) and closes with
    what it returns; a refusal (a time or a count that does not read) stays beside the
    fields, nothing typed lost."""

    PROBLEM = "#breach-form-problem"

    def __init__(
        self,
        title: str,
        save: Callable[[dict[str, str]], Any],
        values: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.save = save
        self.values = values or {"discovered_at": clock.now()}

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(classes="dialog wide", id="breach-form"):
            yield Static(self.title_text, classes="dialog-title")
            with VerticalScroll(id="breach-form-scroll"):
                for name in FORM_FIELDS:
                    yield Label(t(f"tui.breach.field.{name}"))
                    text = editable_text(self.values.get(name))
                    if name in LINES:
                        yield TextEditor(text, id=f"form-{name}", classes="breach-lines")
                    else:
                        yield TextInput(text, id=f"form-{name}", compact=True)
                    if name == "what":
                        yield Label(t("tui.breach.field.natures"))
                        chosen = self.values.get("natures") or ()
                        with Horizontal(id="form-natures"):
                            for nature in BREACH_NATURES:
                                yield MarkedCheckbox(
                                    t(f"tui.breach.nature.{nature}"),
                                    nature in chosen,
                                    id=f"nature-{nature}",
                                    compact=True,
                                )
            yield Static(t("tui.breach.form_hint"), classes="dialog-hint")
            yield Static("", id="breach-form-problem", classes="warning")
            with Horizontal(classes="dialog-buttons"):
                yield Button(t("tui.breach.save"), id="save", variant="primary", compact=True)
                yield Button(t("tui.dialog.cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#form-what" if "what" not in self.values else "#form-people_count").focus()

    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        typed: dict[str, str] = {}
        for name in FORM_FIELDS:
            widget = self.query_one(f"#form-{name}")
            typed[name] = widget.text if isinstance(widget, TextEditor) else widget.value  # type: ignore[attr-defined]
        typed["natures"] = ",".join(
            nature
            for nature in BREACH_NATURES
            if self.query_one(f"#nature-{nature}", Checkbox).value
        )
        self.show_problem("")
        self.checked(lambda: self.save(typed))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
