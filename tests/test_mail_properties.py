"""Property tests: no input, however mangled, crashes the parser or escapes a disposition."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mailbot.parsing import parse_message
from store.models import DISPOSITIONS
from tests.support.mail import feed

TEXT_FIELDS = (
    "from_address",
    "from_name",
    "subject",
    "body_text",
    "quoted_text",
    "full_text",
    "to_addresses",
    "in_reply_to",
)

SAMPLE = (
    b"From: =?utf-8?q?Maija_V=C3=A4h=C3=A4?= <maija@example.fi>\r\n"
    b"To: tietosuoja@kotkanleffat.fi\r\nSubject: =?iso-8859-1?q?Poistakaa_tiet=F6ni?=\r\n"
    b"Message-ID: <sample@example.fi>\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="outer"\r\n\r\n'
    b'--outer\r\nContent-Type: multipart/alternative; boundary="inner"\r\n\r\n'
    b"--inner\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\nPoistakaa tiet=F6ni=\r\n kiitos\r\n"
    b"--inner\r\nContent-Type: text/html; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\nPHA+UG9pc3Rha2FhIHRpZXTDtm5pPC9wPg==\r\n"
    b'--inner--\r\n--outer\r\nContent-Type: application/pdf; name="a.pdf"\r\n'
    b"Content-Disposition: attachment; filename*=utf-8''todistus%C3%A4.pdf\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--outer--\r\n"
)

GARBAGE_HEADERS = st.sampled_from(
    [
        b'Content-Type: text/plain; charset="x-\xff\xfe"\r\n',
        b"Content-Type: multipart/mixed\r\n",  # no boundary
        b'Content-Type: multipart/mixed; boundary=""\r\n',
        b"Content-Transfer-Encoding: base64\r\n",
        b"Content-Transfer-Encoding: x-uuencode\r\n",
        b"From: =?utf-8?q?=0D=0A?= <@>\r\n",
        b'From: "unterminated <a@b\r\n',
        b"Subject: =?unknown-8bit?b?////?=\r\n",
        b"Date: Thu, 31 Feb 99999 25:61:61 +9999\r\n",
        b"Message-ID: <\x00\xff>\r\n",
        b"References: <<<>>> <a@b> <\r\n",
        b"Content-Disposition: attachment; filename*=bogus''%ZZ\r\n",
        b"\xc3\x28: \xa0\xa1\r\n",
        b" folded continuation without a header\r\n",
    ]
)


@st.composite
def mangled_mime(draw: st.DrawFn) -> bytes:
    data = bytearray(SAMPLE)
    for _ in range(draw(st.integers(0, 6))):
        action = draw(st.sampled_from(["cut", "flip", "insert", "header", "dup"]))
        position = draw(st.integers(0, max(0, len(data) - 1)))
        if action == "cut":
            del data[position:]
        elif action == "flip" and data:
            data[position] = draw(st.integers(0, 255))
        elif action == "insert":
            data[position:position] = draw(st.binary(max_size=40))
        elif action == "header":
            data[0:0] = draw(GARBAGE_HEADERS)
        elif action == "dup":
            data[position:position] = b"\r\n--outer\r\n--inner--\r\n"
    return bytes(data)


def assert_storable(parsed) -> None:
    for name in TEXT_FIELDS:
        value = getattr(parsed, name)
        assert "\x00" not in value
        value.encode("utf-8")  # no lone surrogates: both databases accept it
    for key, value in parsed.headers:
        (key + value).encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_parse(raw):
    assert_storable(parse_message(raw, attachment_max_bytes=1000))


@settings(max_examples=300, deadline=None)
@given(mangled_mime())
def test_mangled_mime_parses(raw):
    parsed = parse_message(raw, attachment_max_bytes=1000)
    assert_storable(parsed)
    assert all(attachment.size >= 0 for attachment in parsed.attachments)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.one_of(mangled_mime(), st.binary(max_size=2000)))
def test_every_mangled_message_gets_one_disposition(db, raw):
    result = feed(raw)
    assert result.message.disposition in DISPOSITIONS
    if result.message.disposition == "quarantined":
        assert result.message.raw_message is not None and result.message.reason


_HEADER_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=90
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(subject="=?utf-8?q?Poisto?=", reference="", text="", html=False, attachment=False)
@example(
    subject="Re:  two  spaces (x)", reference="<a@b> <c@d>", text="ä", html=True, attachment=False
)
@given(
    subject=_HEADER_TEXT,
    reference=st.text(alphabet="<>@.-_=?abcXYZ019 ", max_size=90),
    text=_HEADER_TEXT,
    html=st.booleans(),
    attachment=st.booleans(),
)
def test_the_written_mail_is_byte_for_byte_what_policy_default_writes(
    subject, reference, text, html, attachment
):
    """The headers the writing policy keeps as they are (plain one-line ASCII) are exactly
    what ``policy.default`` would parse and fold them to: the same bytes go out."""
    import email.policy
    from email.message import EmailMessage

    from mailbot import policies

    def written(policy) -> bytes:
        message = EmailMessage(policy=policy)
        message["Subject"] = " ".join(subject.split())
        message["Date"] = "Mon, 07 Dec 2026 06:00:00 +0000"
        message["Message-ID"] = "<rek-0123456789abcdef01234567@kotkanleffat.fi>"
        if reference.strip():
            message["In-Reply-To"] = " ".join(reference.split())
            message["References"] = " ".join(reference.split())
        message.set_content(text or "Hei")
        if html:
            message.add_alternative(f"<p>{text}</p>", subtype="html")
        if attachment:
            message.add_attachment(
                b"%PDF-1.4", maintype="application", subtype="pdf", filename="liite.pdf"
            )
        multiparts = [part for part in message.walk() if part.is_multipart()]
        for number, part in enumerate(multiparts):  # the boundaries are random otherwise
            part.set_boundary(f"==rekisteri-boundary-{number}==")
        return message.as_bytes()

    assert written(policies.DEFAULT) == written(email.policy.default)
