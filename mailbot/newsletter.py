"""Queueing a newsletter issue: one mail per customer who may receive marketing now.

The mass-mailing machinery (:mod:`mailbot.mailing`) does the queueing, in batches that
commit with their recipient rows, so a crash loses at most the batch in hand and running
``newsletter send`` again continues the same issue; the unique (mailing, customer) index
keeps anyone from getting it twice.  The mailbot's sender delivers the rows, and checks
each one again just before SMTP (:mod:`mailbot.newsletter_checks`).

Each mail is the ``newsletter`` template in the recipient's language: the issue's text in
that language (Finnish when there is none), rendered from Markdown into plain text and HTML
once per language, then the footer: why the person gets it, who sends it, and their two
personal links.  The links are ``mailto:`` links to the privacy inbox with a prefilled
subject and body carrying the customer's token (:mod:`store.tokens`); the unsubscribe link
is also the ``List-Unsubscribe`` header, beside ``List-Id`` and ``Precedence: bulk``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from mailbot.compose import mailbox
from mailbot.mailing import MailSpec, Progress, QueueReport, queue_mailing
from mailbot.markdown import RenderedMarkdown, render_markdown
from mailbot.outgoing import preview
from mailbot.templates import RenderedMail
from store import newsletters, tokens
from store.config import LANGUAGES, Settings
from store.i18n import translate
from store.mailings import Selection
from store.models import Customer, Newsletter

TEMPLATE = newsletters.TEMPLATE
PREVIEW_CUSTOMER_NO = "ESIKATSELU"
"""The customer number of a preview's links: made with the real secret, so a preview shows
the real shape, but no customer has it."""


@dataclass(frozen=True)
class PersonalLinks:
    """The footer's two ``mailto:`` links and what they prefill."""

    address: str  # the privacy inbox
    mydata: str
    unsubscribe: str
    mydata_subject: str
    unsubscribe_subject: str


def personal_links(
    customer_no: str, language: str, settings: Settings, token_keys: tokens.TokenKeys
) -> PersonalLinks:
    address = settings.controller.privacy_inbox or settings.mail.from_address
    prefilled = {}
    for purpose in tokens.PURPOSES:
        token = tokens.make_token(customer_no, purpose, token_keys)
        subject = translate(f"newsletter.link.{purpose}_subject", language, token=token)
        body = translate(f"newsletter.link.{purpose}_body", language, token=token)
        prefilled[purpose] = (subject, mailto(address, subject, body))
    return PersonalLinks(
        address=address,
        mydata=prefilled["mydata"][1],
        unsubscribe=prefilled["unsubscribe"][1],
        mydata_subject=prefilled["mydata"][0],
        unsubscribe_subject=prefilled["unsubscribe"][0],
    )


def mailto(address: str, subject: str, body: str = "") -> str:
    """A ``mailto:`` URL (RFC 6068): the address as is, subject and body percent-encoded
    as UTF-8, line breaks as CRLF."""
    url = f"mailto:{quote(address, safe='@')}?subject={quote(subject, safe='')}"
    if body:
        url += "&body=" + quote(body.replace("\r\n", "\n").replace("\n", "\r\n"), safe="")
    return url


def list_headers(links: PersonalLinks, settings: Settings) -> tuple[tuple[str, str], ...]:
    """RFC 2369 and 2919: the list's id, and the one-mail way off it (the subject alone,
    as a mail client's own "unsubscribe" button sends it)."""
    return (
        ("List-Id", f"{settings.newsletter.from_name} <{settings.newsletter.list_id}>"),
        ("List-Unsubscribe", f"<{mailto(links.address, links.unsubscribe_subject)}>"),
        ("Precedence", "bulk"),
    )


class IssueRenderer:
    """Everything a recipient's mail needs, rendered once per issue and language."""

    def __init__(self, newsletter: Newsletter, settings: Settings) -> None:
        self.newsletter = newsletter
        self.settings = settings
        self.keys = tokens.keys(settings)
        self._versions: dict[str, RenderedMarkdown] = {}
        news = settings.newsletter
        self.sender = mailbox(news.from_name, news.from_address)
        self.reply_to = mailbox(news.from_name, news.reply_to)

    def version(self, language: str) -> tuple[str, RenderedMarkdown]:
        """The issue's language for a reader of ``language``, and its text rendered."""
        chosen = newsletters.body_language(self.newsletter, language)
        if chosen not in self._versions:
            self._versions[chosen] = render_markdown(self.newsletter.bodies[chosen])
        return chosen, self._versions[chosen]

    def context(self, customer_no: str, language: str) -> tuple[dict[str, Any], PersonalLinks]:
        chosen, rendered = self.version(language)
        links = personal_links(customer_no, language, self.settings, self.keys)
        return {
            "newsletter_subject": newsletters.subject_for(self.newsletter, chosen),
            "body_text": rendered.text,
            "body_html": Markup(rendered.html),
            "body_language": chosen,
            "links": links,
        }, links

    def mail_for(self, customer: Customer) -> MailSpec:
        language = customer.language if customer.language in LANGUAGES else "fi"
        context, links = self.context(customer.customer_no, language)
        return MailSpec(
            TEMPLATE,
            language,
            context,
            headers=list_headers(links, self.settings),
            sender=self.sender,
            reply_to=self.reply_to,
        )


def queue_newsletter(
    newsletter: Newsletter,
    *,
    settings: Settings,
    actor: str,
    progress: Progress | None = None,
    batch_size: int | None = None,
) -> QueueReport:
    """Queue the issue to every customer who may receive marketing now and has not had it.

    Running it again (after a crash, or later) adds only the customers still missing:
    those who have given consent since, never anyone twice.
    """
    mailing = newsletters.start_mailing(newsletter, actor)
    renderer = IssueRenderer(newsletter, settings)
    options = {"batch_size": batch_size} if batch_size else {}
    return queue_mailing(
        mailing,
        Selection(marketing=True),
        settings=settings,
        actor=actor,
        mail_for=renderer.mail_for,
        progress=progress,
        **options,
    )


def newsletter_preview(newsletter: Newsletter, settings: Settings, language: str) -> RenderedMail:
    """The mail as a reader of ``language`` would get it, with links nobody has."""
    context, _ = IssueRenderer(newsletter, settings).context(PREVIEW_CUSTOMER_NO, language)
    return preview(TEMPLATE, settings=settings, language=language, **context)
