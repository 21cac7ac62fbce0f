"""The staff TUI on a large register, driven through the Pilot; prints figures, asserts nothing.

    python bench/tui_bench.py                     # SQLite in a temporary folder
    python bench/tui_bench.py --pg postgresql://postgres@127.0.0.1/rekisteri_bench

With 100,000 customers and 10,000 open requests (bulk inserts), it measures the time from
starting the app to the queue showing all its rows, and from a keystroke in the customer
search to the rows updated, and then the CPU the app takes with the queue open and nobody at
the keyboard.  Aims (issues 6 and 20): < 1.5 s to the queue; < 100 ms per keystroke; an idle
desk under 1 % of a core.
The PostgreSQL database given is emptied first.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from _common import FIRST, LAST, database_url, fresh_database, insert_rows, percentiles
from textual import events
from textual.message import Message

from store import clock, deadlines
from store.config import load_settings
from store.customers import name_keys
from store.db import close_database
from store.models import KINDS, OPEN_STATUSES, Customer, Request, database
from store.staff import add_staff
from tui.app import make_app
from tui.screens.customer_search import CustomerSearchScreen
from tui.screens.queue import QueueScreen
from tui.widgets.queue_table import QueueTable

CHUNK = 1000


def fill(customers: int, requests: int, seed: int = 6) -> None:
    rng = random.Random(seed)
    now = clock.now()
    rows = []
    for number in range(1, customers + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        key, reverse = name_keys(first, last)
        rows.append(
            {
                "customer_no": str(1_000_000 + number),
                "first_name": first,
                "last_name": last,
                "name_key": key,
                "reverse_name_key": reverse,
                "street_address": f"Kauppakatu {rng.randint(1, 99)}",
                "postal_code": "48100",
                "city": "Kotka",
                "phone": f"+3584{rng.randint(0, 6)}{5_000_000 + number:07d}",
                "email": f"{first.lower()}.{number}@example.fi",
                "language": "fi",
                "created_at": now,
                "updated_at": now,
            }
        )
    with database.atomic():
        insert_rows(Customer, rows, CHUNK)
    first_id = Customer.select(Customer.id).order_by(Customer.id).first().id
    request_rows = []
    for number in range(1, requests + 1):
        received = now - timedelta(days=rng.randint(0, 40), minutes=rng.randint(0, 1440))
        due = deadlines.due_at(received)
        matched = rng.random() < 0.7
        request_rows.append(
            {
                "reference": f"TP-2026-{number:05d}",
                "kind": rng.choice(KINDS),
                "status": rng.choice(OPEN_STATUSES),
                "language": "fi",
                "channel": "email",
                "requester_email": f"pyytaja.{number}@example.fi",
                "requester_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "customer": first_id + rng.randrange(customers) if matched else None,
                "match_state": "confirmed" if matched else "unmatched",
                "received_at": received,
                "due_at": due,
                "original_due_at": due,
                "created_at": received,
                "updated_at": received,
                "proposed_changes": {},
            }
        )
    with database.atomic():
        insert_rows(Request, request_rows, CHUNK)
    add_staff("bench", "handler", "bench-salasana", "@bench")


async def wait_until(condition: Callable[[], bool], step: float) -> None:
    """Poll ``condition`` every ``step`` seconds (the app runs meanwhile)."""
    deadline = time.perf_counter() + 120
    while time.perf_counter() < deadline:
        if condition():
            return
        await asyncio.sleep(step)
    raise TimeoutError("the app did not get there in two minutes")


async def measure(
    settings: object, queries: list[str], idle_seconds: float
) -> tuple[float, float, list[float], float]:
    """Seconds to the first rows, seconds to all rows, per-keystroke latencies, and the
    share of a core the app takes with the queue open and nobody at the keyboard."""
    key_seen: list[float] = []

    def note_key(message: Message) -> None:
        # The first sighting of a key event is the app receiving it from the terminal.
        if isinstance(message, events.Key) and len(key_seen) == 0:
            key_seen.append(time.perf_counter())

    started = time.perf_counter()
    app = make_app(settings, login_as="bench", cursor_blink=False)  # type: ignore[arg-type]
    async with app.run_test(size=(80, 24), message_hook=note_key) as pilot:

        def queue_rows() -> int:
            screen = app.screen
            return screen.query_one(QueueTable).row_count if isinstance(screen, QueueScreen) else 0

        await wait_until(lambda: queue_rows() > 0, 0.001)
        first_rows = time.perf_counter() - started
        total = len(app.screen.requests)  # type: ignore[attr-defined]
        await wait_until(lambda: queue_rows() >= total, 0.005)
        all_rows = time.perf_counter() - started
        print(f"queue rows: {total:,}")
        await pilot.press("c")
        await wait_until(lambda: isinstance(app.screen, CustomerSearchScreen), 0.002)
        search = app.screen
        await pilot.pause()
        shown_at: list[float] = []
        search.watch(
            search, "shown_query", lambda _: shown_at.append(time.perf_counter()), init=False
        )
        samples = []
        for query in queries:
            for index, character in enumerate(query):
                typed = query[: index + 1]
                key_seen.clear()
                shown_at.clear()
                await pilot.press(character)
                await wait_until(lambda typed=typed: search.shown_query == typed, 0.0005)
                samples.append(shown_at[-1] - key_seen[0])
            await pilot.press(*["backspace"] * len(query))
            await wait_until(lambda: search.shown_query == "", 0.001)
        await pilot.press("escape")
        await wait_until(lambda: isinstance(app.screen, QueueScreen), 0.01)
        await asyncio.sleep(1.0)
        # The process's CPU time (every thread: the refresh workers too) over a quiet spell.
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.sleep(idle_seconds)
        idle_share = (time.process_time() - cpu) / (time.perf_counter() - wall)
    return first_rows, all_rows, samples, idle_share


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", metavar="URL", help="PostgreSQL database to use (emptied)")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--idle-seconds", type=float, default=20.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rekisteri-tui-bench-") as folder:
        url = database_url(args.pg, Path(folder))
        fresh_database(url)
        began = time.perf_counter()
        fill(args.customers, args.requests)
        print(
            f"generated {args.customers:,} customers and {args.requests:,} requests in "
            f"{time.perf_counter() - began:.1f} s ({'PostgreSQL' if args.pg else 'SQLite'})"
        )
        settings = load_settings(environ={"REKISTERI_DB": url})
        queries = ["virtanen", "aino", "100045", "0405000", "sanna.12"]
        first_rows, all_rows, samples, idle_share = asyncio.run(
            measure(settings, queries, args.idle_seconds)
        )
        close_database()
    median, p95 = (seconds * 1000 for seconds in percentiles(samples))
    print(
        f"start → queue showing its rows: {first_rows:.2f} s (aim < 1.5 s); "
        f"all {args.requests:,} rows in the table after {all_rows:.2f} s"
    )
    print(
        f"customer search, keystroke → rows updated: median {median:.1f} ms, "
        f"p95 {p95:.1f} ms, max {max(samples) * 1000:.1f} ms over {len(samples)} "
        f"keystrokes (aim < 100 ms)"
    )
    print(
        f"the queue open, nobody at the keyboard: {idle_share:.2%} of a core over "
        f"{args.idle_seconds:.0f} s (aim < 1 %)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
