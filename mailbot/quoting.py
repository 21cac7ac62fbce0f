"""Separating what the person wrote from quoted replies and signatures (fi, sv, en).

The classifier reads only what the person wrote: a newsletter quoted below "no more
mail, thanks" must never make the message an access request because the newsletter
says "check your data".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A line that introduces the quoted message: everything from it on is quoted.
_ATTRIBUTION = re.compile(
    r"""^\s*(?:
        -{2,}\s*(?:original\ message|forwarded\ message|alkuperäinen\ viesti|
                 välitetty\ viesti|ursprungligt\ meddelande|vidarebefordrat\ meddelande)
            \s*-{2,}
      | (?:on|am|le)\s.{4,200}\swrote:?
      | .{1,200}\swrote:
      | .{1,200}\skirjoitti:?
      | (?:den\s|på\s)?.{1,200}\sskrev\s?.{0,120}:
      | (?:from|lähettäjä|från|von):\s.+
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
# Outlook's header block without a dashed line: "From: …" followed by "Sent:"/"Date:".
_HEADER_BLOCK_NEXT = re.compile(
    r"^\s*(?:sent|date|lähetetty|päivämäärä|skickat|datum|to|vastaanottaja|till|subject|"
    r"aihe|ämne):\s", re.IGNORECASE)
_SIGNATURE = re.compile(
    r"^(?:--\s?|_{3,}|sent from my .+|lähetetty (?:iphonesta|puhelimesta|.+ -laitteesta).*"
    r"|skickat från min .+|get outlook for .+|hanki outlook .+)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SplitText:
    written: str  # what the person wrote
    quoted: str  # quoted replies, forwarded messages and signatures, kept apart


def split_reply(text: str) -> SplitText:
    """Split a plain-text body into the person's own words and everything quoted."""
    lines = text.split("\n")
    written: list[str] = []
    quoted: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if _starts_quote(lines, index):
            quoted.extend(lines[index:])
            break
        if _SIGNATURE.match(stripped) and index > 0:
            quoted.extend(lines[index:])
            break
        if stripped.startswith(">"):
            quoted.append(line)
        else:
            written.append(line)
    return SplitText(_tidy("\n".join(written)), _tidy("\n".join(quoted)))


def _starts_quote(lines: list[str], index: int) -> bool:
    line = lines[index].strip()
    if not line or not _ATTRIBUTION.match(line):
        return False
    if re.match(r"^(?:from|lähettäjä|från|von):", line, re.IGNORECASE):
        following = [candidate for candidate in lines[index + 1:index + 4] if candidate.strip()]
        return bool(following) and bool(_HEADER_BLOCK_NEXT.match(following[0]))
    if line.startswith("-"):
        return True
    # "On Tue, 3 Dec 2024, Name <x@y> wrote:": a date or an address, and the colon.
    return line.endswith(":") and bool(re.search(r"[\d@]", line))


def _tidy(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text).strip()
