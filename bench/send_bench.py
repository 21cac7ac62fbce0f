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
import multiprocessing
import socket
import sys
import tempfile
import time
from pathlib import Path

from aiosmtpd.controller import Controller

from mailbot.outgoing import queue_mail
from mailbot.sender import send_due
from store import lifecycle
from store.config import load_settings
from store.db import close_database, open_database
from store.migrations import migrate
from store.models import OutboxMail, database
from store.urls import file_url


class Sink:
    """Accepts every mail; counts mails and connections for the parent process."""

    def __init__(self, mails: multiprocessing.sharedctypes.Synchronized,
                 connections: multiprocessing.sharedctypes.Synchronized) -> None:
        self.mails = mails
        self.connections = connections
        self.peers: set[object] = set()

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.mails.value += 1
        peer = session.peer  # type: ignore[attr-defined]
        if peer not in self.peers:
            self.peers.add(peer)
            self.connections.value += 1
        return "250 2.0.0 Ok: queued"


def serve(port: int, mails: multiprocessing.sharedctypes.Synchronized,
          connections: multiprocessing.sharedctypes.Synchronized,
          ready: multiprocessing.synchronize.Event,
          stop: multiprocessing.synchronize.Event) -> None:
    server = Controller(Sink(mails, connections), hostname="127.0.0.1", port=port,
                        server_hostname="localhost")
    server.start()
    ready.set()
    stop.wait()
    server.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--pg", metavar="URL", help="a PostgreSQL database to use (emptied)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="rekisteri-send-bench-") as folder:
        if args.pg:
            open_database(args.pg)
            database.execute_sql("DROP SCHEMA IF EXISTS public CASCADE")
            database.execute_sql("CREATE SCHEMA public")
            url = args.pg
        else:
            url = file_url("sqlite", Path(folder) / "bench.db")
            open_database(url, create=True)
        migrate()

        port = free_port()
        mails, connections = multiprocessing.Value("i", 0), multiprocessing.Value("i", 0)
        ready, stop = multiprocessing.Event(), multiprocessing.Event()
        server = multiprocessing.Process(target=serve,
                                         args=(port, mails, connections, ready, stop))
        server.start()
        ready.wait(30)
        base = load_settings(environ={})
        settings = dataclasses.replace(
            base, mail=dataclasses.replace(base.mail, smtp=f"smtp://127.0.0.1:{port}"))
        try:
            started = time.perf_counter()
            with database.atomic():
                for number in range(args.mails):
                    request = lifecycle.create_request(
                        kind="access", actor="@bench", requester_email=f"a{number}@example.fi")
                    queue_mail("acknowledgement", settings=settings,
                               to_address=f"a{number}@example.fi", language="fi",
                               actor="@bench", request=request)
            queued = time.perf_counter() - started

            started = time.perf_counter()
            report = asyncio.run(send_due(settings))
            elapsed = time.perf_counter() - started
        finally:
            stop.set()
            server.join(30)
        size = OutboxMail.select().first().raw
        close_database()

    backend = "PostgreSQL" if args.pg else "SQLite"
    print(f"{backend}: queued {args.mails} mails in {queued:.2f} s "
          f"({args.mails / queued:.0f} mails/s, {len(size)} bytes each)")
    print(f"sent {report.sent} (failed {report.failed}, retry {report.retry}) in {elapsed:.2f} s: "
          f"{report.sent / elapsed:.0f} mails/s over {connections.value} SMTP connection(s); "
          f"the server received {mails.value}")
    return 0 if report.sent == args.mails == mails.value else 1


if __name__ == "__main__":
    sys.exit(main())
