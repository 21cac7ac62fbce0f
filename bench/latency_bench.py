"""What staff wait for, with the daemon running: prints figures, asserts nothing.

    python bench/latency_bench.py                 # SQLite in a temporary folder
    python bench/latency_bench.py --pg postgresql://postgres@127.0.0.1/rekisteri_bench

``rekisteri mailbot`` runs in a process of its own on a Maildir, sending to aiosmtpd (in a
process of its own too), and three figures are taken:

1. **New mail → in the database**: a mail delivered into the Maildir, until its row is
   committed (the open queue reads the database again every second: add up to 1 s for it
   to be on screen, ``tui/screens/queue.py`` REFRESH_SECONDS).
2. **Queued by staff → accepted by the SMTP server**: a mail queued as the desk queues one
   (:func:`mailbot.outgoing.queue_mail`, committed in this process), until the server has
   received it.
3. **An idle daemon's CPU**: its user and system time over ``--idle-seconds`` with nothing
   to do, as a share of one core.

Aims (issue 20): p95 < 2 s for both paths; an idle daemon under 1 % of a core.
The PostgreSQL database given is emptied first.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import (
    command_env,
    database_url,
    fresh_database,
    percentiles,
    rekisteri_process,
    smtp_sink,
)

from mailbot.outgoing import queue_mail
from store import lifecycle
from store.config import load_settings
from store.db import close_database
from store.models import InboundMessage, database

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.mail import deliver_to_maildir, make_mail  # noqa: E402


def cpu_seconds(pid: int) -> float:
    """User plus system time of ``pid`` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until(condition, limit: float = 30.0) -> float:
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > limit:
            sys.exit(f"not done in {limit:.0f} s")
        time.sleep(0.005)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--idle-seconds", type=float, default=20.0)
    parser.add_argument("--pg", metavar="URL", help="a PostgreSQL database to use (emptied)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="rekisteri-latency-bench-") as folder:
        work = Path(folder)
        inbox = work / "inbox"
        deliver_to_maildir(inbox, [])
        db_url = database_url(args.pg, work)
        fresh_database(db_url)
        with smtp_sink() as sink:
            env = command_env(
                REKISTERI_DB=db_url, REKISTERI_INBOX=f"maildir://{inbox}", REKISTERI_SMTP=sink.url
            )
            base = load_settings(environ=env)
            settings = dataclasses.replace(base, mail=dataclasses.replace(base.mail, smtp=sink.url))
            log_path = work / "mailbot.log"
            with log_path.open("w") as log:
                daemon = rekisteri_process(["mailbot"], env, stdout=log, stderr=subprocess.STDOUT)
            try:
                wait_until(lambda: "mailbot started" in log_path.read_text())
                time.sleep(2.0)  # the first pass and the daily tasks are over

                arrived = []
                for number in range(args.samples):
                    message_id = f"<latency-{number}@bench.example.fi>"
                    raw = make_mail(
                        f"Asiakas {number} <latency{number}@example.fi>",
                        body="Haluan nähdä tietoni.",
                        message_id=message_id,
                    )
                    deliver_to_maildir(inbox, [raw])
                    arrived.append(
                        wait_until(
                            lambda message_id=message_id: (
                                InboundMessage.select()
                                .where(InboundMessage.message_id == message_id)
                                .exists()
                            )
                        )
                    )
                    time.sleep(0.3)  # the acknowledgement goes out meanwhile
                time.sleep(2.0)

                sent = []
                for number in range(args.samples):
                    before = sink.mails.value
                    with database.atomic():
                        request = lifecycle.create_request(
                            kind="other", actor="anna", requester_email=f"q{number}@example.fi"
                        )
                        queue_mail(
                            "free_reply",
                            settings=settings,
                            to_address=f"staff-reply{number}@example.fi",
                            language="fi",
                            actor="anna",
                            request=request,
                            text="Hei, vastaus kysymykseesi.",
                        )
                    sent.append(wait_until(lambda before=before: sink.mails.value > before))
                    time.sleep(0.3)

                time.sleep(2.0)
                start_cpu, start = cpu_seconds(daemon.pid), time.perf_counter()
                time.sleep(args.idle_seconds)
                idle = (cpu_seconds(daemon.pid) - start_cpu) / (time.perf_counter() - start)
            finally:
                daemon.terminate()
                daemon.wait(timeout=30)
        close_database()

    backend = "PostgreSQL" if args.pg else "SQLite"
    for label, samples in (
        ("new mail (Maildir) → committed", arrived),
        ("queued by staff → accepted by the SMTP server", sent),
    ):
        p50, p95 = percentiles(samples)
        print(
            f"{backend}: {label}: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
            f"max {max(samples) * 1000:.0f} ms over {len(samples)}"
        )
    print(f"{backend}: idle daemon: {idle * 100:.2f} % of a core over {args.idle_seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
