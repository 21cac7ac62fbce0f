"""The letter sent as an attachment: "katso liite", "see attached" above a PDF, a Word or
OpenDocument file, an RTF or a text file.  Its text is read and classified like a body.

Every reader is bounded: the attachment size cap of ``mail.attachment_max_bytes`` (the
parser drops what is over it), at most :data:`MAX_PAGES` pages of a PDF, at most
:data:`MAX_CHARS` characters of text, and the message's own time budget
(``mail.message_seconds_max``) around it all, since the text is read while the message is
classified, not while it is parsed.  A file a reader cannot open (encrypted, damaged, a
format we do not read) is named, never guessed at; a PDF with pages but no text layer (a
scan) is named too, so staff read it themselves.

Readers: pypdf for PDF (pure Python, reads the text layer), python-docx for DOCX, the
OpenDocument ``content.xml`` through the standard library's XML parser for ODT, and a small
RTF reader here (control words, ``\\'hh`` and ``\\u`` escapes, skipped destinations).
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol
from xml.etree import ElementTree

from mailbot.text import decode_bytes, storable

MAX_PAGES = 20
MAX_CHARS = 20_000
READ_WHEN_WRITTEN_UNDER = 400
"""Attachments are read when the person's own text is shorter than this (a one-line
"see attached"); a full letter in the body says what it asks by itself."""

PDF = "pdf"
DOCX = "docx"
ODT = "odt"
RTF = "rtf"
TEXT = "text"

_BY_TYPE = {
    "application/pdf": PDF,
    "application/x-pdf": PDF,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": DOCX,
    "application/vnd.oasis.opendocument.text": ODT,
    "application/rtf": RTF,
    "application/x-rtf": RTF,
    "text/rtf": RTF,
    "text/richtext": RTF,
    "text/plain": TEXT,
}
_BY_EXTENSION = {".pdf": PDF, ".docx": DOCX, ".odt": ODT, ".rtf": RTF, ".txt": TEXT}


@dataclass(frozen=True)
class AttachmentReading:
    text: str  # the attachments' text, one after the other (sanitised, bounded)
    read: tuple[str, ...] = ()  # file names whose text was read
    scanned: tuple[str, ...] = ()  # PDFs with pages but no text layer: staff read them
    unreadable: tuple[str, ...] = ()  # files a reader could not open


class _Attachment(Protocol):  # the parser's ParsedAttachment, as far as readers need it
    @property
    def filename(self) -> str: ...
    @property
    def content_type(self) -> str: ...
    @property
    def data(self) -> bytes | None: ...


def format_of(filename: str, content_type: str) -> str | None:
    """The reader for a file (by its type, else by its name), or None."""
    known = _BY_TYPE.get(content_type.lower())
    if known is not None and known != TEXT:
        return known
    name = filename.lower()
    for extension, found in _BY_EXTENSION.items():
        if name.endswith(extension):
            return found
    if known == TEXT and not name:
        return None  # an unnamed text part is the body's alternative, not a letter
    return known


def read_attachments(attachments: Iterable[_Attachment]) -> AttachmentReading:
    texts: list[str] = []
    read: list[str] = []
    scanned: list[str] = []
    unreadable: list[str] = []
    budget = MAX_CHARS
    for attachment in attachments:
        kind = format_of(attachment.filename, attachment.content_type)
        if kind is None or attachment.data is None or budget <= 0:
            continue
        name = attachment.filename or kind
        try:
            text = _READERS[kind](attachment.data)
        except _Scanned:
            scanned.append(name)
            continue
        except Exception:  # a damaged, encrypted or hostile file: named, not guessed
            unreadable.append(name)
            continue
        text = storable(text).strip()[:budget]
        if text:
            texts.append(text)
            read.append(name)
            budget -= len(text)
    return AttachmentReading("\n\n".join(texts), tuple(read), tuple(scanned), tuple(unreadable))


class _Scanned(Exception):
    """A PDF with pages and no text layer."""


def _pdf(data: bytes) -> str:
    from pypdf import PdfReader  # imported when a PDF arrives: ~60 ms once

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # a damaged file's chatter
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        reader.decrypt("")  # many "protected" PDFs open with the empty password
    pages = reader.pages
    texts = []
    total = 0
    for number in range(min(len(pages), MAX_PAGES)):
        text = pages[number].extract_text() or ""
        texts.append(text)
        total += len(text)
        if total >= MAX_CHARS:
            break
    if len(pages) and not "".join(texts).strip():
        raise _Scanned
    return "\n".join(texts)


def _docx(data: bytes) -> str:
    import docx  # python-docx

    document = docx.Document(io.BytesIO(data))
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(lines)


_ODF_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


def _odt(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("content.xml")
        if info.file_size > 16 * MAX_CHARS * 10:  # a zip bomb is not a letter
            raise ValueError("content.xml too large")
        root = ElementTree.fromstring(archive.read(info))
    lines = []
    for element in root.iter():
        if element.tag in (f"{_ODF_TEXT}p", f"{_ODF_TEXT}h"):
            lines.append("".join(element.itertext()))
    return "\n".join(lines)


_RTF_TOKEN = re.compile(
    rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?"  # a control word and its number
    rb"|\\'([0-9a-fA-F]{2})"  # a byte in the document's code page
    rb"|\\(.)"  # a control symbol
    rb"|([{}])"  # a group
    rb"|([^\\{}]{1,4096})",  # text
    re.S,
)
_RTF_SKIP = {
    b"fonttbl", b"colortbl", b"stylesheet", b"info", b"pict", b"object", b"header",
    b"footer", b"themedata", b"datastore", b"latentstyles", b"listtable", b"rsidtbl",
    b"generator", b"xmlnstbl", b"mmathPr",
}  # fmt: skip
_RTF_BREAKS = {b"par": "\n", b"line": "\n", b"tab": "\t", b"cell": "\t", b"row": "\n"}


def _rtf(data: bytes) -> str:
    """RTF's text: one pass over the tokens (linear in the file), groups that are not text
    (fonts, pictures, ``{\\*…}`` destinations) skipped."""
    if not data.lstrip().startswith(b"{\\rtf"):
        raise ValueError("not RTF")
    codepage = "cp1252"
    out: list[str] = []
    depth = 0
    skip_from: int | None = None  # the depth whose group is skipped
    star = False
    pending_unicode_skip = 0
    length = 0
    for word, number, hexa, symbol, brace, text in (
        match.groups() for match in _RTF_TOKEN.finditer(data)
    ):
        if brace == b"{":
            depth += 1
            continue
        if brace == b"}":
            if skip_from is not None and depth <= skip_from:
                skip_from = None
            depth -= 1
            continue
        if skip_from is not None:
            continue
        if symbol == b"*":
            star = True
            continue
        if word is not None:
            if star or word in _RTF_SKIP:
                skip_from, star = depth, False
                continue
            if word == b"ansicpg" and number:
                codepage = f"cp{int(number)}"
            elif word == b"u" and number:
                out.append(chr(int(number) % 0x10000))
                pending_unicode_skip = 1
            elif word in _RTF_BREAKS:
                out.append(_RTF_BREAKS[word])
            continue
        if hexa is not None:
            if pending_unicode_skip:
                pending_unicode_skip -= 1
                continue
            out.append(decode_bytes(bytes.fromhex(hexa.decode()), codepage))
            continue
        if symbol is not None:
            out.append(symbol.decode("latin-1") if symbol in (b"\\", b"{", b"}") else "")
            continue
        if text is not None:
            chunk = text.replace(b"\r", b"").replace(b"\n", b"")
            if pending_unicode_skip and chunk:
                chunk, pending_unicode_skip = chunk[1:], 0
            out.append(decode_bytes(chunk, codepage))
            length += len(chunk)
            if length > MAX_CHARS * 2:
                break
    return "".join(out)


def _text(data: bytes) -> str:
    return decode_bytes(data, None)


_READERS = {PDF: _pdf, DOCX: _docx, ODT: _odt, RTF: _rtf, TEXT: _text}
