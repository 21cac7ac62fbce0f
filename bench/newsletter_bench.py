"""A newsletter to 20,000 readers through aiosmtpd on loopback; prints mails/s and peak RSS.

    python bench/newsletter_bench.py                  # SQLite in a temporary folder
    python bench/newsletter_bench.py --readers 5000 --pg postgresql://postgres@127.0.0.1/rekisteri_bench

It runs the two commands staff run, each in a process of its own: ``rekisteri newsletter
send`` (choosing the readers who may receive marketing, rendering each mail in its
language with its personal links, queueing in batches) and ``rekisteri outbox send`` with no
rate limit (claiming each row, the consent check just before SMTP, sending over one
connection, recording the reply and the audit event).  For each it prints the rate and the
process's peak resident memory.  The SMTP server runs in a process of its own too.  Aims
(issue 9): at least 200 mails/s sent, peak RSS under 200 MB.  The PostgreSQL database given
is emptied first.  Asserts nothing.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from send_bench import free_port, serve  # the SMTP sink of the outbox benchmark

from store import clock
from store.customers import name_keys
from store.db import close_database, open_database
from store.migrations import migrate
from store.models import ConsentEvent, Customer, CustomerSource, OutboxMail, database
from store.tokens import ensure_secret
from store.urls import file_url

ROOT = Path(__file__).resolve().parents[1]
NOW = "2026-03-10T12:00:00+02:00"
ISSUE = """# Maaliskuun ensi-illat

Tervetuloa **elokuviin**! Koko ohjelmisto: https://www.kotkanleffat.fi/ohjelmisto

- Dyyni, osa kolme – perjantaina kello 18
- [Muumit](https://www.kotkanleffat.fi/muumit) – lauantaina kello 12
- Kotimainen ilta – sunnuntaina

Nähdään elokuvissa!
"""


def make_readers(count: int) -> None:
    """``count`` customers in three languages, every one with marketing consent."""
    now = clock.parse_instant(NOW)
    rows = []
    for n in range(1, count + 1):
        first, last = "Lukija", f"Numero{n}"
        key, reverse = name_keys(first, last)
        rows.append({"customer_no": f"{100000 + n}", "first_name": first, "last_name": last,
                     "name_key": key, "reverse_name_key": reverse,
                     "email": f"lukija{n}@example.fi", "language": ("fi", "sv", "en")[n % 3],
                     "created_at": now, "updated_at": now})
    with database.atomic():
        for start in range(0, len(rows), 500):
            Customer.insert_many(rows[start:start + 500]).execute()
        ids = [row.id for row in Customer.select(Customer.id)]
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            CustomerSource.insert_many([{"customer": cid, "source": "newsletter",
                                         "added_at": now} for cid in chunk]).execute()
            ConsentEvent.insert_many([{
                "customer": cid, "purpose": "marketing", "given": True,
                "at": now - timedelta(days=30), "channel": "newsletter_signup",
                "evidence": "bench", "wording_version": "1", "recorded_by": "@bench"}
                for cid in chunk]).execute()
        ensure_secret("@bench")


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Run ``rekisteri COMMAND``: (seconds, peak RSS in MB, exit code)."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "tui.cli.main", *command], cwd=ROOT,
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    if process.returncode:
        sys.stderr.write(errors.decode("utf-8", "replace")[-2000:])
    return elapsed, usage.ru_maxrss / 1024, process.returncode  # ru_maxrss: KiB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=20_000)
    parser.add_argument("--pg", metavar="URL", help="a PostgreSQL database to use (emptied)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="rekisteri-newsletter-bench-") as folder:
        if args.pg:
            open_database(args.pg)
            database.execute_sql("DROP SCHEMA IF EXISTS public CASCADE")
            database.execute_sql("CREATE SCHEMA public")
            url = args.pg
        else:
            url = file_url("sqlite", Path(folder) / "bench.db")
            open_database(url, create=True)
        migrate()
        make_readers(args.readers)
        issue = Path(folder) / "uutiskirje.md"
        issue.write_text(ISSUE, encoding="utf-8")

        port = free_port()
        mails, connections = multiprocessing.Value("i", 0), multiprocessing.Value("i", 0)
        ready, stop = multiprocessing.Event(), multiprocessing.Event()
        server = multiprocessing.Process(target=serve,
                                         args=(port, mails, connections, ready, stop))
        server.start()
        ready.wait(30)
        env = {key: value for key, value in os.environ.items()
               if not key.startswith("REKISTERI_")}
        env.update(REKISTERI_DB=url, REKISTERI_SMTP=f"smtp://127.0.0.1:{port}",
                   REKISTERI_NOW=NOW)
        try:
            queue_seconds, queue_rss, queue_code = timed(
                ["newsletter", "send", "--subject", "Maaliskuun uutiset", str(issue)], env)
            queued = OutboxMail.select().count()
            size = len(OutboxMail.select().first().raw) if queued else 0
            send_seconds, send_rss, send_code = timed(["outbox", "send"], env)
        finally:
            stop.set()
            server.join(30)
        sent = OutboxMail.select().where(OutboxMail.status == "sent").count()
        close_database()

    backend = "PostgreSQL" if args.pg else "SQLite"
    print(f"{backend}, {args.readers} readers with marketing consent")
    print(f"newsletter send: queued {queued} mails ({size} bytes each) in {queue_seconds:.1f} s:"
          f" {queued / queue_seconds:.0f} mails/s; peak RSS {queue_rss:.0f} MB")
    print(f"outbox send:     sent {sent} in {send_seconds:.1f} s: {sent / send_seconds:.0f} "
          f"mails/s over {connections.value} SMTP connection(s), no rate limit; "
          f"peak RSS {send_rss:.0f} MB; the server received {mails.value}")
    return 0 if queue_code == 0 and send_code == 0 and sent == queued == mails.value else 1


if __name__ == "__main__":
    sys.exit(main())
