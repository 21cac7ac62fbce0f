"""Reading the rest of a batch in a worker process while the mailbot records the message in hand.

Parsing a mail, reading its attached letter and classifying its words need no database:
they take a quarter of the mailbot's time over a big inbox, while a second core sits
idle.  When a pass meets a full batch (more mail is likely waiting), one worker process
is started (``python -m mailbot.read_ahead``: a fresh interpreter, so nothing of this
process, its database connection least of all, is carried over); once it is ready, each
batch's messages after the first are sent to it as the batch begins, and the mailbot
takes each one's reading when it comes to it.

The worker only saves time; it decides nothing.  It runs the same functions on the same
bytes with the same settings, so what it returns is what this process would have worked
out, down to the error a broken mail raises (:func:`mailbot.ingest.ingest` quarantines
it as before).  Whenever it has no answer (not started or not ready yet, the message
still waiting to be sent, the worker dead or its answer lost), the message is read in
the mailbot, as without it, inside its time budget and under the in-hand record: a mail
that kills the worker is read again there, where the poison-mail handling of
:mod:`mailbot.daemon` knows what to do with it.

The two talk over the worker's standard input and output (pickles: the worker is our own
code, started by us, and hostile mail reaches it only as bytes inside them).  A worker
whose mailbot died, SIGKILL included, ends on its own: its input closes.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import pickle
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

from mailbot.ingest import FetchedMessage, prepare, time_budget, warm_up, within_size
from mailbot.parsing import ParsedMessage, read_message
from store.config import Settings

log = logging.getLogger("rekisteri.mailbot")

START_FROM_BATCH = 50
"""A pass starts the worker when it meets a batch at least this big (an IMAP FETCH's
worth): starting it costs about a second of the other core, which a few messages do not
pay back."""
STOP_SECONDS = 2.0
"""How long :meth:`ReadAhead.close` waits for the worker to end before killing it."""

Location = tuple[str, str]
Reading = tuple[ParsedMessage | None, BaseException | None]
"""The worker's answer: the message read and prepared, or the error reading it raised;
neither when it has no answer (the mailbot reads the message itself)."""


class WorkerEnded(Exception):
    """The read-ahead worker ended before it answered."""


@dataclass(eq=False)
class _Link:
    """One worker process and what is on its way to it and back (guarded by the lock)."""

    process: subprocess.Popen[bytes]
    to_worker: Connection
    ready: Future[int] = field(default_factory=Future)
    unsent: collections.deque[tuple[int, bytes, Future[Reading]]] = field(
        default_factory=collections.deque
    )
    sent: dict[int, Future[Reading]] = field(default_factory=dict)
    open: bool = True  # False once closed or ended: nothing more is sent or answered


class ReadAhead:
    """One mailbot's worker, started on demand; :meth:`close` ends it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._link: _Link | None = None
        self._lock = threading.Condition()
        self._numbers = 0
        self._waiting: dict[Location, tuple[int, Future[Reading]]] = {}
        self.answered = 0  # readings the worker gave (the bench prints it)

    @property
    def worker_pid(self) -> int | None:
        """The worker's process id once it is ready, else None."""
        link = self._link
        if link is None or not link.ready.done() or link.ready.exception() is not None:
            return None
        return link.ready.result()

    def start(self) -> None:
        """Start the worker now (a big batch does it on its own), if none is running."""
        if self._link is None:
            self._link = self._start()

    def wait_ready(self, timeout: float) -> bool:
        """Wait until the worker has loaded its models (the tests and the bench)."""
        if self._link is not None:
            with contextlib.suppress(Exception):
                self._link.ready.result(timeout)
        return self.worker_pid is not None

    def begin(self, batch: Sequence[FetchedMessage]) -> None:
        """A batch begins: its messages after the first go to the worker, if it is ready
        (a big batch starts it).  The first is read in the mailbot at once, as is every
        message of a batch too small to pay for the worker."""
        self._forget_waiting()
        link = self._link
        if link is None:
            if len(batch) >= START_FROM_BATCH:
                self.start()
            return
        if not link.open or link.process.poll() is not None:
            log.info("read-ahead worker ended: messages are read in the mailbot")
            self.close()  # a later pass starts another
            return
        if self.worker_pid is None:
            return  # still loading its models
        with self._lock:
            for fetched in batch[1:]:
                raw = within_size(fetched, self.settings).raw
                future: Future[Reading] = Future()
                self._numbers += 1
                link.unsent.append((self._numbers, raw, future))
                self._waiting[(fetched.mailbox, fetched.uid)] = (len(raw), future)
            self._lock.notify_all()

    def read(self, fetched: FetchedMessage) -> ParsedMessage | None:
        """The worker's reading of ``fetched`` (already cut to size), or None: the mailbot
        reads it itself.  Raises what reading the message raised in the worker."""
        size, future = self._waiting.pop((fetched.mailbox, fetched.uid), (-1, None))
        if future is None or size != len(fetched.raw) or future.cancel():
            return None  # not sent, or not yet: reading it here is quicker than waiting
        try:
            parsed, error = future.result()
        except WorkerEnded:
            return None
        if error is not None:
            raise error
        if parsed is not None:
            parsed.raw = fetched.raw  # not sent back: the bytes are here
            self.answered += 1
        return parsed

    def close(self) -> None:
        """End the worker (it finishes nothing it has in hand) and forget its readings."""
        link, self._link = self._link, None
        self._forget_waiting()
        if link is None:
            return
        self._end(link, "closed")
        link.to_worker.close()
        try:
            link.process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            link.process.kill()
            link.process.wait()

    # ------------------------------------------------------------ the worker

    def _start(self) -> _Link:
        package_root = str(Path(__file__).resolve().parents[1])
        path = os.environ.get("PYTHONPATH")
        environment = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [package_root, path])),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "mailbot.read_ahead"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=environment,
        )
        assert process.stdin is not None and process.stdout is not None
        link = _Link(process, Connection(os.dup(process.stdin.fileno()), readable=False))
        from_worker = Connection(os.dup(process.stdout.fileno()), writable=False)
        process.stdin.close()
        process.stdout.close()
        with contextlib.suppress(OSError):  # died at once: the receiving thread says so
            link.to_worker.send(self.settings)
        threading.Thread(
            target=self._send, args=(link,), name="read-ahead-send", daemon=True
        ).start()
        threading.Thread(
            target=self._receive, args=(link, from_worker), name="read-ahead-receive", daemon=True
        ).start()
        log.debug("read-ahead worker %s starting", process.pid)
        return link

    def _send(self, link: _Link) -> None:
        """A thread: send the messages waiting, in order, skipping those read meanwhile."""
        while True:
            with self._lock:
                while link.open and not link.unsent:
                    self._lock.wait()
                if not link.open:
                    return
                number, raw, future = link.unsent.popleft()
                if not future.set_running_or_notify_cancel():
                    continue  # the mailbot read it already
                link.sent[number] = future
            try:
                link.to_worker.send((number, raw))
            except OSError as failure:  # the worker died, or the mailbot closed the link
                self._end(link, repr(failure))
                return

    def _receive(self, link: _Link, from_worker: Connection) -> None:
        """A thread: hand each answer to its message, until the worker ends."""
        try:
            pid = from_worker.recv()
            with contextlib.suppress(InvalidStateError):  # closed meanwhile
                link.ready.set_result(pid)
            while True:
                number, parsed, error = from_worker.recv()
                with self._lock:
                    future = link.sent.pop(number, None)
                if future is not None:
                    future.set_result((parsed, error))
        except Exception as failure:  # ended, or an answer it could not read: either way
            # the link ends here, so no message waits for an answer that will never come
            self._end(link, repr(failure))
        finally:
            from_worker.close()

    def _end(self, link: _Link, why: str) -> None:
        """Nothing more goes to ``link`` or comes from it: what was sent is lost, what was
        not is read in the mailbot."""
        with self._lock:
            link.open = False
            lost = list(link.sent.values())
            link.sent.clear()
            unsent = [future for _, _, future in link.unsent]
            link.unsent.clear()
            self._lock.notify_all()
        ended = WorkerEnded(f"the read-ahead worker ended: {why}")
        with contextlib.suppress(InvalidStateError):  # it was ready
            link.ready.set_exception(ended)
        for future in unsent:
            future.cancel()
        for future in lost:
            future.set_exception(ended)

    def _forget_waiting(self) -> None:
        for _, future in self._waiting.values():
            future.cancel()
        self._waiting.clear()


# ---------------------------------------------------------------- in the worker


def _read(raw: bytes, settings: Settings) -> Reading:
    budget = settings.mail.message_seconds_max
    try:
        with time_budget(budget):
            parsed = read_message(raw, settings)
    except Exception as error:
        return None, error
    try:
        with time_budget(budget):
            prepare(parsed, settings)
    except Exception:  # the mailbot works it out again, inside its own budget
        parsed.memo.clear()
    parsed.raw = b""
    return parsed, None


def serve() -> None:
    """The worker: settings first, then messages until the mailbot closes its input."""
    incoming = Connection(os.dup(0), writable=False)
    outgoing = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)  # a stray print must not break the answers
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the mailbot's to handle
    try:
        settings: Settings = incoming.recv()
        warm_up()
        outgoing.send(os.getpid())
        while True:
            number, raw = incoming.recv()
            answer = _read(raw, settings)
            try:
                outgoing.send((number, *answer))
            except (pickle.PicklingError, TypeError, AttributeError):
                outgoing.send((number, None, None))  # the mailbot reads this one itself
    except (EOFError, BrokenPipeError):
        return  # the mailbot closed the pipe, or is gone


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        serve()
