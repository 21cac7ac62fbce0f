"""Separating what the person wrote from quoted replies and signatures (fi, sv, en).

The classifier reads only what the person wrote: a newsletter quoted below "no more
mail, thanks" must never make the message an access request because the newsletter
says "check your data".

A forwarded message is different: whoever forwards a mail to the privacy inbox means it
(their own unanswered request, or a customer's mail staff pass on), so
:func:`forwarded_message` finds the forwarded block, its sender and subject, and the
block's own words are read as well.
"""

from __future__ import annotations

import email.utils
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
    r"aihe|ämne):\s",
    re.IGNORECASE,
)
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
        following = [candidate for candidate in lines[index + 1 : index + 4] if candidate.strip()]
        return bool(following) and bool(_HEADER_BLOCK_NEXT.match(following[0]))
    if line.startswith("-"):
        return True
    # "On Tue, 3 Dec 2024, Name <x@y> wrote:": a date or an address, and the colon.
    return line.endswith(":") and bool(re.search(r"[\d@]", line))


def _tidy(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# ---------------------------------------------------------------- forwards

# The subject prefix of a forward: Fwd/Fw (en), VL/VB (fi/sv välitetty/vidarebefordrat),
# WG (de), TR (fr), RV (es/it), Doorst (nl), PD (pl), Edasi (et).
FORWARD_PREFIX = re.compile(
    r"^\s*(?:fwd?|vl|vb|wg|tr|rv|doorst|pd|edasi)\s*(?:\[\d+\])?\s*:", re.IGNORECASE
)
# A line that can only start a forwarded message (never a reply).
_FORWARD_MARKER = re.compile(
    r"""^\s*(?:
        -{2,}\s*(?:forwarded\ message|välitetty\ viesti|vidarebefordrat\ meddelande|
                 weitergeleitete\ nachricht|message\ transféré|mensaje\ reenviado|
                 messaggio\ inoltrato|doorgestuurd\ bericht)\s*-{2,}
      | begin\ forwarded\ message:
      | alku\w*\ välitetty\ viesti:
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
# "-----Original Message-----" and Outlook's underscore line: a forward only when the
# subject says so.
_MAYBE_FORWARD_MARKER = re.compile(
    r"^\s*(?:-{2,}\s*(?:original\ message|alkuperäinen\ viesti|ursprungligt\ meddelande)"
    r"\s*-{2,}|_{10,})\s*$",
    re.IGNORECASE | re.VERBOSE,
)
_FORWARD_HEADER = re.compile(
    r"^\s*(from|lähettäjä|från|von|de|sent|date|lähetetty|päivämäärä|skickat|datum|"
    r"gesendet|envoyé|to|vastaanottaja|till|an|à|cc|kopio|subject|aihe|ämne|betreff|objet|"
    r"asunto|oggetto|onderwerp)\s*:\s*(.*)$",
    re.IGNORECASE,
)
_FROM_NAMES = {"from", "lähettäjä", "från", "von", "de"}
_SUBJECT_NAMES = {"subject", "aihe", "ämne", "betreff", "objet", "asunto", "oggetto", "onderwerp"}


@dataclass(frozen=True)
class ForwardedMessage:
    from_address: str  # the original sender named in the block ("" when none is)
    from_name: str
    subject: str
    text: str  # the forwarded message's own words (its quotes and signature left out)


def forwarded_message(text: str, subject: str = "") -> ForwardedMessage | None:
    """The first forwarded message in ``text``, or None when the mail forwards nothing."""
    lines = text.split("\n")
    is_forward = bool(FORWARD_PREFIX.match(subject))
    for index, line in enumerate(lines):
        if _FORWARD_MARKER.match(line) or (is_forward and _MAYBE_FORWARD_MARKER.match(line)):
            return _read_block(lines[index + 1 :])
        if (
            is_forward
            and (header := _FORWARD_HEADER.match(line)) is not None
            and header.group(1).lower() in _FROM_NAMES
            and _starts_quote(lines, index)
        ):
            return _read_block(lines[index:])
    return None


def _read_block(lines: list[str]) -> ForwardedMessage:
    headers: dict[str, str] = {}
    body_start = 0
    for index, line in enumerate(lines):
        match = _FORWARD_HEADER.match(line)
        if match and index - body_start <= 1:
            name, value = match.group(1).lower(), match.group(2).strip()
            key = "from" if name in _FROM_NAMES else "subject" if name in _SUBJECT_NAMES else name
            headers.setdefault(key, value)
            body_start = index + 1
        elif not line.strip() and index == body_start:
            body_start = index + 1
        elif headers or line.strip():
            break
    name, address = email.utils.parseaddr(headers.get("from", "").replace("mailto:", ""))
    if "@" not in address:
        name, address = headers.get("from", ""), ""
    own = split_reply("\n".join(lines[body_start:]))
    return ForwardedMessage(
        address.strip().lower(), name.strip().strip('"'), headers.get("subject", ""), own.written
    )
