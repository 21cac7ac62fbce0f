"""The outbox for its screen: every outgoing mail, newest first, and what became of it.

Called from thread workers only (see :mod:`tui.data`).  Reading the list is a look at
personal data (who was written to, about what), audited as ``rekisteri outbox list`` audits
it: :func:`store.listings.record_look`, one ``register.listed`` event per look.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from peewee import JOIN

from store.listings import record_look
from store.models import OutboxMail, Request, database

FAILED_STATUSES = ("failed", "retry")
"""The "failed only" filter: failed for good, and failed once and waiting to be tried again."""

LIMIT = 500
"""At most this many of the newest mails are shown (a newsletter queues thousands)."""


@dataclass(frozen=True)
class OutboxLine:
    id: int
    message_id: str
    created_at: datetime
    status: str  # store.models.mail.OUTBOX_STATUSES
    to_address: str
    to_name: str
    subject: str
    reference: str | None  # the request the mail is about
    attempts: int
    last_error: str
    server_reply: str
    next_attempt_at: datetime | None
    sent_at: datetime | None

    @property
    def server_answer(self) -> str:
        """What the server said, as the request's thread tab shows it."""
        return " – ".join(part for part in (self.last_error, self.server_reply) if part)


@dataclass(frozen=True)
class OutboxList:
    lines: tuple[OutboxLine, ...]
    more: bool  # more mail than LIMIT matched: only the newest are in ``lines``


def outbox_lines(actor: str, *, failed_only: bool = False) -> OutboxList:
    """The newest outgoing mail (only the failed and those waiting for a retry with
    ``failed_only``); the look is audited under ``actor``."""
    query = (
        OutboxMail.select(
            OutboxMail.id,
            OutboxMail.message_id,
            OutboxMail.created_at,
            OutboxMail.status,
            OutboxMail.to_address,
            OutboxMail.to_name,
            OutboxMail.subject,
            OutboxMail.attempts,
            OutboxMail.last_error,
            OutboxMail.server_reply,
            OutboxMail.next_attempt_at,
            OutboxMail.sent_at,
            OutboxMail.request,
            Request.id,
            Request.reference,
        )
        .join(Request, join_type=JOIN.LEFT_OUTER, on=(OutboxMail.request == Request.id))
        .order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc())
        .limit(LIMIT + 1)
    )
    if failed_only:
        query = query.where(OutboxMail.status.in_(FAILED_STATUSES))
    with database.atomic():
        rows = list(query)
        lines = tuple(_line(mail) for mail in rows[:LIMIT])
        record_look("outbox", actor, rows=len(lines), output="table")
    return OutboxList(lines, more=len(rows) > LIMIT)


def _line(mail: OutboxMail) -> OutboxLine:
    return OutboxLine(
        id=mail.id,
        message_id=mail.message_id,
        created_at=mail.created_at,
        status=mail.status,
        to_address=mail.to_address,
        to_name=mail.to_name or "",
        subject=mail.subject or "",
        reference=mail.request.reference if mail.request_id and mail.request is not None else None,
        attempts=mail.attempts,
        last_error=mail.last_error or "",
        server_reply=mail.server_reply or "",
        next_attempt_at=mail.next_attempt_at,
        sent_at=mail.sent_at,
    )
