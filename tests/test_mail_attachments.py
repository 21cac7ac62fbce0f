"""A letter sent as an attachment (issue 14: "a one-line body ('katso liite', 'see
attached') with a PDF, DOCX, ODT, RTF or text attachment: the attachment's text is read and
classified like a body; a scanned PDF without a text layer is flagged for staff").

The letters are the cited corpus's own (tests/corpus/cited/, each citing the authority's or
consumer organisation's page its wording comes from), moved out of the body into a real file
of each format; the body says only that the letter is attached.  Before, attachments were
kept but never read: each of these became *Muu* with no acknowledgement."""

from __future__ import annotations

import email
import email.policy
import tomllib
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from mailbot import attachments
from store.models import Request
from tests.support.documents import (
    docx_with,
    odt_with,
    pdf_with_text,
    rtf_with,
    scanned_pdf,
)
from tests.support.mail import feed

CITED = Path(__file__).parent / "corpus" / "cited"
MANIFEST = tomllib.loads((CITED / "MANIFEST.toml").read_text(encoding="utf-8"))

FORMATS = {
    "pdf": ("application/pdf", pdf_with_text),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        docx_with,
    ),
    "odt": ("application/vnd.oasis.opendocument.text", odt_with),
    "rtf": ("application/rtf", rtf_with),
    "txt": ("text/plain", lambda text: text.encode("utf-8")),
}
COVER = {
    "fi": "Hei,\n\npyyntöni on liitteenä.\n",
    "en": "Hello,\n\nplease see the attached letter.\n",
}


def cited_letter(name: str) -> tuple[str, str]:
    """The cited mail's own words and its sender."""
    parsed = email.message_from_bytes(
        (CITED / f"{name}.eml").read_bytes(), policy=email.policy.default
    )
    return parsed.get_body(("plain",)).get_content(), str(parsed["From"])


def with_attachment(
    sender: str, cover: str, filename: str, content_type: str, data: bytes
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "tietosuoja@kotkanleffat.fi"
    message["Subject"] = "Liite" if "liite" in cover else "Letter"
    message["Message-ID"] = make_msgid(domain="example.fi")
    message.set_content(cover)
    maintype, _, subtype = content_type.partition("/")
    message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


@pytest.mark.parametrize(
    ("form", "name"),
    [
        ("pdf", "fi-access-tsv-ajanjakso-pdf"),
        ("docx", "fi-erasure-tsv-grounds"),
        ("odt", "en-access-ico-checklist"),
        ("rtf", "fi-rect-tsv-verbatim"),
        ("txt", "en-objection-which-article21"),
    ],
)
def test_the_letter_in_an_attachment_is_read_like_a_body(db, form, name):
    content_type, build = FORMATS[form]
    letter, sender = cited_letter(name)
    language = MANIFEST[name]["language"]
    raw = with_attachment(sender, COVER[language], f"pyynto.{form}", content_type, build(letter))
    result = feed(raw)
    request = Request.get_by_id(result.message.request_id)
    kinds = {
        row.kind
        for row in Request.select().where(
            (Request.id == request.id) | (Request.part_of == request.id)
        )
    }
    assert kinds == set(MANIFEST[name]["kinds"])
    assert request.language == language
    assert result.queued == 1  # acknowledged, as the same letter in the body would be
    assert not result.message.needs_attention


def test_a_scanned_letter_is_shown_to_staff_not_guessed(db):
    raw = with_attachment(
        "Aino Aaltonen <aino.aaltonen@example.fi>",
        COVER["fi"],
        "skannattu.pdf",
        "application/pdf",
        scanned_pdf(),
    )
    message = feed(raw).message
    assert message.needs_attention
    assert message.attention_reason == "scanned_attachment"
    assert Request.get_by_id(message.request_id).kind == "other"


def test_a_damaged_attachment_is_named_and_the_mail_still_gets_its_disposition(db):
    raw = with_attachment(
        "Aino Aaltonen <aino.aaltonen@example.fi>",
        COVER["fi"],
        "pyynto.pdf",
        "application/pdf",
        b"%PDF-1.7\n" + b"\x00garbage" * 500,
    )
    message = feed(raw).message
    assert message.disposition == "new_request"
    assert message.attention_reason == "unreadable_attachment"


def test_a_long_letter_in_the_body_does_not_open_its_attachments():
    """The body says what it asks by itself; a signature's logo or a ticket PDF beside a
    whole letter is never read."""
    body = "Hei,\n\n" + "Haluan tarkastaa tietoni. " * 30
    raw = with_attachment(
        "A <a@example.fi>",
        body,
        "lippu.pdf",
        "application/pdf",
        pdf_with_text("Poistakaa kaikki tietoni."),
    )
    from mailbot.parsing import parse_message

    parsed = parse_message(raw, attachment_max_bytes=10_000_000)
    assert parsed.attached_letter().text == ""
    assert "Poistakaa" not in parsed.reading()[0]


def test_rtf_reading_is_linear_and_bounded():
    """A hostile RTF (deep groups, a million control words) is read in one pass and cut."""
    hostile = (
        b"{\\rtf1" + b"{" * 50_000 + b"\\b\\i " * 200_000 + b"x" * 100_000 + b"}" * 50_000 + b"}"
    )
    text = attachments._rtf(hostile)
    assert len(text) <= 2 * attachments.MAX_CHARS + 4096
