"""The newsletter issues for the screens: each with what became of its mail, and a new
issue read from its files, counted and previewed.

Called from thread workers only (see :mod:`tui.data`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mailbot.newsletter import newsletter_preview
from mailbot.templates import RenderedMail
from store import clock, newsletters
from store.config import LANGUAGES, Settings


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


@dataclass(frozen=True)
class IssueTexts:
    """A new issue as staff gave it: the subjects and the texts read from their files
    (checked by :func:`store.newsletters.prepare`), and the paths as typed."""

    subject: str
    subjects: dict[str, str]  # sv, en: the subjects given
    bodies: dict[str, str]  # by language: the Markdown read
    paths: dict[str, str]  # by language: as typed, to fill the form again


@dataclass(frozen=True)
class IssuePreview:
    texts: IssueTexts
    existing_id: int | None  # the issue these same texts already are
    audience: dict[str, int]  # who would get it now, by language
    already: int  # queued or sent it before
    mails: dict[str, RenderedMail]  # by reader language: the mail as they get it

    @property
    def total(self) -> int:
        return sum(self.audience.values())


def read_issue(subject: str, subjects: dict[str, str], paths: dict[str, str]) -> IssueTexts:
    """The texts from their files, checked as ``newsletter send`` checks them (raises
    :class:`~store.errors.InvalidInput` whose ``language`` names the file it is about)."""
    bodies = newsletters.read_texts(paths)
    newsletters.prepare(subject, bodies, subjects)
    return IssueTexts(subject, subjects, bodies, paths)


def preview_issue(texts: IssueTexts, settings: Settings) -> IssuePreview:
    """Its readers counted and its mail rendered for a reader of each language, as
    ``newsletter send --dry-run`` does."""
    draft = newsletters.draft(texts.subject, texts.bodies, texts.subjects)
    mails = {
        language: newsletter_preview(draft.newsletter, settings, language) for language in LANGUAGES
    }
    existing = draft.existing.id if draft.existing is not None else None
    return IssuePreview(texts, existing, draft.audience, draft.already, mails)
