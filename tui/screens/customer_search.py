"""Search the register as you type: name, email, phone or customer number."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static
from textual.worker import get_current_worker

from store.models import database
from tui.data.customer import CustomerRow, search
from tui.screens.base import RekisteriScreen
from tui.widgets.fields import TextInput
from tui.widgets.key_bar import KeyBar
from tui.widgets.keyed_table import KeyedTable


class CustomerTable(KeyedTable):
    """Rows keyed by customer number; choosing one posts :class:`KeyedTable.Chosen`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "j",
            "cursor_down",
            "tui.key.down",
            id="customers.down",
            show=False,
            tooltip="tui.tip.down",
        ),
        Binding(
            "k", "cursor_up", "tui.key.up", id="customers.up", show=False, tooltip="tui.tip.up"
        ),
    ]

    customers: reactive[tuple[CustomerRow, ...]] = reactive((), init=False)

    def __init__(self, translate: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.translate = translate

    def on_mount(self) -> None:
        t = self.translate
        self.add_column(t("col.customer_no"), key="no", width=10)
        self.add_column(t("col.name"), key="name", width=22)
        self.add_column(t("col.email"), key="email", width=24)
        self.add_column(t("col.phone"), key="phone", width=12)

    def watch_customers(self, customers: tuple[CustomerRow, ...]) -> None:
        self.clear()
        for row in customers:
            name = Text(row.name, overflow="ellipsis")
            if row.restricted:  # Art. 18: kept, not used; staff must see it at once
                name.append(f" [{self.translate('tui.restriction.marker')}]", style="bold")
            self.add_row(
                row.customer_no,
                name,
                Text(row.email, overflow="ellipsis"),
                row.phone,
                key=row.customer_no,
            )


class CustomerSearchScreen(RekisteriScreen):
    PALETTE_GROUP = "tui.palette.group.customers"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "slash",
            "search",
            "tui.key.search",
            id="customers.search",
            tooltip="tui.tip.customers.search",
        ),
        Binding(
            "enter", "open", "tui.key.open", id="customers.open", tooltip="tui.tip.customers.open"
        ),
        Binding("escape", "back", "tui.key.back", id="customers.back", tooltip="tui.tip.back"),
    ]

    query_text: reactive[str] = reactive("", init=False)
    customers: reactive[tuple[CustomerRow, ...]] = reactive((), init=False)
    shown_query: reactive[str] = reactive("", init=False)
    """The search whose results the table shows now."""

    @dataclass
    class Found(Message):
        query: str
        customers: tuple[CustomerRow, ...]

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, CustomerSearchScreen.Found)

    def compose(self) -> ComposeResult:
        t = self.t
        yield Static(t("tui.customers.title"), classes="screen-title")
        yield TextInput(
            placeholder=t("tui.customers.search_hint"), id="customer-search", compact=True
        )
        yield CustomerTable(t, id="customer-table").data_bind(CustomerSearchScreen.customers)
        yield Static(t("tui.customers.type_to_search"), id="customer-status")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#customer-search").focus()

    @on(TextInput.Changed, "#customer-search")
    def _typed(self, event: TextInput.Changed) -> None:
        self.query_text = event.value

    def watch_query_text(self, text: str) -> None:
        self.find(text)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="customer-search",
        description="search customers",
    )
    def find(self, text: str) -> None:
        # exclusive: each keystroke replaces the search before it
        with database.connection_context():
            found = search(text) if text.strip() else ()
        if not get_current_worker().is_cancelled:
            self.post_message(self.Found(text, found))

    @on(Found)
    def _found(self, event: Found) -> None:
        if event.query != self.query_text:
            return
        self.customers = event.customers
        self.shown_query = event.query
        status = self.query_one("#customer-status", Static)
        if not event.query.strip():
            status.update(self.t("tui.customers.type_to_search"))
        else:
            status.update(self.t("tui.customers.found", count=len(event.customers)))

    @on(TextInput.Submitted, "#customer-search")
    def _submitted(self) -> None:
        if self.customers:
            self.query_one(CustomerTable).focus()

    @on(KeyedTable.Chosen, "#customer-table")
    def _chosen(self, event: KeyedTable.Chosen) -> None:
        self.open_customer(event.key)

    def action_open(self) -> None:
        customer_no = self.query_one(CustomerTable).highlighted_key
        if customer_no:
            self.open_customer(customer_no)

    def open_customer(self, customer_no: str) -> None:
        from tui.screens.customer import CustomerScreen

        self.app.push_screen(CustomerScreen(customer_no))

    def action_search(self) -> None:
        self.query_one("#customer-search").focus()
