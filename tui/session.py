"""Who is logged in, and the translator for their language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store.i18n import translate


@dataclass(frozen=True)
class Session:
    name: str
    display_name: str
    role: str
    language: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def t(self, key: str, /, **params: Any) -> str:
        return translate(key, self.language, **params)
