"""Queueing a mass mailing: one outbox row per recipient, in batches, resumable.

The breach notices use it (:mod:`mailbot.breach_notices`), and the newsletter does too: a
caller gives the :class:`~store.models.Mailing`, a :class:`~store.mailings.Selection` and a
function that says which template, language and context each customer's mail takes.

Each batch is one transaction: the batch's customers are read (only the columns a mail
needs), each one with an address gets a mail rendered in their language and queued through
:func:`mailbot.outgoing.queue_mail`, and every customer gets a recipient row linking to that
mail (or saying ``no_email``), with one audit event for the batch.  A crash or a restart
loses at most the batch in hand, which the next run queues again; the mailing's row lock and
the unique (mailing, customer) index keep two runs at once from queueing anyone twice.
The sender (:func:`mailbot.sender.send_due`) delivers the rows as it does any other mail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from email.headerregistry import Address
from typing import Any

from mailbot.outgoing import queue_mail
from store import mailings
from store.config import Settings
from store.db import refresh_statistics
from store.mailings import MailingPlan, NewRecipient, Selection
from store.models import Customer, Mailing, MailingRecipient, OutboxMail, database

BATCH_SIZE = 500
"""Recipients per transaction: large enough to be quick, small enough that a crash loses
little and a concurrent sender is never held up for long."""


@dataclass(frozen=True)
class MailSpec:
    """One recipient's mail: the template, the language it is written in, its context, and
    what its headers add (a newsletter's List-Id and own From) to the privacy desk's."""

    template: str
    language: str
    context: dict[str, Any] = field(default_factory=dict)
    headers: tuple[tuple[str, str], ...] = ()
    sender: Address | None = None
    reply_to: Address | None = None


MailFor = Callable[[Customer], MailSpec]
"""Gets a customer with ``id``, ``customer_no``, ``first_name``, ``last_name``, ``email``
and ``language`` loaded (nothing else is read)."""

Progress = Callable[[int, int], None]


@dataclass
class QueueReport:
    plan: MailingPlan  # what the selection held when the run started
    queued: int = 0  # mails queued by this run
    without_email: int = 0  # recipients added by this run who need another channel
    batches: int = 0


BULK_ROWS = 1000
"""From this many mails on, the planner is told about the outbox's new size."""


def queue_mailing(
    mailing: Mailing,
    selection: Selection,
    *,
    settings: Settings,
    actor: str,
    mail_for: MailFor,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> QueueReport:
    """Add the selection's customers to ``mailing`` and queue their mail.

    Customers who are already recipients (an earlier run, a run cut short) are left alone,
    so running it again with the same or a wider selection only adds the ones missing.
    ``progress(done, total)`` follows the customers still to do.
    """
    report = QueueReport(plan=mailings.plan(mailing, selection))
    pending = mailings.pending_ids(mailing, selection)
    total = len(pending)
    if progress:
        progress(0, total)
    for start in range(0, total, batch_size):
        chunk = pending[start : start + batch_size]
        queued, without_email = _queue_batch(mailing, chunk, settings, actor, mail_for)
        report.queued += queued
        report.without_email += without_email
        report.batches += 1
        if progress:
            progress(min(start + batch_size, total), total)
    mailings.record_selection(
        mailing,
        selection,
        actor,
        MailingPlan(
            selected=report.plan.selected,
            already=report.plan.already,
            with_email=report.queued,
            without_email=report.without_email,
        ),
    )
    if report.queued >= BULK_ROWS:
        refresh_statistics(OutboxMail, MailingRecipient)
    return report


def _queue_batch(
    mailing: Mailing, customer_ids: list[int], settings: Settings, actor: str, mail_for: MailFor
) -> tuple[int, int]:
    """One transaction: the recipient rows and their outbox rows commit together."""
    with database.atomic():
        mailings.lock_mailing(mailing)
        # Another run may have taken some of these since the list was made.
        taken = mailings.recipients_already(mailing, customer_ids)
        fresh = [customer_id for customer_id in customer_ids if customer_id not in taken]
        new: list[NewRecipient] = []
        for customer in mailings.batch_customers(fresh):
            spec = mail_for(customer)
            if not customer.email:
                new.append(NewRecipient(customer.id, None, spec.language, "no_email"))
                continue
            row = queue_mail(
                spec.template,
                settings=settings,
                to_address=customer.email,
                to_name=customer.name,
                language=spec.language,
                actor=actor,
                customer=customer,
                audited=False,
                bulk=True,
                extra_headers=spec.headers,
                sender=spec.sender,
                reply_to=spec.reply_to,
                **spec.context,
            )
            new.append(NewRecipient(customer.id, row.id, spec.language))
        queued = sum(1 for item in new if item.outbox_id)
        mailings.record_batch(mailing, new, actor)
    return queued, len(new) - queued
