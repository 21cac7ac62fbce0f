"""The mailbot: ``rekisteri mailbot`` (a daemon) and ``rekisteri mailbot --once`` (cron, tests).

The loop: look at the inbox, ingest what is waiting (a batch of messages a commit, each
message in a savepoint of its own), flag or move what was committed, send the outbox, then
wait for new mail (IDLE, or polling) in short ticks so a stop request and the periodic jobs
are noticed.  A lost connection, or a database that went away, is logged and retried with
exponential backoff; nothing is flagged that was not committed, so nothing is lost or
repeated.

A mail that kills the process (or hangs it until it is killed) must not stop intake: before
a batch, the messages in hand are recorded and committed (``mailbot.in_hand:HOST:PID``),
and the record goes in the batch's commit.  A mailbot that finds the record of one that
died reads that batch one message at a time, and quarantines unread a message that was in
hand alone when two mailbots in a row died (:data:`STRIKES_TO_QUARANTINE`).
Within a process, ``mail.message_seconds_max`` bounds each message.

SIGTERM and SIGINT finish the message in hand, flag what was committed, and stop.
This module imports ``store`` and ``mailbot`` only, never Textual.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import peewee

from mailbot.ingest import (
    FetchedMessage,
    IngestResult,
    Reader,
    ingest,
    quarantine_unread,
    warm_up,
)
from mailbot.read_ahead import ReadAhead
from mailbot.sources import Source, SourceUnavailable, open_source
from store import audit, clock, heartbeat, outbox
from store.config import Settings
from store.errors import DatabaseError, RekisteriError
from store.models import database
from store.retention import apply_retention

log = logging.getLogger("rekisteri.mailbot")

TICK_SECONDS = 1.0  # the longest a stop request or a periodic job waits
OUTBOX_SECONDS = 30.0  # after a failed send, the outbox waits this long before the next try
HEARTBEAT_SECONDS = 10.0  # the last-fetch time is written at most this often when idle
BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 300.0
_DATABASE_ERRORS = (peewee.OperationalError, peewee.InterfaceError)
IN_HAND_PREFIX = "mailbot.in_hand:"
"""State key (``mailbot.in_hand:HOST:PID``) naming the messages a mailbot is reading."""
_HOST = socket.gethostname()[:60]
STRIKES_TO_QUARANTINE = 2
"""A message in hand alone when this many mailbots died is quarantined unread: once may be
a power cut or an operator's kill; twice in a row, it is the message."""


@dataclass
class PassReport:
    fetched: int = 0
    new: int = 0
    queued: int = 0


class Mailbot:
    def __init__(self, settings: Settings, source: Source | None = None) -> None:
        self.settings = settings
        self.source = source or open_source(settings)
        self.stopping = False
        self._last_heartbeat = 0.0
        self._outbox_failed_at: float | None = None
        self._left_in_hand: dict[tuple[str, str], tuple[int, int]] | None = None
        self.read_ahead = ReadAhead(settings)

    def close(self) -> None:
        """End the read-ahead worker, if one was started (the source closes itself)."""
        self.read_ahead.close()

    # ------------------------------------------------------------ one pass

    def process_waiting(self) -> PassReport:
        """Ingest everything waiting; flag each batch only after its commits."""
        report = PassReport()
        started = time.perf_counter()
        answered_before = self.read_ahead.answered
        if self._left_in_hand is None:
            self._left_in_hand = self._take_over_in_hand()
        left = self._left_in_hand
        for batch in self.source.pending():
            # What every message needs loads (once) before anything is marked in hand: a
            # kill during those seconds is no message's fault.
            warm_up()
            if any((fetched.mailbox, fetched.uid) in left for fetched in batch):
                done = self._one_by_one(batch, report)
            else:
                done = self._in_one_transaction(batch, report)
            self.source.finish(done)
            if self.stopping:
                break
        self._heartbeat(force=report.fetched > 0)
        if report.fetched:
            log.info(
                "pass: %d messages (%d new, %d mails queued, %d read ahead) in %.3f s",
                report.fetched,
                report.new,
                report.queued,
                self.read_ahead.answered - answered_before,
                time.perf_counter() - started,
            )
        return report

    def _in_one_transaction(
        self, batch: list[FetchedMessage], report: PassReport
    ) -> list[FetchedMessage]:
        """One transaction a batch (each message in a savepoint of its own): the commit and
        the statements around it are paid once, and the source flags or moves the batch
        only after it committed.  The batch is marked in hand first (committed), and the
        mark goes in the batch's own commit."""
        done: list[FetchedMessage] = []
        self._mark_in_hand(batch)
        self.read_ahead.begin(batch)
        # The batch's audit events go onto the chain together, one move of its head,
        # before the batch commits (a message whose savepoint rolls back drops its own).
        with database.atomic(), audit.gathered():
            for fetched in batch:
                self._ingest(fetched, report, reader=self.read_ahead.read)
                done.append(fetched)
                if self.stopping:
                    break  # finish the message in hand, then stop
            heartbeat.clear_state(self._in_hand_key)
        return done

    def _one_by_one(self, batch: list[FetchedMessage], report: PassReport) -> list[FetchedMessage]:
        """A batch that was in hand when an earlier run of this mailbot died: each message
        alone, so the one that killed it is known.  A message in hand alone when
        :data:`STRIKES_TO_QUARANTINE` mailbots died is quarantined unread: intake must not
        stop again and again on the same mail."""
        done: list[FetchedMessage] = []
        left = self._left_in_hand or {}
        for fetched in batch:
            in_batch_of, strikes = left.pop((fetched.mailbox, fetched.uid), (0, 0))
            alone = in_batch_of == 1
            if alone and strikes + 1 >= STRIKES_TO_QUARANTINE:
                log.warning("message %s stopped the mailbot before: quarantined", fetched.uid)
                result = quarantine_unread(fetched)
                _count(report, result)
            else:
                self._mark_in_hand([fetched], strikes=strikes + 1 if alone else 0)
                with database.atomic():
                    self._ingest(fetched, report)
                    heartbeat.clear_state(self._in_hand_key)
            done.append(fetched)
            if self.stopping:
                break
        return done

    def _ingest(
        self, fetched: FetchedMessage, report: PassReport, reader: Reader | None = None
    ) -> None:
        result = ingest(fetched, self.settings, location_checked=True, reader=reader)
        _count(report, result)
        if not result.new:
            log.debug("message %s: recorded before (%s)", fetched.uid, result.message.disposition)

    # ------------------------------------------------------------ what was in hand

    @property
    def _in_hand_key(self) -> str:
        return f"{IN_HAND_PREFIX}{_HOST}:{os.getpid()}"

    def _mark_in_hand(self, batch: list[FetchedMessage], *, strikes: int = 0) -> None:
        """Record (and commit) which messages this process is about to read; ``strikes``:
        how many mailbots already died with this one message alone in hand."""
        value = json.dumps(
            {
                "locations": [[fetched.mailbox, fetched.uid] for fetched in batch],
                "strikes": strikes,
            }
        )
        with database.atomic():
            heartbeat.write_state(self._in_hand_key, value)

    def _take_over_in_hand(self) -> dict[tuple[str, str], tuple[int, int]]:
        """What a mailbot on this machine that is no longer running had in hand when it
        died: each location with the size of its batch (1: that message was being read
        alone) and the strikes against it."""
        left: dict[tuple[str, str], tuple[int, int]] = {}
        prefix = f"{IN_HAND_PREFIX}{_HOST}:"
        with database.atomic():
            for key, value in heartbeat.states_starting(prefix).items():
                pid = key.rpartition(":")[2]
                if pid.isdigit() and int(pid) != os.getpid() and _running(int(pid)):
                    continue  # another mailbot here, at work
                try:
                    record = json.loads(value)
                    locations = [(str(box), str(uid)) for box, uid in record["locations"]]
                    strikes = int(record["strikes"])
                except (ValueError, TypeError, KeyError):
                    locations, strikes = [], 0
                for location in locations:
                    left[location] = (len(locations), strikes)
                heartbeat.clear_state(key)
        if left:
            log.warning(
                "an earlier mailbot stopped while reading %d message(s): read one by one",
                len(left),
            )
        return left

    def run_once(self) -> int:
        """Process everything waiting, send the outbox, and return (``mailbot --once``)."""
        try:
            self.source.connect()
            self.process_waiting()
        except SourceUnavailable as error:
            raise RekisteriError(
                f"the inbox cannot be read: {error}", key="mailbot.no_inbox", error=str(error)
            ) from None
        finally:
            self.source.close()
            self.close()
        self.send_outbox(raise_errors=True)
        return 0

    # ------------------------------------------------------------ the daemon

    def run_forever(self) -> int:
        """Run until SIGTERM or SIGINT (``rekisteri mailbot``)."""
        previous = {
            number: signal.signal(number, self._request_stop)
            for number in (signal.SIGTERM, signal.SIGINT)
        }
        log.info("mailbot started: inbox %s", self.source.name)
        warm_up()  # the first mail is then read in milliseconds, not after the models load
        failures = 0
        try:
            while not self.stopping:
                try:
                    self.source.connect()
                    if failures:
                        log.info("inbox %s reachable again", self.source.name)
                    failures = 0
                    self._serve()
                except (SourceUnavailable, *_DATABASE_ERRORS) as error:
                    failures += 1
                    delay = min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * 2 ** (failures - 1))
                    what = "database" if isinstance(error, _DATABASE_ERRORS) else "inbox"
                    log.warning("%s unavailable (%s); trying again in %.0f s", what, error, delay)
                    self.source.close()
                    if isinstance(error, _DATABASE_ERRORS):
                        _reset_database_connection()
                    self._sleep(delay)
        finally:
            self.source.close()
            self.close()
            for number, handler in previous.items():
                signal.signal(number, handler)
        log.info("mailbot stopped")
        return 0

    def _serve(self) -> None:
        """Connected: alternate passes over the inbox with waiting for new mail."""
        report = self.process_waiting()
        while not self.stopping:
            if report.queued:
                self.send_outbox()
            self._periodic()
            if self.stopping:
                break
            report = self.process_waiting() if self.source.wait(TICK_SECONDS) else PassReport()

    def _periodic(self) -> None:
        # Every tick: mail that staff queue reaches the SMTP server within a second or two.
        resting = (
            self._outbox_failed_at is not None
            and time.monotonic() - self._outbox_failed_at < OUTBOX_SECONDS
        )
        if not resting and outbox.has_due():
            self.send_outbox()
        self._heartbeat()
        self.run_daily_if_due()

    def send_outbox(self, *, raise_errors: bool = False) -> None:
        """Hand the due outbox rows to the sender (issue 4: ``mailbot.sender.send_due``)."""
        from mailbot.sender import send_due

        try:
            asyncio.run(send_due(self.settings))
        except Exception as error:
            if raise_errors:
                raise
            self._outbox_failed_at = time.monotonic()
            log.warning("outbox not sent: %s", error)
        else:
            self._outbox_failed_at = None

    def _heartbeat(self, force: bool = False) -> None:
        if force or time.monotonic() - self._last_heartbeat >= HEARTBEAT_SECONDS:
            heartbeat.record_last_fetch()
            self._last_heartbeat = time.monotonic()

    def run_daily_if_due(self) -> bool:
        """Run :func:`run_daily_tasks` if it has not run on this Finnish calendar day."""
        today = clock.local_today().isoformat()
        if heartbeat.read_state(heartbeat.LAST_DAILY_KEY) == today:
            return False
        heartbeat.write_state(heartbeat.LAST_DAILY_KEY, today)
        try:
            run_daily_tasks(self.settings)
        except Exception:
            log.exception("a daily task failed")
        return True

    def _request_stop(self, number: int, frame: FrameType | None) -> None:
        log.info("%s received: stopping after the message in hand", signal.Signals(number).name)
        self.stopping = True

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(TICK_SECONDS, deadline - time.monotonic()))


# --------------------------------------------------------------------------------------
# DAILY TASKS: the one place where once-a-day jobs run inside the daemon, on the first
# tick of each Finnish calendar day (and once when the daemon starts on a new day).
# A task that raises is logged; the other tasks and the daemon go on.
# --------------------------------------------------------------------------------------


def run_retention(settings: Settings) -> None:
    """The notice's promise, kept daily: erase what has outlived its purpose."""
    report = apply_retention(settings)
    log.info("retention: %s", " ".join(f"{key}={value}" for key, value in report.counts().items()))


def run_backup(settings: Settings) -> None:
    """With a backup key configured (``backup.recipient_file``), the day's encrypted
    backup, then the rotation: what it no longer keeps is deleted (docs/backups.md)."""
    if not settings.backup.recipient_file:
        return
    from store import backup

    made = backup.create(settings)
    log.info("backup: %s (%d bytes)", made.name, made.size)
    report = backup.prune(settings)
    log.info("backup rotation: removed=%d kept=%d", len(report.removed), len(report.kept))


def run_audit_anchor(settings: Settings) -> None:
    """The audit chain's anchor for the day, written outside the database: its length and
    tip hash, sealed with the key in ``audit.key_file`` (made with the first anchor),
    appended to ``audit.anchor_file`` and logged.  Only an intact chain (up to every
    earlier anchor, each with its seal) is anchored; a broken one, or an anchor file
    someone without the key rewrote, is logged as the error it is."""
    path = Path(settings.audit.anchor_file).expanduser()
    key_path = Path(settings.audit.key_file).expanduser()
    try:
        key = audit.anchor_key(key_path)  # None until the first sealed anchor
        anchors = audit.read_anchors(path, key)
    except DatabaseError as error:
        log.error("audit anchors: %s; no anchor written", error)
        return
    result = audit.verify(anchors=anchors.anchors)
    if not result.ok:
        log.error("audit chain: %s; no anchor written", result.describe())
        return
    key = key or audit.anchor_key(key_path, create=True)
    line = audit.write_anchor(path, result.checked, result.tip_hash, key=key)
    log.info("audit anchor: %s (%s)", line, path)


# Retention first: the day's backup then no longer holds what retention erased today, and
# the anchor covers the day's erasures.
DAILY_TASKS: list[Callable[[Settings], object]] = [run_retention, run_audit_anchor, run_backup]


def run_daily_tasks(settings: Settings) -> None:
    for task in DAILY_TASKS:
        name = getattr(task, "__name__", repr(task))
        log.info("daily task %s", name)
        try:
            task(settings)
        except Exception:
            log.exception("daily task %s failed", name)


def _count(report: PassReport, result: IngestResult) -> None:
    report.fetched += 1
    report.new += result.new
    report.queued += result.queued


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: not ours to judge
    return True


def _reset_database_connection() -> None:
    with contextlib.suppress(Exception):
        database.close()
