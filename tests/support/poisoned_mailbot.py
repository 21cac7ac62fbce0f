"""``rekisteri mailbot --once`` with a fault planted in its mail parser, run as a process:
a mail carrying ``X-Poison: kill`` kills the process (as a crash in a C library, or the
kernel's OOM killer, would), one carrying ``X-Poison: hang`` never finishes parsing.

    python -m tests.support.poisoned_mailbot     # with REKISTERI_DB, REKISTERI_INBOX, …
"""

from __future__ import annotations

import os
import signal
import sys
import time

from mailbot import ingest
from store.config import Settings

_read_message = ingest.read_message


def _poisoned(raw: bytes, settings: Settings) -> object:
    if b"\nX-Poison: kill" in raw:
        os.kill(os.getpid(), signal.SIGKILL)
    if b"\nX-Poison: hang" in raw:
        time.sleep(3600)
    return _read_message(raw, settings)


ingest.read_message = _poisoned  # type: ignore[assignment]

if __name__ == "__main__":
    from cli.main import main

    sys.exit(main(["mailbot", "--once"]))
