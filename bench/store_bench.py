"""Import 100,000 generated customers, then look them up; prints figures, asserts nothing.

    python bench/store_bench.py                     # SQLite in a temporary folder
    python bench/store_bench.py --count 200000      # the memory aim's file
    python bench/store_bench.py --pg postgresql://postgres@127.0.0.1/rekisteri_bench

Aims (issue 20): import ≥ 30,000 rows/s on SQLite for 100,000 rows; peak RSS < 200 MB
importing 200,000; no other writer kept waiting for more than a second while it runs.
(Issue 2: every lookup p95 < 20 ms.)  The import runs in a process of its own, started
clean, so its peak RSS is the import's; on SQLite a second connection meanwhile takes the
write lock every 50 ms and the longest it waited is printed.  The PostgreSQL database
given is emptied first.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import random
import resource
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from _common import FIRST, LAST, database_url, fresh_database, percentiles

from store.customers import match_candidates, search_customers
from store.db import close_database, open_database
from store.importer import import_customers
from store.urls import file_url_path


def write_customers(path: Path, count: int, rng: random.Random) -> list[dict[str, str]]:
    rows = []
    for number in range(1, count + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        rows.append(
            {
                "customer_no": str(1_000_000 + number),
                "first_name": first,
                "last_name": last,
                "street_address": f"Kauppakatu {rng.randint(1, 99)}",
                "postal_code": "48100",
                "city": "Kotka",
                "phone": f"04{rng.randint(0, 6)} {5_000_000 + number:07d}",
                "email": f"{first.lower()}.{number}@example.fi",
            }
        )
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return rows


def timed(queries: list[str], lookup: Callable[[str], object]) -> tuple[float, float]:
    samples = []
    for query in queries:
        started = time.perf_counter()
        lookup(query)
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def timed_import(url: str, csv_path: Path) -> tuple[int, float, float]:
    """In a process of its own: (customers created, seconds, peak RSS in MB)."""
    open_database(url)
    started = time.perf_counter()
    report = import_customers(csv_path, "ticketing", actor="@bench")
    elapsed = time.perf_counter() - started
    close_database()
    return report.created, elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def longest_writer_wait(url: str) -> Iterator[list[float]]:
    """On SQLite, another writer that takes the write lock every 50 ms meanwhile; yields
    a list that holds the longest it waited (s) when the block ends."""
    longest = [0.0]
    if not url.startswith("sqlite"):
        yield longest
        return
    done = threading.Event()

    def write_meanwhile() -> None:
        connection = sqlite3.connect(file_url_path(url), timeout=60, isolation_level=None)
        while not done.wait(0.05):
            started = time.perf_counter()
            connection.execute("BEGIN IMMEDIATE")
            longest[0] = max(longest[0], time.perf_counter() - started)
            connection.execute("COMMIT")
        connection.close()

    writer = threading.Thread(target=write_meanwhile)
    writer.start()
    try:
        yield longest
    finally:
        done.set()
        writer.join()


def run(url: str, count: int, folder: Path) -> None:
    fresh_database(url)
    close_database()
    rng = random.Random(42)
    csv_path = folder / "customers.csv"
    rows = write_customers(csv_path, count, rng)

    backend = url.split(":", 1)[0]
    # spawn: the import's process starts clean, without this one's rows in its memory.
    spawn = multiprocessing.get_context("spawn")
    with spawn.Pool(1) as pool, longest_writer_wait(url) as waited:
        created, elapsed, peak_rss = pool.apply(timed_import, (url, csv_path))
    print(
        f"[{backend}] import: {created:,} customers in {elapsed:.2f} s "
        f"= {created / elapsed:,.0f} rows/s, peak RSS {peak_rss:.0f} MB"
    )
    if url.startswith("sqlite"):
        print(f"[{backend}] import: another writer waited at most {waited[0]:.2f} s")
    open_database(url)

    sample = rng.sample(rows, 300)
    lookups = {
        "name prefix (search)": ([r["last_name"][:4] for r in sample], search_customers),
        "email (search)": ([r["email"] for r in sample], search_customers),
        "phone (search)": ([r["phone"] for r in sample], search_customers),
        "customer number (search)": ([r["customer_no"] for r in sample], search_customers),
        "email (match)": ([r["email"] for r in sample], lambda q: match_candidates(email=q)),
        "phone (match)": ([r["phone"] for r in sample], lambda q: match_candidates(phone=q)),
    }
    for label, (queries, lookup) in lookups.items():
        p50, p95 = timed(queries, lookup)
        print(f"[{backend}] lookup by {label}: p50 {p50:.2f} ms, p95 {p95:.2f} ms")
    close_database()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--pg", metavar="URL", help="also run on this PostgreSQL database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        run(database_url(None, folder), args.count, folder)
        if args.pg:
            run(args.pg, args.count, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
