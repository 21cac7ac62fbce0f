"""Newsletter issues: their texts, their mailing, and what became of their mail.

An issue is its subject and Markdown text in Finnish, and optionally in Swedish and English
(each reader gets their language's text, Finnish when there is none).  The content's
digest identifies it: sending the same texts again continues the same issue, so a run cut
short by a crash or ``Ctrl+C`` is finished by running it again, and nobody gets an issue
twice.  Its recipients are exactly the customers who may receive marketing at the moment
they are queued (:func:`store.consent.marketing_ids`), each checked again just before the
mail leaves.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import peewee

from store import audit, clock, consent, mailings
from store.config import LANGUAGES
from store.errors import InvalidInput, NotFound
from store.i18n import Term
from store.models import (
    Customer,
    Mailing,
    MailingRecipient,
    Newsletter,
    OutboxMail,
    database,
    tuples,
)
from store.staff import require_active

KIND = "newsletter"
TEMPLATE = "newsletter"
"""The mail template (``mailbot/templates/<lang>/newsletter.txt.j2`` and ``.html.j2``)."""

COUNTS = ("queued", "sent", "failed", "skipped")
"""How ``newsletter list`` counts an issue's mail: waiting (``queued`` and ``retry`` in the
outbox), delivered, refused by the server or given up, and stopped by the check before
sending (consent withdrawn, restricted…)."""

_COUNTED_AS = {
    "queued": "queued",
    "retry": "queued",
    "sent": "sent",
    "failed": "failed",
    "skipped": "skipped",
}
SUBJECT_MAX = 200


def content_digest(subjects: Mapping[str, str], bodies: Mapping[str, str]) -> str:
    canonical = json.dumps(
        {"subjects": dict(subjects), "bodies": dict(bodies)}, sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def prepare(
    subject: str, bodies: Mapping[str, str], subjects: Mapping[str, str] | None = None
) -> tuple[dict[str, str], dict[str, str]]:
    """Checked subjects and bodies by language: Finnish required, each language known."""
    subject = " ".join(subject.split())
    if not subject:
        raise InvalidInput("the newsletter needs a subject", key="newsletter.no_subject")
    if len(subject) > SUBJECT_MAX:
        raise InvalidInput(
            "the subject is too long", key="newsletter.subject_too_long", limit=SUBJECT_MAX
        )
    all_subjects = {"fi": subject}
    for language, text in (subjects or {}).items():
        check_language(language)
        if " ".join(text.split()):
            all_subjects[language] = " ".join(text.split())[:SUBJECT_MAX]
    clean: dict[str, str] = {}
    for language, text in bodies.items():
        check_language(language)
        if not text.strip():
            raise InvalidInput(
                f"the {language} text is empty", key="newsletter.empty_body", language=language
            )
        clean[language] = text.replace("\r\n", "\n")
    if "fi" not in clean:
        raise InvalidInput("the Finnish text is required", key="newsletter.no_finnish")
    return all_subjects, clean


_READ_PROBLEMS: tuple[tuple[type[Exception], str], ...] = (
    (FileNotFoundError, "missing"),
    (IsADirectoryError, "folder"),
    (PermissionError, "permission"),
    (UnicodeDecodeError, "not_utf8"),
)


def read_text(path: str | Path, language: str) -> str:
    """The ``language`` text of an issue from its Markdown file (UTF-8, a BOM allowed).

    Refused with ``newsletter.file_unreadable`` and the reason in words (no such file, a
    folder, no permission, not UTF-8); the error's ``language`` says which text it was, so
    a form can show the refusal beside that file's field.
    """
    path = Path(path).expanduser()
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        reason: Term | str = str(error)
        for kind, name in _READ_PROBLEMS:
            if isinstance(error, kind):
                reason = Term(f"newsletter.read_problem.{name}")
        raise InvalidInput(
            f"cannot read {path}: {error}",
            key="newsletter.file_unreadable",
            path=str(path),
            error=reason,
            language=language,
        ) from None


def read_texts(files: Mapping[str, str | Path]) -> dict[str, str]:
    """The issue's texts by language, read from their files (each language checked first)."""
    for language in files:
        check_language(language)
    return {language: read_text(path, language) for language, path in files.items()}


def is_newsletter_mail(message_ids: Iterable[str]) -> bool:
    """Whether any of ``message_ids`` (a reply's In-Reply-To and References) is an issue
    of the newsletter that we sent."""
    wanted = [message_id for message_id in message_ids if message_id]
    return (
        bool(wanted)
        and OutboxMail.select()
        .where(OutboxMail.message_id.in_(wanted[:50]) & (OutboxMail.template == TEMPLATE))
        .exists()
    )


def check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise InvalidInput(
            f"unknown language {language!r}",
            key="newsletter.bad_language",
            language=language,
            allowed=", ".join(LANGUAGES),
        )


def find_or_create(
    subject: str, bodies: Mapping[str, str], actor: str, subjects: Mapping[str, str] | None = None
) -> tuple[Newsletter, bool]:
    """The issue with these texts, created (and audited) unless it exists; True if new."""
    require_active(actor)
    all_subjects, clean = prepare(subject, bodies, subjects)
    digest = content_digest(all_subjects, clean)
    found = Newsletter.get_or_none(Newsletter.digest == digest)
    if found is not None:
        return found, False
    try:
        with database.atomic():
            newsletter = Newsletter.create(
                subject=all_subjects["fi"],
                subjects=all_subjects,
                bodies=clean,
                digest=digest,
                created_at=clock.now(),
                created_by=actor,
            )
            audit.record(
                "newsletter.created", actor, newsletter=newsletter.id, languages=sorted(clean)
            )
    except peewee.IntegrityError:  # the same texts, created a moment ago by another run
        return Newsletter.get(Newsletter.digest == digest), False
    return newsletter, True


def get_newsletter(newsletter_id: int | str) -> Newsletter:
    try:
        number = int(newsletter_id)
    except (TypeError, ValueError):
        number = 0
    newsletter = Newsletter.get_or_none(Newsletter.id == number)
    if newsletter is None:
        raise NotFound(
            f"no newsletter {newsletter_id}", key="newsletter.not_found", id=newsletter_id
        )
    return newsletter


def body_language(newsletter: Newsletter, language: str) -> str:
    """The language of the text a reader of ``language`` gets: theirs, else Finnish."""
    return language if language in newsletter.bodies else "fi"


def subject_for(newsletter: Newsletter, language: str) -> str:
    return newsletter.subjects.get(language) or newsletter.subject


def find_mailing(newsletter: Newsletter) -> Mailing | None:
    return mailings.find_mailing(KIND, newsletter_id=newsletter.id)


def start_mailing(newsletter: Newsletter, actor: str) -> Mailing:
    require_active(actor)
    return mailings.start_mailing(KIND, TEMPLATE, actor, newsletter_id=newsletter.id)


def audience(newsletter: Newsletter | None = None) -> dict[str, int]:
    """Who would get the issue now, by language, leaving out those who already did."""
    query = Customer.select(Customer.language, peewee.fn.COUNT(Customer.id)).where(
        Customer.id.in_(consent.marketing_ids())
    )
    mailing = find_mailing(newsletter) if newsletter is not None else None
    if mailing is not None:
        query = query.where(
            Customer.id.not_in(
                MailingRecipient.select(MailingRecipient.customer).where(
                    MailingRecipient.mailing == mailing
                )
            )
        )
    counts: Counter[str] = Counter()
    for language, count in tuples(query.group_by(Customer.language), tuple[str, int]):
        counts[language if language in LANGUAGES else "fi"] += count
    return dict(counts)


@dataclass(frozen=True)
class Draft:
    """An issue before it is queued: what ``newsletter send --dry-run`` and the TUI's
    preview show."""

    newsletter: Newsletter  # not saved: the texts checked, as the issue would hold them
    existing: Newsletter | None  # the issue these same texts already are, if any
    audience: dict[str, int]  # who would get it now, by language (every language listed)
    already: int  # of those who may receive marketing now, queued or sent it before

    @property
    def total(self) -> int:
        return sum(self.audience.values())


def draft(
    subject: str, bodies: Mapping[str, str], subjects: Mapping[str, str] | None = None
) -> Draft:
    """The issue these texts make, checked, and its readers counted; nothing is saved."""
    all_subjects, clean = prepare(subject, bodies, subjects)
    digest = content_digest(all_subjects, clean)
    existing = Newsletter.get_or_none(Newsletter.digest == digest)
    counts = audience(existing)
    mailing = find_mailing(existing) if existing is not None else None
    already = mailings.plan(mailing, mailings.Selection(marketing=True)).already
    return Draft(
        newsletter=Newsletter(
            subject=all_subjects["fi"], subjects=all_subjects, bodies=clean, digest=digest
        ),
        existing=existing,
        audience={language: counts.get(language, 0) for language in LANGUAGES},
        already=already,
    )


def newsletter_rows() -> list[dict[str, Any]]:
    """``newsletter list --json``: one dict per issue, newest first (names are a contract)."""
    issues = list(Newsletter.select().order_by(Newsletter.id.desc()))
    by_issue = {row.newsletter_id: row for row in Mailing.select().where(Mailing.kind == KIND)}
    counts = mailings.status_counts(mailing.id for mailing in by_issue.values())
    rows = []
    for newsletter in issues:
        mailing = by_issue.get(newsletter.id)
        summary = dict.fromkeys(COUNTS, 0)
        for status, count in (counts.get(mailing.id, {}) if mailing else {}).items():
            summary[_COUNTED_AS.get(status, "queued")] += count
        rows.append(
            {
                "id": newsletter.id,
                "subject": newsletter.subject,
                "languages": sorted(newsletter.bodies, key=LANGUAGES.index),
                "created_at": clock.iso(newsletter.created_at),
                "created_by": newsletter.created_by,
                "recipients": sum(summary.values()),
                "counts": summary,
                "last_queued_at": clock.iso(mailing.last_queued_at) if mailing else None,
            }
        )
    return rows
