"""What every subcommand shares: settings, the database, output in the user's language."""

from __future__ import annotations

import getpass
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from store.config import Settings
from store.db import open_database
from store.errors import NotFound
from store.forget_ledger import configure_from_settings as configure_ledger
from store.i18n import translate
from store.migrations import check_schema
from store.models import Request

if TYPE_CHECKING:
    from mailbot.templates import RenderedMail


def _cli_actor() -> str:
    """Who a command's acts are recorded as: ``@cli:`` and the operating-system user, so
    the audit trail names the person at the server's keyboard, not an anonymous tool."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a container): the numeric id
        user = str(os.getuid())
    return "@cli:" + (re.sub(r"[^A-Za-z0-9._-]", "_", user)[:32] or str(os.getuid()))


CLI_ACTOR = _cli_actor()
"""The actor of a command run without ``--as``."""


def request_named(reference: str | None) -> Request | None:
    """The request a ``--request REFERENCE`` option names (in any case), or None without
    the option."""
    if not reference:
        return None
    request = Request.get_or_none(Request.reference == reference.strip().upper())
    if request is None:
        raise NotFound(f"no request {reference}", key="export.no_request", reference=reference)
    return request


@dataclass
class Context:
    settings: Settings
    language: str
    as_staff: str | None = None
    """``--as NAME``: the staff member the command acts as (checked when the database opens)."""
    _opened: bool = field(default=False, repr=False)

    @property
    def actor(self) -> str:
        """Who the command's acts and looks are recorded as in the audit trail."""
        return self.as_staff or CLI_ACTOR

    def t(self, key: str, /, **params: Any) -> str:
        return translate(key, self.language, **params)

    def open_db(self, *, create: bool = False, check: bool = True) -> None:
        """Bind the models to the configured database and check its schema."""
        open_database(self.settings.database.url, create=create)
        self._opened = True
        configure_ledger(self.settings)
        if check:
            check_schema()
        if self.as_staff is not None:
            from store.staff import require_active

            require_active(self.as_staff)

    def say(self, key: str, /, **params: Any) -> None:
        """A line for people, on stderr so that stdout stays clean for --json."""
        print(self.t(key, **params), file=sys.stderr)

    @staticmethod
    def print_json(rows: Any) -> None:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")

    def print_mail(self, subject_key: str, mail: RenderedMail) -> None:
        """A mail as it will read: the subject, headed by ``subject_key``, then the text."""
        print(f"{self.t(subject_key)}: {mail.subject}\n")
        sys.stdout.write(mail.text)

    @contextmanager
    def progress(
        self, description: str, total: int | None = None
    ) -> Iterator[Callable[[int, int], None]]:
        """A progress bar on stderr when it is a terminal; silent otherwise."""
        if not sys.stderr.isatty():
            yield lambda done, total: None
            return
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task(description, total=total)

            def update(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            yield update
