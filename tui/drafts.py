"""Half-written text kept across a logout: a reply, a note or a reason that was being
written when the staff member logged out (or the idle logout did it for them, in the middle
of a long call).  Kept in this app's memory for the same staff member only, never written
to disk (it may name the person), and handed back when they open the same dialog again."""

from __future__ import annotations

from collections import defaultdict


class Drafts:
    def __init__(self) -> None:
        self._by_staff: defaultdict[str, dict[str, str]] = defaultdict(dict)

    def keep(self, staff: str, key: str, text: str) -> None:
        if text.strip():
            self._by_staff[staff][key] = text

    def take(self, staff: str, key: str) -> str:
        """The draft for ``key``, once: it is the dialog's text from then on."""
        return self._by_staff[staff].pop(key, "")

    def waiting(self, staff: str) -> list[str]:
        return sorted(self._by_staff[staff])
