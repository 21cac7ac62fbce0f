"""One sanitiser for every text that comes from outside: mail, CSV files, forms.

Text from a stranger reaches a staff member's terminal (the TUI, the CLI), the register,
data packages and mail.  Control characters in it can repaint a screen (``ESC [``), set a
window title or write the clipboard (OSC 52), hide a line (carriage return) or reorder it
(bidirectional overrides).  :func:`clean_text` replaces every such character, and the two
that neither database stores (NUL, lone surrogates), with U+FFFD, so staff still see that
something was there.  Newline and tab are kept.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls, lone surrogates, and the Unicode
# bidirectional embeddings, overrides and isolates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
REPLACEMENT = "\ufffd"
# The same, and the newline and tab a line turns into spaces.
_UNSAFE_IN_A_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    """``text`` with every control character but newline and tab made visible as U+FFFD."""
    return _UNSAFE.sub(REPLACEMENT, text) if _UNSAFE.search(text) else text


def clean_line(text: str) -> str:
    """One line of text (a header, a CSV cell): as :func:`clean_text`, newlines too."""
    if not _UNSAFE_IN_A_LINE.search(text):
        return text  # most cells: one search, no copies
    return clean_text(text).replace("\n", " ").replace("\t", " ")


def clean_cells(cells: list[str]) -> list[str]:
    """:func:`clean_line` on each cell of a CSV row: one search for the whole row, which
    is almost always clean."""
    if not _UNSAFE_IN_A_LINE.search("".join(cells)):
        return cells
    return [clean_line(cell) for cell in cells]
