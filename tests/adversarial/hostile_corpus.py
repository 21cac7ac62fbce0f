"""A generated corpus of hostile mail (issue 18, "the suite that keeps it so").

:func:`corpus` returns the same messages, byte for byte, on every run: a seeded random
number generator, no network, no clock.  Each :class:`HostileMail` is raw bytes as an SMTP
server would drop them into a Maildir, in five families:

- ``structure``: MIME that lies about itself (nesting 50 deep, boundaries missing or in the
  body, a thousand parts, message/rfc822 in message/rfc822, wrong or garbage transfer
  encodings, quoted-printable soft breaks after every character);
- ``charset``: unknown and hostile charsets (UTF-7, UTF-16 without a BOM, Latin-1 called
  UTF-8, ISO-2022), RFC 2047 encoded words broken, nested and over-long, RFC 2231 file
  names;
- ``size``: a 100,000-character header line, a 2 MB body, a 200,000-character word, 10,000
  headers, nothing at all, headers only;
- ``controls``: every kind of control sequence (CSI screen paint, OSC 0 window title, OSC 52
  clipboard, C1 controls, bidirectional overrides, NUL, other C0, lone surrogates made by
  broken encodings) in every place a stranger's text enters (subject, From display name,
  body, HTML body, attachment file name, a website-form field, a proposed rectification);
- ``forged``: senders that pose as somebody else (an encoded display name holding another
  address, several From, group syntax, Sender against From, Reply-To elsewhere, failed
  Authentication-Results, a form submission from an outsider, CR/LF in encoded words);

and ``realistic``: a handful of genuine requests from customers in the register (see
:data:`CUSTOMERS`) carrying control characters, which must become requests, reach the
request screen and the data package, and be answered.
"""

from __future__ import annotations

import base64
import quopri
import random
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass

SEED = 18  # issue 18
INBOX = "tietosuoja@kotkanleffat.fi"
FORM_SENDER = "lomake@kotkanleffat.fi"  # mail.website_form_senders in the defaults
OUR_AUTHSERV = "mx.kotkanleffat.fi"  # trusted in the corpus run's configuration
DATE = "Tue, 10 Mar 2026 12:00:00 +0200"

# Control sequences a stranger would use on a staff member's terminal.
CSI_PAINT = "\x1b[2J\x1b[HPuhelinnumero rekisterissä: 040 666 6666 (soita tähän)\x1b[8m"
OSC_TITLE = "\x1b]0;Rekisteri: kaikki kunnossa\x07"
OSC_CLIPBOARD = "\x1b]52;c;cm0gLXJmIH4K\x07"
C1 = "".join(chr(code) for code in range(0x80, 0xA0)) + "\x9b2J\x9d0;otsikko\x9c"
BIDI = "\u202efdp.exe\u202c \u202a\u202b\u202d\u2066\u2067\u2068\u2069"
NUL = "nolla\x00tavu\x00"
C0 = "".join(chr(code) for code in [*range(0x01, 0x09), *range(0x0B, 0x20), 0x7F]) + "\rpiilo"
SURROGATE = "rikki\ud800\udfff\udbff"  # only a broken encoding (UTF-7 here) can carry these

CONTROL_SEQUENCES = {
    "csi": CSI_PAINT,
    "osc0": OSC_TITLE,
    "osc52": OSC_CLIPBOARD,
    "c1": C1,
    "bidi": BIDI,
    "nul": NUL,
    "c0": C0,
    "surrogate": SURROGATE,
}

# The customers the realistic requests come from (created in the register before the run).
CUSTOMERS = {
    "100201": ("Aino", "Korhonen", "aino.korhonen@example.fi"),
    "100202": ("Eero", "Mäkinen", "eero.makinen@example.fi"),
    "100203": ("Helmi", "Nieminen", "helmi.nieminen@example.fi"),
    "100204": ("Onni", "Hämäläinen", "onni.hamalainen@example.fi"),
    "100205": ("Venla", "Laine", "venla.laine@example.fi"),
    "100206": ("Leo", "Heikkinen", "leo.heikkinen@example.fi"),
}
VICTIM = ("100299", "Uhri", "Asiakas", "asiakas.uhri@example.fi")
"""A customer the forged mails pose as."""


@dataclass(frozen=True)
class HostileMail:
    name: str  # "family/what", unique
    raw: bytes
    controls: bool = False  # carries control characters meant for a terminal
    customer_no: str | None = None  # realistic: the customer in the register who wrote it

    @property
    def family(self) -> str:
        return self.name.split("/", 1)[0]


# ---------------------------------------------------------------- building blocks


class _Builder:
    """Raw messages with unique Message-IDs and senders, from one seeded generator."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.count = 0
        self.mails: list[HostileMail] = []

    def words(self, count: int) -> str:
        pool = ("tieto", "pyyntö", "rekisteri", "elokuva", "lippu", "Kotka", "hei", "kiitos")
        return " ".join(self.random.choice(pool) for _ in range(count))

    def token(self) -> str:
        return "".join(
            self.random.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12)
        )

    def add(
        self,
        name: str,
        body: bytes | str = "Haluan nähdä tietoni.",
        *,
        headers: list[tuple[str, str | bytes]] | None = None,
        sender: str | bytes | None = None,
        subject: str | bytes = "Tietopyyntö",
        content_type: str | None = 'text/plain; charset="utf-8"',
        encoding: str | None = "8bit",
        message_id: bool = True,
        raw: bytes | None = None,
        controls: bool = False,
        customer_no: str | None = None,
    ) -> None:
        """A message: From, To, Subject, Date, Message-ID, MIME headers, ``headers``, body.
        ``None`` for ``sender``: a fresh stranger's address; ``raw``: exactly these bytes."""
        self.count += 1
        if raw is None:
            if sender is None:
                sender = f"Lähettäjä {self.count} <h{self.count}.{self.token()}@example.net>"
            lines: list[tuple[str, str | bytes]] = [
                ("From", sender),
                ("To", INBOX),
                ("Subject", subject),
                ("Date", DATE),
            ]
            if message_id:
                lines.append(("Message-ID", f"<hostile-{self.count}.{self.token()}@example.net>"))
            if content_type is not None:
                lines.append(("MIME-Version", "1.0"))
                lines.append(("Content-Type", content_type))
            if encoding is not None:
                lines.append(("Content-Transfer-Encoding", encoding))
            lines.extend(headers or [])
            raw = b"".join(_line(key, value) for key, value in lines) + b"\r\n" + _bytes(body)
        assert all(mail.name != name for mail in self.mails), name
        self.mails.append(HostileMail(name, raw, controls=controls, customer_no=customer_no))


def _bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")


def _line(key: str, value: str | bytes) -> bytes:
    return key.encode() + b": " + _bytes(value) + b"\r\n"


def encoded_word(text: str, how: str = "q") -> str:
    """``text`` as RFC 2047 encoded words (UTF-7 when it holds lone surrogates)."""
    charset = "utf-7" if _has_surrogates(text) else "utf-8"
    data = text.encode(charset)
    if how == "b":
        return f"=?{charset}?b?{base64.b64encode(data).decode()}?="
    quoted = "".join(
        chr(byte) if byte < 0x80 and chr(byte).isalnum() else f"={byte:02X}" for byte in data
    ).replace("=20", "_")
    return f"=?{charset}?q?{quoted}?="


def _has_surrogates(text: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in text)


def _body(text: str) -> tuple[bytes, str, str]:
    """``text`` as a body, its Content-Type and Content-Transfer-Encoding."""
    if _has_surrogates(text):
        return text.encode("utf-7"), 'text/plain; charset="utf-7"', "7bit"
    return text.encode("utf-8"), 'text/plain; charset="utf-8"', "8bit"


def multipart(parts: list[bytes], boundary: str, subtype: str = "mixed") -> tuple[bytes, str]:
    """A multipart body of ``parts`` (each with its own headers) and its Content-Type."""
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    body += b"--" + boundary.encode() + b"--\r\n"
    return body, f'multipart/{subtype}; boundary="{boundary}"'


def text_part(text: str, charset: str = "utf-8") -> bytes:
    return (
        f'Content-Type: text/plain; charset="{charset}"\r\n'.encode()
        + b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        + text.encode(charset, "surrogatepass")
    )


def attachment_part(filename_header: str, data: bytes = b"liite") -> bytes:
    return (
        b"Content-Type: application/octet-stream\r\n"
        + f"Content-Disposition: attachment; {filename_header}\r\n".encode("utf-8", "surrogatepass")
        + b"Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(data)
    )


def rfc2231(filename: str, charset: str = "utf-8") -> str:
    data = filename.encode("utf-7" if _has_surrogates(filename) else charset, "surrogatepass")
    return f"filename*={charset}''{urllib.parse.quote(data, safe='')}"


# ---------------------------------------------------------------- the families


def _structure(b: _Builder) -> None:
    request = text_part("Haluan nähdä tietoni, kaikki mitä teillä on minusta.")
    # 50 levels of multipart, each boundary its own.
    inner = request
    for level in range(50):
        body, ctype = multipart([inner], f"taso{level}")
        inner = f"Content-Type: {ctype}\r\n\r\n".encode() + body
    body, ctype = multipart([inner], "ulkoin")
    b.add("structure/multipart-nested-50", body, content_type=ctype, encoding=None)
    # 50 levels of message/rfc822, then the same alternating with multipart.
    for name, alternate in (("rfc822-nested-50", False), ("rfc822-multipart-alternating-50", True)):
        inner = request
        for level in range(50):
            if alternate and level % 2:
                body, ctype = multipart([inner], f"vaihto{level}")
                inner = f"Content-Type: {ctype}\r\n\r\n".encode() + body
            else:
                inner = (
                    b"Content-Type: message/rfc822\r\n\r\n"
                    + f"From: sisin{level}@example.net\r\nSubject: taso {level}\r\n".encode()
                    + b"MIME-Version: 1.0\r\n"
                    + inner
                )
        b.add(f"structure/{name}", inner.split(b"\r\n\r\n", 1)[1], content_type="message/rfc822")
    forwarded = (
        b"From: Sisempi <sisempi@example.net>\r\nSubject: Sisin viesti\r\n\r\nSisin teksti.\r\n"
    )
    middle = b"From: Keski <keski@example.net>\r\nSubject: Keskimmainen\r\n"
    middle += b"Content-Type: message/rfc822\r\n\r\n" + forwarded
    body, ctype = multipart([request, b"Content-Type: message/rfc822\r\n\r\n" + middle], b.token())
    b.add("structure/rfc822-in-rfc822", body, content_type=ctype, encoding=None)
    b.add(
        "structure/multipart-no-boundary",
        b"--x\r\nContent-Type: text/plain\r\n\r\nHaluan nahda tietoni.\r\n--x--\r\n",
        content_type="multipart/mixed",
        encoding=None,
    )
    b.add(
        "structure/multipart-empty-boundary",
        b"--\r\n\r\nHaluan nahda tietoni.\r\n----\r\n",
        content_type='multipart/mixed; boundary=""',
        encoding=None,
    )
    b.add(
        "structure/multipart-missing-end-boundary",
        b"--raja\r\n" + request + b"\r\n--raja\r\nContent-Type: text/html\r\n\r\n<p>kesken",
        content_type='multipart/mixed; boundary="raja"',
        encoding=None,
    )
    b.add(
        "structure/multipart-no-parts-at-all",
        b"Haluan nahda tietoni, mutta rajaa ei ole.\r\n",
        content_type='multipart/mixed; boundary="puuttuu"',
        encoding=None,
    )
    b.add(
        "structure/boundary-in-body",
        b"--raja\r\nContent-Type: text/plain\r\n\r\nHaluan tietoni.\r\n--raja is here\r\n"
        b"--raja\r\n--raja\r\n\r\n--raja--\r\nepilogi --raja--\r\n--raja--\r\n",
        content_type='multipart/alternative; boundary="raja"',
        encoding=None,
    )
    b.add(
        "structure/boundary-prefix-of-another",
        b"--a\r\n" + request + b"\r\n--ab\r\n" + request + b"\r\n--a--\r\n--ab--\r\n",
        content_type='multipart/mixed; boundary="a"',
        encoding=None,
    )
    tiny = [
        f'Content-Type: text/plain\r\nContent-Disposition: attachment; filename="o{n}.txt"'
        f"\r\n\r\n{n}".encode()
        for n in range(1000)
    ]
    body, ctype = multipart([request, *tiny], "tuhat")
    b.add("structure/thousand-tiny-attachments", body, content_type=ctype, encoding=None)
    body, ctype = multipart([f"\r\n{n}".encode() for n in range(1000)], "osat")
    b.add("structure/thousand-bare-parts", body, content_type=ctype, encoding=None)
    b.add("structure/cte-base64-on-plain-text", "Haluan nähdä tietoni.", encoding="base64")
    b.add(
        "structure/cte-base64-garbage",
        b"!!!!@@@@####$$$$ not base64 at all ***\r\n====\r\n",
        encoding="base64",
    )
    b.add(
        "structure/cte-base64-bad-padding",
        b"SGFsdWFuIG7DpGhkw6QgdGlldG9uaQ=\r\n",
        encoding="base64",
    )
    b.add(
        "structure/cte-base64-decodes-to-controls",
        base64.encodebytes(("Haluan tietoni." + CSI_PAINT + OSC_CLIPBOARD).encode()),
        encoding="base64",
        controls=True,
    )
    b.add(
        "structure/cte-quoted-printable-garbage",
        b"Haluan =ZZ tietoni =\r\n=4 =G1 =\r\n= =",
        encoding="quoted-printable",
    )
    soft = "".join(f"{char}=\r\n" for char in "Haluan nahda tietoni, kiitos.")
    b.add("structure/qp-soft-break-after-every-char", soft, encoding="quoted-printable")
    b.add(
        "structure/qp-encoded-controls",
        quopri.encodestring(("Haluan tietoni. " + CSI_PAINT + OSC_TITLE).encode()),
        encoding="quoted-printable",
        controls=True,
    )
    b.add("structure/cte-unknown", "Haluan nähdä tietoni.", encoding="x-uuencode-evil")
    b.add("structure/cte-7bit-with-8bit-bytes", "Haluan nähdä tietoni ääkkösin.", encoding="7bit")
    b.add(
        "structure/cte-twice",
        "Haluan nähdä tietoni.",
        headers=[("Content-Transfer-Encoding", "quoted-printable")],
        encoding="base64",
    )
    b.add(
        "structure/content-type-twice",
        "Haluan nähdä tietoni.",
        headers=[("Content-Type", 'multipart/mixed; boundary="x"')],
    )
    b.add(
        "structure/content-type-garbage",
        "Haluan nähdä tietoni.",
        content_type='///;;;=="; boundary=; charset',
    )
    b.add(
        "structure/part-headers-garbage",
        b"--r\r\nthis is not a header\r\n: nor this\r\nX\x00Y: z\r\n\r\nteksti\r\n--r--\r\n",
        content_type='multipart/mixed; boundary="r"',
        encoding=None,
    )
    b.add(
        "structure/html-entities-for-controls",
        "<html><body><p>Haluan tietoni.&#27;[2J&#x1b;]52;c;ZXZpbA==&#7;&#x9b;31m"
        "&#x202e;käännetty&#0;&#xd800;</p><script>alert(1)</script></body></html>",
        content_type='text/html; charset="utf-8"',
        controls=True,
    )
    b.add(
        "structure/html-only-processing-instruction",
        "<?xml version='1.0'?>",
        content_type="text/html",
    )
    body, ctype = multipart(
        [b"Content-Type: message/partial; id=x; number=1; total=2\r\n\r\nosa"], "p"
    )
    b.add("structure/message-partial", body, content_type=ctype, encoding=None)
    b.add(
        "structure/message-external-body",
        b"Content-Type: text/plain\r\n\r\n",
        content_type='message/external-body; access-type=URL; URL="http://evil.example/x"',
        encoding=None,
    )
    body, ctype = multipart(
        [request, attachment_part('filename="../../../etc/passwd"', b"root:x:0:0")], "polku"
    )
    b.add("structure/attachment-path-traversal", body, content_type=ctype, encoding=None)
    b.add(
        "structure/multipart-digest-empty",
        b"--d--\r\n",
        content_type='multipart/digest; boundary="d"',
        encoding=None,
    )


def _charsets(b: _Builder) -> None:
    text = "Haluan nähdä tietoni. Ystävällisin terveisin Pääkkönen."
    b.add("charset/unknown-name", text.encode(), content_type='text/plain; charset="x-klingon-9"')
    b.add("charset/empty-name", text.encode(), content_type='text/plain; charset=""')
    b.add(
        "charset/name-with-injection",
        text.encode(),
        content_type='text/plain; charset="utf-8\\"; evil=\\"1"; charset=latin-1',
    )
    b.add("charset/utf-7", text.encode("utf-7"), content_type='text/plain; charset="utf-7"')
    b.add(
        "charset/utf-7-encoded-escape",
        ("Haluan tietoni." + CSI_PAINT).encode("utf-7"),
        content_type='text/plain; charset="utf-7"',
        encoding="7bit",
        controls=True,
    )
    b.add(
        "charset/utf-7-lone-surrogates",
        b"Haluan tietoni +2AA- ja +3/8- ja +2//- loppu",
        content_type='text/plain; charset="utf-7"',
        encoding="7bit",
        controls=True,
    )
    b.add(
        "charset/latin-1-called-utf-8",
        text.encode("latin-1"),
        content_type='text/plain; charset="utf-8"',
    )
    b.add(
        "charset/utf-8-called-latin-1",
        text.encode(),
        content_type='text/plain; charset="iso-8859-1"',
    )
    b.add(
        "charset/undefined-cp1252-bytes",
        b"Haluan tietoni \x81\x8d\x8f\x90\x9d ja \x9b2J",
        content_type='text/plain; charset="windows-1252"',
        controls=True,
    )
    b.add(
        "charset/c1-bytes-called-latin-1",
        b"Haluan tietoni \x9b2J\x9d0;otsikko\x9c loppu",
        content_type='text/plain; charset="iso-8859-1"',
        controls=True,
    )
    b.add(
        "charset/utf-16-no-bom",
        text.encode("utf-16-le"),
        content_type='text/plain; charset="utf-16"',
    )
    b.add(
        "charset/utf-16-odd-length",
        text.encode("utf-16-be") + b"\x00",
        content_type='text/plain; charset="utf-16"',
    )
    b.add(
        "charset/utf-16-lone-surrogate",
        "Haluan tietoni ".encode("utf-16-le") + b"\x00\xd8" + "loppu".encode("utf-16-le"),
        content_type='text/plain; charset="utf-16-le"',
        controls=True,
    )
    b.add("charset/utf-32", text.encode("utf-32"), content_type='text/plain; charset="utf-32"')
    b.add(
        "charset/iso-2022-jp-broken-escapes",
        b"Haluan tietoni \x1b$B\x1b(J\x1b[2J\x1b]0;otsikko\x07",
        content_type='text/plain; charset="iso-2022-jp"',
        encoding="7bit",
        controls=True,
    )
    b.add(
        "charset/subject-raw-latin-1",
        text.encode(),
        subject="Tietopyynt\xf6 p\xe4\xe4st\xe4".encode("latin-1"),
    )
    b.add(
        "charset/from-raw-invalid-utf-8",
        text.encode(),
        sender=b"\xff\xfe\xed\xa0\x80 Rikki <rikki.utf8@example.net>",
    )
    b.add("charset/encoded-word-unterminated", text.encode(), subject="=?utf-8?q?Tietopyynt=C3=B6")
    b.add(
        "charset/encoded-word-unknown-charset", text.encode(), subject="=?x-bogus?q?abc=FF?= pyyntö"
    )
    b.add(
        "charset/encoded-word-bad-base64", text.encode(), subject="=?utf-8?b?!!!*?= =?utf-8?b?SGk?="
    )
    nested = encoded_word(encoded_word("Tietopyyntö " + OSC_TITLE))
    b.add("charset/encoded-word-nested", text.encode(), subject=nested, controls=True)
    b.add(
        "charset/encoded-word-over-long",
        text.encode(),
        subject=" ".join(encoded_word(f"sana{n} ä") for n in range(2000)),
    )
    b.add(
        "charset/encoded-word-one-huge",
        text.encode(),
        subject=encoded_word("ä" * 30_000, "b"),
    )
    b.add(
        "charset/encoded-word-in-address", text.encode(), sender="=?utf-8?q?osoite=40example.net?="
    )
    body, ctype = multipart(
        [
            text_part(text),
            attachment_part(rfc2231("Pääkkönen — tiedot.pdf")),
            attachment_part(
                "filename*0*=utf-8''%C3%A4%C3%A4; filename*1=\"-osa\"; filename*2*=%E2%80%AE.txt"
            ),
            attachment_part("filename*=x-bogus''%FF%FE%1B%5B2J"),
            attachment_part("filename*=utf-8'fi'" + "%41" * 5000),
            attachment_part('filename="=?utf-8?q?=1B]0;otsikko=07nimi.txt?="'),
        ],
        "rfc2231",
    )
    b.add("charset/rfc2231-filenames", body, content_type=ctype, encoding=None, controls=True)


def _sizes(b: _Builder) -> None:
    b.add("size/subject-100k-line", subject="Tietopyyntö " + "x" * 100_000)
    b.add("size/header-100k-line", headers=[("X-Pitka", "y" * 100_000)])
    b.add(
        "size/from-display-name-100k",
        sender="Pitkä " + "n" * 100_000 + " <pitka.nimi@example.net>",
    )
    b.add("size/body-2mb", ("Haluan nähdä tietoni. " + b.words(300_000)).encode()[:2_000_000])
    b.add("size/word-200k", "Haluan tietoni " + "ä" * 200_000)
    b.add("size/headers-10k", headers=[(f"X-Otsake-{n}", f"arvo {n}") for n in range(10_000)])
    b.add(
        "size/references-10k",
        headers=[("References", " ".join(f"<r{n}@x.example>" for n in range(10_000)))],
    )
    b.add("size/body-1mb-of-newlines", b"\r\n" * 500_000 + b"Haluan tietoni.")
    body, ctype = multipart(
        [
            text_part("Haluan tietoni."),
            attachment_part('filename="iso.bin"', bytes(b.random.randbytes(1_000_000))),
        ],
        "iso",
    )
    b.add("size/attachment-1mb", body, content_type=ctype, encoding=None)
    b.add("size/empty", raw=b"")
    b.add("size/one-newline", raw=b"\r\n")
    b.add(
        "size/header-only-no-blank-line",
        raw=f"From: vain.otsakkeet@example.net\r\nSubject: otsakkeet\r\nMessage-ID: <ho-{b.token()}@x>".encode(),
    )
    b.add("size/header-only-blank-line", b"")
    b.add("size/whitespace-body", b" \t \r\n\t\r\n   ")
    b.add("size/binary-garbage", raw=bytes(b.random.randbytes(20_000)))


def _controls(b: _Builder) -> None:
    """Every control sequence in every place a stranger's text enters."""

    def subject(name: str, seq: str) -> None:
        b.add(name, subject=encoded_word("Tietopyyntö " + seq), controls=True)

    def display_name(name: str, seq: str) -> None:
        address = f"ohjaus.{b.token()}@example.net"
        b.add(name, sender=f"{encoded_word('Maija ' + seq)} <{address}>", controls=True)

    def body(name: str, seq: str) -> None:
        data, ctype, cte = _body(f"Haluan nähdä tietoni.\r\n{seq}\r\nKiitos.")
        b.add(name, data, content_type=ctype, encoding=cte, controls=True)

    def html(name: str, seq: str) -> None:
        markup = "".join(f"&#{ord(char)};" if not char.isalnum() else char for char in seq)
        b.add(
            name,
            f"<html><body><p>Haluan nähdä tietoni.</p><p>{markup}</p></body></html>",
            content_type='text/html; charset="utf-8"',
            controls=True,
        )

    def filename(name: str, seq: str) -> None:
        parts = [text_part("Haluan nähdä tietoni, liitteenä hakemus.")]
        if _has_surrogates(seq):
            parts.append(attachment_part(rfc2231(f"hakemus{seq}.pdf", "utf-7")))
        else:
            parts.append(attachment_part(rfc2231(f"hakemus{seq}.pdf")))
        parts.append(attachment_part(f'filename="{encoded_word("toinen" + seq)}"'))
        data, ctype = multipart(parts, b.token())
        b.add(name, data, content_type=ctype, encoding=None, controls=True)

    def form(name: str, seq: str) -> None:
        text = (
            "Lomake: Tietosuojapyyntö\r\n"
            f"Nimi: Maija {seq}Virtanen\r\n"
            f"Sähköposti: lomake.{b.token()}@example.net\r\n"
            f"Puhelin: 040 123{seq} 4567\r\n"
            "Pyyntö: Tietojen tarkastus\r\n"
            f"Viesti: Haluan nähdä tietoni.{seq}\r\nToinen rivi{seq}.\r\n"
        )
        data, ctype, cte = _body(text)
        b.add(
            name,
            data,
            sender=f"Verkkolomake <{FORM_SENDER}>",
            content_type=ctype,
            encoding=cte,
            controls=True,
        )

    def rectification(name: str, seq: str) -> None:
        text = (
            f"Hei, vaihtakaa osoitteekseni Kirkkokatu {seq}5 B 12, 00100 Helsinki.\r\n"
            f"Uusi puhelinnumeroni on 040 765{seq} 4321.\r\n"
            f"Uusi sähköpostini on uusi{seq}osoite@example.net.\r\n"
            f"Sukunimeni on nyt Virta{seq}nen.\r\n"
        )
        data, ctype, cte = _body(text)
        b.add(
            name,
            data,
            subject=encoded_word("Osoitteenmuutos" + seq),
            content_type=ctype,
            encoding=cte,
            controls=True,
        )

    places: dict[str, Callable[[str, str], None]] = {
        "subject": subject,
        "display-name": display_name,
        "body": body,
        "html-body": html,
        "filename": filename,
        "form-field": form,
        "rectification": rectification,
    }
    for place, build in places.items():
        for kind, seq in CONTROL_SEQUENCES.items():
            if place == "html-body" and kind == "surrogate":
                seq = "rikki"  # an HTML entity for a surrogate is the html-entities mail's
            build(f"controls/{place}-{kind}", seq)
    # Raw (unencoded) ESC and C1 bytes in headers, as some clients send them.
    b.add(
        "controls/raw-escape-in-headers",
        subject=b"Tietopyynt\xc3\xb6 \x1b[2J\x1b]0;otsikko\x07 \xc2\x9b31m",
        sender=b"Maija \x1b[31mPunainen\x1b[0m <raaka.ohjaus@example.net>",
        headers=[
            ("X-Mailer", b"\x1b]52;c;ZXZpbA==\x07"),
            ("Reply-To", b"\x1b[8m<piilo@example.net>"),
        ],
        controls=True,
    )
    b.add(
        "controls/bare-cr-hides-a-line",
        b"Haluan tietoni.\rPuhelinnumero: 040 666 6666\r\r\nKiitos.",
        controls=True,
    )


def _forged(b: _Builder) -> None:
    stop = "Lopettakaa suoramarkkinointi, en halua enää uutiskirjettä."
    victim = VICTIM[3]  # a customer in the register
    b.add(
        "forged/encoded-display-name-holds-address",
        stop,
        sender=f"=?utf-8?q?x:{victim},?= <attacker1@evil.example>",
    )
    b.add("forged/display-name-is-address", stop, sender=f'"{victim}" <attacker2@evil.example>')
    b.add("forged/multiple-from", stop, sender=victim, headers=[("From", "attacker3@evil.example")])
    b.add("forged/from-two-mailboxes", stop, sender=f"attacker4@evil.example, {victim}")
    b.add("forged/from-group-syntax", stop, sender=f"Asiakkaat: {victim}, attacker5@evil.example;")
    b.add("forged/from-empty-group", stop, sender="Undisclosed recipients:;")
    b.add("forged/null-sender", stop, sender="<>")
    b.add(
        "forged/no-from",
        raw=f"To: {INBOX}\r\nSubject: ilman lähettäjää\r\nMessage-ID: <nofrom-{b.token()}@x>\r\n\r\n{stop}\r\n".encode(),
    )
    b.add(
        "forged/sender-differs-from-from",
        stop,
        sender=victim,
        headers=[("Sender", "attacker6@evil.example")],
    )
    b.add(
        "forged/reply-to-elsewhere",
        "Haluan nähdä tietoni.",
        sender="attacker7@evil.example",
        headers=[("Reply-To", f"{victim}, attacker7b@evil.example")],
    )
    b.add(
        "forged/authentication-results-fail",
        stop,
        sender=victim,
        headers=[
            (
                "Authentication-Results",
                f"{OUR_AUTHSERV}; spf=fail smtp.mailfrom=example.fi; dkim=fail; dmarc=fail",
            )
        ],
    )
    b.add(
        "forged/authentication-results-untrusted-pass",
        stop,
        sender=victim,
        headers=[("Authentication-Results", "mx.evil.example; spf=pass; dkim=pass; dmarc=pass")],
    )
    b.add(
        "forged/authentication-results-garbage",
        stop,
        sender="garbage.auth@example.net",
        headers=[("Authentication-Results", f"{OUR_AUTHSERV}; ;;; spf=\x1b[2J; dkim=(((; =")],
        controls=True,
    )
    form = (
        "Lomake: Tietosuojapyyntö\r\nNimi: Tilisi on lukittu - avaa http://evil.example/unlock\r\n"
        f"Sähköposti: {victim}\r\nPyyntö: Tietojen poisto\r\nViesti: Poistakaa kaikki.\r\n"
    )
    b.add("forged/form-from-an-outsider", form, sender="attacker8@evil.example")
    b.add(
        "forged/form-from-website-but-authentication-fails",
        form,
        sender=FORM_SENDER,
        headers=[("Authentication-Results", f"{OUR_AUTHSERV}; spf=fail; dmarc=fail")],
    )
    b.add(
        "forged/form-field-header-injection",
        "Lomake: Tietosuojapyyntö\r\nNimi: Evil\rBcc: victim@evil.example\r\n"
        f"Sähköposti: injektio.{b.token()}@example.net\rBcc: v2@evil.example\r\n"
        "Pyyntö: Tietojen tarkastus\r\nViesti: Hei\r\n",
        sender=FORM_SENDER,
        controls=True,
    )
    b.add(
        "forged/crlf-in-encoded-display-name",
        "Haluan nähdä tietoni.",
        sender="=?utf-8?q?Evil=0D=0ABcc:_victim@evil.example=0D=0A?= <crlf.name@example.net>",
        controls=True,
    )
    b.add(
        "forged/crlf-in-encoded-subject",
        "Haluan nähdä tietoni.",
        subject="=?utf-8?q?Tietopyynt=C3=B6=0D=0ABcc:_victim@evil.example=0D=0A=0D=0Arunko?=",
        sender="crlf.subject@example.net",
        controls=True,
    )
    b.add(
        "forged/bidi-in-address",
        "Haluan nähdä tietoni.",
        sender="Maija <\u202elive.example@example.net>",
        controls=True,
    )
    b.add(
        "forged/address-with-controls-encoded",
        "Haluan nähdä tietoni.",
        sender="=?utf-8?q?a=1B=5B2J?=@example.net",
        controls=True,
    )
    b.add(
        "forged/in-reply-to-unknown",
        "Poistakaa tietoni.",
        sender="vastaus.tuntematon@example.net",
        subject="Re: REK-2026-99999",
        headers=[("In-Reply-To", "<ei-meidan@kotkanleffat.fi>")],
    )


def _realistic(b: _Builder) -> None:
    """Genuine requests from customers in the register, each carrying control characters."""
    first, last, email = CUSTOMERS["100201"]
    b.add(
        "realistic/access-with-escape-everywhere",
        f"Hei,\r\nhaluan tarkastaa mitä tietoja teillä on minusta.{OSC_CLIPBOARD}\r\n"
        f"{CSI_PAINT}\r\nTerveisin {first}\r\n",
        subject=encoded_word("Tietopyyntö " + CSI_PAINT),
        sender=f"{encoded_word(f'{first} {last}' + OSC_TITLE)} <{email}>",
        controls=True,
        customer_no="100201",
    )
    first, last, email = CUSTOMERS["100202"]
    b.add(
        "realistic/rectification-with-controls",
        f"Hei,\r\nvaihtakaa osoitteekseni Kirkkokatu 5\x1b[8m B 12, 00100 Helsinki.\r\n"
        f"Uusi puhelinnumeroni on 040 123\u202e4567.\r\nTerveisin {first} {last}\r\n",
        subject="Osoitteenmuutos",
        sender=f"{first} {last} <{email}>",
        controls=True,
        customer_no="100202",
    )
    first, last, email = CUSTOMERS["100203"]
    b.add(
        "realistic/erasure-with-c1-and-bidi",
        f"Poistakaa kaikki tietoni rekisteristänne.{C1}\r\n{BIDI}\r\n{first} {last}\r\n",
        subject="Tietojen poisto \u202e",
        sender=f"{first} {last} <{email}>",
        controls=True,
        customer_no="100203",
    )
    first, last, email = CUSTOMERS["100204"]
    b.add(
        "realistic/objection-with-title-escape",
        f"Lopettakaa suoramarkkinointi, en halua enää uutiskirjettä.{OSC_TITLE}\r\n{first}\r\n",
        subject=encoded_word("Uutiskirje " + OSC_TITLE),
        sender=f"{first} {last} <{email}>",
        controls=True,
        customer_no="100204",
    )
    first, last, email = CUSTOMERS["100205"]
    b.add(
        "realistic/website-form-with-controls",
        "Lomake: Tietosuojapyyntö\r\n"
        f"Nimi: {first} \x1b[2J{last}\r\n"
        f"Sähköposti: {email}\r\n"
        "Puhelin: 040 555\x9b 1234\r\n"
        "Asiakasnumero: 100205\r\n"
        "Pyyntö: Tietojen tarkastus\r\n"
        f"Viesti: Haluan nähdä tietoni.{OSC_CLIPBOARD}\r\nKiitos!\x07\r\n",
        sender=f"Verkkolomake <{FORM_SENDER}>",
        subject="Tietosuojapyyntö verkkosivuilta",
        controls=True,
        customer_no="100205",
    )
    first, last, email = CUSTOMERS["100206"]
    html = (
        f"<html><body><p>Hei, haluan nähdä tietoni.&#27;[2J&#x9b;31m</p>"
        f"<p>Terveisin {first} {last}&#x202e;</p></body></html>"
    )
    body, ctype = multipart(
        [
            f'Content-Type: text/html; charset="utf-8"\r\n\r\n{html}'.encode(),
            attachment_part(rfc2231("hakemus\x1b]0;otsikko\x07.pdf"), b"%PDF-1.4"),
        ],
        "realistic",
    )
    b.add(
        "realistic/html-access-with-escaped-attachment-name",
        body,
        subject=encoded_word("Tietopyyntö\x1b]52;c;ZXZpbA==\x07"),
        sender=f"{first} {last} <{email}>",
        content_type=ctype,
        encoding=None,
        controls=True,
        customer_no="100206",
    )


def corpus(seed: int = SEED) -> list[HostileMail]:
    """The whole corpus, the same bytes for the same seed."""
    builder = _Builder(seed)
    for family in (_structure, _charsets, _sizes, _controls, _forged, _realistic):
        family(builder)
    return builder.mails


def families(mails: list[HostileMail]) -> Iterator[tuple[str, int]]:
    counts: dict[str, int] = {}
    for mail in mails:
        counts[mail.family] = counts.get(mail.family, 0) + 1
    yield from counts.items()
