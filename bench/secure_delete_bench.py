"""What ``PRAGMA secure_delete`` (on in store.db.SQLITE_PRAGMAS) costs; prints, asserts nothing.

    python bench/secure_delete_bench.py                # 2,000 messages of 20 kB each
    python bench/secure_delete_bench.py --messages 5000 --size 50000

For each setting, in a fresh SQLite database: store the messages (as ingest does, one
transaction each), redact them all (as erasure and retention do: the raw bytes and the
parsed text cleared, in batches), and checkpoint the write-ahead log with TRUNCATE (as
:func:`store.erasure.after_commit` does).  Prints the time of each step and the bytes the
file and its log reached.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from _common import database_url, fresh_database

from store import clock
from store.db import checkpoint_wal
from store.erasure import redact_messages
from store.models import InboundMessage, database


def run(count: int, size: int, secure: int, folder: Path) -> dict[str, float]:
    url = database_url(None, folder)
    fresh_database(url)
    database.execute_sql(f"PRAGMA secure_delete = {secure}")
    body = ("Hei, poistakaa tietoni. " * (size // 24 + 1))[:size]
    now = clock.now()
    started = time.perf_counter()
    ids = []
    for number in range(count):
        with database.atomic():
            ids.append(
                InboundMessage.create(
                    dedupe_key=f"<bench-{number}@example.fi>",
                    from_address=f"henkilo{number}@example.fi",
                    received_at=now,
                    body_text=body,
                    raw_message=body.encode(),
                    raw_size=size,
                    disposition="new_request",
                ).id
            )
    stored = time.perf_counter() - started
    wal = Path(f"{folder / 'bench.db'}-wal")
    wal_peak = wal.stat().st_size if wal.exists() else 0
    started = time.perf_counter()
    with database.atomic():
        redact_messages(ids, now)
    redacted = time.perf_counter() - started
    wal_peak = max(wal_peak, wal.stat().st_size if wal.exists() else 0)
    started = time.perf_counter()
    checkpoint_wal()
    checkpointed = time.perf_counter() - started
    database.close()
    return {
        "store_s": stored,
        "redact_s": redacted,
        "checkpoint_s": checkpointed,
        "file_mb": os.path.getsize(folder / "bench.db") / 1e6,
        "wal_peak_mb": wal_peak / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--size", type=int, default=20_000)
    args = parser.parse_args()
    print(f"{args.messages} messages of {args.size} bytes")
    print(
        f"{'secure_delete':>14} {'store s':>8} {'redact s':>9} {'checkpoint s':>13} "
        f"{'file MB':>8} {'WAL peak MB':>12}"
    )
    for secure in (0, 1):
        with tempfile.TemporaryDirectory() as folder:
            figures = run(args.messages, args.size, secure, Path(folder))
        print(
            f"{('on' if secure else 'off'):>14} {figures['store_s']:8.2f} "
            f"{figures['redact_s']:9.2f} {figures['checkpoint_s']:13.3f} "
            f"{figures['file_mb']:8.1f} {figures['wal_peak_mb']:12.1f}"
        )


if __name__ == "__main__":
    main()
