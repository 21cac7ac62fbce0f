"""Telling customers about a breach (Art. 34): the ``breach_notice`` mail to each one chosen.

Each person gets the notice in their language when the breach's notice texts exist in it,
otherwise in Finnish (:func:`store.breaches.notice_language`).  The mass-mailing machinery
(:mod:`mailbot.mailing`) does the queueing; the mailbot's sender delivers.
"""

from __future__ import annotations

from mailbot.mailing import MailSpec, Progress, QueueReport, queue_mailing
from mailbot.outgoing import preview
from mailbot.templates import RenderedMail
from store import breaches
from store.config import LANGUAGES, Settings
from store.mailings import Selection
from store.models import Breach, Customer

TEMPLATE = breaches.NOTICE_TEMPLATE


def notice_preview(
    breach: Breach, settings: Settings, language: str, name: str = ""
) -> RenderedMail:
    """The notice as a customer writing in ``language`` would get it (maybe in Finnish)."""
    language = breaches.notice_language(breach, language)
    return preview(
        TEMPLATE,
        settings=settings,
        language=language,
        name=name,
        **breaches.notice_context(breach, language),
    )


def queue_breach_notices(
    breach: Breach,
    selection: Selection,
    *,
    settings: Settings,
    actor: str,
    decided_by: str | None = None,
    progress: Progress | None = None,
    batch_size: int | None = None,
) -> QueueReport:
    """Queue one notice for every chosen customer who has not had one about this breach.

    ``decided_by`` names the person who started it, for the people decision recorded when
    none was (:func:`store.breaches.start_notices`).
    """
    mailing = breaches.start_notices(breach, actor, decided_by)
    chosen = {language: breaches.notice_language(breach, language) for language in LANGUAGES}
    contexts = {
        language: breaches.notice_context(breach, language) for language in set(chosen.values())
    }

    def mail_for(customer: Customer) -> MailSpec:
        language = chosen.get(customer.language, "fi")
        return MailSpec(TEMPLATE, language, {**contexts[language], "name": customer.name})

    options = {"batch_size": batch_size} if batch_size else {}
    return queue_mailing(
        mailing,
        selection,
        settings=settings,
        actor=actor,
        mail_for=mail_for,
        progress=progress,
        **options,
    )
