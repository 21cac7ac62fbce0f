"""Queue a breach notice to 20,000 customers; prints recipients/s, asserts nothing.

    python bench/breach_notice_bench.py                 # SQLite in a temporary folder
    python bench/breach_notice_bench.py --customers 20000 --pg postgresql://postgres@127.0.0.1/rekisteri_bench

The figure covers the whole queueing path of ``rekisteri breach notify ID --all``: choosing
the recipients, rendering each notice in its language, building the message, storing the
outbox row and the recipient row, batch by batch.  It also prints the audit events written
(one per batch and one summary, not one per mail) and the time to list the breach with its
notice counts.  The PostgreSQL database given is emptied first.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from _common import database_url, fresh_database, insert_rows, numbered_customers

from mailbot.breach_notices import queue_breach_notices
from store import breaches, clock
from store.config import load_settings
from store.db import close_database
from store.mailings import Selection
from store.models import AuditEvent, Customer, CustomerSource, OutboxMail, database

NOW = clock.parse_instant("2026-03-10T12:00:00+02:00")


def make_customers(count: int) -> None:
    """Every 20th without an email address."""
    with database.atomic():
        insert_rows(
            Customer,
            numbered_customers(
                count, "Asiakas", lambda n: None if n % 20 == 0 else f"asiakas{n}@example.fi", NOW
            ),
        )
        insert_rows(
            CustomerSource,
            [
                {"customer": row.id, "source": "ticketing", "added_at": NOW}
                for row in Customer.select(Customer.id)
            ],
        )


def run(url: str, count: int) -> None:
    fresh_database(url)
    settings = load_settings(environ={})
    with clock.frozen(NOW):
        make_customers(count)
        breach = breaches.record_breach(
            discovered_at=NOW - timedelta(hours=5),
            actor="@bench",
            what="Lipunmyynnin varmuuskopio oli ladattavissa verkosta.",
            consequences="Voit saada huijausviestejä.",
            measures_taken="Tiedosto poistettiin.",
        )
        breaches.set_notice_texts(
            breach,
            "sv",
            "@bench",
            what="En säkerhetskopia läckte.",
            consequences="Bluffmejl.",
            measures="Filen raderades.",
        )
        events_before = AuditEvent.select().count()
        started = time.perf_counter()
        report = queue_breach_notices(
            breach, Selection(everyone=True), settings=settings, actor="@bench"
        )
        seconds = time.perf_counter() - started
        events = AuditEvent.select().count() - events_before
        started = time.perf_counter()
        again = queue_breach_notices(
            breach, Selection(everyone=True), settings=settings, actor="@bench"
        )
        rerun_seconds = time.perf_counter() - started
        started = time.perf_counter()
        rows = breaches.breach_rows()
        list_ms = (time.perf_counter() - started) * 1000
    recipients = report.queued + report.without_email
    print(
        f"queued {report.queued:,} notices, {report.without_email:,} without email, "
        f"in {seconds:.1f} s: {recipients / seconds:,.0f} recipients/s "
        f"({report.batches} batches, {events} audit events)"
    )
    print(
        f"run again: {again.queued} queued, {again.plan.already:,} already, {rerun_seconds:.2f} s"
    )
    print(
        f"breach list with counts: {list_ms:.0f} ms "
        f"(notices {rows[0]['notices']}, {len(rows[0]['without_email']):,} without email)"
    )
    print(f"outbox rows: {OutboxMail.select().count():,}")
    close_database()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", metavar="URL", help="a PostgreSQL database to empty and use")
    parser.add_argument("--customers", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(database_url(args.pg, Path(folder)), args.customers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
