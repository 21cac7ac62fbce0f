"""The admin screens: the audit log and the staff list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from store.i18n import catalog
from store.models import AuditEvent, Staff
from store.staff import list_staff
from tui.data.request import AuditLine, audit_line


@dataclass(frozen=True)
class StaffLine:
    name: str
    display_name: str
    role: str
    enabled: bool
    language: str
    last_login_at: datetime | None
    locked_until: datetime | None


ACTION_WORDS = "tui.audit.action."


def audit_log(text: str = "", limit: int = 500, language: str = "fi") -> tuple[AuditLine, ...]:
    """The newest events, optionally about one customer number, reference, actor or action
    (its code, ``request.``, or its words as the screen shows them, "saapui")."""
    query = AuditEvent.select().order_by(AuditEvent.id.desc()).limit(limit)
    text = text.strip()
    if text:
        wanted = text.casefold()
        by_words = [
            key[len(ACTION_WORDS) :]
            for key, words in catalog(language).items()
            if key.startswith(ACTION_WORDS) and wanted in words.casefold()
        ]
        # The catalog's keys have underscores for the dots (request_call_logged): an action
        # is "area.what" or, for consents, "consent.purpose.what".
        actions = [key.replace("_", ".", dots) for key in by_words for dots in (1, 2)]
        query = query.where(
            (AuditEvent.customer_no == text)
            | (AuditEvent.request_reference == text.upper())
            | (AuditEvent.actor == text)
            | AuditEvent.action.startswith(text)
            | AuditEvent.action.in_(actions)
        )
    return tuple(audit_line(event, language) for event in query)


def staff_lines() -> tuple[StaffLine, ...]:
    return tuple(
        StaffLine(
            s.name, s.display_name, s.role, s.enabled, s.language, s.last_login_at, s.locked_until
        )
        for s in list_staff()
    )


def staff_role(name: str) -> str:
    staff = Staff.get_or_none(Staff.name == name)
    return staff.role if staff else ""
