"""The ``email`` policies the mailbot parses and writes with: ``policy.default`` whose
header classes are made once, and for reading, whose parsed headers are remembered.

CPython's :class:`email.headerregistry.HeaderRegistry` builds a new class (``type(...)``)
every time it is asked for a header, which is a sixth of the time it takes to parse a
mail; the classes depend only on the header's name, so they are kept.

And ``policy.default`` parses a header again every time it is read: a mail's
``Content-Type`` some ten times while its body and attachments are found (a quarter of
the time the mailbot spends in the ``email`` package), its ``From`` twice.  A parsed
header is an immutable ``str`` that depends only on its name and raw value, so
:data:`READING` keeps the last few hundred: a mail's own headers while it is read, and the
structural ones every mail shares (``text/plain; charset="utf-8"``) for good.
"""

from __future__ import annotations

import email.policy
import re
import threading
from collections import OrderedDict
from email.headerregistry import BaseHeader, HeaderRegistry
from typing import Any


class _CachedHeaderRegistry(HeaderRegistry):
    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> Any:
        key = name.lower()
        made = self._classes.get(key)
        if made is None:
            made = self._classes[key] = super().__getitem__(name)
        return made


class _RememberingHeaderRegistry(_CachedHeaderRegistry):
    REMEMBERED = 512
    """Parsed headers kept: a mail's own are gone a few mails later."""

    LONGEST = 998
    """Longer values (RFC 5322's line limit) are parsed each time, never kept."""

    def __init__(self) -> None:
        super().__init__()
        self._remembered: OrderedDict[tuple[str, str], BaseHeader] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, name: str, value: Any) -> Any:
        if type(value) is not str or len(value) > self.LONGEST:
            return super().__call__(name, value)
        key = (name.lower(), value)
        with self._lock:  # the desk reads mail in thread workers
            made = self._remembered.get(key)
            if made is not None and made.name == name:
                self._remembered.move_to_end(key)
                return made
        made = super().__call__(name, value)
        with self._lock:
            self._remembered[key] = made
            if len(self._remembered) > self.REMEMBERED:
                self._remembered.popitem(last=False)
        return made


class WrittenAsIs(str):
    """A header whose value is written as it is, on one line: printable ASCII words on one
    short line (which ``policy.default`` would parse and fold back into the very same
    line), or a long URL that folding would break (``mailbot.compose``)."""

    name: str
    defects = ()

    def __new__(cls, name: str, value: str) -> WrittenAsIs:
        header = super().__new__(cls, value)
        header.name = name
        return header

    def fold(self, *, policy: email.policy.Policy) -> str:
        return f"{self.name}: {self}{policy.linesep}"


_PLAIN_VALUE = re.compile(r"[!-~]+(?: [!-~]+)*")
"""Printable ASCII words, one space between: nothing a header's parse would change."""


class _WritingHeaderRegistry(_CachedHeaderRegistry):
    """Setting a header parses it, and writing the mail folds it again: half of what it
    costs to build an acknowledgement.  The headers whose parse gives back the value as it
    is (the subject, date, ids and MIME headers we write) are kept as they are when they
    are printable ASCII on one line (``tests/test_mail_properties.py`` compares the bytes
    with ``policy.default``'s)."""

    PLAIN = frozenset(
        {
            "subject",
            "date",
            "message-id",
            "in-reply-to",
            "references",
            "mime-version",
            "content-type",
            "content-transfer-encoding",
        }
    )
    LINE = 78  # RFC 5322's recommended line length, policy.default's max_line_length

    def __call__(self, name: str, value: Any) -> Any:
        if (
            type(value) is str
            and name.lower() in self.PLAIN
            and len(name) + 2 + len(value) <= self.LINE
            and "=?" not in value  # an encoded word would be decoded by the parse
            and _PLAIN_VALUE.fullmatch(value)
        ):
            return WrittenAsIs(name, value)
        return super().__call__(name, value)


DEFAULT = email.policy.default.clone(header_factory=_WritingHeaderRegistry())
"""``policy.default``, faster: for writing mail."""

READING = email.policy.default.clone(header_factory=_RememberingHeaderRegistry())
"""``policy.default`` for parsing mail only: its headers are read, never changed."""

UTF8 = DEFAULT.clone(utf8=True)
"""With UTF-8 headers (RFC 6532), for mail to an internationalised address."""
