"""Extending the deadline by two months, once, inside the first month (Art. 12(3))."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from store.i18n import format_date
from tui.dialogs.reason import ReasonDialog


class ExtendDialog(ReasonDialog):
    def __init__(
        self,
        reference: str,
        due: datetime,
        new_due: datetime,
        check: Callable[[str], Any] | None = None,
    ) -> None:
        super().__init__("", "", check=check)
        self.reference = reference
        self.due = due
        self.new_due = new_due

    def texts(self) -> tuple[str, str, str]:
        t = self.t
        return (
            t("tui.extend.title", reference=self.reference),
            t(
                "tui.extend.intro",
                due=format_date(self.due, self.language),
                new_due=format_date(self.new_due, self.language),
            ),
            t("tui.extend.hint"),
        )
