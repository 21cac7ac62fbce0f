"""A document for people (the privacy notice, the record of processing) as plain text,
Markdown or one self-contained HTML page.

Builders (:mod:`store.notice`, :mod:`store.record`) describe *what* a document says as a
:class:`Document` of :class:`Section` s; :func:`render` decides only how it looks, so the
three formats always carry the same items.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

from store import templating

FORMATS = ("txt", "md", "html")
WIDTH = 78


@dataclass(frozen=True)
class Item:
    """One entry of a list: ``label: text`` (or the text alone when there is no label)."""

    text: str
    label: str = ""


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Section:
    key: str  # a stable name: the tests and the JSON use it
    heading: str
    paragraphs: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()  # short lines kept apart (an address), after the paragraphs
    items: tuple[Item, ...] = ()
    table: Table | None = None


@dataclass(frozen=True)
class Document:
    language: str
    title: str
    lead: tuple[str, ...] = ()  # lines under the title
    sections: tuple[Section, ...] = field(default_factory=tuple)

    def section(self, key: str) -> Section:
        return next(section for section in self.sections if section.key == key)


def render(document: Document, fmt: str) -> str:
    if fmt == "txt":
        return _text(document)
    if fmt == "md":
        return _markdown(document)
    if fmt == "html":
        return _html(document)
    raise ValueError(f"unknown format {fmt!r}")


# ---------------------------------------------------------------- plain text


def _wrap(text: str, indent: str = "", first: str | None = None) -> str:
    return textwrap.fill(
        text,
        WIDTH,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _text(document: Document) -> str:
    lines = [document.title, "=" * len(document.title)]
    lines += [_wrap(line) for line in document.lead]
    for section in document.sections:
        lines += ["", section.heading, "-" * len(section.heading)]
        blocks = [_wrap(paragraph) for paragraph in section.paragraphs]
        if section.lines:
            blocks.append("\n".join(_wrap(line) for line in section.lines))
        if blocks:
            lines.append("\n\n".join(blocks))
        for item in section.items:
            text = f"{item.label}: {item.text}" if item.label else item.text
            lines.append(_wrap(text, indent="  ", first="- "))
        if section.table is not None:
            lines += _text_table(section.table)
    return "\n".join(lines) + "\n"


def _text_table(table: Table) -> list[str]:
    widths = [
        max(len(row[i]) for row in (table.header, *table.rows)) for i in range(len(table.header))
    ]

    def line(row: tuple[str, ...]) -> str:
        first, *rest = row
        return "  ".join(
            [first.ljust(widths[0]), *(cell.rjust(widths[i + 1]) for i, cell in enumerate(rest))]
        ).rstrip()

    return [
        line(table.header),
        "  ".join("-" * width for width in widths),
        *(line(row) for row in table.rows),
    ]


# ---------------------------------------------------------------- Markdown

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def _md(text: str) -> str:
    """Text that Markdown shows as written (an address with ``_`` stays an address)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _markdown(document: Document) -> str:
    lines = [f"# {_md(document.title)}", ""]
    for line in document.lead:
        lines += [_md(line), ""]
    for section in document.sections:
        lines += [f"## {_md(section.heading)}", ""]
        for paragraph in section.paragraphs:
            lines += [_md(paragraph), ""]
        if section.lines:
            lines += ["  \n".join(_md(line) for line in section.lines), ""]
        if section.items:
            lines += [
                f"- **{_md(item.label)}:** {_md(item.text)}"
                if item.label
                else f"- {_md(item.text)}"
                for item in section.items
            ]
            lines.append("")
        if section.table is not None:
            table = section.table
            lines.append("| " + " | ".join(_md(cell) for cell in table.header) + " |")
            lines.append("|" + "|".join(["---", *["---:"] * (len(table.header) - 1)]) + "|")
            lines += ["| " + " | ".join(_md(cell) for cell in row) + " |" for row in table.rows]
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


# ---------------------------------------------------------------- HTML


def _html(document: Document) -> str:
    return templating.environment("store").get_template("document.html.j2").render(doc=document)
