"""Putting customer-supplied text inside Textual markup safely.

Textual's markup reads any ``[…]`` as a tag (``[TP-2026-0001]`` in a subject would vanish,
``[b]`` in a name would turn bold), and the stock escape helpers let some through, so every
opening bracket is escaped.
"""

from __future__ import annotations


def escape(text: str) -> str:
    """``text`` shown literally inside markup."""
    return text.replace("\\", "\\\\").replace("[", "\\[")
