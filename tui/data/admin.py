"""The admin screens: the audit log and the staff list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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


def audit_log(text: str = "", limit: int = 500) -> tuple[AuditLine, ...]:
    """The newest events, optionally about one customer number, reference, actor or action."""
    query = AuditEvent.select().order_by(AuditEvent.id.desc()).limit(limit)
    text = text.strip()
    if text:
        query = query.where(
            (AuditEvent.customer_no == text)
            | (AuditEvent.request_reference == text.upper())
            | (AuditEvent.actor == text)
            | AuditEvent.action.startswith(text)
        )
    return tuple(audit_line(event) for event in query)


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
