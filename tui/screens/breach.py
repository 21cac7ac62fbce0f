"""One breach: the register entry, the countdown, the decisions, the filing and the notices.

Each act goes through :mod:`store.breaches` in a thread worker and is audited there; the
notices are queued by :mod:`mailbot.breach_notices` with a progress bar.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import ProgressBar, Static

from mailbot.breach_notices import queue_breach_notices
from store import breaches, clock
from store.i18n import format_datetime
from store.mailings import Selection
from store.models import database
from tui.data.breaches import BreachView, NoticePlan, countdown, load_breach, plan_notices
from tui.dialogs.authority_text import AuthorityTextDialog
from tui.dialogs.breach_decision import Decision, DecisionDialog
from tui.dialogs.breach_filed import FiledDialog, Filing
from tui.dialogs.breach_form import FORM_FIELDS, BreachFormDialog
from tui.dialogs.breach_notify import NotifyDialog
from tui.dialogs.notice_confirm import NoticeConfirmDialog
from tui.screens.base import RekisteriScreen
from tui.widgets.key_bar import KeyBar
from tui.widgets.markup import escape

TICK_SECONDS = 30.0

SHOWN_FIELDS = (
    "occurred_at",
    "occurred_until",
    "how_discovered",
    "what",
    "natures",
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


class BreachScreen(RekisteriScreen):
    PALETTE_GROUP = "tui.breach.palette_group"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "e", "edit", "tui.breach.key.edit", id="breach.edit", tooltip="tui.breach.tip.edit"
        ),
        Binding(
            "a",
            "decide('authority')",
            "tui.breach.key.decide_authority",
            id="breach.decide_authority",
            tooltip="tui.breach.tip.decide_authority",
        ),
        Binding(
            "p",
            "decide('people')",
            "tui.breach.key.decide_people",
            id="breach.decide_people",
            tooltip="tui.breach.tip.decide_people",
        ),
        Binding(
            "t",
            "authority_text",
            "tui.breach.key.text",
            id="breach.text",
            tooltip="tui.breach.tip.text",
        ),
        Binding(
            "f", "filed", "tui.breach.key.filed", id="breach.filed", tooltip="tui.breach.tip.filed"
        ),
        Binding(
            "s",
            "notify_people",
            "tui.breach.key.notify",
            id="breach.notify",
            tooltip="tui.breach.tip.notify",
        ),
        Binding(
            "i",
            "recipients",
            "tui.breach.key.recipients",
            id="breach.recipients",
            tooltip="tui.breach.tip.recipients",
        ),
        Binding("escape,q", "back", "tui.key.back", id="breach.back", tooltip="tui.tip.back"),
    ]

    @dataclass
    class Loaded(Message):
        view: BreachView

    @dataclass
    class Changed(Message):
        notice: str

    @dataclass
    class Planned(Message):
        plan: NoticePlan

    @dataclass
    class Progressed(Message):
        """Notices queued so far; only the latest matters."""

        done: int
        total: int

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, BreachScreen.Progressed)

    def __init__(self, breach_id: int) -> None:
        super().__init__()
        self.breach_id = breach_id
        self.view: BreachView | None = None
        self.queueing = False

    def compose(self) -> ComposeResult:
        yield Static(
            self.t("tui.breach.title", id=self.breach_id), id="breach-title", classes="screen-title"
        )
        yield Static("", id="breach-countdown")
        with VerticalScroll(id="breach-body"):
            yield Static("", id="breach-register")
            yield Static("", id="breach-decisions")
            yield Static("", id="breach-notices")
        yield ProgressBar(id="breach-progress", show_eta=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#breach-progress").display = False
        self.query_one("#breach-body").focus()
        self.load()
        self.set_interval(TICK_SECONDS, self.show_countdown, name="breach countdown")

    # ------------------------------------------------------------ loading and showing

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="breach",
        description="load a breach",
    )
    def load(self) -> None:
        with database.connection_context():
            view = load_breach(self.breach_id, self.rekisteri.settings)
        self.post_message(self.Loaded(view))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        self.view = event.view
        self.show_countdown()
        self.show_register(event.view)
        self.show_decisions(event.view)
        self.show_notices(event.view)
        self.refresh_bindings()

    def when(self, value: Any) -> str:
        return format_datetime(value, self.session.language) if value else "–"

    def show_countdown(self) -> None:
        view = self.view
        if view is None:
            return
        t, fields = self.t, view.fields
        widget = self.query_one("#breach-countdown", Static)
        deadline = self.when(view.deadline_at)
        if fields["authority_notified_at"] is not None:
            text = t(
                "tui.breach.countdown_filed",
                at=self.when(fields["authority_notified_at"]),
                by=escape(fields["authority_notified_by"]),
                deadline=deadline,
            )
            widget.set_classes("ok")
        elif fields["authority_required"] is False:
            text = t("tui.breach.countdown_not_required", deadline=deadline)
            widget.set_classes("")
        else:
            hours, minutes, passed = countdown(view.deadline_at)
            key = "tui.breach.countdown_passed" if passed else "tui.breach.countdown_left"
            text = t(key, hours=hours, minutes=minutes, deadline=deadline)
            widget.set_classes("warning" if passed or hours < 24 else "")
        widget.update(text)

    def show_register(self, view: BreachView) -> None:
        t, fields = self.t, view.fields
        text = Text()
        late = (fields["authority_notified_at"] or clock.now()) > view.deadline_at
        for name in ("discovered_at", *SHOWN_FIELDS):
            value = fields[name]
            if name == "delay_reason" and not (value or late):
                continue
            if name == "natures":
                value = ", ".join(t(f"tui.breach.nature.{nature}") for nature in value)
            elif name in breaches.TIME_FIELDS:
                value = self.when(value) if value else ""
            known = value not in (None, "", [])
            text.append(f"{t(f'tui.breach.field.{name}')}: ", style="bold")
            text.append(
                str(value) if known else t("tui.breach.unknown"), style="" if known else "dim"
            )
            text.append("\n")
        if view.missing:
            text.append(
                "\n"
                + t(
                    "breach.missing_items",
                    items=", ".join(t(f"breach.item.{item}") for item in view.missing),
                ),
                style="bold",
            )
        self.query_one("#breach-register", Static).update(text)

    def show_decisions(self, view: BreachView) -> None:
        t, fields = self.t, view.fields
        lines = []
        for which in breaches.DECISIONS:
            required = fields[f"{which}_required"]
            if required is None:
                lines.append(t(f"tui.breach.undecided_{which}"))
                continue
            lines.append(
                t(
                    f"tui.breach.decided_{which}_{'yes' if required else 'no'}",
                    by=escape(fields[f"{which}_decided_by"]),
                    at=self.when(fields[f"{which}_decided_at"]),
                    reason=escape(fields[f"{which}_reason"]),
                )
            )
        for supplement in fields["authority_supplements"]:
            lines.append(
                t(
                    "tui.breach.supplemented",
                    by=escape(supplement["by"]),
                    at=self.when(clock.parse_instant(supplement["at"])),
                )
            )
        self.query_one("#breach-decisions", Static).update("\n".join(lines))

    def show_notices(self, view: BreachView) -> None:
        t = self.t
        notices = view.notices
        lines = [t("breach.notice_counts", **notices)]
        if view.without_email:
            lines.append(
                t(
                    "tui.breach.without_email",
                    count=len(view.without_email),
                    numbers=", ".join(view.without_email[:20])
                    + (" …" if len(view.without_email) > 20 else ""),
                    id=view.id,
                )
            )
        lines.append(t("breach.notice_languages", languages=", ".join(view.notice_languages)))
        self.query_one("#breach-notices", Static).update(
            f"[b]{escape(t('tui.breach.notices'))}[/b]\n"
            + "\n".join(escape(line) for line in lines)
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.view is None or self.queueing:
            return None
        return True

    # ------------------------------------------------------------ acts

    def action_edit(self) -> None:
        view = self.view
        if view is None:
            return

        def updated(done: BreachScreen.Changed | None) -> None:
            if done is not None:
                self.post_message(done)

        values = {name: view.fields[name] for name in (*FORM_FIELDS, "natures")}
        self.app.push_screen(
            BreachFormDialog(self.t("tui.breach.edit_title", id=view.id), self.update, values),
            updated,
        )

    def update(self, typed: dict[str, str]) -> BreachScreen.Changed:
        """Update the breach (in the form's worker, on the database): a refusal stays in the
        form with what was typed."""
        values = {name: breaches.parse_field(name, text) for name, text in typed.items()}
        changed = breaches.update_breach(
            breaches.get_breach(self.breach_id), self.session.name, **values
        )
        return self.Changed(
            self.t(
                "breach.updated" if changed else "breach.unchanged",
                id=self.breach_id,
                fields=", ".join(self.t(f"tui.breach.field.{name}") for name in changed),
            )
        )

    def action_decide(self, which: str) -> None:
        view = self.view
        if view is None:
            return

        def decided(decision: Decision | None) -> None:
            if decision is not None:
                self.decide(which, decision)

        self.app.push_screen(
            DecisionDialog(
                which, view.id, view.fields[f"{which}_required"], view.fields[f"{which}_reason"]
            ),
            decided,
        )

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="breach-act",
        description="record a breach decision",
    )
    def decide(self, which: str, decision: Decision) -> None:
        with database.connection_context():
            breaches.decide(
                breaches.get_breach(self.breach_id),
                which,
                decision.required,
                decision.reason,
                decided_by=self.session.name,
                actor=self.session.name,
            )
        yes_no = "yes" if decision.required else "no"
        self.post_message(
            self.Changed(self.t(f"breach.decided_{which}_{yes_no}", id=self.breach_id))
        )

    def action_authority_text(self) -> None:
        view = self.view
        if view is not None:
            self.app.push_screen(
                AuthorityTextDialog(view.id, view.authority_text, list(view.missing))
            )

    def action_filed(self) -> None:
        view = self.view
        if view is None:
            return

        def filed(filing: Filing | None) -> None:
            if filing is not None:
                self.record_filing(filing)

        late = clock.now() > view.deadline_at
        self.app.push_screen(
            FiledDialog(
                view.id,
                late=late and view.fields["authority_notified_at"] is None,
                delay_reason=view.fields["delay_reason"],
                supplement=view.fields["authority_notified_at"] is not None,
            ),
            filed,
        )

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="breach-act",
        description="record the filing of a breach notification",
    )
    def record_filing(self, filing: Filing) -> None:
        at = breaches.parse_field("discovered_at", filing.at) or clock.now()
        with database.connection_context():
            breach = breaches.get_breach(self.breach_id)
            first = breach.authority_notified_at is None
            breaches.record_filing(
                breach,
                filed_by=self.session.name,
                actor=self.session.name,
                at=at,
                delay_reason=filing.delay_reason,
            )
        self.post_message(
            self.Changed(
                self.t(
                    "breach.filed" if first else "breach.supplemented",
                    id=self.breach_id,
                    at=format_datetime(at, self.session.language),
                )
            )
        )

    @on(Changed)
    def _changed(self, event: Changed) -> None:
        self.notify(event.notice)
        self.load()

    # ------------------------------------------------------------ notices

    def action_recipients(self) -> None:
        from tui.screens.breach_recipients import BreachRecipientsScreen

        self.app.push_screen(BreachRecipientsScreen(self.breach_id))

    def action_notify_people(self) -> None:
        """Notify the people the breach concerns (named so: ``action_notify`` would
        shadow Textual's own ``notify`` action, which shows a toast)."""

        def chosen(selection: Selection | None) -> None:
            if selection is not None:
                self.plan(selection)

        self.app.push_screen(NotifyDialog(self.breach_id), chosen)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="breach-act",
        description="count the recipients of a breach notice",
    )
    def plan(self, selection: Selection) -> None:
        with database.connection_context():
            plan = plan_notices(
                self.breach_id, selection, self.rekisteri.settings, self.session.language
            )
        self.post_message(self.Planned(plan))

    @on(Planned)
    def _planned(self, event: Planned) -> None:
        view = self.view
        missing = view.missing_notice_items if view else ()

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.start_queueing(event.plan.selection, event.plan.plan.new)

        self.app.push_screen(NoticeConfirmDialog(self.breach_id, event.plan, missing), confirmed)

    def start_queueing(self, selection: Selection, total: int) -> None:
        self.queueing = True
        self.refresh_bindings()
        bar = self.query_one("#breach-progress", ProgressBar)
        bar.update(total=max(total, 1), progress=0)
        bar.display = True
        self.queue_notices(selection)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="breach-notify",
        description="queue breach notices",
    )
    def queue_notices(self, selection: Selection) -> None:
        def progress(done: int, total: int) -> None:
            self.post_message(self.Progressed(done, total))

        with database.connection_context():
            report = queue_breach_notices(
                breaches.get_breach(self.breach_id),
                selection,
                settings=self.rekisteri.settings,
                actor=self.session.name,
                progress=progress,
            )
        self.post_message(
            self.Changed(
                self.t(
                    "breach.notify_done",
                    queued=report.queued,
                    without_email=report.without_email,
                    already=report.plan.already,
                )
            )
        )
        self.post_message(self.Progressed(-1, 0))

    @on(Progressed)
    def _progressed(self, event: Progressed) -> None:
        bar = self.query_one("#breach-progress", ProgressBar)
        if event.done < 0:
            self.finish_queueing()
            return
        bar.update(total=max(event.total, 1), progress=event.done)

    def finish_queueing(self) -> None:
        self.queueing = False
        self.query_one("#breach-progress").display = False
        self.refresh_bindings()

    def worker_failed(self, worker: Any) -> None:
        if worker.group == "breach-notify":
            self.finish_queueing()
            self.load()
