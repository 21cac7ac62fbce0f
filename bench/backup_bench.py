"""What an encrypted backup costs against an unencrypted copy; prints, asserts nothing.

    python bench/backup_bench.py                      # 100,000 customers in SQLite
    python bench/backup_bench.py --pg postgresql://postgres@127.0.0.1/bench

Fills a fresh register, then times ``backup create`` (snapshot + encryption + fsync),
``backup verify`` (decrypt + audit chain) and ``backup restore`` into an empty database
(with a ledger of 1,000 erasures to replay), each beside the ceiling measured in the same
run: the plain snapshot with no encryption (SQLite's online backup API into memory, or
``pg_dump --format=custom`` to /dev/null).  Figures are seconds and ratios to the ceiling.
"""

from __future__ import annotations

import argparse
import dataclasses
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

from _common import database_url, fresh_database, insert_rows, numbered_customers

from store import backup, clock, encryption, forget_ledger
from store.config import BackupSettings, load_settings
from store.db import close_database
from store.models import Customer
from store.urls import file_url, file_url_path


def ceiling(url: str) -> float:
    started = time.perf_counter()
    if url.startswith("sqlite"):
        source = sqlite3.connect(file_url_path(url))
        copy = sqlite3.connect(":memory:")
        source.backup(copy)
        copy.serialize()
        source.close()
        copy.close()
    else:
        clean, environment = backup.pg_environment(url)
        subprocess.run(
            ["pg_dump", "--format=custom", f"--dbname={clean}"],
            stdout=subprocess.DEVNULL,
            env=environment,
            check=True,
        )
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", metavar="URL", help="a PostgreSQL database to empty and use")
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        url = database_url(args.pg, folder)
        fresh_database(url)
        now = clock.now()
        rows = numbered_customers(args.customers, "Aino", lambda n: f"aino{n}@example.fi", now)
        insert_rows(Customer, rows)
        identity = encryption.generate_identity()
        encryption.write_key_pair(identity, folder / "id.pem", folder / "pub.pem")
        base = load_settings(environ={})
        settings = dataclasses.replace(
            base,
            database=dataclasses.replace(base.database, url=url),
            backup=BackupSettings(
                dir=str(folder / "backups"),
                recipient_file=str(folder / "pub.pem"),
                identity_file=str(folder / "id.pem"),
                ledger_file=str(folder / "ledger.jsonl"),
            ),
        )
        close_database()
        plain = ceiling(url)

        started = time.perf_counter()
        made = backup.create(settings)
        created = time.perf_counter() - started

        started = time.perf_counter()
        backup.verify(made.path, identity, settings)
        verified = time.perf_counter() - started

        for n in range(1, 1001):  # erasures after the backup, for the restore to replay
            forget_ledger.append(
                Path(settings.backup.ledger_file), forget_ledger.Act.ERASED, f"{100000 + n}", {}
            )
        # SQLite: a new file; PostgreSQL: the same database, replaced in place.
        sqlite = url.startswith("sqlite")
        target_url = file_url("sqlite", folder / "restored.db") if sqlite else url
        target = dataclasses.replace(
            settings, database=dataclasses.replace(settings.database, url=target_url)
        )
        started = time.perf_counter()
        report = backup.restore(
            made.path, identity, target, actor="@bench", replace=not url.startswith("sqlite")
        )
        restored = time.perf_counter() - started

    kind = "sqlite" if url.startswith("sqlite") else "postgresql"
    print(f"{kind}, {args.customers:,} customers, backup {made.size / 1e6:.1f} MB")
    print(f"  plain snapshot (ceiling)  {plain:6.2f} s")
    print(f"  backup create             {created:6.2f} s   {created / plain:5.2f} x ceiling")
    print(f"  backup verify             {verified:6.2f} s   {verified / plain:5.2f} x ceiling")
    erased = report.replayed.get("customer.erased", 0)
    print(
        f"  backup restore            {restored:6.2f} s   {restored / plain:5.2f} x ceiling"
        f"   ({erased} erasures replayed)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
