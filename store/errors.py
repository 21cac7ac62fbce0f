"""Errors a user can act on.

The command line prints one of these as a single line; the TUI shows it in the staff
member's language.  An error raised with a ``key`` is translated through
:mod:`store.i18n`; the English message is what logs and tracebacks show.
"""

from __future__ import annotations

from typing import Any


class RekisteriError(Exception):
    """Base for every error that is the user's to fix, not a bug."""

    def __init__(self, message: str, *, key: str | None = None, **params: Any) -> None:
        super().__init__(message)
        self.key = key
        self.params = params

    def translated(self, language: str) -> str:
        if self.key is None:
            return str(self)
        from store.i18n import translate

        return translate(self.key, language, **self.params)


class ConfigError(RekisteriError):
    pass


class DatabaseError(RekisteriError):
    """The database cannot be opened, reached or used as it is."""


class SchemaError(DatabaseError):
    """The schema is missing, or newer than this version of Rekisteri."""


class RuleViolation(RekisteriError):
    """A domain rule refused an action (a transition, an extension, an approval)."""


class NotFound(RekisteriError):
    pass


class InvalidInput(RekisteriError):
    """Input that cannot be accepted (a phone number, an email address, a CSV row)."""


class StaffNotActive(RekisteriError):
    """The staff member acting has been disabled, or lost the role the act needs."""


class LoginRefused(RekisteriError):
    """A staff login that did not succeed; the message never says which part was wrong."""
