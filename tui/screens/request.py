"""One request: the mail, the match, the verification call, and every act staff can take.

Each act goes the same way: a dialog asks what staff decide, a worker plans it through
the store's rules and renders the mail, staff read the mail, and a second worker commits
the act, the change and the mail in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.widgets import Button, Static, TabbedContent, TabPane

from mailbot import acts
from mailbot.acts import Proposal
from store import deadlines
from store.i18n import format_time
from store.models import database
from store.package import new_password
from tui.data.request import RequestView, load_request, request_signature
from tui.dialogs.ask_more import AskMoreDialog
from tui.dialogs.assign import AssignDialog
from tui.dialogs.base import Dialog
from tui.dialogs.call import CallDialog, CallInfo, CallOutcome
from tui.dialogs.confirm import ConfirmDialog
from tui.dialogs.erasure import ErasureDialog, describe
from tui.dialogs.extend import ExtendDialog
from tui.dialogs.kind import KindDialog
from tui.dialogs.mail_preview import MailPreviewDialog
from tui.dialogs.reason import ReasonDialog
from tui.dialogs.rectification import RectificationDialog
from tui.dialogs.reject import RejectChoice, RejectDialog
from tui.dialogs.reply import ReplyChoice, ReplyDialog
from tui.dialogs.restriction import RestrictionChoice, RestrictionDialog
from tui.screens.base import RekisteriScreen
from tui.widgets.key_bar import KeyBar
from tui.widgets.keyed_table import KeyedTable
from tui.widgets.request_panels import (
    CallsPanel,
    CandidateTable,
    MessagePanel,
    RequestSummary,
    ThreadPanel,
    TrailTable,
)

DialogT = TypeVar("DialogT", bound=Dialog[Any])

OPEN_ONLY = (
    "call",
    "approve",
    "reject",
    "extend",
    "ask_more",
    "dismiss",
    "change_kind",
    "not_in_register",
    "resume",
    "unreachable",
    "assign",
)
"""Actions that make sense only while the request is open."""

TABS = ("tab-message", "tab-candidates", "tab-thread", "tab-calls", "tab-trail")

WATCH_SECONDS = 3.0
"""How often an open request looks for changes made by colleagues or the mailbot."""


class RequestScreen(RekisteriScreen):
    PALETTE_GROUP = "tui.palette.group.request"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "call", "tui.key.call", id="request.call", tooltip="tui.tip.request.call"),
        Binding(
            "a",
            "approve",
            "tui.key.approve",
            id="request.approve",
            tooltip="tui.tip.request.approve",
        ),
        Binding(
            "r", "reply", "tui.desk.key.reply", id="request.reply", tooltip="tui.desk.tip.reply"
        ),
        Binding(
            "x", "reject", "tui.key.reject", id="request.reject", tooltip="tui.tip.request.reject"
        ),
        Binding("p", "note", "tui.desk.key.note", id="request.note", tooltip="tui.desk.tip.note"),
        Binding(
            "e", "extend", "tui.key.extend", id="request.extend", tooltip="tui.tip.request.extend"
        ),
        Binding(
            "m",
            "ask_more",
            "tui.key.ask_more",
            id="request.ask_more",
            tooltip="tui.tip.request.ask_more",
        ),
        Binding(
            "d",
            "dismiss_request",
            "tui.key.dismiss",
            id="request.dismiss",
            tooltip="tui.tip.request.dismiss",
            show=False,
        ),
        Binding(
            "t",
            "change_kind",
            "tui.key.change_kind",
            id="request.change_kind",
            tooltip="tui.tip.request.change_kind",
            show=False,
        ),
        Binding(
            "n",
            "not_in_register",
            "tui.key.not_in_register",
            id="request.not_in_register",
            tooltip="tui.tip.request.not_in_register",
            show=False,
        ),
        Binding(
            "o",
            "resume",
            "tui.key.resume",
            id="request.resume",
            tooltip="tui.tip.request.resume",
            show=False,
        ),
        Binding(
            "h",
            "details",
            "tui.key.details",
            id="request.details",
            tooltip="tui.tip.request.details",
            show=False,
        ),
        Binding(
            "w",
            "assign",
            "tui.desk.key.assign",
            id="request.assign",
            tooltip="tui.desk.tip.assign",
            show=False,
        ),
        Binding(
            "y",
            "retry_mail",
            "tui.desk.key.retry",
            id="request.retry",
            tooltip="tui.desk.tip.retry",
            show=False,
        ),
        Binding(
            "u",
            "unreachable",
            "tui.key.unreachable",
            id="request.unreachable",
            tooltip="tui.tip.request.unreachable",
            show=False,
        ),
        Binding(
            "1",
            "tab('tab-message')",
            "tui.key.tab_message",
            id="request.tab_message",
            show=False,
            tooltip="tui.tip.tab",
        ),
        Binding(
            "2",
            "tab('tab-candidates')",
            "tui.key.tab_candidates",
            id="request.tab_candidates",
            show=False,
            tooltip="tui.tip.tab",
        ),
        Binding(
            "3",
            "tab('tab-thread')",
            "tui.key.tab_thread",
            id="request.tab_thread",
            show=False,
            tooltip="tui.tip.tab",
        ),
        Binding(
            "4",
            "tab('tab-calls')",
            "tui.key.tab_calls",
            id="request.tab_calls",
            show=False,
            tooltip="tui.tip.tab",
        ),
        Binding(
            "5",
            "tab('tab-trail')",
            "tui.key.tab_trail",
            id="request.tab_trail",
            show=False,
            tooltip="tui.tip.tab",
        ),
        Binding("escape,q", "back", "tui.key.back", id="request.back", tooltip="tui.tip.back"),
    ]

    view: reactive[RequestView | None] = reactive(None, init=False)
    show_details: reactive[bool] = reactive(False, init=False)

    @dataclass
    class Loaded(Message):
        view: RequestView
        signature: tuple[object, ...]

    @dataclass
    class Changed(Message):
        """Someone else (a colleague, the mailbot) changed the request while it was open."""

    @dataclass
    class Planned(Message):
        proposal: Proposal

    @dataclass
    class Done(Message):
        """An act was carried out; ``notice`` says what happened, in the staff language."""

        notice: str
        offer_letter: bool = False

    def __init__(self, reference: str) -> None:
        super().__init__()
        self.reference = reference
        self.shown_signature: tuple[object, ...] | None = None
        self.expect_change = False  # our own act changed it: reload without a warning
        self.reply_draft = ""  # a reply written but not sent yet (cancelled in the preview)

    def compose(self) -> ComposeResult:
        t, language = self.t, self.session.language
        yield RequestSummary(t, language, id="request-summary").data_bind(RequestScreen.view)
        with TabbedContent(id="request-tabs"):
            with TabPane(t("tui.request.tab.message"), id="tab-message"):
                yield MessagePanel(t, language, id="message-panel").data_bind(
                    RequestScreen.view, RequestScreen.show_details
                )
            with TabPane(t("tui.request.tab.candidates"), id="tab-candidates"):
                yield CandidateTable(t, language, id="candidates").data_bind(RequestScreen.view)
            with TabPane(t("tui.request.tab.thread"), id="tab-thread"):
                yield ThreadPanel(t, language, id="thread").data_bind(RequestScreen.view)
            with TabPane(t("tui.request.tab.calls"), id="tab-calls"):
                yield CallsPanel(t, language, id="calls").data_bind(RequestScreen.view)
            with TabPane(t("tui.request.tab.trail"), id="tab-trail"):
                yield TrailTable(t, language, id="trail").data_bind(RequestScreen.view)
        with Horizontal(id="request-actions"):
            yield Button(
                t("tui.request.button.call"), id="button-call", compact=True, action="screen.call"
            )
            yield Button(
                t("tui.request.button.approve"),
                id="button-approve",
                compact=True,
                variant="success",
                disabled=True,
                action="screen.approve",
            )
            yield Button(
                t("tui.request.button.reject"),
                id="button-reject",
                compact=True,
                action="screen.reject",
            )
            yield Button(
                t("tui.request.button.more"),
                id="button-more",
                compact=True,
                action="screen.ask_more",
            )
        yield Static(t("tui.request.loading"), id="request-loading")
        yield KeyBar()

    def on_mount(self) -> None:
        self.load(opening=True)
        self.set_interval(WATCH_SECONDS, self.watch_changes, name="request watch")

    # ------------------------------------------------------------ loading

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="request",
        description="load a request",
    )
    def load(self, opening: bool = False) -> None:
        with database.connection_context():
            # Opening is a look at the person's data: audited, and it reads the news.
            opened = acts.open_request(self.reference, self.session.name) if opening else None
            signature = request_signature(self.reference)
            view = load_request(
                self.reference,
                self.rekisteri.settings,
                opened=opened,
                language=self.session.language,
            )
        self.post_message(self.Loaded(view, signature))

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="request-watch",
        description="look for changes to an open request",
    )
    def watch_changes(self) -> None:
        if self.shown_signature is None:
            return  # still loading
        with database.connection_context():
            signature = request_signature(self.reference)
        if signature != self.shown_signature:
            self.post_message(self.Changed())

    @on(Changed)
    def _changed(self) -> None:
        if not self.expect_change:
            self.notify(self.t("tui.desk.changed", reference=self.reference), timeout=6)
        self.load()

    def warn_opened(self, view: RequestView) -> None:
        """What was new on the request, and which colleagues have it open."""
        opened = view.opened
        if opened is None:
            return
        if opened.news:
            severity: SeverityLevel = "information" if opened.news == "reply" else "warning"
            self.notify(self.t(f"tui.desk.news.{opened.news}"), severity=severity, timeout=8)
        if opened.others:
            names = ", ".join(
                f"{name} ({format_time(at, self.session.language)})" for name, at in opened.others
            )
            self.notify(
                self.t("tui.desk.open_elsewhere", names=names), severity="warning", timeout=10
            )

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        first = self.view is None
        self.shown_signature = event.signature
        self.expect_change = False
        self.warn_opened(event.view)
        self.view = event.view
        self.query_one("#request-loading").display = False
        view = event.view
        approve = self.query_one("#button-approve", Button)
        approve.disabled = not view.can_approve
        approve.tooltip = (
            None if view.can_approve else self.t(view.approve_refusal, reference=view.reference)
        )
        # A closed request shows how it ended; the acts that cannot apply to it are gone
        # (buttons and keys alike), while a reply and a note still can be written.
        self.query_one("#request-actions").display = view.is_open
        if first and view.match_state == "candidates" and view.candidates:
            self.query_one(TabbedContent).active = "tab-candidates"
            self.query_one(CandidateTable).focus()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        view = self.view
        if action in OPEN_ONLY:
            if view is None:
                return None  # shown dimmed until the request is loaded
            if not view.is_open:
                return False  # hidden: the request is closed
        if action == "unreachable":
            return bool(view and view.unreachable_offered) or None
        if action == "resume":
            return bool(view and view.status == "waiting_for_requester") or None
        if action == "reply":
            return bool(view and view.can_reply) or None
        if action == "note":
            return bool(view and not view.minimised) or None
        if action == "retry_mail":
            return bool(view and view.failed_mail) or None
        return True

    # ------------------------------------------------------------ navigation

    def action_details(self) -> None:
        self.query_one(TabbedContent).active = "tab-message"
        self.show_details = not self.show_details

    # ------------------------------------------------------------ who it is about

    @on(KeyedTable.Chosen, "#candidates")
    def _candidate_chosen(self, event: KeyedTable.Chosen) -> None:
        customer_no = event.key

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.run_small("confirm", customer_no)

        self.app.push_screen(
            ConfirmDialog(
                self.t("tui.match.confirm_title"),
                self.t(
                    "tui.match.confirm_question", customer_no=customer_no, reference=self.reference
                ),
            ),
            confirmed,
        )

    def action_not_in_register(self) -> None:
        def confirmed(yes: bool | None) -> None:
            if yes:
                self.run_small("not_in_register", "")

        self.app.push_screen(
            ConfirmDialog(self.t("tui.match.none_title"), self.t("tui.match.none_question")),
            confirmed,
        )

    def action_resume(self) -> None:
        def noted(note: str | None) -> None:
            if note:
                self.run_small("resume", note)

        self.app.push_screen(
            ReasonDialog(
                self.t("tui.resume.title"),
                self.t("tui.resume.intro", reference=self.reference),
                submit=self.t("tui.resume.submit"),
            ),
            noted,
        )

    def action_change_kind(self) -> None:
        view = self.view
        if view is None:
            return

        def chosen(kind: str | None) -> None:
            if kind and kind != view.kind:
                self.plan("change_kind", {"kind": kind})  # with the acknowledgement it owes

        self.app.push_screen(KindDialog(view.reference, view.kind), chosen)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="request-act",
        description="record a decision about a request",
    )
    def run_small(self, what: str, value: str) -> None:
        actor = self.session.name
        with database.connection_context():
            if what == "confirm":
                acts.confirm_candidate(self.reference, value, actor)
                notice = self.t("tui.done.confirmed", customer_no=value)
            elif what == "not_in_register":
                acts.mark_not_in_register(self.reference, actor)
                notice = self.t("tui.done.not_in_register")
            elif what == "resume":
                acts.resume(self.reference, value, actor)
                notice = self.t("tui.done.resume", reference=self.reference)
            elif what == "note":
                acts.add_note(self.reference, value, actor)
                notice = self.t("tui.desk.done.note")
            elif what == "assign":
                acts.assign(self.reference, value, actor)
                notice = self.t("tui.desk.done.assign", name=value)
            elif what == "retry":
                acts.retry_mail(value, actor)
                notice = self.t("tui.desk.done.retry")
            else:
                raise ValueError(f"unknown decision {what!r}")
        self.post_message(self.Done(notice))

    # ------------------------------------------------------------ reply, note, handler

    def with_draft(self, dialog: DialogT, kind: str) -> DialogT:
        """``dialog``, its text kept as a draft if the session ends while it is open."""
        dialog.draft_key = f"{kind}:{self.reference}"
        return dialog

    def drafts(self) -> dict[str, str]:
        """Text written on this screen and not sent (a reply cancelled in its preview),
        kept if the session ends (:mod:`tui.drafts`)."""
        return {f"reply:{self.reference}": self.reply_draft} if self.reply_draft else {}

    def action_reply(self) -> None:
        view = self.view
        if view is None:
            return
        to = view.requester_email or (view.customer.email if view.customer else "")

        def written(choice: ReplyChoice | None) -> None:
            if choice is not None:
                self.reply_draft = choice.text
                self.plan("reply", {"text": choice.text, "language": choice.language})

        self.app.push_screen(
            self.with_draft(
                ReplyDialog(view.reference, to, view.language, self.reply_draft), "reply"
            ),
            written,
        )

    def action_note(self) -> None:
        def written(note: str | None) -> None:
            if note:
                self.run_small("note", note)

        self.app.push_screen(
            self.with_draft(
                ReasonDialog(
                    self.t("tui.desk.note.title", reference=self.reference),
                    self.t("tui.desk.note.intro"),
                    submit=self.t("tui.desk.note.submit"),
                ),
                "note",
            ),
            written,
        )

    def action_assign(self) -> None:
        view = self.view
        if view is None:
            return

        def chosen(name: str | None) -> None:
            if name:
                self.run_small("assign", name)

        self.app.push_screen(
            AssignDialog(view.reference, view.staff, view.handler, self.session.name), chosen
        )

    def action_retry_mail(self) -> None:
        view = self.view
        if view is None or not view.failed_mail:
            return
        mail = view.failed_mail[0]  # the newest failure first

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.run_small("retry", mail.message_id)

        self.app.push_screen(
            ConfirmDialog(
                self.t("tui.desk.retry.title"),
                self.t("tui.desk.retry.question", address=mail.party, error=mail.error or "–"),
            ),
            confirmed,
        )

    # ------------------------------------------------------------ the verification call

    def action_call(self) -> None:
        view = self.view
        if view is None:
            return
        if view.customer is None:
            self.notify(self.t("rule.call_needs_customer"), severity="warning")
            return
        if not view.customer.phone:
            self.notify(self.t("rule.call_needs_phone"), severity="warning")
            return
        info = CallInfo(
            reference=view.reference,
            customer_no=view.customer.customer_no,
            name=view.customer.name,
            phone=view.customer.phone,
            warnings=view.warnings,
            unanswered=view.unanswered_calls,
            package_password=new_password() if view.kind == "access" else "",
        )

        def logged(outcome: CallOutcome | None) -> None:
            if outcome is not None:
                self.log_call(outcome)

        self.app.push_screen(CallDialog(info), logged)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="request-act",
        description="log a verification call",
    )
    def log_call(self, outcome: CallOutcome) -> None:
        with database.connection_context():
            unanswered = acts.log_call(
                self.reference,
                outcome.outcome,
                outcome.note,
                self.session.name,
                package_password=outcome.package_password or None,
            )
        limit = self.rekisteri.settings.requests.unanswered_calls_before_letter
        offer = outcome.outcome == "no_answer" and unanswered >= limit
        self.post_message(
            self.Done(
                self.t("tui.done.call", outcome=self.t(f"tui.call.outcome.{outcome.outcome}")),
                offer_letter=offer,
            )
        )

    def action_unreachable(self) -> None:
        self.plan("unreachable")

    # ------------------------------------------------------------ acting

    def action_approve(self) -> None:
        view = self.view
        if view is None:
            return
        if view.match_state == "not_in_register" and view.kind in acts.ANSWERED_WITH_NO_DATA:
            self.plan(view.kind)  # the plain "we hold no data" mail, previewed
            return
        if view.kind == "rectification" and view.customer is not None and view.can_approve:
            customer = view.customer
            current = {
                "first_name": customer.first_name,
                "last_name": customer.last_name,
                "street_address": customer.street_address,
                "postal_code": customer.postal_code,
                "city": customer.city,
                "phone": customer.phone,
                "email": customer.email,
                "language": customer.language,
            }

            def planned(proposal: Proposal | None) -> None:
                if proposal is not None:
                    self.post_message(self.Planned(proposal))

            self.app.push_screen(
                RectificationDialog(
                    view.reference,
                    current,
                    view.proposed_changes,
                    lambda changes: self.plan_now("rectification", {"changes": changes}),
                ),
                planned,
            )
            return
        if view.kind == "objection" and view.can_approve:

            def close(yes: bool | None) -> None:
                if yes:
                    self.plan("objection")

            self.app.push_screen(
                ConfirmDialog(self.t("tui.objection.title"), self.t("tui.objection.question")),
                close,
            )
            return
        if view.kind == "restriction" and view.can_approve:

            def restrict(choice: RestrictionChoice | None) -> None:
                if choice is not None:
                    self.plan("restriction", {"ground": choice.ground, "note": choice.note})

            self.app.push_screen(RestrictionDialog(view.reference), restrict)
            return
        if view.kind not in acts.APPROVING_ACTS:
            self.notify(
                self.t(
                    view.approve_refusal or "tui.error.no_act_for_kind",
                    reference=view.reference,
                    kind=self.t(f"kind.{view.kind}"),
                ),
                severity="warning",
            )
            return
        # access and erasure, allowed or not: the store decides, and says why not
        self.plan(view.kind)

    def action_reject(self) -> None:
        def planned(proposal: Proposal | None) -> None:
            if proposal is not None:
                self.post_message(self.Planned(proposal))

        def plan(choice: RejectChoice) -> Proposal:
            return self.plan_now("reject", {"ground": choice.ground, "reason": choice.reason})

        self.app.push_screen(self.with_draft(RejectDialog(self.reference, plan), "reject"), planned)

    def action_extend(self) -> None:
        view = self.view
        if view is None:
            return
        if view.extended:
            self.notify(self.t("rule.already_extended"), severity="warning")
            return
        new_due = deadlines.extended_due_at(view.original_due_at)

        def planned(proposal: Proposal | None) -> None:
            if proposal is not None:
                self.post_message(self.Planned(proposal))

        self.app.push_screen(
            ExtendDialog(
                view.reference,
                view.due_at,
                new_due,
                lambda reason: self.plan_now("extend", {"reason": reason}),
            ),
            planned,
        )

    def action_ask_more(self) -> None:
        def planned(proposal: Proposal | None) -> None:
            if proposal is not None:
                self.post_message(self.Planned(proposal))

        self.app.push_screen(
            self.with_draft(
                AskMoreDialog(
                    self.reference, lambda reason: self.plan_now("ask_more", {"reason": reason})
                ),
                "ask_more",
            ),
            planned,
        )

    def action_dismiss_request(self) -> None:
        def confirmed(yes: bool | None) -> None:
            if yes:
                self.plan("dismiss")

        self.app.push_screen(
            ConfirmDialog(self.t("tui.dismiss.title"), self.t("tui.dismiss.question")), confirmed
        )

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="request-act",
        description="plan an act on a request",
    )
    def plan(self, act: str, params: dict[str, Any] | None = None) -> None:
        with database.connection_context():
            proposal = acts.plan(
                act, self.reference, self.rekisteri.settings, self.session.name, params
            )
        self.post_message(self.Planned(proposal))

    def plan_now(self, act: str, params: dict[str, Any] | None = None) -> Proposal:
        """Plan an act in the calling worker (a dialog's check: a refusal stays in it)."""
        return acts.plan(act, self.reference, self.rekisteri.settings, self.session.name, params)

    @on(Planned)
    def _planned(self, event: Planned) -> None:
        proposal = event.proposal
        if proposal.erasure is not None:
            view = self.view
            customer_no = view.customer.customer_no if view and view.customer else ""
            erased, kept = describe(
                proposal.erasure,
                self.t,
                self.session.language,
                self.rekisteri.settings.retention.mail_grace_days,
            )

            def typed(yes: bool | None) -> None:
                if yes:
                    self.preview(proposal)

            self.app.push_screen(
                ErasureDialog(proposal.reference, customer_no, erased, kept), typed
            )
            return
        self.preview(proposal)

    def preview(self, proposal: Proposal) -> None:
        def decided(approved: Proposal | None) -> None:
            if approved is not None:
                self.commit(approved)

        if proposal.mail is not None:
            self.app.push_screen(MailPreviewDialog(proposal), decided)
        elif proposal.act in ("dismiss", "objection", "restriction", "change_kind"):
            self.commit(proposal)  # confirmed already, and nothing is sent (no address)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="request-act",
        description="carry out an act on a request",
    )
    def commit(self, proposal: Proposal) -> None:
        with database.connection_context():
            outcome = acts.commit(proposal, self.rekisteri.settings, self.session.name)
        if proposal.act == "reply":
            self.reply_draft = ""
            key = "tui.desk.done.reply"
        elif proposal.no_data_held:
            key = "tui.done.no_data_held"
        else:
            key = f"tui.done.{outcome.act}"
        kind = self.t(f"kind.{proposal.params['kind']}") if outcome.act == "change_kind" else ""
        notice = self.done_notice(outcome, key, reference=outcome.reference, kind=kind)
        self.post_message(self.Done(notice))

    @on(Done)
    def _done(self, event: Done) -> None:
        self.notify(event.notice, timeout=6)
        self.expect_change = True
        self.load()
        if event.offer_letter:

            def send(yes: bool | None) -> None:
                if yes:
                    self.plan("unreachable")

            self.app.push_screen(
                ConfirmDialog(self.t("tui.call.letter_title"), self.t("tui.call.letter_question")),
                send,
            )
