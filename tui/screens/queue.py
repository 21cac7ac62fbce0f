"""The queue: every open request, nearest deadline first, refreshed while staff work."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Select, Static
from textual.worker import get_current_worker

from store.models import KINDS, STATUSES, database
from tui.data.queue import (
    OPEN,
    DeskHealth,
    QueueFilter,
    QueueRow,
    QueueSnapshot,
    change_signature,
    desk_health,
    load_queue,
)
from tui.screens.base import RekisteriScreen
from tui.widgets.fields import TextInput
from tui.widgets.health_bar import HealthBar
from tui.widgets.key_bar import KeyBar
from tui.widgets.keyed_table import KeyedTable
from tui.widgets.marks import MarkedSelect
from tui.widgets.queue_table import QueueTable

REFRESH_SECONDS = 1.0  # a cheap change probe; the queue reloads only when it differs
"""How often the queue looks for new requests from the mailbot (a separate process)."""


class QueueScreen(RekisteriScreen):
    PALETTE_GROUP = "tui.palette.group.queue"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "slash", "search", "tui.key.search", id="queue.search", tooltip="tui.tip.queue.search"
        ),
        Binding("f", "filter", "tui.key.filter", id="queue.filter", tooltip="tui.tip.queue.filter"),
        Binding("o", "sort", "tui.key.sort", id="queue.sort", tooltip="tui.tip.queue.sort"),
        Binding(
            "N",
            "new_request",
            "tui.desk.key.new_request",
            id="queue.new_request",
            tooltip="tui.desk.tip.new_request",
        ),
        Binding(
            "c",
            "customers",
            "tui.key.customers",
            id="queue.customers",
            tooltip="tui.tip.queue.customers",
        ),
        Binding(
            "b",
            "breaches",
            "tui.breach.key.breaches",
            id="queue.breaches",
            tooltip="tui.breach.tip.breaches",
            show=False,
        ),
        Binding(
            "n",
            "newsletters",
            "tui.newsletter.key.newsletters",
            id="queue.newsletters",
            tooltip="tui.newsletter.tip.newsletters",
            show=False,
        ),
        Binding(
            "a",
            "audit_log",
            "tui.key.audit_log",
            id="queue.audit_log",
            tooltip="tui.tip.queue.audit_log",
            show=False,
        ),
        Binding(
            "m",
            "loose_mail",
            "tui.key.loose_mail",
            id="queue.loose_mail",
            tooltip="tui.tip.queue.loose_mail",
            show=False,
        ),
        Binding(
            "l",
            "outbox",
            "tui.key.outbox",
            id="queue.outbox",
            tooltip="tui.tip.queue.outbox",
            show=False,
        ),
        Binding(
            "v",
            "backups",
            "tui.key.backups",
            id="queue.backups",
            tooltip="tui.tip.queue.backups",
            show=False,
        ),
        Binding(
            "u",
            "staff",
            "tui.key.staff",
            id="queue.staff",
            tooltip="tui.tip.queue.staff",
            show=False,
        ),
        Binding(
            "r,f5",
            "refresh",
            "tui.key.refresh",
            id="queue.refresh",
            tooltip="tui.tip.queue.refresh",
            show=False,
        ),
        Binding(
            "escape",
            "clear",
            "tui.key.clear",
            id="queue.clear",
            tooltip="tui.tip.queue.clear",
            show=False,
        ),
        Binding(
            "ctrl+l",
            "app.logout",
            "tui.key.logout",
            id="queue.logout",
            tooltip="tui.tip.logout",
            show=False,
        ),
        Binding("q", "app.quit", "tui.key.quit", id="queue.quit", tooltip="tui.tip.quit"),
    ]

    queue_filter: reactive[QueueFilter] = reactive(QueueFilter, init=False)
    requests: reactive[tuple[QueueRow, ...]] = reactive((), init=False)
    health: reactive[DeskHealth | None] = reactive(None, init=False)

    @dataclass
    class Loaded(Message):
        snapshot: QueueSnapshot
        queue_filter: QueueFilter

    @dataclass
    class Unchanged(Message):
        health: DeskHealth

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, QueueScreen.Unchanged)

    def __init__(self) -> None:
        super().__init__()
        self.shown_filter: QueueFilter | None = None
        self.shown_signature: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        t = self.t
        yield Static(id="queue-title", classes="screen-title")
        yield HealthBar(t, self.session.language, id="queue-health").data_bind(QueueScreen.health)
        with Horizontal(id="queue-filters"):
            yield TextInput(placeholder=t("tui.queue.search_hint"), id="queue-search", compact=True)
            yield MarkedSelect(
                [(t("tui.queue.all_open"), OPEN)]
                + [(t(f"status.{status}"), status) for status in STATUSES],
                value=OPEN,
                allow_blank=False,
                id="queue-status",
                compact=True,
            )
            yield MarkedSelect(
                [(t("tui.queue.all_kinds"), "")] + [(t(f"kind.{kind}"), kind) for kind in KINDS],
                value="",
                allow_blank=False,
                id="queue-kind",
                compact=True,
            )
        yield QueueTable(t, id="queue-table").data_bind(QueueScreen.requests)
        yield Static(t("tui.queue.loading"), id="queue-empty")
        yield KeyBar()

    def on_mount(self) -> None:
        self.update_title()
        self.query_one(QueueTable).focus()
        self.reload(force=True)
        self.set_interval(REFRESH_SECONDS, self.reload, name="queue refresh")

    def on_screen_resume(self) -> None:
        # Back from a request: what staff did there shows at once.
        if self.shown_filter is not None:
            self.reload(force=True)

    def update_title(self) -> None:
        session = self.session
        sort = self.t(f"tui.queue.sort_{self.queue_filter.sort}")
        self.query_one("#queue-title", Static).update(
            self.t(
                "tui.queue.title",
                count=len(self.requests),
                sort=sort,
                staff=session.display_name,
                role=self.t(f"tui.role.{session.role}"),
            )
        )

    # ------------------------------------------------------------ loading

    def watch_queue_filter(self) -> None:
        self.update_title()
        self.reload(force=True)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="queue",
        description="load the queue",
    )
    def reload(self, force: bool = False) -> None:
        wanted = self.queue_filter
        settings = self.rekisteri.settings
        with database.connection_context():
            if (
                not force
                and wanted == self.shown_filter
                and change_signature() == self.shown_signature
            ):
                message: Message = self.Unchanged(desk_health(settings))
            else:
                message = self.Loaded(load_queue(wanted, settings), wanted)
        if not get_current_worker().is_cancelled:
            self.post_message(message)

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        if event.queue_filter != self.queue_filter:
            return  # a newer filter is already being loaded
        self.shown_filter = event.queue_filter
        self.shown_signature = event.snapshot.signature
        self.requests = event.snapshot.rows
        self.health = event.snapshot.health
        empty = self.query_one("#queue-empty", Static)
        empty.update(self.t("tui.queue.empty"))
        empty.display = not event.snapshot.rows
        self.update_title()

    @on(Unchanged)
    def _unchanged(self, event: Unchanged) -> None:
        self.health = event.health

    # ------------------------------------------------------------ filters

    @on(TextInput.Changed, "#queue-search")
    def _search_changed(self, event: TextInput.Changed) -> None:
        self.queue_filter = replace(self.queue_filter, text=event.value)

    @on(TextInput.Submitted, "#queue-search")
    def _search_submitted(self) -> None:
        self.query_one(QueueTable).focus()

    @on(Select.Changed, "#queue-status")
    def _status_changed(self, event: Select.Changed) -> None:
        self.queue_filter = replace(self.queue_filter, status=str(event.value))
        self.back_to_table(event.select)

    @on(Select.Changed, "#queue-kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        self.queue_filter = replace(self.queue_filter, kind=str(event.value))
        self.back_to_table(event.select)

    def back_to_table(self, select: Select[Any]) -> None:
        """A filter chosen: the keys go back to the queue (``j``/``k`` move in it, not
        through the filter's options)."""
        if select.has_focus_within:  # (not when the value was set by the program)
            self.call_after_refresh(self.query_one(QueueTable).focus)

    # ------------------------------------------------------------ actions

    @on(KeyedTable.Chosen, "#queue-table")
    def _chosen(self, event: KeyedTable.Chosen) -> None:
        self.open_request(event.key)

    def open_request(self, reference: str) -> None:
        from tui.screens.request import RequestScreen

        self.app.push_screen(RequestScreen(reference))

    def action_new_request(self) -> None:
        """A request made by phone, at the counter or by letter: recorded, then opened."""
        from tui.dialogs.manual_request import ManualRequestDialog

        def recorded(reference: str | None) -> None:
            if reference:
                self.notify(self.t("tui.desk.manual.recorded", reference=reference), timeout=6)
                self.open_request(reference)

        self.app.push_screen(ManualRequestDialog(), recorded)

    def action_search(self) -> None:
        self.query_one("#queue-search").focus()

    def action_filter(self) -> None:
        status = self.query_one("#queue-status", Select)
        kind = self.query_one("#queue-kind", Select)
        (kind if status.has_focus else status).focus()

    def action_sort(self) -> None:
        sort = "received" if self.queue_filter.sort == "due" else "due"
        self.queue_filter = replace(self.queue_filter, sort=sort)

    def action_refresh(self) -> None:
        self.reload(force=True)

    def action_clear(self) -> None:
        search = self.query_one("#queue-search", TextInput)
        if search.value:
            search.value = ""
        self.query_one(QueueTable).focus()

    def action_breaches(self) -> None:
        from tui.screens.breaches import BreachesScreen

        self.app.push_screen(BreachesScreen())

    def action_newsletters(self) -> None:
        from tui.screens.newsletters import NewslettersScreen

        self.app.push_screen(NewslettersScreen())

    def action_customers(self) -> None:
        from tui.screens.customer_search import CustomerSearchScreen

        self.app.push_screen(CustomerSearchScreen())

    def action_audit_log(self) -> None:
        from tui.screens.audit_log import AuditLogScreen

        self.app.push_screen(AuditLogScreen())

    def action_loose_mail(self) -> None:
        from tui.screens.loose_mail import LooseMailScreen

        self.app.push_screen(LooseMailScreen())

    def action_outbox(self) -> None:
        from tui.screens.outbox import OutboxScreen

        self.app.push_screen(OutboxScreen())

    def action_backups(self) -> None:
        from tui.screens.backups import BackupsScreen

        self.app.push_screen(BackupsScreen())

    def action_staff(self) -> None:
        from tui.screens.staff_admin import StaffAdminScreen

        self.app.push_screen(StaffAdminScreen())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("audit_log", "backups", "staff"):
            # Asked by the key bar while a logout closes the screens, too.
            session = self.rekisteri.session
            return session is not None and session.is_admin
        return True
