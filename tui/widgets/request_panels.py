"""The parts of the request screen.  Each shows the screen's ``view`` (bound with
``data_bind``) and owns nothing else (:class:`RequestPart`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

from store.i18n import code_text, format_date, format_datetime
from tui.data.request import RequestView, action_words
from tui.widgets.keyed_table import KeyedTable, PlainTable
from tui.widgets.markup import escape

Translate = Callable[..., str]


class RequestPart:
    """What every part shares: the screen's ``view`` and the staff member's language.  Put
    before the Textual class it extends: ``class TrailTable(RequestPart, PlainTable)``."""

    view: reactive[RequestView | None] = reactive(None, init=False)

    def __init__(self, translate: Translate, language: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.translate = translate
        self.language = language


class RequestSummary(RequestPart, Static):
    """Who asked, for what, how sure the classifier was, and who it is about."""

    def kind_source(self, view: RequestView) -> str:
        """Who decided the kind: the staff member who set it, else the classifier's certainty."""
        if view.kind_set_by:
            return self.translate("tui.request.kind_set_by", name=view.kind_set_by)
        return self.translate("tui.request.confidence", percent=round(view.confidence * 100))

    def deadline_line(self, view: RequestView) -> str:
        """The deadline and the days left; for a closed request, how it ended instead."""
        t = self.translate
        if not view.is_open:
            ended = t(
                f"tui.request.ended.{view.status}",
                date=format_date(view.closed_at, self.language) if view.closed_at else "–",
                name=view.closed_by or "–",
                ground=t(f"tui.ground.{view.rejection_ground}") if view.rejection_ground else "–",
            )
            return f"[b]{escape(ended)}[/b]"
        days = (
            t("tui.request.days_left", days=view.days_left)
            if view.days_left >= 0
            else t("tui.request.overdue", days=-view.days_left)
        )
        due_style = (
            "bold red" if view.days_left < 0 else "bold yellow" if view.days_left < 7 else "bold"
        )
        return (
            f"{t('tui.request.due')}: {format_date(view.due_at, self.language)} "
            f"[{due_style}]{escape(days)}[/]"
            + (f" · {t('tui.request.extended')}" if view.extended else "")
        )

    def watch_view(self, view: RequestView | None) -> None:
        if view is None:
            return
        t = self.translate
        lines = [
            f"[b]{escape(view.reference)}[/b] · {escape(t(f'kind.{view.kind}'))} "
            f"({escape(self.kind_source(view))}) · "
            f"{escape(t(f'status.{view.status}'))}",
            self.deadline_line(view),
            f"{t('tui.request.from')}: {escape(view.requester_name)} "
            f"<{escape(view.requester_email)}>".replace("  ", " "),
        ]
        if view.handler:
            lines.append(t("tui.desk.handler", name=view.handler))
        if view.written_language and view.written_language not in ("fi", "sv", "en"):
            lines.append(t("tui.request.written_in", language=view.written_language))
        if view.letter_parts:
            parts = ", ".join(
                f"{escape(reference)} ({escape(t(f'kind.{kind}'))})"
                for reference, kind in view.letter_parts
            )
            lines.append(f"{t('tui.request.same_letter')}: {parts}")
        if view.customer is not None:
            lines.append(
                f"{t('tui.request.customer')}: {escape(view.customer.customer_no)} "
                f"{escape(view.customer.name)} · {escape(view.customer.phone or '–')}"
                + (
                    f" · [b reverse] {escape(t('tui.restriction.marker'))} [/]"
                    if view.customer.restricted
                    else ""
                )
            )
        else:
            lines.append(
                f"{t('tui.request.customer')}: {escape(t(f'tui.match.{view.match_state}'))}"
            )
        self.update("\n".join(lines))


class MessagePanel(RequestPart, VerticalScroll):
    """The person's own words; headers and attachments when asked for."""

    show_details: reactive[bool] = reactive(False, init=False)

    def compose(self) -> ComposeResult:
        yield Static("", id="message-details", classes="details")
        yield Static("", id="message-body")

    def watch_view(self) -> None:
        self.redraw()

    def watch_show_details(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        view = self.view
        if view is None or not self.is_mounted:
            return
        t = self.translate
        message = view.first_message
        body = self.query_one("#message-body", Static)
        details = self.query_one("#message-details", Static)
        if message is None:
            body.update(t("tui.request.no_message"))
            details.display = False
            return
        head = [
            f"[b]{escape(message.subject or t('tui.request.no_subject'))}[/b]",
            f"{escape(message.party)} · {format_datetime(message.at, self.language)}",
        ]
        if message.needs_attention:
            reason = code_text("message.attention", message.attention_reason, self.language)
            head.append(f"[bold red]{escape(t('tui.request.attention'))}[/] {escape(reason)}")
        body.update(Text.from_markup("\n".join(head) + "\n\n") + Text(message.body))
        if self.show_details:
            rows = [
                f"[dim]{escape(name)}:[/dim] {escape(value)}" for name, value in message.headers
            ]
            if message.authentication:
                style = "bold red" if message.authentication_failed else "b"
                label = escape(t("tui.request.authentication"))
                rows.insert(0, f"[{style}]{label}[/] {escape(message.authentication)}")
            rows.append("")
            rows.append(f"[b]{escape(t('tui.request.attachments'))}[/b]")
            rows.extend(
                f"  {escape(item.filename or '?')} ({escape(item.content_type)}, "
                f"{item.size} B){'' if item.kept else ' – ' + escape(t('tui.request.dropped'))}"
                for item in message.attachments
            )
            if not message.attachments:
                rows.append(f"  {escape(t('tui.request.none'))}")
            details.update("\n".join(rows))
        details.display = self.show_details


class CandidateTable(RequestPart, KeyedTable):
    """The customers the request may be about, and how each matched; choosing one (rows are
    keyed by customer number) posts :class:`KeyedTable.Chosen`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "select_cursor",
            "tui.key.confirm_customer",
            id="candidates.confirm",
            tooltip="tui.tip.request.confirm_customer",
        ),
        Binding(
            "j",
            "cursor_down",
            "tui.key.down",
            id="candidates.down",
            show=False,
            tooltip="tui.tip.down",
        ),
        Binding(
            "k", "cursor_up", "tui.key.up", id="candidates.up", show=False, tooltip="tui.tip.up"
        ),
    ]

    def on_mount(self) -> None:
        t = self.translate
        self.add_column(t("col.customer_no"), key="no", width=9)
        self.add_column(t("col.name"), key="name", width=20)
        self.add_column(t("col.email"), key="email", width=22)
        self.add_column(t("tui.col.matched_on"), key="how", width=16)

    def watch_view(self, view: RequestView | None) -> None:
        self.clear()
        if view is None:
            return
        t = self.translate
        confirmed = view.customer.customer_no if view.customer else None
        for candidate in view.candidates:
            who = candidate.person
            mark = "✓ " if who.customer_no == confirmed else ""
            self.add_row(
                mark + who.customer_no,
                Text(who.name, overflow="ellipsis"),
                Text(who.email, overflow="ellipsis"),
                ", ".join(t(f"tui.matched.{how}") for how in candidate.matched_on),
                key=who.customer_no,
            )


class ThreadPanel(RequestPart, VerticalScroll):
    """Every mail of the request, in and out, and staff's notes, newest first: what needs
    attention and what failed (with the server's answer) stand out."""

    def compose(self) -> ComposeResult:
        yield Static("", id="thread-text")

    def watch_view(self, view: RequestView | None) -> None:
        if view is None or not self.is_mounted:
            return
        t = self.translate
        text = Text()
        for item in view.thread:
            when = format_datetime(item.at, self.language)
            if item.direction == "note":
                text.append(f"✎ {when} {t('tui.desk.thread.note', name=item.party)}\n", "bold")
                text.append(item.body.strip() + "\n\n", style="italic")
                continue
            arrow = "←" if item.direction == "in" else "→"
            status = f" [{t(f'tui.outbox.{item.status}')}]" if item.status else ""
            style = "bold red" if item.status == "failed" else "bold"
            text.append(f"{arrow} {when} {item.party}{status}\n", style=style)
            if item.error:
                text.append(t("tui.desk.thread.error", error=item.error) + "\n", "red")
            if item.needs_attention:
                reason = code_text("message.attention", item.attention_reason, self.language)
                text.append(f"{t('tui.request.attention')} {reason}\n", "bold red")
            text.append(f"{item.subject}\n", style="italic")
            text.append(item.body.strip() + "\n\n")
        if view.failed_mail:
            text.append(t("tui.desk.thread.retry_hint") + "\n", "bold yellow")
        if not view.thread:
            text.append(t("tui.request.no_thread"))
        self.query_one("#thread-text", Static).update(text)


class CallsPanel(RequestPart, VerticalScroll):
    """The verification calls logged so far (it takes the focus: ``4`` and the arrows)."""

    def compose(self) -> ComposeResult:
        yield Static("", id="calls-text")

    def watch_view(self, view: RequestView | None) -> None:
        if view is None or not self.is_mounted:
            return
        t = self.translate
        lines = [
            f"{format_datetime(call.at, self.language)} {escape(call.phone)} "
            f"[b]{escape(t(f'tui.call.outcome.{call.outcome}'))}[/b] ({escape(call.called_by)})"
            + (f"\n  {escape(call.note)}" if call.note else "")
            for call in view.calls
        ]
        if not lines:
            lines.append(t("tui.request.no_calls"))
        if view.unreachable_offered:
            lines.append("")
            lines.append(f"[bold yellow]{escape(t('tui.call.offer_letter'))}[/]")
        self.query_one("#calls-text", Static).update("\n".join(lines))


class TrailTable(RequestPart, PlainTable):
    """The request's audit trail, newest first."""

    def __init__(self, translate: Translate, language: str, **kwargs: Any) -> None:
        super().__init__(translate, language, cursor_type="row", **kwargs)

    def on_mount(self) -> None:
        t = self.translate
        self.add_column(t("tui.col.when"), key="when", width=20)  # "13.12.2026 klo 15.27"
        self.add_column(t("tui.col.actor"), key="actor", width=9)
        self.add_column(t("tui.col.action"), key="action", width=22)
        self.add_column(t("tui.col.details"), key="details")

    def watch_view(self, view: RequestView | None) -> None:
        self.clear()
        if view is None:
            return
        for line in view.trail:
            self.add_row(
                format_datetime(line.at, self.language),
                Text(line.actor, overflow="fold"),
                action_words(line.action, self.language),
                Text(line.details, overflow="fold"),
                height=None,  # wrapped at word boundaries, never cut
                key=str(line.id),
            )
