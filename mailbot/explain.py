"""What the mailbot would decide for a mail, without a database: ``rekisteri classify``.

Staff and maintainers use it to see why a mail became what it did (or would): the
disposition, the kinds, the languages, the requester, the confidence and the evidence (the
sentences or article citations that scored each kind).  It runs the ingest's own rules
(:func:`mailbot.automatic.ignore_reason`, :func:`mailbot.ingest.classification_of`,
:func:`mailbot.ingest.requester_of`); only what needs the register is left out: whether the
mail continues a request already in the queue, whether it replies to a newsletter we sent
(a bare "stop" then means the newsletter), and which customer it matches.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from mailbot.automatic import ignore_reason
from mailbot.ingest import classification_of, requester_of
from mailbot.parsing import read_message
from store.config import Settings


@dataclass(frozen=True)
class MailDecision:
    name: str
    disposition: str  # "ignored" or "new_request" (a reply in a known thread needs the DB)
    reason: str | None  # why it is ignored
    kinds: list[str]  # the request's kind, and "objection" when one is made beside it
    marketing: bool  # a marketing objection, applied at once
    acknowledged: bool  # an acknowledgement would be queued
    answer_language: str
    written_language: str
    confidence: float
    requester_email: str | None
    requester_name: str
    forwarded_by_staff: bool
    subject: str
    evidence: dict[str, list[str]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def decide(
    name: str, raw: bytes, settings: Settings, *, replies_to_newsletter: bool = False
) -> MailDecision:
    """``replies_to_newsletter``: what the ingest would find in the database (the bench
    passes the corpus's label; the command line cannot know and says no)."""
    parsed = read_message(raw, settings)
    reason = ignore_reason(parsed, settings)
    result = classification_of(parsed, settings, replies_to_newsletter=replies_to_newsletter)
    email, requester_name, passed_on = requester_of(parsed, settings)
    kinds = [result.kind, *result.also_kinds] + (["objection"] if result.also_objection else [])
    return MailDecision(
        name=name,
        disposition="ignored" if reason else "new_request",
        reason=reason,
        kinds=[] if reason else kinds,
        marketing=result.marketing and not reason,
        acknowledged=reason is None and result.kind != "other",
        answer_language=result.language,
        written_language=result.written_language,
        confidence=result.confidence,
        requester_email=email,
        requester_name=requester_name,
        forwarded_by_staff=passed_on,
        subject=parsed.subject,
        evidence={} if reason else result.evidence,
    )
