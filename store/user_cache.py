"""Derived copies of files we ship, kept in the user's cache folder so that a command need
not derive them again every time it starts (the catalogues parsed, the Finnish
dictionary's index).  They hold no personal data; still written 0600 in a 0700 folder.

A copy is named after its source's size and time of change: an edited or upgraded source
gets a new copy, and the older ones are removed when it is written.  A copy that cannot be
read, written or understood is no error: the caller derives the data again.
"""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path

import platformdirs


def copy_of(source: Path, kind: str, suffix: str) -> Path:
    """Where the copy of ``source`` (``kind``: what it is, e.g. ``catalog-fi``) is kept."""
    facts = source.stat()
    folder = platformdirs.user_cache_path("rekisteri")
    return folder / f"{kind}-{facts.st_size}-{facts.st_mtime_ns}{suffix}"


def read(copy: Path) -> bytes | None:
    """The copy's bytes, or None when there is none (or it cannot be read)."""
    try:
        return copy.read_bytes()
    except OSError:
        return None


def keep(copy: Path, data: bytes, kind: str) -> None:
    """Write ``copy`` whole (never half: another process may be reading), and remove the
    older copies of the same ``kind``."""
    with suppress(OSError):
        copy.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        for older in copy.parent.glob(f"{kind}-*"):
            if older != copy:
                older.unlink(missing_ok=True)
        part = copy.with_name(f"{copy.name}.{os.getpid()}.part")
        with open(os.open(part, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600), "wb") as handle:
            handle.write(data)
        os.replace(part, copy)
