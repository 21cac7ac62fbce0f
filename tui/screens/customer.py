"""One customer: the register data, consents, purchases and requests.  Opening it is
audited (who looked at whom, when)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from mailbot import acts
from mailbot.acts import Proposal
from store.i18n import format_date, format_datetime
from store.models import database
from store.restriction import ground_text
from tui.data.customer import CustomerView, open_customer
from tui.dialogs.mail_preview import MailPreviewDialog
from tui.dialogs.reason import ReasonDialog
from tui.dialogs.restriction import RestrictionChoice, RestrictionDialog
from tui.screens.base import RekisteriScreen
from tui.widgets.key_bar import KeyBar
from tui.widgets.keyed_table import KeyedTable, PlainTable
from tui.widgets.markup import escape


def money(cents: int, currency: str, language: str) -> str:
    whole, part = divmod(cents, 100)
    separator = "," if language == "fi" else "."
    return f"{whole}{separator}{part:02d} {'€' if currency == 'EUR' else currency}"


class CustomerScreen(RekisteriScreen):
    PALETTE_GROUP = "tui.palette.group.customer"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "1",
            "tab('tab-data')",
            "tui.key.tab_data",
            id="customer.tab_data",
            show=False,
            tooltip="tui.tip.tab",
        ),
        Binding(
            "2",
            "tab('tab-consents')",
            "tui.key.tab_consents",
            id="customer.tab_consents",
            show=False,
            tooltip="tui.tip.tab",
        ),
        Binding(
            "3",
            "tab('tab-purchases')",
            "tui.key.tab_purchases",
            id="customer.tab_purchases",
            show=False,
            tooltip="tui.tip.tab",
        ),
        Binding(
            "4",
            "tab('tab-requests')",
            "tui.key.tab_requests",
            id="customer.tab_requests",
            show=False,
            tooltip="tui.tip.tab",
        ),
        Binding(
            "x",
            "restrict",
            "tui.restriction.key.restrict",
            id="customer.restrict",
            tooltip="tui.restriction.tip.restrict",
            show=False,
        ),
        Binding(
            "l",
            "lift_restriction",
            "tui.restriction.key.lift",
            id="customer.lift",
            tooltip="tui.restriction.tip.lift",
            show=False,
        ),
        Binding("escape,q", "back", "tui.key.back", id="customer.back", tooltip="tui.tip.back"),
    ]

    customer: reactive[CustomerView | None] = reactive(None, init=False)

    @dataclass
    class Loaded(Message):
        customer: CustomerView

    @dataclass
    class Planned(Message):
        proposal: Proposal

    @dataclass
    class Done(Message):
        notice: str

    def __init__(self, customer_no: str) -> None:
        super().__init__()
        self.customer_no = customer_no

    def compose(self) -> ComposeResult:
        t = self.t
        yield Static(t("tui.customer.loading"), id="customer-title", classes="screen-title")
        with TabbedContent(id="customer-tabs"):
            with TabPane(t("tui.customer.tab.data"), id="tab-data"):
                yield Static("", id="customer-data")
            with TabPane(t("tui.customer.tab.consents"), id="tab-consents"):
                yield PlainTable(id="customer-consents", cursor_type="row")
            with TabPane(t("tui.customer.tab.purchases"), id="tab-purchases"):
                yield PlainTable(id="customer-purchases", cursor_type="row")
            with TabPane(t("tui.customer.tab.requests"), id="tab-requests"):
                yield KeyedTable(id="customer-requests")
        yield KeyBar()

    def on_mount(self) -> None:
        t = self.t
        consents = self.query_one("#customer-consents", DataTable)
        consents.add_column(t("tui.col.when"), width=17)
        consents.add_column(t("tui.col.purpose"), width=14)
        consents.add_column(t("tui.col.given"), width=12)
        consents.add_column(t("tui.col.channel"))
        purchases = self.query_one("#customer-purchases", DataTable)
        purchases.add_column(t("tui.col.when"), width=10)
        purchases.add_column(t("tui.col.receipt"), width=14)
        purchases.add_column(t("tui.col.amount"), width=10)
        purchases.add_column(t("tui.col.description"))
        requests = self.query_one("#customer-requests", KeyedTable)
        requests.add_column(t("col.reference"), width=13)
        requests.add_column(t("col.kind"), width=20)
        requests.add_column(t("col.status"), width=24)
        requests.add_column(t("col.received"))
        self.load()

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="customer",
        description="open a customer",
    )
    def load(self) -> None:
        with database.connection_context():
            customer = open_customer(self.customer_no, self.session.name)
        self.post_message(self.Loaded(customer))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        self.customer = event.customer
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        customer = self.customer
        if action == "restrict":
            return bool(customer and customer.can_be_restricted)
        if action == "lift_restriction":
            return bool(customer and customer.restricted)
        return True

    def watch_customer(self, customer: CustomerView | None) -> None:
        if customer is None:
            return
        t, language = self.t, self.session.language
        self.query_one("#customer-title", Static).update(
            f"{escape(customer.customer_no)} · {escape(customer.name or t('tui.customer.erased'))}"
            + (
                f" · [b reverse] {escape(t('tui.restriction.marker'))} [/]"
                if customer.restricted
                else ""
            )
        )
        yes, no = t("tui.yes"), t("tui.no")
        rows = [
            (t("tui.field.first_name"), customer.first_name),
            (t("tui.field.last_name"), customer.last_name),
            (t("tui.field.street_address"), customer.street_address),
            (t("tui.field.postal_code"), f"{customer.postal_code} {customer.city}".strip()),
            (t("tui.field.phone"), customer.phone),
            (t("tui.field.email"), customer.email),
            (t("tui.field.language"), t(f"tui.customer_language.{customer.language}")),
            (t("col.sources"), ", ".join(t(f"tui.source.{s}") for s in customer.sources)),
            (t("tui.customer.since"), format_date(customer.created_at, language)),
            (
                t("tui.customer.ended"),
                format_date(customer.relationship_ended_at, language)
                if customer.relationship_ended_at
                else "–",
            ),
            (t("tui.customer.marketing"), yes if customer.marketing_consent else no),
            (
                t("tui.customer.restricted"),
                t(
                    "tui.restriction.since",
                    ground=ground_text(customer.restriction_ground, language),
                    day=format_date(customer.restricted_since, language),
                )
                if customer.restricted_since
                else no,
            ),
        ]
        if customer.suppressed:
            rows.append((t("tui.customer.suppressed"), yes))
        if customer.erased_at:
            rows.append((t("tui.customer.erased_at"), format_date(customer.erased_at, language)))
        width = max(len(label) for label, _ in rows) + 1
        self.query_one("#customer-data", Static).update(
            Text("\n".join(f"{label:<{width}} {value or '–'}" for label, value in rows))
        )
        consents = self.query_one("#customer-consents", DataTable)
        consents.clear()
        for line in customer.consents:
            consents.add_row(
                format_datetime(line.at, language),
                t(f"tui.purpose.{line.purpose}"),
                t("tui.consent.given") if line.given else t("tui.consent.withdrawn"),
                t(f"tui.channel.{line.channel}"),
            )
        purchases = self.query_one("#customer-purchases", DataTable)
        purchases.clear()
        for purchase in customer.purchases:
            purchases.add_row(
                format_date(purchase.at, language),
                purchase.receipt_no,
                Text(money(purchase.amount_cents, purchase.currency, language), justify="right"),
                Text(purchase.description, overflow="ellipsis"),
            )
        requests = self.query_one("#customer-requests", KeyedTable)
        requests.clear()
        for request in customer.requests:
            requests.add_row(
                request.reference,
                t(f"kind.{request.kind}"),
                t(f"status.{request.status}"),
                format_date(request.received_at, language),
                key=request.reference,
            )

    @on(KeyedTable.Chosen, "#customer-requests")
    def _request_chosen(self, event: KeyedTable.Chosen) -> None:
        from tui.screens.request import RequestScreen

        self.app.push_screen(RequestScreen(event.key))

    # ------------------------------------------------------------ restriction (Art. 18)

    def action_restrict(self) -> None:
        def chosen(choice: RestrictionChoice | None) -> None:
            if choice is not None:
                self.plan_act("restrict", ground=choice.ground, note=choice.note)

        self.app.push_screen(RestrictionDialog(self.customer_no), chosen)

    def action_lift_restriction(self) -> None:
        t = self.t

        def reasoned(reason: str | None) -> None:
            if reason:
                self.plan_act("lift", reason=reason)

        self.app.push_screen(
            ReasonDialog(
                t("tui.restriction.lift_title", customer_no=self.customer_no),
                t("tui.restriction.lift_intro"),
                t("tui.restriction.lift_hint"),
            ),
            reasoned,
        )

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="customer-act",
        description="plan a restriction act",
    )
    def plan_act(self, act: str, **params: str) -> None:
        settings = self.rekisteri.settings
        with database.connection_context():
            if act == "restrict":
                proposal = acts.plan_restrict(self.customer_no, settings, params)
            else:
                proposal = acts.plan_lift(self.customer_no, settings, params["reason"])
        self.post_message(self.Planned(proposal))

    @on(Planned)
    def _planned(self, event: Planned) -> None:
        proposal = event.proposal

        def decided(approved: Proposal | None) -> None:
            if approved is not None:
                self.commit_act(approved)

        def told(how: str | None) -> None:
            if how:
                self.commit_act(proposal, how)

        if proposal.mail is not None:
            self.app.push_screen(MailPreviewDialog(proposal, editable=False), decided)
        elif proposal.act == "lift":  # no address: staff tell the person another way
            t = self.t
            self.app.push_screen(
                ReasonDialog(
                    t("tui.restriction.informed_title"), t("tui.restriction.informed_intro")
                ),
                told,
            )
        else:
            self.commit_act(proposal)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="customer-act",
        description="carry out a restriction act",
    )
    def commit_act(self, proposal: Proposal, informed_otherwise: str = "") -> None:
        with database.connection_context():
            outcome = acts.commit_customer_act(
                proposal, self.rekisteri.settings, self.session.name, informed_otherwise
            )
        self.post_message(
            self.Done(
                self.done_notice(
                    outcome, f"tui.restriction.done_{outcome.act}", customer_no=outcome.reference
                )
            )
        )

    @on(Done)
    def _done(self, event: Done) -> None:
        self.notify(event.notice, timeout=6)
        self.load()
