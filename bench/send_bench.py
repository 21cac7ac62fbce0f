"""Send 1,000 queued mails to aiosmtpd on loopback; prints mails/s, asserts nothing.

    python bench/send_bench.py                  # SQLite in a temporary folder
    python bench/send_bench.py --mails 5000 --pg postgresql://postgres@127.0.0.1/rekisteri_bench

Aim (issue 4): ≥ 200 mails/s with the connection reused for the batch.  The figure covers
the whole path of each mail: claiming the row, sending it, recording the server's reply
and the audit event.  The server runs in a process of its own, as a real mail server does
(in this process its thread would fight the sender for the GIL and measure that instead).
The PostgreSQL database given is emptied first.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

from _common import database_url, fresh_database, smtp_sink

from mailbot.outgoing import queue_mail
from mailbot.sender import send_due
from store import lifecycle
from store.config import load_settings
from store.db import close_database
from store.models import OutboxMail, database


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--pg", metavar="URL", help="a PostgreSQL database to use (emptied)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="rekisteri-send-bench-") as folder:
        fresh_database(database_url(args.pg, Path(folder)))
        with smtp_sink() as sink:
            base = load_settings(environ={})
            settings = dataclasses.replace(base, mail=dataclasses.replace(base.mail, smtp=sink.url))
            started = time.perf_counter()
            with database.atomic():
                for number in range(args.mails):
                    request = lifecycle.create_request(
                        kind="access", actor="@bench", requester_email=f"a{number}@example.fi"
                    )
                    queue_mail(
                        "acknowledgement",
                        settings=settings,
                        to_address=f"a{number}@example.fi",
                        language="fi",
                        actor="@bench",
                        request=request,
                    )
            queued = time.perf_counter() - started

            started = time.perf_counter()
            report = asyncio.run(send_due(settings))
            elapsed = time.perf_counter() - started
        size = OutboxMail.select().first().raw_message
        close_database()

    backend = "PostgreSQL" if args.pg else "SQLite"
    print(
        f"{backend}: queued {args.mails} mails in {queued:.2f} s "
        f"({args.mails / queued:.0f} mails/s, {len(size)} bytes each)"
    )
    print(
        f"sent {report.sent} (failed {report.failed}, retry {report.retry}) in {elapsed:.2f} s: "
        f"{report.sent / elapsed:.0f} mails/s over {sink.connections.value} SMTP "
        f"connection(s); the server received {sink.mails.value}"
    )
    return 0 if report.sent == args.mails == sink.mails.value else 1


if __name__ == "__main__":
    sys.exit(main())
