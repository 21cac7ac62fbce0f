"""Asking the requester for more information, only on a reasonable doubt (Art. 12(6))."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tui.dialogs.reason import ReasonDialog


class AskMoreDialog(ReasonDialog):
    def __init__(self, reference: str, check: Callable[[str], Any] | None = None) -> None:
        super().__init__("", "", check=check)
        self.reference = reference

    def texts(self) -> tuple[str, str, str]:
        t = self.t
        return (
            t("tui.ask_more.title", reference=self.reference),
            t("tui.ask_more.intro"),
            t("tui.ask_more.hint"),
        )
