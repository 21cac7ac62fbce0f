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
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from _common import (
    command_env,
    database_url,
    fresh_database,
    insert_rows,
    numbered_customers,
    rekisteri_process,
    smtp_sink,
    wait_peak_rss,
)

from store import clock
from store.db import close_database
from store.models import ConsentEvent, Customer, CustomerSource, OutboxMail, database
from store.tokens import ensure_secret

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
    with database.atomic():
        insert_rows(
            Customer, numbered_customers(count, "Lukija", lambda n: f"lukija{n}@example.fi", now)
        )
        ids = [row.id for row in Customer.select(Customer.id)]
        insert_rows(
            CustomerSource,
            [{"customer": cid, "source": "newsletter", "added_at": now} for cid in ids],
        )
        insert_rows(
            ConsentEvent,
            [
                {
                    "customer": cid,
                    "purpose": "marketing",
                    "given": True,
                    "at": now - timedelta(days=30),
                    "channel": "newsletter_signup",
                    "evidence": "bench",
                    "wording_version": "1",
                    "recorded_by": "@bench",
                }
                for cid in ids
            ],
        )
        ensure_secret("@bench")


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Run ``rekisteri COMMAND``: (seconds, peak RSS in MB, exit code)."""
    started = time.perf_counter()
    process = rekisteri_process(command, env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    errors = process.stderr.read()
    peak = wait_peak_rss(process)
    elapsed = time.perf_counter() - started
    if process.returncode:
        sys.stderr.write(errors.decode("utf-8", "replace")[-2000:])
    return elapsed, peak, process.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=20_000)
    parser.add_argument("--pg", metavar="URL", help="a PostgreSQL database to use (emptied)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="rekisteri-newsletter-bench-") as folder:
        url = database_url(args.pg, Path(folder))
        fresh_database(url)
        make_readers(args.readers)
        issue = Path(folder) / "uutiskirje.md"
        issue.write_text(ISSUE, encoding="utf-8")

        with smtp_sink() as sink:
            env = command_env(REKISTERI_DB=url, REKISTERI_SMTP=sink.url, REKISTERI_NOW=NOW)
            queue_seconds, queue_rss, queue_code = timed(
                ["newsletter", "send", "--subject", "Maaliskuun uutiset", str(issue)], env
            )
            queued = OutboxMail.select().count()
            size = len(OutboxMail.select().first().raw_message) if queued else 0
            send_seconds, send_rss, send_code = timed(["outbox", "send"], env)
        sent = OutboxMail.select().where(OutboxMail.status == "sent").count()
        close_database()

    backend = "PostgreSQL" if args.pg else "SQLite"
    print(f"{backend}, {args.readers} readers with marketing consent")
    print(
        f"newsletter send: queued {queued} mails ({size} bytes each) in {queue_seconds:.1f} s:"
        f" {queued / queue_seconds:.0f} mails/s; peak RSS {queue_rss:.0f} MB"
    )
    print(
        f"outbox send:     sent {sent} in {send_seconds:.1f} s: {sent / send_seconds:.0f} "
        f"mails/s over {sink.connections.value} SMTP connection(s), no rate limit; "
        f"peak RSS {send_rss:.0f} MB; the server received {sink.mails.value}"
    )
    return 0 if queue_code == 0 and send_code == 0 and sent == queued == sink.mails.value else 1


if __name__ == "__main__":
    sys.exit(main())
