"""Parsing what mail clients really send: lying charsets, encoded words, refused headers,
HTML-only mail, quotes and signatures, and the website form."""

from __future__ import annotations

from mailbot.forms import parse_form
from mailbot.parsing import parse_message


def parse(raw: bytes, cap: int = 10_000_000):
    return parse_message(raw, attachment_max_bytes=cap)


def plain(body: bytes, charset: str | None = "utf-8", headers: bytes = b"") -> bytes:
    content_type = b"text/plain" + (b"; charset=" + charset.encode() if charset else b"")
    return (
        b"From: Maija <maija@example.fi>\r\nSubject: testi\r\nMessage-ID: <p@example.fi>"
        b"\r\n"
        + headers
        + b"Content-Type: "
        + content_type
        + b"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + body
    )


def test_a_utf8_label_on_latin1_bytes_still_reads_as_finnish():
    assert (
        parse(plain("Päivää, poistakaa tietoni".encode("latin-1"))).body_text
        == "Päivää, poistakaa tietoni"
    )


def test_a_latin1_label_on_utf8_bytes_is_read_as_utf8():
    assert parse(plain("Hyvää päivää".encode(), "iso-8859-1")).body_text == "Hyvää päivää"


def test_an_unknown_charset_falls_back_sensibly():
    assert (
        parse(plain("Hälsningar från Åbo".encode(), "x-mac-nonsense")).body_text
        == "Hälsningar från Åbo"
    )
    assert parse(plain("Tack så mycket".encode("cp1252"), "us-ascii")).body_text == "Tack så mycket"


def test_a_windows_1252_message_from_an_old_client():
    raw = plain("Pyydän tietojeni tarkastusta – kiitos “heti”.".encode("cp1252"), "iso-8859-1")
    assert parse(raw).body_text == "Pyydän tietojeni tarkastusta – kiitos “heti”."


def test_encoded_word_headers_are_decoded():
    raw = (
        b"From: =?utf-8?b?SsO2cmFuIMOFYmVyZw==?= <joran@example.se>\r\n"
        b"Subject: =?iso-8859-1?q?Radering_av_mina_uppgifter_=E5_=E4?=\r\n"
        b"Message-ID: <e@example.se>\r\n\r\nhej\r\n"
    )
    parsed = parse(raw)
    assert parsed.from_name == "Jöran Åberg"
    assert parsed.from_address == "joran@example.se"
    assert parsed.subject == "Radering av mina uppgifter å ä"


def test_a_header_the_policy_refuses_is_read_and_cleaned():
    # An encoded CR/LF in a display name makes email.policy.default raise on access.
    raw = (
        b"From: =?utf-8?q?Evil=0D=0ABcc=3A_victim=40example=2Ecom?= <evil@example.com>\r\n"
        b"Subject: =?utf-8?q?rivi=0D=0AX-Injected=3A_1?=\r\nMessage-ID: <h@example.com>"
        b"\r\n\r\npoistakaa tietoni\r\n"
    )
    parsed = parse(raw)
    assert parsed.from_address == "evil@example.com"
    assert all("\r" not in value and "\n" not in value for _, value in parsed.headers)
    assert "\n" not in parsed.subject and "X-Injected" in parsed.subject
    assert parsed.body_text == "poistakaa tietoni"


def test_raw_eight_bit_headers_are_decoded():
    raw = "From: Jöran <j@example.se>\r\nSubject: Hälsning\r\n\r\nhej\r\n".encode()
    parsed = parse(raw)
    assert (parsed.from_name, parsed.subject) == ("Jöran", "Hälsning")


def test_html_only_mail_becomes_text():
    raw = (
        b"From: a@example.com\r\nSubject: x\r\nContent-Type: text/html; charset=utf-8\r\n"
        b"\r\n<html><head><style>p{color:red}</style></head><body><p>Hello,</p>"
        b"<p>please <b>delete my account</b> &amp; data.</p><div>Thanks,<br>Jo</div>"
        b"</body></html>"
    )
    text = parse(raw).body_text
    assert "please delete my account & data." in text
    assert "<" not in text and "color" not in text
    assert text.splitlines()[0] == "Hello,"


def test_the_plain_alternative_is_preferred():
    raw = (
        b"From: a@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/alternative; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nplain words\r\n--b\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>html words</p>\r\n--b--\r\n"
    )
    assert parse(raw).body_text == "plain words"


def test_quoted_replies_in_three_languages_are_kept_apart():
    cases = {
        "On Tue, 3 Mar 2026 at 10:15, Kotkan Leffat <news@kotkanleffat.fi> wrote:\n> Check": "Stop sending these.",
        "Den tis 3 mars 2026 kl 10:15 skrev Kotkan Leffat <news@kotkanleffat.fi>:\n> Kolla": "Stop sending these.",
        "-----Alkuperäinen viesti-----\nLähettäjä: Kotkan Leffat\nAihe: Uutiskirje": "Stop sending these.",
        "Lähettäjä: Kotkan Leffat <news@kotkanleffat.fi>\nLähetetty: 3. maaliskuuta 2026\n"
        "Aihe: Uutiskirje\n\nHaluatko tarkistaa tietosi?": "Stop sending these.",
    }
    for quote, written in cases.items():
        parsed = parse(plain(f"{written}\n\n{quote}\n".encode()))
        assert parsed.body_text == written, quote
        assert parsed.quoted_text.startswith(quote.splitlines()[0]), quote


def test_signatures_are_kept_apart():
    for signature in (
        "-- \nMaija Virtanen\n040 123 4567",
        "Sent from my iPhone",
        "Lähetetty iPhonesta",
        "Skickat från min iPhone",
    ):
        parsed = parse(plain(f"Poistakaa tietoni.\n\n{signature}\n".encode()))
        assert parsed.body_text == "Poistakaa tietoni."
        assert parsed.quoted_text == signature


def test_message_ids_give_the_dedupe_key():
    assert parse(plain(b"x")).dedupe_key == "<p@example.fi>"
    without = parse(b"From: a@example.fi\r\n\r\nbody")
    assert without.message_id is None and without.dedupe_key.startswith("sha256:")
    long_id = b"<" + b"x" * 400 + b"@example.fi>"
    huge = parse(b"Message-ID: " + long_id + b"\r\n\r\nbody")
    assert huge.dedupe_key.startswith("mid-sha256:") and len(huge.dedupe_key) < 255


def test_the_form_in_finnish_and_in_english():
    finnish = parse_form(
        "Lomake: Tietosuojapyyntö\nNimi: Maija Virtanen\nSähköposti: "
        "maija@example.fi\nPuhelin: 040 123 4567\nAsiakasnumero: 100042\n"
        "Pyyntö: Tietojen poisto\nViesti: Poistakaa kaikki.\nKiitos: hei\n"
    )
    assert finnish is not None and finnish.kind == "erasure"
    assert finnish.fields == {
        "form": "Tietosuojapyyntö",
        "name": "Maija Virtanen",
        "email": "maija@example.fi",
        "phone": "040 123 4567",
        "customer_no": "100042",
        "request": "Tietojen poisto",
        "message": "Poistakaa kaikki.\nKiitos: hei",
    }
    english = parse_form(
        "FORM: Privacy request\nemail: jo@example.com\nrequest: Stop "
        "marketing\nmessage: no more mail"
    )
    assert english is not None and english.kind == "objection"
    unknown = parse_form("Form: x\nRequest: something else\nMessage: hi")
    assert unknown is not None and unknown.kind is None  # the classifier decides
    assert parse_form("Nimi: Maija\nViesti: not the form's first line") is None


def test_a_mails_headers_are_parsed_once_while_it_is_read_and_few_are_kept():
    """The reading policy parses a header once (a mail's Content-Type is read some ten
    times), keeps only the last few hundred, and never keeps an over-long value."""
    from mailbot.policies import READING

    registry = READING.header_factory
    first = registry("Content-Type", 'text/plain; charset="utf-8"')
    assert registry("Content-Type", 'text/plain; charset="utf-8"') is first
    assert first.content_type == "text/plain" and first.params["charset"] == "utf-8"
    assert registry("content-type", 'text/plain; charset="utf-8"').name == "content-type"
    long_subject = "x" * 2000
    assert registry("Subject", long_subject) is not registry("Subject", long_subject)
    for number in range(registry.REMEMBERED + 10):
        registry("Subject", f"Pyyntö {number}")
    assert len(registry._remembered) == registry.REMEMBERED
    assert registry("Content-Type", 'text/plain; charset="utf-8"') is not first  # gone
