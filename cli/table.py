"""Tables for people, at the width of the terminal (80 columns when it is not one).

A table never breaks a word: a cell wraps at the spaces between words, and a word longer
than its column (an e-mail address, a Message-ID) is cut with an ellipsis, never folded
onto the next line.  When the whole table does not fit:

1. values with a short form in the catalogue are shortened (``Tarkastuspyyntö`` →
   ``Tarkastus``, ``7.12.2026 klo 1.22`` → ``7.12.2026 1.22``);
2. columns are left out in the order the listing states (:attr:`Column.drop`: 1 first,
   then 2, …; a column with 0 always stays);
3. what stays shares the width: the columns that wrap get their full width first, the
   addresses (which are cut, not wrapped) what is left.

``--json`` is not made here: its fields are a contract and never change with the width.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

GAP = 2
"""Spaces between two columns."""
ELLIPSIS = "…"
ADDRESS_CAP = 24
"""How wide an address column asks to be before other columns are left out; wider
addresses are cut with an ellipsis."""
WRAP_CAP = 24
"""How wide a wrapping column asks to be, unless it states :attr:`Column.want`."""
LONGEST_WORD = 24
"""A word longer than this is cut rather than given a column of its own width."""


@dataclass(frozen=True)
class Column:
    field: str
    heading: str
    """The catalogue key of its heading."""
    drop: int = 0
    """The order in which the column is left out when the table is too wide (1 first);
    0: never."""
    kind: Literal["wrap", "clip", "fixed"] = "wrap"
    """``wrap``: text wrapped at word boundaries; ``clip``: an address or identifier, one
    line cut with an ellipsis; ``fixed``: a number, a date, a code (wrapped only when
    nothing else helps)."""
    want: int | None = None
    """The width the column asks for before other columns are left out."""
    align: Literal["left", "right"] = "left"
    codes: str | None = None
    """The catalogue prefix of its codes' words (``kind``: ``kind.erasure``)."""
    short: str | None = None
    """The catalogue prefix of its codes' short forms (``tui.kind_short``)."""
    personal: bool = False
    """A person's data: an erased customer's row shows *poistettu* here."""


@dataclass(frozen=True)
class Cell:
    text: str
    short: str | None = None
    """The value's short form, used when the table is too wide."""


def terminal_width() -> int:
    """The terminal's width: ``COLUMNS`` when set, else the terminal's, else 80."""
    return max(20, shutil.get_terminal_size((80, 24)).columns)


def _words(text: str) -> list[str]:
    return text.split()


def _longest_word(text: str) -> int:
    return max((len(word) for word in _words(text)), default=0)


def _natural(texts: Sequence[str]) -> int:
    return max((len(line) for text in texts for line in text.splitlines() or [""]), default=0)


def clip(text: str, width: int) -> str:
    """``text`` on one line of at most ``width`` characters, cut with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    return text[: max(0, width - 1)] + ELLIPSIS


def wrap(text: str, width: int) -> list[str]:
    """``text`` wrapped at word boundaries (hyphenated words stay whole); a word longer
    than the line is cut with an ellipsis instead of being broken onto the next."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        wrapped = textwrap.wrap(
            paragraph, width, break_long_words=False, break_on_hyphens=False
        ) or [""]
        lines.extend(clip(line, width) for line in wrapped)
    return lines


def _layout(
    columns: list[Column], headings: list[str], cells: list[list[str]], width: int
) -> list[int]:
    """The widths of ``columns`` (all of which are shown)."""
    natural = [
        max(len(heading), _natural([row[i] for row in cells])) for i, heading in enumerate(headings)
    ]
    minimum = []
    for i, column in enumerate(columns):
        heading_word = _longest_word(headings[i])
        if column.kind == "clip":
            floor = min(natural[i], 12)
        elif column.kind == "fixed":
            floor = natural[i]
        else:
            floor = min(max((_longest_word(row[i]) for row in cells), default=1), LONGEST_WORD)
        minimum.append(max(heading_word, floor, 1))
    room = width - GAP * (len(columns) - 1)
    widths = list(minimum)
    # Squeeze when even the minimums do not fit: the widest columns give way first.
    while sum(widths) > room and max(widths) > 4:
        widest = widths.index(max(widths))
        widths[widest] -= 1
    # Share what is left: the wrapping and fixed columns first, then the addresses.
    for group in (("wrap", "fixed"), ("clip",)):
        while sum(widths) < room:
            short = [
                i
                for i, column in enumerate(columns)
                if column.kind in group and widths[i] < natural[i]
            ]
            if not short:
                break
            for i in short:
                if sum(widths) >= room:
                    break
                widths[i] += 1
    return widths


def _want(column: Column, texts: list[str], heading: str) -> int:
    natural = max(len(heading), _natural(texts))
    if column.want is not None:
        return max(min(natural, column.want), _longest_word(heading))
    if column.kind == "clip":
        return max(min(natural, ADDRESS_CAP), _longest_word(heading))
    if column.kind == "wrap":
        return max(min(natural, WRAP_CAP), _longest_word(heading))
    return natural


def _fits(columns: list[Column], headings: list[str], texts: list[list[str]], width: int) -> bool:
    wanted = sum(_want(c, [row[i] for row in texts], headings[i]) for i, c in enumerate(columns))
    return wanted + GAP * (len(columns) - 1) <= width


def render(
    columns: Sequence[Column],
    headings: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    width: int | None = None,
    emphasise: bool = False,
) -> list[str]:
    """The table's lines (without trailing spaces), at most ``width`` wide where it can."""
    width = width or terminal_width()
    shown = list(range(len(columns)))

    def texts(short: bool) -> list[list[str]]:
        return [[_shown_text(row[i], short) for i in shown] for row in rows]

    def picked() -> tuple[list[Column], list[str]]:
        return [columns[i] for i in shown], [headings[i] for i in shown]

    short = False
    cols, heads = picked()
    if not _fits(cols, heads, texts(False), width):
        short = True
    for order in sorted({c.drop for c in columns if c.drop > 0}):
        cols, heads = picked()
        if _fits(cols, heads, texts(short), width):
            break
        shown = [i for i in shown if columns[i].drop != order]
    cols, heads = picked()
    cells = texts(short)
    widths = _layout(cols, heads, cells, width)
    lines = _lines(cols, heads, widths, header=True)
    if emphasise:  # the heading in bold on a terminal
        lines = [f"\x1b[1m{line}\x1b[0m" for line in lines]
    for row in cells:
        lines.extend(_lines(cols, row, widths))
    return lines


def _lines(
    columns: list[Column], texts: Sequence[str], widths: list[int], header: bool = False
) -> list[str]:
    parts = [
        [clip(text, width)] if column.kind == "clip" and not header else wrap(text, width)
        for column, text, width in zip(columns, texts, widths, strict=True)
    ]
    height = max(len(part) for part in parts)
    lines = []
    for n in range(height):
        pieces = []
        for column, part, width in zip(columns, parts, widths, strict=True):
            piece = part[n] if n < len(part) else ""
            pieces.append(piece.rjust(width) if column.align == "right" else piece.ljust(width))
        lines.append((" " * GAP).join(pieces).rstrip())
    return lines


def _shown_text(cell: Any, short: bool) -> str:
    """A cell's short form when asked for and there is one, else its full text."""
    if short and cell.short is not None:
        return str(cell.short)
    return str(cell.text)
