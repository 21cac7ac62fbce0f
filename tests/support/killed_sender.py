"""Mass mail through ``rekisteri outbox send`` in a process of its own that is killed midway:
a register of numbered customers built in bulk, the sender started, and SIGKILLed once the
SMTP server has accepted a given number of mails."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from store import clock
from store.customers import name_keys
from store.models import Customer, CustomerSource, database

ROOT = Path(__file__).resolve().parents[2]
CHUNK = 500


def insert_customers(
    count: int,
    *,
    first_name: str,
    first_number: int,
    email: Callable[[int], str | None],
    source: str,
) -> dict[str, int]:
    """``count`` customers ``<first_name> Numero<n>`` with customer numbers from
    ``first_number + 1`` and the languages fi, sv and en in turn, inserted in bulk; their
    ids by customer number."""
    now = clock.now()
    rows = []
    for n in range(1, count + 1):
        last = f"Numero{n}"
        key, reverse = name_keys(first_name, last)
        rows.append(
            {
                "customer_no": f"{first_number + n}",
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
    with database.atomic():
        insert_in_chunks(Customer, rows)
        ids = {
            row.customer_no: row.id for row in Customer.select(Customer.id, Customer.customer_no)
        }
        insert_in_chunks(
            CustomerSource,
            [{"customer": cid, "source": source, "added_at": now} for cid in ids.values()],
        )
    return ids


def insert_in_chunks(model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        model.insert_many(rows[start : start + CHUNK]).execute()


def sender_env(db_url: str, smtp_url: str) -> dict[str, str]:
    """This process's environment without its own ``REKISTERI_*``, pointed at the test's
    database and SMTP server."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("REKISTERI_")}
    env.update(REKISTERI_DB=db_url, REKISTERI_SMTP=smtp_url, REKISTERI_TESTING="1")
    return env


def sender(env: dict[str, str], log: Path, now: str) -> subprocess.Popen:
    """``rekisteri outbox send`` at the time ``now``, its output appended to ``log``."""
    with log.open("a") as handle:
        return subprocess.Popen(
            [sys.executable, "-m", "cli.main", "outbox", "send"],
            cwd=ROOT,
            env={**env, "REKISTERI_NOW": now},
            stdout=handle,
            stderr=subprocess.STDOUT,
        )


def kill_after(process: subprocess.Popen, received: list[Any], mails: int, log: Path) -> None:
    """SIGKILL ``process`` once the server has ``mails`` in ``received``; it must still be
    sending by then."""
    deadline = time.monotonic() + 180
    while len(received) < mails:
        assert process.poll() is None, (
            f"the sender finished before it was killed: {log.read_text()[-2000:]}"
        )
        assert time.monotonic() < deadline, log.read_text()[-2000:]
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
