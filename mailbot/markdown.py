"""A newsletter's Markdown as the two parts of its mail: plain text and HTML.

markdown-it-py parses (CommonMark with tables, strikethrough and bare links made links);
the HTML part is its own rendering, the plain-text part is written here from the same
syntax tree, the way a person would type it: paragraphs wrapped at 72 columns, headings
underlined, list items with ``-`` or their number, a link as ``text <address>``.  Raw HTML
in the Markdown is not passed on (shown as text), and a Markdown image becomes a link to
it, never an ``<img>`` the reader's mail client loads by itself: a newsletter cannot carry
scripts or tracking pixels by accident.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode

WIDTH = 72


@dataclass(frozen=True)
class RenderedMarkdown:
    text: str
    html: str


@cache
def _parser() -> MarkdownIt:
    parser = MarkdownIt(
        "commonmark", {"html": False, "linkify": True, "typographer": False}
    ).enable(["table", "strikethrough", "linkify"])
    parser.add_render_rule("image", _image_as_link)
    return parser


def _image_as_link(self: Any, tokens: Sequence[Token], index: int, options: Any, env: Any) -> str:
    """``![alt](src)`` as ``<a href="src">alt</a>``: a remote image loads when the mail is
    opened, which tells its sender who read it (a tracking pixel)."""
    token = tokens[index]
    source = str(token.attrGet("src") or "")
    alt = self.renderInlineAsText(token.children or [], options, env)
    return f'<a href="{escapeHtml(source)}">{escapeHtml(alt or source)}</a>'


def render_markdown(source: str) -> RenderedMarkdown:
    parser = _parser()
    tokens = parser.parse(source)
    html = parser.renderer.render(tokens, parser.options, {})
    text = _blocks(SyntaxTreeNode(tokens).children, WIDTH)
    return RenderedMarkdown(text=text.strip() + "\n", html=html)


def _blocks(nodes: list[SyntaxTreeNode], width: int) -> str:
    return "\n\n".join(part for part in (_block(node, width) for node in nodes) if part)


def _block(node: SyntaxTreeNode, width: int) -> str:
    kind = node.type
    if kind == "paragraph":
        return _wrap(_inline(node), width)
    if kind == "heading":
        text = _inline(node)
        level = int(node.tag[1])
        return f"{text}\n{('=' if level == 1 else '-') * len(text)}" if level <= 2 else text
    if kind in ("bullet_list", "ordered_list"):
        start = int(node.attrs.get("start", 1)) if kind == "ordered_list" else 0
        # A tight list (the usual one) keeps its items, and their parts, on adjacent lines.
        gap = "\n" if _tight(node) else "\n\n"
        items = []
        for index, item in enumerate(node.children):
            marker = f"{start + index}. " if kind == "ordered_list" else "- "
            body = gap.join(
                part
                for part in (_block(child, max(20, width - len(marker))) for child in item.children)
                if part
            )
            lines = body.split("\n")
            items.append(
                "\n".join(
                    [marker + lines[0]]
                    + [(" " * len(marker) + line).rstrip() for line in lines[1:]]
                )
            )
        return gap.join(items)
    if kind == "blockquote":
        inner = _blocks(node.children, width - 2)
        return "\n".join(f"> {line}".rstrip() for line in inner.split("\n"))
    if kind in ("code_block", "fence"):
        return "\n".join("    " + line for line in node.content.rstrip("\n").split("\n"))
    if kind == "hr":
        return "-" * 20
    if kind == "table":
        return _table(node)
    if kind in ("html_block",):
        return node.content.strip()
    return _blocks(node.children, width) if node.children else node.content.strip()


def _tight(node: SyntaxTreeNode) -> bool:
    return all(
        child.hidden
        for item in node.children
        for child in item.children
        if child.type == "paragraph"
    )


def _inline(node: SyntaxTreeNode) -> str:
    return "".join(_span(child) for child in node.children).strip()


def _span(node: SyntaxTreeNode) -> str:
    kind = node.type
    if kind == "inline":
        return "".join(_span(child) for child in node.children)
    if kind in ("text", "code_inline", "html_inline"):
        return node.content
    if kind == "softbreak":
        return " "
    if kind == "hardbreak":
        return "\n"
    if kind == "link":
        text = "".join(_span(child) for child in node.children)
        href = str(node.attrs.get("href", ""))
        shown = href.removeprefix("mailto:")
        return text if text in (href, shown) or not href else f"{text} <{href}>"
    if kind == "image":
        alt = "".join(_span(child) for child in node.children)
        return f"{alt} <{node.attrs.get('src', '')}>".strip()
    return "".join(_span(child) for child in node.children)


def _wrap(text: str, width: int) -> str:
    """Wrap each hard line; links and long words are never broken."""
    return "\n".join(
        textwrap.fill(line, width=width, break_long_words=False, break_on_hyphens=False) or ""
        for line in text.split("\n")
    )


def _table(node: SyntaxTreeNode) -> str:
    rows = [
        [_inline(cell) for cell in row.children]
        for section in node.children
        for row in section.children
    ]
    if not rows:
        return ""
    widths = [
        max(len(row[column]) if column < len(row) else 0 for row in rows)
        for column in range(max(len(row) for row in rows))
    ]
    lines = [
        " | ".join(cell.ljust(widths[index]) for index, cell in enumerate(row)).rstrip()
        for row in rows
    ]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(lines)
