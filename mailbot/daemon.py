"""The mailbot: ``rekisteri mailbot`` (a daemon) and ``rekisteri mailbot --once`` (cron, tests).

The loop: look at the inbox, ingest each waiting message (one commit each), flag or move
what was committed, send the outbox, then wait for new mail (IDLE, or polling) in short
ticks so a stop request and the periodic jobs are noticed.  A lost connection, or a
database that went away, is logged and retried with exponential backoff; nothing is
flagged that was not committed, so nothing is lost or repeated.

SIGTERM and SIGINT finish the message in hand, flag what was committed, and stop.
This module imports ``store`` and ``mailbot`` only, never Textual.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType

import peewee

from mailbot.ingest import ingest
from mailbot.sources import Source, SourceUnavailable, open_source
from store import clock, heartbeat, outbox
from store.config import Settings
from store.errors import RekisteriError
from store.models import database
from store.retention import apply_retention

log = logging.getLogger("rekisteri.mailbot")

TICK_SECONDS = 1.0  # the longest a stop request or a periodic job waits
OUTBOX_SECONDS = 30.0  # after a failed send, the outbox waits this long before the next try
HEARTBEAT_SECONDS = 10.0  # the last-fetch time is written at most this often when idle
BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 300.0
_DATABASE_ERRORS = (peewee.OperationalError, peewee.InterfaceError)


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

    # ------------------------------------------------------------ one pass

    def process_waiting(self) -> PassReport:
        """Ingest everything waiting; flag each batch only after its commits."""
        report = PassReport()
        for batch in self.source.pending():
            done = []
            for fetched in batch:
                result = ingest(fetched, self.settings)
                done.append(fetched)
                report.fetched += 1
                report.new += result.new
                report.queued += result.queued
                if not result.new:
                    log.debug(
                        "message %s: recorded before (%s)", fetched.uid, result.message.disposition
                    )
                if self.stopping:
                    break  # finish the message in hand, then stop
            self.source.finish(done)
            if self.stopping:
                break
        self._heartbeat(force=report.fetched > 0)
        return report

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


# Retention first: the day's backup then no longer holds what retention erased today.
DAILY_TASKS: list[Callable[[Settings], object]] = [run_retention, run_backup]


def run_daily_tasks(settings: Settings) -> None:
    for task in DAILY_TASKS:
        name = getattr(task, "__name__", repr(task))
        log.info("daily task %s", name)
        try:
            task(settings)
        except Exception:
            log.exception("daily task %s failed", name)


def _reset_database_connection() -> None:
    with contextlib.suppress(Exception):
        database.close()
