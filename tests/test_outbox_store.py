"""The outbox's delivery state in the store: due rows, backoff, requeueing, the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest

from store import audit, clock, outbox
from store.config import load_settings
from store.db import insert_tuples, is_sqlite
from store.errors import NotFound, RuleViolation
from store.models import AuditEvent, OutboxMail
from tests.support.factories import make_outbox_mail
from tests.support.sqlite_work import counted_steps


def test_the_backoff_doubles_from_the_base_and_never_exceeds_a_day():
    delays = [outbox.retry_delay(attempts, 60) for attempts in range(1, 6)]
    assert [d.total_seconds() for d in delays] == [60, 120, 240, 480, 960]
    assert outbox.retry_delay(40, 60) == timedelta(days=1)


def test_only_rows_whose_time_has_come_are_due(db, frozen_clock):
    settings = load_settings(environ={})
    now_due = make_outbox_mail(settings)
    later = make_outbox_mail(settings)
    OutboxMail.update(next_attempt_at=clock.now() + timedelta(minutes=5)).where(
        OutboxMail.id == later.id
    ).execute()

    due = list(outbox.due_query())

    assert [mail.id for mail in due] == [now_due.id]
    # Listing due rows never loads what a mail says (its draft until its bytes are built).
    assert (due[0].raw_message, due[0].draft) == (None, None)
    assert OutboxMail.get_by_id(now_due.id).draft is not None
    assert outbox.due_count() == 1
    frozen_clock(clock.now() + timedelta(minutes=5))
    assert outbox.due_count() == 2


def test_an_acknowledgement_goes_before_a_newsletter_queued_earlier(db, frozen_clock):
    settings = load_settings(environ={})
    newsletter = [
        make_outbox_mail(settings, bulk=True, to_address=f"lukija{n}@example.fi") for n in range(3)
    ]
    frozen_clock(clock.now() + timedelta(minutes=1))
    acknowledgement = make_outbox_mail(settings)

    claimed = [outbox.claim_next(timedelta(minutes=5)) for _ in range(4)]

    assert [mail.id for mail in claimed] == [acknowledgement.id, *(mail.id for mail in newsletter)]


def test_requeue_sends_a_failed_mail_again_from_attempt_zero(db, frozen_clock):
    settings = load_settings(environ={})
    mail = make_outbox_mail(settings)
    outbox.start_attempt(mail)
    outbox.mark_failed(mail, "550 5.1.1 user unknown", code=550)

    again = outbox.requeue(mail.message_id.strip("<>"), "anna")

    stored = OutboxMail.get_by_id(mail.id)
    assert (stored.status, stored.attempts, stored.next_attempt_at) == ("queued", 0, clock.now())
    assert stored.last_error == "550 5.1.1 user unknown"  # what went wrong the time before
    assert again.message_id == mail.message_id and stored.raw_message == mail.raw_message
    event = AuditEvent.get(AuditEvent.action == "mail.requeued")
    assert (event.actor, event.payload["previous_attempts"]) == ("anna", 1)
    assert event.request_reference == mail.request.reference
    assert audit.verify().ok


def test_requeue_refuses_what_it_cannot_or_must_not_send(db):
    settings = load_settings(environ={})
    queued = make_outbox_mail(settings)
    with pytest.raises(RuleViolation) as not_failed:
        outbox.requeue(queued.message_id, "anna")
    assert not_failed.value.key == "outbox.not_failed"

    outbox.mark_failed(queued, "550")
    OutboxMail.update(raw_message=None, draft=None).where(OutboxMail.id == queued.id).execute()
    with pytest.raises(RuleViolation) as removed:
        outbox.requeue(queued.message_id, "anna")
    assert removed.value.key == "outbox.content_removed"

    with pytest.raises(NotFound):
        outbox.requeue("<nothing@example.fi>", "anna")


def test_claiming_a_mail_does_as_little_work_with_2000_due_as_with_10(db, frozen_clock):
    """A thousand acknowledgements queued one by one leave no statistics behind; SQLite then
    chose the status index and sorted every due row for each claim (10 ms a mail with
    20,000 due).  The claim names the due index: its work does not grow with the queue."""
    if not is_sqlite():
        pytest.skip("SQLite's planner; PostgreSQL keeps its own statistics (autovacuum)")
    settings = load_settings(environ={})
    make_outbox_mail(settings)

    def queue_copies(count: int) -> None:
        now = clock.now()
        row = {
            "to_address": "a@example.fi",
            "to_name": "",
            "subject": "",
            "template": "acknowledgement",
            "language": "fi",
            "automatic": True,
            "bulk": False,
            "raw_message": b"x",
            "status": "queued",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "created_by": "@mailbot",
        }
        rows = [(f"<copy-{count}-{n}@example.fi>", *row.values()) for n in range(count)]
        insert_tuples(OutboxMail, ("message_id", *row), rows)

    def work_of_one_claim() -> int:
        with counted_steps(50) as steps:  # once every 50 SQLite instructions
            assert outbox.claim_next(timedelta(minutes=5)) is not None
        return steps[0]

    queue_copies(10)
    with_ten = work_of_one_claim()
    queue_copies(1990)
    with_two_thousand = work_of_one_claim()

    assert with_two_thousand <= 2 * with_ten + 5, (with_ten, with_two_thousand)
