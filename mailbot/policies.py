"""The ``email`` policies the mailbot parses and writes with: ``policy.default`` whose
header classes are made once.

CPython's :class:`email.headerregistry.HeaderRegistry` builds a new class (``type(...)``)
every time it is asked for a header, which is a sixth of the time it takes to parse a
mail; the classes depend only on the header's name, so they are kept.
"""

from __future__ import annotations

import email.policy
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


DEFAULT = email.policy.default.clone(header_factory=_CachedHeaderRegistry())
"""``policy.default``, faster."""

UTF8 = DEFAULT.clone(utf8=True)
"""With UTF-8 headers (RFC 6532), for mail to an internationalised address."""
