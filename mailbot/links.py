"""Finding a newsletter link's token in a message the person sent (:mod:`store.tokens`).

The newsletter's links prefill the subject and the body with the token, so it is looked
for in the subject first, then in what the person wrote, never in the quoted text: a reply
to the newsletter quotes its footer, with both of the reader's tokens, and that must not
unsubscribe anyone or make a request about anyone.  Two different tokens in what the
person wrote leave it unclear whose link was used, and count for nothing.
"""

from __future__ import annotations

from mailbot.parsing import ParsedMessage
from store import tokens
from store.config import Settings


def read_link(parsed: ParsedMessage, settings: Settings) -> tokens.LinkUse | None:
    """The link token the message carries, resolved; None when it carries none."""
    found = tokens.find_tokens(parsed.subject)
    if not found:
        found = tokens.find_tokens(parsed.body_text)
    if not found:
        return None
    if len(found) > 1:
        return tokens.LinkUse(found[0], None, problem=tokens.SEVERAL)
    return tokens.resolve(found[0], settings)
