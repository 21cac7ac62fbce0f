"""What the benchmarks share: a fresh database, generated customers, percentiles, the SMTP
sink in a process of its own, and measuring a ``rekisteri`` command run as a process.

The scripts run as ``python bench/NAME.py``, so this folder is on ``sys.path`` and they
import it as ``_common``.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from peewee import Model

from store.customers import name_keys
from store.db import is_sqlite, open_database
from store.migrations import migrate
from store.models import database
from store.urls import file_url

ROOT = Path(__file__).resolve().parents[1]

FIRST = [
    "Aino",
    "Eero",
    "Sanna",
    "Juha",
    "Liisa",
    "Matti",
    "Kaisa",
    "Ville",
    "Helmi",
    "Oskari",
    "Emilia",
    "Leevi",
    "Siiri",
    "Onni",
    "Venla",
    "Eetu",
    "Iida",
    "Aleksi",
    "Pihla",
    "Niilo",
]
LAST = [
    "Virtanen",
    "Korhonen",
    "Mäkinen",
    "Nieminen",
    "Mäkelä",
    "Hämäläinen",
    "Laine",
    "Heikkinen",
    "Koskinen",
    "Järvinen",
    "Lehtonen",
    "Lehtinen",
    "Saarinen",
    "Salminen",
    "Heinonen",
    "Niemi",
    "Heikkilä",
    "Kinnunen",
    "Salonen",
    "Turunen",
    "Öhman",
    "Åberg",
]


# ---------------------------------------------------------------- the database


def database_url(pg: str | None, folder: Path) -> str:
    """``--pg URL`` when given, else a SQLite file in the benchmark's temporary folder."""
    return pg or file_url("sqlite", folder / "bench.db")


def fresh_database(url: str) -> None:
    """Open ``url`` empty and migrated: a new SQLite file, or the PostgreSQL database given
    with its schema dropped first."""
    open_database(url, create=True)
    if not is_sqlite():
        database.execute_sql("DROP SCHEMA IF EXISTS public CASCADE")
        database.execute_sql("CREATE SCHEMA public")
    migrate()


def insert_rows(model: type[Model], rows: Sequence[dict[str, Any]], chunk: int = 500) -> None:
    """Bulk insert, ``chunk`` rows a statement."""
    for start in range(0, len(rows), chunk):
        model.insert_many(rows[start : start + chunk]).execute()


def numbered_customers(
    count: int, first_name: str, email: Callable[[int], str | None], now: datetime
) -> list[dict[str, Any]]:
    """Customer rows ``<first_name> Numero<n>``, customer numbers from 100001, the languages
    fi, sv and en in turn."""
    rows = []
    for n in range(1, count + 1):
        last = f"Numero{n}"
        key, reverse = name_keys(first_name, last)
        rows.append(
            {
                "customer_no": f"{100000 + n}",
                "first_name": first_name,
                "last_name": last,
                "name_key": key,
                "reverse_name_key": reverse,
                "email": email(n),
                "language": ("fi", "sv", "en")[n % 3],
                "created_at": now,
                "updated_at": now,
            }
        )
    return rows


# ---------------------------------------------------------------- figures


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(median, p95) of ``samples``."""
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return statistics.median(ordered), p95


# ---------------------------------------------------------------- processes


def command_env(**settings: str) -> dict[str, str]:
    """This process's environment without any ``REKISTERI_*`` of its own, plus ``settings``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("REKISTERI_")}
    env.update(settings)
    return env


def rekisteri_process(
    command: list[str], env: dict[str, str], **streams: Any
) -> subprocess.Popen[bytes]:
    """``rekisteri COMMAND`` started in a process of its own, from the checkout."""
    return subprocess.Popen(
        [sys.executable, "-m", "cli.main", *command], cwd=ROOT, env=env, **streams
    )


def wait_peak_rss(process: subprocess.Popen[bytes]) -> float:
    """Wait for ``process`` (setting its returncode): its peak resident memory in MB."""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss / 1024  # ru_maxrss: KiB on Linux


# ---------------------------------------------------------------- an SMTP server


class Sink:
    """Accepts every mail; counts mails and connections for the parent process."""

    def __init__(
        self,
        mails: multiprocessing.sharedctypes.Synchronized,
        connections: multiprocessing.sharedctypes.Synchronized,
    ) -> None:
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


def serve(
    port: int,
    mails: multiprocessing.sharedctypes.Synchronized,
    connections: multiprocessing.sharedctypes.Synchronized,
    ready: multiprocessing.synchronize.Event,
    stop: multiprocessing.synchronize.Event,
) -> None:
    server = Controller(
        Sink(mails, connections), hostname="127.0.0.1", port=port, server_hostname="localhost"
    )
    server.start()
    ready.set()
    stop.wait()
    server.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class RunningSink:
    port: int
    mails: multiprocessing.sharedctypes.Synchronized  # accepted so far
    connections: multiprocessing.sharedctypes.Synchronized

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


@contextmanager
def smtp_sink() -> Iterator[RunningSink]:
    """aiosmtpd on a free loopback port, in a process of its own, as a real mail server is
    (in the sender's process its thread would fight the sender for the GIL)."""
    port = free_port()
    mails, connections = multiprocessing.Value("i", 0), multiprocessing.Value("i", 0)
    ready, stop = multiprocessing.Event(), multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(port, mails, connections, ready, stop))
    server.start()
    ready.wait(30)
    try:
        yield RunningSink(port, mails, connections)
    finally:
        stop.set()
        server.join(30)
