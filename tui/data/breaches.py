"""The breach register for the screens: the list with its deadlines, and one breach in full.

Called from thread workers only (see :mod:`tui.data`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from mailbot.breach_notices import notice_preview
from mailbot.templates import RenderedMail
from store import breaches, clock, mailings
from store.breach_authority import authority_text, missing_items
from store.config import Settings
from store.mailings import MailingPlan, Selection


@dataclass(frozen=True)
class BreachLine:
    id: int
    discovered_at: datetime
    deadline_at: datetime
    what: str
    authority_required: bool | None
    authority_notified_at: datetime | None
    notices: dict[str, int]
    without_email: int


@dataclass(frozen=True)
class BreachView:
    """One breach: its register fields, decisions, filing, notices and the authority text."""

    id: int
    fields: dict[str, Any]  # every register field, by name
    deadline_at: datetime
    authority_text: str
    missing: tuple[str, ...]  # Art. 33(3) items not known yet
    notices: dict[str, int]
    without_email: tuple[str, ...]  # customer numbers
    notice_languages: tuple[str, ...]
    missing_notice_items: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class NoticePlan:
    """What a selection would do, and the notice as it will read, for staff to confirm."""

    selection: Selection
    plan: MailingPlan
    preview: RenderedMail


def breach_lines() -> tuple[BreachLine, ...]:
    lines = []
    for row in breaches.breach_rows():
        lines.append(
            BreachLine(
                id=row["id"],
                discovered_at=clock.parse_instant(row["discovered_at"]),
                deadline_at=clock.parse_instant(row["deadline_at"]),
                what=row["what"],
                authority_required=row["authority_required"],
                authority_notified_at=(
                    clock.parse_instant(row["authority_notified_at"])
                    if row["authority_notified_at"]
                    else None
                ),
                notices=row["notices"],
                without_email=len(row["without_email"]),
            )
        )
    return tuple(lines)


def load_breach(breach_id: int, settings: Settings) -> BreachView:
    breach = breaches.get_breach(breach_id)
    mailing = breaches.notice_mailing(breach)
    notices = dict.fromkeys(mailings.NOTICE_STATUSES, 0)
    without: list[str] = []
    if mailing is not None:
        notices = mailings.notice_counts([mailing.id])[mailing.id]
        without = mailings.without_email([mailing.id])[mailing.id]
    return BreachView(
        id=breach.id,
        fields={name: getattr(breach, name) for name in breach._meta.sorted_field_names},
        deadline_at=breaches.deadline_at(breach.discovered_at),
        authority_text=authority_text(breach, settings),
        missing=tuple(missing_items(breach)),
        notices=notices,
        without_email=tuple(without),
        notice_languages=breaches.notice_languages(breach),
        missing_notice_items=tuple(breaches.missing_notice_items(breach)),
    )


def plan_notices(
    breach_id: int, selection: Selection, settings: Settings, language: str
) -> NoticePlan:
    breach = breaches.get_breach(breach_id)
    plan = mailings.plan(breaches.notice_mailing(breach), selection)
    return NoticePlan(selection, plan, notice_preview(breach, settings, language))


def countdown(deadline: datetime, now: datetime | None = None) -> tuple[int, int, bool]:
    """(hours, minutes, passed): the time left to ``deadline``, or since it passed."""
    left = deadline - (now or clock.now())
    passed = left < timedelta(0)
    minutes = int(abs(left).total_seconds() // 60)
    return minutes // 60, minutes % 60, passed
