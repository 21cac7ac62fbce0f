"""Turning what mail clients send into clean text: charsets that lie, HTML, stray bytes.

Everything here is total: any input gives a string, never an exception, so a message with
a broken charset or markup still reaches a disposition.
"""

from __future__ import annotations

import codecs
import re

import html_text

from store.sanitise import clean_text

# Declared charsets that are really Windows-1252 in the wild (RFC 1345 aside, every client
# that says latin-1 means cp1252 for the 0x80–0x9f range: quotes, dashes, the euro sign).
_LATIN_ALIASES = {
    "iso-8859-1",
    "iso8859-1",
    "latin-1",
    "latin1",
    "us-ascii",
    "ascii",
    "iso-8859-15",
    "windows-1252",
    "cp1252",
}
_FALLBACKS = ("utf-8", "cp1252", "latin-1")


def decode_bytes(data: bytes, declared: str | None) -> str:
    """Decode ``data`` with its declared charset when that tells the truth, else sensibly.

    A Latin-1 label on bytes that are valid UTF-8 (a common lie of webmail) is read as
    UTF-8; an unknown or wrong label falls back to UTF-8, then Windows-1252, then Latin-1,
    which accepts every byte.
    """
    charset = _codec_name(declared)
    candidates: list[str] = []
    if charset and charset.replace("_", "-") in _LATIN_ALIASES:
        if _has_high_bytes(data):
            candidates.append("utf-8")
        charset = "cp1252"  # as browsers do (WHATWG): the label never means C1 controls
    if charset:
        candidates.append(charset)
    candidates.extend(_FALLBACKS)
    for candidate in candidates:
        try:
            return data.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1")  # unreachable: latin-1 decodes every byte


def _codec_name(declared: str | None) -> str | None:
    if not declared:
        return None
    try:
        return codecs.lookup(declared.strip().strip('"').lower()).name
    except (LookupError, ValueError):
        return None


def _has_high_bytes(data: bytes) -> bool:
    return any(byte >= 0x80 for byte in data)


def html_to_text(markup: str) -> str:
    """The readable text of an HTML body, with paragraphs and line breaks kept."""
    try:
        return html_text.extract_text(markup, guess_layout=True)
    except Exception:  # lxml refuses some garbage (e.g. only a processing instruction)
        return re.sub(r"<[^>]*>", " ", markup)


def storable(text: str) -> str:
    """``text`` safe to store and to show: see :func:`store.sanitise.clean_text`."""
    return clean_text(text)


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# What the rules read of a message: a person's request fits in far less than this, and a
# bound keeps every pattern's work proportional to it, whatever a stranger sends.
MAX_READ_CHARS = 20_000
MAX_WORD_CHARS = 64
_LONG_RUN = re.compile(rf"\S{{{MAX_WORD_CHARS + 1},}}")


def bounded(text: str) -> str:
    """The first :data:`MAX_READ_CHARS` characters of ``text`` with every run of
    non-space characters cut to :data:`MAX_WORD_CHARS` (no real word is longer)."""
    text = text[:MAX_READ_CHARS]
    return _LONG_RUN.sub(lambda match: match.group()[:MAX_WORD_CHARS], text)
