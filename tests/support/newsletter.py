"""Newsletter test helpers: subscribers, and what a reader's mail client does with a link.

A ``mailto:`` link is followed the way a mail program follows it (RFC 6068): a new message
to the address, with the subject and body the link prefills, from the reader's own address.
"""

from __future__ import annotations

import html
import re
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from store.consent import record_consent
from store.models import Customer
from tests.support.factories import make_customer
from tests.support.mail import INBOX, make_mail

MAILTO = re.compile(r"<(mailto:[^>\s]+)>")
HREF = re.compile(r'href="(mailto:[^"]+)"')


def subscriber(
    number: int, *, language: str = "fi", consent: bool = True, email: str | None = None
) -> Customer:
    customer = make_customer(
        first_name="Tilaaja",
        last_name=f"Numero{number}",
        email=email or f"tilaaja{number}@example.fi",
        phone=None,
        customer_no=f"{200000 + number}",
        language=language,
        sources=("newsletter",),
    )
    if consent:
        record_consent(
            customer,
            "marketing",
            True,
            channel="newsletter_signup",
            actor="@test",
            evidence="test signup",
        )
    return customer


def text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")  # as SMTP carried it


def html_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def footer_links(message: EmailMessage) -> list[str]:
    """The mailto links of the text part, in order: "see or change", then "stop"."""
    return MAILTO.findall(text_part(message))


def html_links(message: EmailMessage) -> list[str]:
    return [html.unescape(link) for link in HREF.findall(html_part(message))]


def follow(link: str, sender: str, **options: object) -> bytes:
    """The message a mail client sends when its reader clicks ``link`` and presses send."""
    parts = urlsplit(link)
    assert parts.scheme == "mailto"
    assert unquote(parts.path) == INBOX  # the privacy inbox, where the mailbot reads
    fields = parse_qs(parts.query, keep_blank_values=True)
    subject = fields.get("subject", [""])[0]
    body = fields.get("body", [""])[0].replace("\r\n", "\n")
    return make_mail(sender, subject=subject, body=body or "\n", **options)  # type: ignore[arg-type]
