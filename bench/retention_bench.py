"""The retention job on a large register, and building one data package; prints figures.

    python bench/retention_bench.py                     # SQLite in a temporary folder
    python bench/retention_bench.py --pg postgresql://postgres@127.0.0.1/rekisteri_bench

100,000 customers (imported through the real importer), 20% of them due for erasure,
200,000 ticket purchases, some past their six years.  Aims (issue 5): a retention run
(dry and real) < 10 s; one data package < 50 ms.  The PostgreSQL database given is emptied.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from _common import database_url, fresh_database, insert_rows, percentiles

from store import clock
from store.config import load_settings
from store.db import close_database
from store.importer import import_customers
from store.models import ConsentEvent, Customer, Purchase, database
from store.package import build_package
from store.retention import apply_retention

NOW = clock.parse_instant("2026-03-10T12:00:00+02:00")
CHUNK = 1000


def write_customers(path: Path, count: int, rng: random.Random) -> None:
    """A ticketing export: 20% ended a year ago (due), 5% ended with marketing consent
    (kept), 5% ended last week (not yet due), the rest still customers."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "customer_no",
                "first_name",
                "last_name",
                "street_address",
                "postal_code",
                "city",
                "phone",
                "email",
                "relationship_ended_at",
            ]
        )
        for number in range(count):
            share = number % 20
            ended = ""
            if share < 5:  # 0-3 due, 4 kept for marketing
                ended = "2025-03-01"
            elif share == 5:
                ended = "2026-03-03"
            writer.writerow(
                [
                    f"B{number:07d}",
                    rng.choice(["Aino", "Eero", "Sanna", "Juha"]),
                    rng.choice(["Virtanen", "Mäkinen", "Åberg"]),
                    "Kauppakatu 1",
                    "48100",
                    "Kotka",
                    f"040 {1_000_000 + number:07d}",
                    f"asiakas{number}@example.fi",
                    ended,
                ]
            )


def add_consents_and_purchases(rng: random.Random) -> None:
    ids = [cid for (cid,) in Customer.select(Customer.id).order_by(Customer.id).tuples()]
    consents, purchases = [], []
    for index, cid in enumerate(ids):
        if index % 20 == 4:
            consents.append(
                {
                    "customer": cid,
                    "purpose": "marketing",
                    "given": True,
                    "at": NOW - timedelta(days=400),
                    "channel": "website_form",
                    "evidence": "bench",
                    "wording_version": "v1",
                    "recorded_by": "@bench",
                }
            )
        for receipt in range(2):
            purchases.append(
                {
                    "customer": cid,
                    "receipt_no": f"R{cid}-{receipt}",
                    "purchased_at": NOW - timedelta(days=rng.randint(30, 3000)),
                    "amount_cents": 1250,
                    "description": "Elokuvalippu",
                }
            )
    with database.atomic():
        insert_rows(ConsentEvent, consents, CHUNK)
        insert_rows(Purchase, purchases, CHUNK)


def run(url: str, count: int, folder: Path) -> None:
    fresh_database(url)
    settings = load_settings(environ={})
    rng = random.Random(5)
    csv_path = folder / "customers.csv"
    write_customers(csv_path, count, rng)
    started = time.perf_counter()
    with clock.frozen(NOW):
        import_customers(csv_path, "ticketing", actor="@bench")
        add_consents_and_purchases(rng)
    print(
        f"setup: {count:,} customers, {Purchase.select().count():,} purchases "
        f"in {time.perf_counter() - started:.1f} s"
    )

    with clock.frozen(NOW):
        started = time.perf_counter()
        dry = apply_retention(settings, dry_run=True)
        dry_seconds = time.perf_counter() - started
        started = time.perf_counter()
        real = apply_retention(settings)
        real_seconds = time.perf_counter() - started
        started = time.perf_counter()
        idle = apply_retention(settings)
        idle_seconds = time.perf_counter() - started
    print(
        f"dry run:  {dry_seconds:.2f} s ({len(dry.erasures):,} customers due, "
        f"{dry.kept_for_marketing:,} kept for marketing, "
        f"{dry.vouchers_deleted:,} vouchers past six years)"
    )
    print(
        f"real run: {real_seconds:.2f} s ({len(real.erasures):,} customers erased, "
        f"{real.vouchers_deleted:,} vouchers deleted)"
    )
    print(
        f"next run, nothing to do: {idle_seconds * 1000:.0f} ms "
        f"(changed anything: {idle.changed_anything})"
    )

    sample = [c for c in Customer.select().where(Customer.erased_at.is_null()).limit(200)]
    timings = []
    with clock.frozen(NOW):
        build_package(sample[0], language="fi", settings=settings, actor="@bench")  # warm-up
        for customer in sample[1:]:
            started = time.perf_counter()
            build_package(customer, language="fi", settings=settings, actor="@bench")
            timings.append((time.perf_counter() - started) * 1000)
    p50, p95 = percentiles(timings)
    print(f"data package: p50 {p50:.1f} ms, p95 {p95:.1f} ms (aim < 50 ms)")
    close_database()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", metavar="URL", help="a PostgreSQL database to empty and use")
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(database_url(args.pg, Path(folder)), args.customers, Path(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
