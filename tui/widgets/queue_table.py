"""The request queue as a table: overdue in red, under a week in yellow, failed mail flagged,
restricted customers marked, and what is new since staff last opened it marked and bold."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.reactive import reactive

from store.models import CLOSED_STATUSES, KINDS, STATUSES
from tui.data.queue import QueueRow
from tui.widgets.keyed_table import KeyedTable

DUE_SOON_DAYS = 7
FIRST_BATCH = 100
LATER_BATCH = 500


class QueueTable(KeyedTable):
    """Rows keyed by reference; choosing one posts :class:`KeyedTable.Chosen`."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "queue-table--overdue",
        "queue-table--due-soon",
        "queue-table--failed-mail",
        "queue-table--restricted",
        "queue-table--news",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter", "select_cursor", "tui.key.open", id="queue.open", tooltip="tui.tip.queue.open"
        ),
        Binding(
            "j", "cursor_down", "tui.key.down", id="queue.down", show=False, tooltip="tui.tip.down"
        ),
        Binding("k", "cursor_up", "tui.key.up", id="queue.up", show=False, tooltip="tui.tip.up"),
        Binding(
            "g",
            "scroll_top",
            "tui.key.first",
            id="queue.first",
            show=False,
            tooltip="tui.tip.first",
        ),
        Binding(
            "G",
            "scroll_bottom",
            "tui.key.last",
            id="queue.last",
            show=False,
            tooltip="tui.tip.last",
        ),
    ]

    requests: reactive[tuple[QueueRow, ...]] = reactive((), always_update=True, init=False)

    def __init__(self, translate: Callable[..., str], **kwargs: Any) -> None:
        super().__init__(zebra_stripes=False, **kwargs)
        self.translate = translate
        self._generation = 0
        self._keep: str | None = None

    def on_mount(self) -> None:
        t = self.translate
        self.add_column(t("col.reference"), key="reference", width=12)
        self.add_column(t("col.kind"), key="kind", width=10)
        self.add_column(t("col.requester"), key="requester", width=16)
        self.add_column(t("col.customer_no"), key="customer", width=11)
        self.add_column(t("col.status"), key="status", width=11)
        self.add_column(t("tui.col.days_left"), key="days", width=4)
        self.add_column("", key="flag", width=1)

    def watch_requests(self, requests: tuple[QueueRow, ...]) -> None:
        keep = self.highlighted_key
        self.clear()
        self._generation += 1
        self._keep = keep
        # The first screenful at once; the rest in batches between other events, so a long
        # queue shows at once and the keyboard stays live while it fills.
        self._add_rows(requests, 0, FIRST_BATCH, self._generation)

    def _add_rows(
        self, requests: tuple[QueueRow, ...], start: int, count: int, generation: int
    ) -> None:
        if generation != self._generation:
            return  # newer rows arrived meanwhile
        t = self.translate
        kinds = {kind: t(f"tui.kind_short.{kind}") for kind in KINDS}
        statuses = {status: t(f"tui.status_short.{status}") for status in STATUSES}
        # A closed request has no days left: the days column says how it ended.
        ended = {status: t(f"tui.queue.ended.{status}").rjust(3) for status in CLOSED_STATUSES}
        overdue = self.get_component_rich_style("queue-table--overdue", partial=True)
        soon = self.get_component_rich_style("queue-table--due-soon", partial=True)
        failed = Text(
            "!", style=self.get_component_rich_style("queue-table--failed-mail", partial=True)
        )
        restricted = self.get_component_rich_style("queue-table--restricted", partial=True)
        news_style = self.get_component_rich_style("queue-table--news", partial=True)
        news_marks = {
            news: Text(t(f"tui.desk.news_mark.{news}"), style=news_style)
            for news in ("reply", "bounce", "attention")
        }
        # One letter fits beside "N-0000001" at 80 columns; the full word is on every
        # screen that opens the customer.
        restricted_mark = t("tui.restriction.marker_short")
        for row in requests[start : start + count]:
            closed = row.status in CLOSED_STATUSES
            style = (
                None
                if closed
                else overdue
                if row.days_left < 0
                else soon
                if row.days_left < DUE_SOON_DAYS
                else None
            )
            days = ended[row.status] if closed else str(row.days_left).rjust(3)
            if row.news:
                style = (style + news_style) if style else news_style
            self.add_row(
                Text(row.reference, style=style or ""),
                Text(kinds[row.kind]),
                Text(row.requester, overflow="ellipsis", no_wrap=True),
                Text.assemble(row.customer_no, " ", (restricted_mark, restricted))
                if row.restricted
                else Text(row.customer_no or "–"),
                Text(statuses[row.status]),
                Text(days, style=style or ""),
                news_marks[row.news] if row.news else failed if row.failed_mail else Text(),
                key=row.reference,  # the cursor stays on the request staff were on
            )
        if self._keep is not None and self._keep in self.rows:
            self.move_cursor(row=self.get_row_index(self._keep), animate=False)
            self._keep = None
        if start + count < len(requests):
            self.call_after_refresh(
                self._add_rows, requests, start + count, LATER_BATCH, generation
            )
