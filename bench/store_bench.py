"""Import 100,000 generated customers, then look them up; prints figures, asserts nothing.

    python bench/store_bench.py                     # SQLite in a temporary folder
    python bench/store_bench.py --pg postgresql://postgres@127.0.0.1/rekisteri_bench

Aims (issue 2): import ≥ 20,000 rows/s on SQLite; every lookup p95 < 20 ms.
The PostgreSQL database given is emptied first.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _common import FIRST, LAST, database_url, fresh_database, percentiles

from store.customers import match_candidates, search_customers
from store.db import close_database
from store.importer import import_customers


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


def run(url: str, count: int, folder: Path) -> None:
    fresh_database(url)
    rng = random.Random(42)
    csv_path = folder / "customers.csv"
    rows = write_customers(csv_path, count, rng)

    started = time.perf_counter()
    report = import_customers(csv_path, "ticketing", actor="@bench")
    elapsed = time.perf_counter() - started
    backend = url.split(":", 1)[0]
    print(
        f"[{backend}] import: {report.created:,} customers in {elapsed:.2f} s "
        f"= {report.created / elapsed:,.0f} rows/s"
    )

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
