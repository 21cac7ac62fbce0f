"""Choosing who handles a request: one of the enabled staff members."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from tui.dialogs.base import Dialog


class AssignDialog(Dialog[str]):
    """Returns the chosen staff member's login name, or None when cancelled."""

    def __init__(
        self, reference: str, staff: tuple[tuple[str, str], ...], current: str, me: str
    ) -> None:
        super().__init__()
        self.reference = reference
        self.staff = staff
        self.current = current  # the handler's display name, or ""
        self.me = me

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(classes="dialog", id="assign-dialog"):
            yield Static(
                t("tui.desk.assign.title", reference=self.reference), classes="dialog-title"
            )
            if self.current:
                yield Static(t("tui.desk.handler", name=self.current), classes="dialog-text")
            yield OptionList(
                *(
                    Option(
                        display + (f" ({t('tui.desk.assign.me')})" if name == self.me else ""),
                        id=name,
                    )
                    for name, display in self.staff
                ),
                id="assign-staff",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    t("tui.desk.assign.submit"), id="next", variant="primary", compact=True
                )
                yield Button(t("tui.dialog.cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        options = self.query_one("#assign-staff", OptionList)
        names = [name for name, _ in self.staff]
        if self.me in names:
            options.highlighted = names.index(self.me)
        options.focus()

    @on(OptionList.OptionSelected, "#assign-staff")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    @on(Button.Pressed, "#next")
    def _next(self) -> None:
        options = self.query_one("#assign-staff", OptionList)
        if options.highlighted is not None:
            self.dismiss(options.get_option_at_index(options.highlighted).id)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
