"""The read-ahead worker (issue 20): a second core reads the rest of a batch while the
mailbot records the message in hand; it decides nothing, and when it fails the mailbot
reads on its own.  Every test runs the real worker process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mailbot.daemon import Mailbot
from mailbot.ingest import FetchedMessage, prepare
from mailbot.parsing import read_message
from mailbot.read_ahead import START_FROM_BATCH, ReadAhead
from store.config import load_settings
from store.models import InboundMessage, MessageLocation, Request
from tests.support.mail import deliver_to_maildir, make_mail

ROOT = Path(__file__).resolve().parents[1]
CORPUS = sorted((ROOT / "tests" / "corpus").rglob("*.eml"))
READY_SECONDS = 60


def _settings(tmp_path: Path, inbox: Path | None = None):
    return load_settings(
        environ={
            "REKISTERI_INBOX": f"maildir://{inbox or tmp_path / 'inbox'}",
            "REKISTERI_SMTP": f"outbox://{tmp_path / 'outbox'}",
        }
    )


def _fetched(raws: list[bytes]) -> list[FetchedMessage]:
    return [FetchedMessage("maildir", 0, str(number), raw, None) for number, raw in enumerate(raws)]


@pytest.fixture
def worker(tmp_path):
    read_ahead = ReadAhead(_settings(tmp_path))
    read_ahead.start()
    assert read_ahead.wait_ready(READY_SECONDS), "the read-ahead worker did not start"
    yield read_ahead
    read_ahead.close()


def _gone(pid: int, seconds: float) -> bool:
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            if stat.read().split(") ", 1)[1].startswith("Z"):
                return True  # ended; only its parent's wait is missing
        time.sleep(0.05)
    return False


def test_the_worker_reads_every_corpus_mail_as_the_mailbot_would(worker, tmp_path):
    """The cited, public and hostile corpus mails: what the worker sends back (parsed
    message, attached letter, classification) is what the mailbot works out itself."""
    settings = worker.settings
    raws = [path.read_bytes() for path in CORPUS]
    assert len(raws) > 200
    batch = _fetched([b"", *raws])  # the first of a batch is read in the mailbot
    worker.begin(batch)
    time.sleep(1.0)  # let the worker get ahead, as it does behind the database work
    answered = 0
    for fetched in batch[1:]:
        try:
            ahead = worker.read(fetched)
        except Exception as error:  # the worker's reading raised: so must ours
            with pytest.raises(type(error)):
                read_message(fetched.raw, settings)
            continue
        if ahead is None:
            continue
        answered += 1
        here = read_message(fetched.raw, settings)
        prepare(here, settings)
        assert ahead == here, fetched.uid
        assert ahead.memo == here.memo, fetched.uid
    assert answered > len(raws) // 2, "the worker answered too few to tell anything"


def test_a_worker_killed_in_the_middle_of_a_batch_costs_no_message(worker):
    raws = [
        make_mail(f"Asiakas {n} <asiakas{n}@example.fi>", body="Poistakaa tietoni.")
        for n in range(80)
    ]
    batch = _fetched(raws)
    worker.begin(batch)
    pid = worker.worker_pid
    os.kill(pid, signal.SIGKILL)
    for fetched in batch[1:]:
        ahead = worker.read(fetched)  # never raises: None means "read it yourself"
        assert ahead is None or ahead.from_address == f"asiakas{fetched.uid}@example.fi"
    # A later batch finds it dead (at once, or once the kernel has let all its threads
    # go) and the mailbot reads on its own.
    until = time.monotonic() + 5
    worker.begin(batch)
    while worker.worker_pid is not None and time.monotonic() < until:
        time.sleep(0.05)
        worker.begin(batch)
    assert worker.worker_pid is None
    assert all(worker.read(fetched) is None for fetched in batch[1:])


def test_a_big_inbox_is_read_ahead_and_recorded_once_even_when_the_worker_dies(db, tmp_path):
    inbox = tmp_path / "inbox"
    count = 3 * START_FROM_BATCH * 2  # three Maildir batches
    deliver_to_maildir(
        inbox,
        [
            make_mail(f"Asiakas {n} <asiakas{n}@example.fi>", body="Haluan nähdä tietoni.")
            for n in range(count)
        ],
    )
    bot = Mailbot(_settings(tmp_path, inbox))
    bot.source.connect()
    try:
        bot.read_ahead.start()
        assert bot.read_ahead.wait_ready(READY_SECONDS)
        first_worker = bot.read_ahead.worker_pid
        batches = bot.source.pending

        def killing_after_the_first_batch():
            for number, batch in enumerate(batches()):
                if number == 1:
                    os.kill(first_worker, signal.SIGKILL)
                yield batch

        bot.source.pending = killing_after_the_first_batch
        report = bot.process_waiting()
    finally:
        bot.close()
    assert report.fetched == report.new == count
    assert bot.read_ahead.answered > 0
    assert InboundMessage.select().count() == MessageLocation.select().count() == count
    others = InboundMessage.select().where(InboundMessage.disposition != "new_request")
    assert [(message.disposition, message.reason) for message in others] == []
    assert Request.select().where(Request.kind == "access").count() == count
    assert _gone(first_worker, 5)


def test_the_worker_ends_with_a_killed_mailbot(tmp_path):
    """No orphan is left behind by a mailbot that dies (SIGKILL, the OOM killer)."""
    script = (
        "import sys, time\n"
        "from mailbot.read_ahead import ReadAhead\n"
        "from store.config import load_settings\n"
        "worker = ReadAhead(load_settings(environ={}))\n"
        "worker.start()\n"
        f"assert worker.wait_ready({READY_SECONDS})\n"
        "print(worker.worker_pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    mailbot = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert mailbot.stdout is not None
        worker_pid = int(mailbot.stdout.readline())
        os.kill(mailbot.pid, signal.SIGKILL)
        mailbot.wait()
        assert _gone(worker_pid, 5), "the read-ahead worker outlived its mailbot"
    finally:
        if mailbot.poll() is None:
            mailbot.kill()
