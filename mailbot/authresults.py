"""What our receiving mail server found out about the sender: ``Authentication-Results``.

The server that takes mail in for the privacy inbox checks SPF, DKIM and DMARC and writes
its findings into the message (RFC 8601)::

    Authentication-Results: mx.kotkanleffat.fi; spf=pass smtp.mailfrom=example.fi;
        dkim=pass header.d=example.fi; dmarc=pass header.from=example.fi

Only our own server's header counts: anyone can write such a header into the mail they
send.  ``mail.trusted_authserv_ids`` names our servers (the first word of the header, its
authserv-id); the first header with one of them is read and every other is ignored.  Left
empty, the topmost header is read: a receiving server adds its header above everything the
sender wrote, so the topmost one is the server's, provided it adds one at all.  Naming the
servers is the safer choice wherever the mail server is known.

A ``fail`` of ``spf``, ``dkim`` or ``dmarc`` means the mail probably did not come from the
address in its From; the ingest then applies nothing on the strength of that address, sends
no automatic answer to it and shows the message to staff (:mod:`mailbot.ingest`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

CHECKED_METHODS = ("spf", "dkim", "dmarc")
"""The methods recorded and judged; others (``arc``, ``auth``, ``iprev``…) are left out."""

_COMMENT = re.compile(r"\([^()]*\)")
_RESULT = re.compile(r"^\s*([A-Za-z0-9_-]+)(?:\s*/\s*\d+)?\s*=\s*([A-Za-z]+)")


@dataclass(frozen=True)
class Authentication:
    """The verdict of one Authentication-Results header: method → result."""

    authserv_id: str
    results: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> list[str]:
        """The methods that failed: the From address is then not to be believed."""
        return [method for method in CHECKED_METHODS if self.results.get(method) == "fail"]

    def note(self) -> dict[str, Any]:
        """What is stored with the message (``InboundMessage.authentication``)."""
        return {"authserv_id": self.authserv_id, **self.results, "failed": self.failed}


def describe(note: dict[str, Any] | None) -> str:
    """A stored verdict (:meth:`Authentication.note`) as one line for staff:
    ``spf=pass dkim=pass dmarc=fail (mx.kotkanleffat.fi)``; empty when there was none."""
    if not note:
        return ""
    results = " ".join(f"{method}={note[method]}" for method in CHECKED_METHODS if method in note)
    return f"{results or 'none'} ({note.get('authserv_id', '')})"


def authentication_of(
    headers: Sequence[Sequence[str]], trusted_authserv_ids: Collection[str] = ()
) -> Authentication | None:
    """The verdict of our server's header among ``headers`` ([name, value], top first),
    or None when there is none to read."""
    trusted = {server.strip().lower() for server in trusted_authserv_ids if server.strip()}
    for name, value in headers:
        if name.lower() != "authentication-results":
            continue
        verdict = parse_authentication_results(value)
        if verdict is None:
            continue
        if not trusted or verdict.authserv_id.lower() in trusted:
            return verdict
        # Not our server's: possibly written by the sender.  Keep looking.
    return None


def parse_authentication_results(value: str) -> Authentication | None:
    """``authserv-id [version]; method=result …; …`` (RFC 8601 section 2.2)."""
    text = value
    for _ in range(5):  # comments may nest a little; five levels is plenty
        text = _COMMENT.sub(" ", text)
    parts = _split_outside_quotes(text)
    head = parts[0].split()
    if not head:
        return None
    results: dict[str, str] = {}
    for part in parts[1:]:
        match = _RESULT.match(part)
        if not match:
            continue  # "none", or a property we do not read
        method, result = match.group(1).lower(), match.group(2).lower()
        if method not in CHECKED_METHODS:
            continue
        previous = results.get(method)
        # Several DKIM signatures: one that verifies is enough (a list's footer breaks
        # another); otherwise the first result stands.
        if previous is None or (method == "dkim" and result == "pass"):
            results[method] = result
    return Authentication(authserv_id=head[0].strip(), results=results)


def _split_outside_quotes(text: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts
