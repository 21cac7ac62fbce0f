"""A Maildir folder (the embedded default the demo uses).

Each message's unique name (the file name before ``:2,``) is its UID.  Processed mail moves
from ``new/`` to ``cur/`` with the ``S`` (seen) flag, after the database commit.  Every
unknown name in ``new/`` and ``cur/`` is processed, whatever its flags: another mail client
may have read or moved a message first.

Waiting watches the folders themselves: adding or renaming a file changes the modification
time of ``new/`` or ``cur/``, and two ``stat`` calls every fifth of a second notice it
(new mail is in the queue well within a second, and an idle daemon costs nothing); a full
look every :data:`POLL_SECONDS` catches a change the clock's granularity hid.
"""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from mailbot.ingest import FetchedMessage
from mailbot.sources import SourceUnavailable
from store.models import MessageLocation
from store.urls import file_url, file_url_path

POLL_SECONDS = 2.0
"""A full look at least this often, whether or not the folders seem to have changed."""
WATCH_SECONDS = 0.2
"""How often the folders' modification times are compared while waiting."""
BATCH = 100


class MaildirSource:
    def __init__(self, url: str, *, max_bytes: int = 0) -> None:
        self.path = file_url_path(url).expanduser()
        self.max_bytes = max_bytes  # read no more of a file than this (0: all of it)
        self.name = file_url("maildir", self.path)
        self._last_look = 0.0
        self._looked_at: tuple[int, ...] = ()
        self._handed_over: dict[str, Path] = {}  # unique name → where pending() found it

    def connect(self) -> None:
        if not (self.path / "new").is_dir() or not (self.path / "cur").is_dir():
            raise SourceUnavailable(f"{self.path} is not a Maildir folder (no new/ and cur/)")

    def close(self) -> None:
        pass

    def pending(self) -> Iterator[list[FetchedMessage]]:
        self._last_look = time.monotonic()
        self._looked_at = self._folder_times()
        self._handed_over = {}
        known = {
            row.uid
            for row in MessageLocation.select(MessageLocation.uid).where(
                (MessageLocation.mailbox == self.name) & (MessageLocation.uidvalidity == 0)
            )
        }
        waiting: list[tuple[str, Path]] = []
        for folder in ("new", "cur"):
            for entry in self._entries(folder):
                unique = _unique_name(entry.name)
                if unique in known:
                    if folder == "new" or "S" not in _flags(entry.name):
                        self._mark_seen(entry)  # committed before a crash, not yet moved
                    continue
                waiting.append((unique, entry))
        waiting.sort(key=lambda item: item[0])
        for start in range(0, len(waiting), BATCH):
            batch = []
            for unique, entry in waiting[start : start + BATCH]:
                try:
                    raw, size, arrived = self._read(entry)
                except FileNotFoundError:
                    continue  # another client moved it meanwhile; the next look finds it
                except OSError as error:
                    if error.errno != errno.ELOOP:
                        raise
                    continue  # it became a symlink after the look: never mail
                batch.append(FetchedMessage(self.name, 0, unique, raw, arrived, size=size))
                self._handed_over[unique] = entry
            if batch:
                yield batch

    def finish(self, done: Sequence[FetchedMessage]) -> None:
        """Move each message where pending() found it; one that another client moved
        meanwhile is looked for in the folders (a listing per batch would cost a pass
        over 5,000 messages as much as the messages themselves)."""
        moved_away = set()
        for message in done:
            entry = self._handed_over.pop(message.uid, None)
            if entry is None or not self._mark_seen(entry):
                moved_away.add(message.uid)
        if not moved_away:
            return
        for folder in ("new", "cur"):
            for entry in self._entries(folder):
                if _unique_name(entry.name) in moved_away:
                    self._mark_seen(entry)

    def wait(self, tick: float) -> bool:
        """Wait at most ``tick`` seconds; True when the folder should be looked at."""
        until = time.monotonic() + tick
        while True:
            if self._folder_times() != self._looked_at:
                return True
            now = time.monotonic()
            if now - self._last_look >= POLL_SECONDS:
                return True
            if now >= until:
                return False
            time.sleep(min(WATCH_SECONDS, until - now))

    def _read(self, entry: Path) -> tuple[bytes, int, datetime]:
        """The file's bytes (at most ``max_bytes`` of them), its size and its time; opened
        without following a symlink put there after the folder was listed."""
        descriptor = os.open(entry, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(descriptor, "rb") as handle:
            status = os.fstat(handle.fileno())
            raw = handle.read(self.max_bytes) if self.max_bytes > 0 else handle.read()
        return raw, status.st_size, datetime.fromtimestamp(status.st_mtime, UTC)

    def _folder_times(self) -> tuple[int, ...]:
        times = []
        for folder in ("new", "cur"):
            try:
                times.append((self.path / folder).stat().st_mtime_ns)
            except OSError:
                times.append(-1)
        return tuple(times)

    def _entries(self, folder: str) -> list[Path]:
        try:
            # A symlink is never mail: followed, it would read any file the daemon can.
            # (The directory's own entry types: no stat of each file at every look.)
            with os.scandir(self.path / folder) as entries:
                return [
                    Path(entry.path)
                    for entry in entries
                    if entry.is_file(follow_symlinks=False) and not entry.name.startswith(".")
                ]
        except OSError as error:
            raise SourceUnavailable(f"cannot read {self.path / folder}: {error}") from error

    def _mark_seen(self, entry: Path) -> bool:
        """Move ``entry`` to ``cur/`` flagged seen; False when it is no longer there."""
        unique = _unique_name(entry.name)
        flags = "".join(sorted(set(_flags(entry.name)) | {"S"}))
        target = self.path / "cur" / f"{unique}:2,{flags}"
        if target != entry:
            try:
                os.replace(entry, target)
            except FileNotFoundError:
                return False
        return True


def _unique_name(name: str) -> str:
    return name.split(":", 1)[0].split("!", 1)[0]


def _flags(name: str) -> str:
    _, _, info = name.partition(":2,")
    return info
