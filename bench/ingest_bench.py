"""Mailbot throughput and IDLE latency against a real Dovecot; prints figures, asserts nothing.

    python bench/ingest_bench.py                      # SQLite in a temporary folder
    python bench/ingest_bench.py --pg postgresql://postgres@127.0.0.1/rekisteri_bench
    python bench/ingest_bench.py --messages 1000 --idle 20

1. APPEND 5,000 varied messages (fi/sv/en requests, website forms, HTML-only, Latin-1,
   replies to newsletters, out-of-office replies, list mail) to a throwaway Dovecot.
2. The ceiling, in this process: imapclient FETCH of the same messages (BODY.PEEK[], in
   the mailbot's batch size) plus ``email.message_from_bytes`` with ``policy.default`` and
   the body read, no database.
3. ``rekisteri mailbot --once`` in a subprocess: messages/s over the whole inbox pass (the
   daemon logs each pass's time; start-up and the outbox are left out) and its peak RSS.
4. IDLE latency: the daemon running, 50 messages APPENDed one at a time; from APPEND to the
   message being committed in the database, p50/p95.

Also: SQL statements and commits per message (the same mail ingested in this process from
a Maildir).  Aims (issue 20): ≥ 0.8 of the ceiling; RSS < 150 MB; IDLE p95 < 2 s.
Needs Dovecot and root (the test fixture's server).  The PostgreSQL database is emptied.
"""

from __future__ import annotations

import argparse
import email
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from _common import (
    ROOT,
    command_env,
    database_url,
    fresh_database,
    rekisteri_process,
    wait_peak_rss,
)

sys.path.insert(0, str(ROOT))  # the test suite's Dovecot fixture

from store import clock
from store.db import close_database, open_database
from store.models import InboundMessage
from store.urls import file_url
from tests.support.imap_server import dovecot_available, running_imap_server

BODIES = [
    ("fi", "Tietopyyntö", "Hei,\n\nhaluaisin tarkistaa, mitä tietoja teillä on minusta.\n"),
    ("fi", "poisto", "poistakaa tietoni\n"),
    ("fi", "Osoitteenmuutos", "Uusi osoite: Kirkkokatu {n}, 48100 Kotka.\n"),
    ("sv", "Radering", "Hej!\n\nJag vill att ni raderar mina uppgifter enligt artikel 17.\n"),
    (
        "en",
        "Subject access request",
        "Under Article 15 GDPR please send me a copy of my data.\n\nRegards\n",
    ),
    (
        "fi",
        "Re: Kotkan Leffojen uutiskirje",
        "En halua enää uutiskirjettä.\n\n> Tervetuloa elokuviin!\n> Haluatko tarkistaa tietosi?\n",
    ),
    ("fi", "Lastenelokuvat", "Onko lauantaina lastenelokuvia?\n"),
]


def varied_messages(count: int, rng: random.Random) -> list[bytes]:
    messages = []
    for number in range(count):
        message = EmailMessage()
        message["From"] = f"Asiakas {number} <asiakas{number}@example.fi>"
        message["To"] = "tietosuoja@kotkanleffat.fi"
        message["Date"] = format_datetime(clock.now())
        message["Message-ID"] = make_msgid(domain="bench.example.fi")
        kind = number % 20
        if kind == 0:
            message["Subject"] = "Automaattinen vastaus"
            message["Auto-Submitted"] = "auto-replied"
            message.set_content("Olen lomalla.\n")
        elif kind == 1:
            message["Subject"] = "Uutiskirje"
            message["List-Id"] = "<news.example.fi>"
            message.set_content("Uutisia.\n")
        elif kind == 2:
            message["Subject"] = "Please delete my account"
            message.set_content(
                "<html><body><p>Please <b>delete my account</b> and all my data.</p></body></html>",
                subtype="html",
            )
        elif kind == 3:
            message["Subject"] = "Tietosuojapyyntö verkkolomakkeelta"
            message.set_content(
                f"Lomake: Tietosuojapyyntö\nNimi: Asiakas {number}\n"
                f"Sähköposti: asiakas{number}@example.fi\nPyyntö: Tietojen "
                "tarkastus\nViesti: Haluan nähdä tietoni.\n"
            )
        elif kind == 4:
            message["Subject"] = "Tietojen tarkastus"
            message.set_content(
                "Pyydän tietojeni tarkastusta. Terveisin Seppö Äijälä\n", charset="iso-8859-1"
            )
        else:
            _, subject, body = rng.choice(BODIES)
            message["Subject"] = subject
            message.set_content(body.format(n=number))
        messages.append(message.as_bytes())
    return messages


def ceiling(server, count: int) -> float:
    """imapclient FETCH + email parse of the same messages, no database: messages/s."""
    from mailbot.sources.imap import BATCH

    start = time.perf_counter()
    with server.client("INBOX") as client:
        uids = client.search("ALL")
        for index in range(0, len(uids), BATCH):
            answer = client.fetch(uids[index : index + BATCH], ["BODY.PEEK[]", "INTERNALDATE"])
            for data in answer.values():
                parsed = email.message_from_bytes(data[b"BODY[]"], policy=policy.default)
                body = parsed.get_body(preferencelist=("plain", "html"))
                if body is not None:
                    body.get_content()
                _ = parsed["From"], parsed["Subject"], parsed["Message-ID"]
    return count / (time.perf_counter() - start)


def statements_and_commits(messages: list[bytes], db_url: str, work: Path) -> tuple[float, float]:
    """The same messages ingested in this process from a Maildir into an empty database:
    SQL statements and commits per message (the source does not change either)."""
    from mailbot.daemon import Mailbot
    from store.config import load_settings
    from store.models import database

    inbox = work / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (inbox / sub).mkdir(parents=True, exist_ok=True)
    for number, raw in enumerate(messages):
        (inbox / "new" / f"{number}.bench:2,").write_bytes(raw)
    fresh_database(db_url)
    settings = load_settings(
        environ={
            "REKISTERI_DB": db_url,
            "REKISTERI_INBOX": f"maildir://{inbox}",
            "REKISTERI_SMTP": file_url("outbox", work / "counted-outbox"),
        }
    )
    connection = database.obj
    counts = {"statements": 0, "commits": 0}
    execute, commit = connection.execute_sql, connection.commit

    def counted_execute(sql, params=None, *args, **kwargs):
        counts["statements"] += 1
        return execute(sql, params, *args, **kwargs)

    def counted_commit(*args, **kwargs):
        counts["commits"] += 1
        return commit(*args, **kwargs)

    connection.execute_sql, connection.commit = counted_execute, counted_commit
    try:
        bot = Mailbot(settings)
        bot.source.connect()
        report = bot.process_waiting()
    finally:
        connection.execute_sql, connection.commit = execute, commit
        close_database()
    fetched = max(1, report.fetched)
    return counts["statements"] / fetched, counts["commits"] / fetched


def run_once(env: dict[str, str], log_path: Path) -> tuple[float, float, float]:
    """``mailbot --once``: (total seconds, the inbox pass's seconds, peak RSS in MB)."""
    with log_path.open("w") as log:
        start = time.perf_counter()
        process = rekisteri_process(
            ["mailbot", "--once"], env, stdout=log, stderr=subprocess.STDOUT
        )
        peak = wait_peak_rss(process)
        total = time.perf_counter() - start
    if process.returncode != 0:
        sys.exit(f"mailbot --once failed:\n{log_path.read_text()[-3000:]}")
    # The daemon's own line for each pass over the inbox: the whole pass, from the first
    # search to the last flag, start-up and the outbox left out.
    passes = [
        float(match.group(1))
        for match in re.finditer(r"pass: \d+ messages .* in ([\d.]+) s", log_path.read_text())
    ]
    return total, sum(passes) or total, peak


def idle_latency(
    server, env: dict[str, str], db_url: str, count: int, log_path: Path
) -> list[float]:
    with log_path.open("w") as log:
        daemon = rekisteri_process(["mailbot"], env, stdout=log, stderr=subprocess.STDOUT)
    samples = []
    try:
        deadline = time.monotonic() + 60
        while "IDLE)" not in log_path.read_text():
            if time.monotonic() > deadline or daemon.poll() is not None:
                sys.exit(f"the daemon did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.05)
        time.sleep(1.5)  # the first pass is over and IDLE is issued
        open_database(db_url)
        with server.client() as client:
            for number in range(count):
                message_id = f"<idle-{number}-{time.time_ns()}@bench.example.fi>"
                raw = (
                    f"From: idle{number}@example.fi\r\nTo: tietosuoja@kotkanleffat.fi\r\n"
                    f"Subject: poisto\r\nMessage-ID: {message_id}\r\n\r\n"
                    "poistakaa tietoni\r\n"
                ).encode()
                start = time.perf_counter()
                client.append("INBOX", raw)
                while (
                    not InboundMessage.select()
                    .where(InboundMessage.message_id == message_id)
                    .exists()
                ):
                    if time.perf_counter() - start > 30:
                        sys.exit(f"message {number} not processed in 30 s")
                    time.sleep(0.005)
                samples.append(time.perf_counter() - start)
                time.sleep(0.2)
        close_database()
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
    return samples


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--idle", type=int, default=50, help="messages for the IDLE latency")
    parser.add_argument("--pg", metavar="URL", help="PostgreSQL database (emptied first)")
    args = parser.parse_args()
    if not dovecot_available():
        sys.exit("this benchmark needs Dovecot (dovecot-imapd) and root")
    rng = random.Random(2026)
    with (
        tempfile.TemporaryDirectory(prefix="rekisteri-ingest-bench-") as folder,
        running_imap_server() as server,
    ):
        work = Path(folder)
        db_url = database_url(args.pg, work)
        fresh_database(db_url)
        close_database()
        env = command_env(
            REKISTERI_DB=db_url,
            REKISTERI_INBOX=server.url(),
            REKISTERI_SMTP=file_url("outbox", work / "outbox"),
        )

        messages = varied_messages(args.messages, rng)
        counted = work / "counted"
        counted.mkdir()
        # A database of its own (PostgreSQL: emptied again below): the subprocess must
        # meet these messages as new, not as copies of mail recorded before.
        statements, commits = statements_and_commits(
            messages, database_url(args.pg, counted), counted
        )
        print(
            f"per message (the same mail from a Maildir, in this process): "
            f"{statements:.1f} SQL statements, {commits:.3f} commits"
        )
        fresh_database(db_url)
        close_database()
        start = time.perf_counter()
        server.append_many(messages)
        print(
            f"appended {len(messages)} messages to Dovecot in "
            f"{time.perf_counter() - start:.1f} s "
            f"({sum(map(len, messages)) / len(messages):.0f} bytes on average)"
        )

        top = ceiling(server, len(messages))
        print(f"ceiling (imapclient fetch + email parse, no database): {top:,.0f} messages/s")

        total, ingest, rss = run_once(env, work / "once.log")
        log = (work / "once.log").read_text()
        dispositions = {
            name: len(re.findall(rf": {name}\b", log))
            for name in ("new_request", "reply", "ignored", "quarantined")
        }
        print(
            f"mailbot --once: {len(messages)} messages in {total:.1f} s "
            f"({len(messages) / total:,.0f} messages/s with start-up and the outbox sent); "
            f"the inbox pass {ingest:.1f} s = {len(messages) / ingest:,.0f} messages/s = "
            f"{len(messages) / ingest / top:.2f} of the ceiling"
        )
        print(f"  dispositions: {dispositions}")
        read_ahead = sum(int(n) for n in re.findall(r"(\d+) read ahead\)", log))
        print(f"  read by the read-ahead worker (mailbot.read_ahead): {read_ahead} messages")
        print(f"  peak RSS of the mailbot process (or its worker, the larger): {rss:.0f} MB")

        if args.idle <= 0:
            return
        samples = idle_latency(server, env, db_url, args.idle, work / "idle.log")
        print(
            f"IDLE latency over {len(samples)} messages (APPEND → committed): "
            f"p50 {statistics.median(samples) * 1000:.0f} ms, "
            f"p95 {percentile(samples, 0.95) * 1000:.0f} ms, "
            f"max {max(samples) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
