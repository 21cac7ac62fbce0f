"""The newsletter issues for the screens: each with what became of its mail.

Called from thread workers only (see :mod:`tui.data`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from store import clock, newsletters


@dataclass(frozen=True)
class NewsletterLine:
    id: int
    subject: str
    languages: tuple[str, ...]
    created_at: datetime
    recipients: int
    counts: dict[str, int]  # queued, sent, failed, skipped (store.newsletters.COUNTS)


def newsletter_lines() -> tuple[NewsletterLine, ...]:
    """The same rows as ``rekisteri newsletter list --json``, newest first."""
    return tuple(
        NewsletterLine(
            id=row["id"],
            subject=row["subject"],
            languages=tuple(row["languages"]),
            created_at=clock.parse_instant(row["created_at"]),
            recipients=row["recipients"],
            counts=row["counts"],
        )
        for row in newsletters.newsletter_rows()
    )
