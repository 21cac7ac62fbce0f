"""Warnings above the queue: outgoing mail that failed, a mailbot that stopped fetching."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.reactive import reactive
from textual.widgets import Static

from store.i18n import format_datetime
from tui.data.queue import DeskHealth


class HealthBar(Static):
    """Hidden while all is well; one line per problem otherwise."""

    health: reactive[DeskHealth | None] = reactive(None, init=False)

    def __init__(self, translate: Callable[..., str], language: str, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self.translate = translate
        self.language = language
        self.display = False

    def watch_health(self, health: DeskHealth | None) -> None:
        t = self.translate
        lines = []
        if health is not None and health.failed_mail:
            lines.append(t("tui.health.failed_mail", count=health.failed_mail))
        if health is not None and health.stale:
            if health.last_fetch_at is None:
                lines.append(t("tui.health.never_fetched"))
            else:
                lines.append(
                    t("tui.health.stale", at=format_datetime(health.last_fetch_at, self.language))
                )
        self.update("\n".join(lines))
        self.display = bool(lines)
