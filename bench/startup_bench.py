"""How soon a ``rekisteri`` command answers: ``--help`` and ``requests list``, each run as a
process of its own; prints p50/p95 in seconds and as ratios to the bare interpreter
(``python -c pass`` in the same environment) measured in the same run.

    python bench/startup_bench.py                 # SQLite in a temporary folder
    python bench/startup_bench.py --runs 30 --pg postgresql://postgres@127.0.0.1/rekisteri_bench

Aim (issue 17): both under 0.3 s.  The listing runs on a register with 200 requests, so
the figure includes opening the database and printing; the PostgreSQL database given is
emptied first.  Bytecode is written once before the runs, as an installed package has it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, command_env, database_url, fresh_database, percentiles

from store import lifecycle
from store.db import close_database


def timed(command: list[str], env: dict[str, str], runs: int) -> list[float]:
    """Wall seconds of ``command`` run ``runs`` times (its output thrown away)."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=True)
        samples.append(time.perf_counter() - started)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--pg", metavar="URL", help="a PostgreSQL database to use (emptied)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="rekisteri-startup-bench-") as folder:
        url = database_url(args.pg, Path(folder))
        fresh_database(url)
        for n in range(args.requests):
            lifecycle.create_request(
                kind="access", actor="bench", requester_email=f"henkilo{n}@example.fi"
            )
        close_database()

        env = command_env(REKISTERI_DB=url, XDG_DATA_HOME=folder)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        rekisteri = [sys.executable, "-m", "cli.main"]
        subprocess.run(
            [*rekisteri, "requests", "list"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )  # bytecode written, as when installed
        ceiling = timed([sys.executable, "-c", "pass"], env, args.runs)
        help_times = timed([*rekisteri, "--help"], env, args.runs)
        listing = timed([*rekisteri, "requests", "list"], env, args.runs)

    backend = "PostgreSQL" if args.pg else "SQLite"
    bare_p50, bare_p95 = percentiles(ceiling)
    print(f"startup, {args.runs} runs each, {backend}, {os.cpu_count()} cores")
    print(f"  python -c pass           p50 {bare_p50:.3f} s  p95 {bare_p95:.3f} s")
    for label, samples in (("rekisteri --help", help_times), ("rekisteri requests list", listing)):
        p50, p95 = percentiles(samples)
        print(
            f"  {label:<24} p50 {p50:.3f} s  p95 {p95:.3f} s"
            f"  ({p50 / bare_p50:.1f}× the bare interpreter; aim 0.3 s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
