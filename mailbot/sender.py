"""Sending the outbox: every due row goes out over one connection, and its fate is recorded.

:func:`send_due` is the one entry point: the mailbot daemon and ``mailbot --once`` call it,
``rekisteri outbox send`` calls it, and so will the breach and newsletter mass sends after
queueing their rows.  It takes due rows one at a time (:func:`store.outbox.take_next`, leased with
the attempt's count by :func:`store.outbox.start_attempt`), so a
run over 20,000 mails holds one message's bytes at a time, and two senders running at once
never send the same row.

What happens to a row:

- the server accepted it → ``sent``, with the server's reply kept;
- 4xx, connection refused, timeout, a dropped connection → ``retry`` after exponential
  backoff (``mail.send_retry_base_seconds``, doubling), ``failed`` once
  ``mail.send_max_attempts`` attempts are used up;
- 5xx → ``failed`` at once, for staff to see (``outbox list``, the TUI) and requeue;
- a pre-send check said no → ``skipped``, with its reason in ``last_error``.

When the server cannot be used at all (down, TLS or login refused) the row in hand is marked
for retry and the run stops: the other rows stay due, untouched, for the next run.

**At least once.**  A row is marked sent only after the server accepted it.  A crash between
the server's acceptance and that mark leaves the row due again once its claim runs out
(:data:`CLAIM_LEASE`); it is then sent again with the same bytes and the same Message-ID, so
the recipient's mail client, or staff, can recognise the duplicate.

**Pre-send checks.**  Some mail must be checked again at the moment it leaves, because the
facts may have changed since it was queued (a newsletter to someone who has since withdrawn
consent).  A check is a plain function of the row that returns a reason to skip it, or None
to let it go; it runs in the database thread, inside the transaction that claimed the row,
and may query the store.  Register it per template::

    from mailbot.sender import pre_send_check

    @pre_send_check("newsletter")
    def consent_still_given(mail: OutboxMail) -> str | None:
        return None if has_marketing_consent(mail.customer) else "marketing consent withdrawn"

The reason is a short fixed phrase without personal data: it goes into ``last_error`` and
the audit trail.  A check that raises does not let the mail go: the row is retried later.
The module that registers checks must be imported by every process that sends, not only by
the one that queues: add it to :data:`CHECK_MODULES`, which :func:`send_due` imports first.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from mailbot.outgoing import message_bytes
from mailbot.transports import ConnectionProblem, DeliveryFailed, Transport, open_transport
from store import outbox
from store.config import Settings
from store.db import joined_transaction
from store.models import OutboxMail, database

log = logging.getLogger("rekisteri.mailbot.sender")

PreSendCheck = Callable[[OutboxMail], str | None]
"""Returns why the mail must not go out (it is then ``skipped``), or None."""

CHECK_MODULES: tuple[str, ...] = ("mailbot.newsletter_checks",)
"""Modules that register pre-send checks when imported; :func:`send_due` imports them."""

_checks: dict[str, list[PreSendCheck]] = {}

CLAIM_LEASE = timedelta(minutes=5)
"""How long a claimed row is left alone by other senders; also how soon a row caught
mid-send by a crash is sent again.  Well above the SMTP timeout of one mail."""

ACTOR = "@mailbot"

T = TypeVar("T")

Outcome = str | DeliveryFailed | ConnectionProblem
"""The server's reply to a mail it accepted, or what went wrong."""
Attempt = tuple[OutboxMail, Outcome]


def pre_send_check(template: str) -> Callable[[PreSendCheck], PreSendCheck]:
    """Register a check for every mail of ``template`` (a decorator)."""

    def register(check: PreSendCheck) -> PreSendCheck:
        if check not in _checks.setdefault(template, []):
            _checks[template].append(check)
        return check

    return register


def remove_pre_send_check(template: str, check: PreSendCheck) -> None:
    if check in _checks.get(template, []):
        _checks[template].remove(check)


def skip_reason(mail: OutboxMail) -> str | None:
    """The first reason a registered check gives not to send ``mail``, or None."""
    for check in _checks.get(mail.template, []):
        reason = check(mail)
        if reason:
            return reason
    return None


@dataclass
class SendReport:
    sent: int = 0
    retry: int = 0  # will be tried again later
    failed: int = 0  # failed for good in this run
    skipped: int = 0
    connection_error: str | None = None  # the server could not be used; the rest waits
    failures: list[tuple[str, str]] = field(default_factory=list)  # (Message-ID, last_error)

    @property
    def handled(self) -> int:
        return self.sent + self.retry + self.failed + self.skipped

    def count(self, status: str) -> None:
        setattr(self, status, getattr(self, status) + 1)


class Pacer:
    """Keeps to ``rate`` mails a second (0: no limit), without drifting over a long batch."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Any] = asyncio.sleep,
    ) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next: float | None = None

    async def wait(self) -> None:
        if not self.interval:
            return
        now = (self._clock or asyncio.get_running_loop().time)()
        if self._next is not None and self._next > now:
            await self._sleep(self._next - now)
            now = self._next
        self._next = now + self.interval


async def send_due(
    settings: Settings,
    *,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SendReport:
    """Send every due outbox row (at most ``limit``) and record each outcome.

    ``progress(done, total)`` is called after each row, for a progress bar.  Raises
    :class:`~store.errors.ConfigError` for a mail URL it cannot use.
    """
    for module in CHECK_MODULES:
        importlib.import_module(module)
    transport = open_transport(settings)
    report = SendReport()
    pacer = Pacer(settings.mail.send_rate_per_second)
    loop = asyncio.get_running_loop()
    # One thread owns this run's database connection: peewee is synchronous, the event loop
    # keeps talking SMTP while it works, and the connection is closed when the run ends.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-db") as db_thread:

        async def in_db(function: Callable[..., T], *args: Any) -> T:
            return await loop.run_in_executor(db_thread, function, *args)

        try:
            total = await in_db(outbox.due_count) if progress else 0
            if limit is not None:
                total = min(total, limit)
            finished: Attempt | None = None
            while True:
                wanted = limit is None or report.handled + (finished is not None) < limit
                taken = await in_db(_finish_and_take, settings, report, finished, wanted)
                finished = None
                if progress and report.handled:
                    progress(report.handled, max(total, report.handled))
                if taken is None:
                    break
                mail, ready = taken
                if not ready:
                    continue
                await pacer.wait()
                finished = (mail, await _deliver(transport, settings, mail))
                if isinstance(finished[1], ConnectionProblem):
                    report.connection_error = str(finished[1])
                    await in_db(_finish_and_take, settings, report, finished, False)
                    break
        finally:
            await transport.close()
            await in_db(database.close)
    log.info(
        "outbox: %s sent, %s to retry, %s failed, %s skipped",
        report.sent,
        report.retry,
        report.failed,
        report.skipped,
    )
    return report


def _finish_and_take(
    settings: Settings, report: SendReport, finished: Attempt | None, wanted: bool
) -> tuple[OutboxMail, bool] | None:
    """Record the attempt just made and claim the next row: one commit per mail."""
    with outbox.delivery_transaction():
        if finished is not None:
            _count(report, finished[0], _record(settings, *finished))
        return _take_next(settings, report) if wanted else None


def _take_next(settings: Settings, report: SendReport) -> tuple[OutboxMail, bool] | None:
    """Claim the next due row and decide whether it may go out (in the database thread).

    Returns None when nothing is due, else the row and whether to send it.  A row that may
    not go (a check said no, its content is gone, crashed attempts used up its allowance)
    is recorded here and counted in ``report``; a row to send has its attempt counted.
    """
    with joined_transaction():  # _finish_and_take's: no savepoint, two round trips less
        # Taken, not yet leased: each way out below writes the row (the lease goes with
        # the attempt's count), so a claim costs no UPDATE of its own.
        mail = outbox.take_next()
        if mail is None:
            return None
        if not outbox.has_content(mail):  # retention removed it before it could be sent
            outbox.mark_failed(mail, "the content was removed before it was sent", actor=ACTOR)
            _count(report, mail, "failed")
            return mail, False
        if mail.attempts >= settings.mail.send_max_attempts:
            outbox.mark_failed(mail, f"gave up after {mail.attempts} attempts", actor=ACTOR)
            _count(report, mail, "failed")
            return mail, False
        try:
            # A check may query the store: if it fails, its savepoint (on PostgreSQL the
            # transaction is otherwise lost) lets the failure itself be recorded.
            with database.atomic() if _checks.get(mail.template) else nullcontext():
                reason = skip_reason(mail)
        except Exception as error:  # a broken check must not let the mail through
            log.exception("pre-send check for %s failed", mail.template)
            outbox.start_attempt(mail)
            _count(
                report,
                mail,
                outbox.mark_retry(
                    mail, f"pre-send check failed: {error}", settings.mail, actor=ACTOR
                ),
            )
            return mail, False
        if reason:
            outbox.mark_skipped(mail, reason, actor=ACTOR)
            _count(report, mail, "skipped")
            return mail, False
        try:
            built = None if mail.raw_message is not None else message_bytes(mail, settings)
        except Exception as error:  # parts the email package cannot write: never sent
            log.exception("outbox %s: the mail could not be built", mail.message_id)
            outbox.mark_failed(mail, f"the mail could not be built: {error}", actor=ACTOR)
            _count(report, mail, "failed")
            return mail, False
        # The bytes built now are stored with the count and the lease.
        outbox.start_attempt(mail, built, lease=CLAIM_LEASE)
        return mail, True


async def _deliver(transport: Transport, settings: Settings, mail: OutboxMail) -> Outcome:
    # _take_next hands over only a row with its bytes (one without is marked failed there).
    assert mail.raw_message is not None, "a claimed mail is sent only with its bytes"
    try:
        return await transport.deliver(
            sender=settings.mail.from_address,
            recipient=mail.to_address,
            raw=bytes(mail.raw_message),
            message_id=mail.message_id,
        )
    except ConnectionProblem as problem:
        log.warning("outbox: %s", problem)
        return problem
    except DeliveryFailed as problem:
        # The server's words often repeat the address: they stay in the row, not in the log.
        log.warning(
            "outbox %s: not accepted (%s, %s)",
            mail.message_id,
            problem.code or "no reply code",
            "permanent" if problem.permanent else "will retry",
        )
        return problem


def _record(settings: Settings, mail: OutboxMail, outcome: Outcome) -> str:
    """Record the outcome of one attempt; returns the row's new status."""
    if isinstance(outcome, str):
        outbox.mark_sent(mail, outcome, actor=ACTOR)
        return "sent"
    code = outcome.code if isinstance(outcome, DeliveryFailed) else None
    if isinstance(outcome, DeliveryFailed) and outcome.permanent:
        outbox.mark_failed(mail, str(outcome), code=code, actor=ACTOR)
        return "failed"
    return outbox.mark_retry(mail, str(outcome), settings.mail, code=code, actor=ACTOR)


def _count(report: SendReport, mail: OutboxMail, status: str) -> None:
    report.count(status)
    if status == "failed":
        report.failures.append((mail.message_id, mail.last_error or ""))
