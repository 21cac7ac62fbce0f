"""Queries built once (store.prepared): the same rows as the ORM's query, on both backends,
with every value converted by its field and bound as a parameter."""

from __future__ import annotations

from datetime import timedelta

import peewee

from store import clock, lifecycle
from store.models import Request
from store.prepared import Prepared, update

RECENT_OPEN = Prepared(
    lambda slot: (
        Request.select(Request.id, Request.reference)
        .where(
            (Request.requester_email == slot(Request.requester_email))
            & (Request.received_at >= slot(Request.received_at))
            & Request.status.in_(("received", "awaiting_verification"))
        )
        .order_by(Request.id.desc())
        .limit(1)
    )
)
COUNT_BY_EMAIL = Prepared(
    lambda slot: Request.select(peewee.fn.COUNT(Request.id)).where(
        Request.requester_email == slot(Request.requester_email)
    )
)


def _request(email: str, received_days_ago: int) -> Request:
    return lifecycle.create_request(
        kind="access",
        actor="@test",
        received_at=clock.now() - timedelta(days=received_days_ago),
        requester_email=email,
    )


def test_a_prepared_query_finds_what_the_orm_query_finds_for_each_value(db, frozen_clock):
    old = _request("liisa@example.fi", 10)
    new = _request("liisa@example.fi", 1)
    _request("pekka@example.fi", 1)
    week_ago = clock.now() - timedelta(days=7)

    found = RECENT_OPEN.first("liisa@example.fi", week_ago)
    assert (found.id, found.reference) == (new.id, new.reference)
    # The datetime converted by its field: older than the window, nothing; the built SQL
    # reused with other values.
    assert RECENT_OPEN.first("liisa@example.fi", clock.now()) is None
    found = RECENT_OPEN.first("liisa@example.fi", clock.now() - timedelta(days=30))
    assert found.id == new.id and old.id < new.id
    assert COUNT_BY_EMAIL.scalar("liisa@example.fi") == 2
    assert COUNT_BY_EMAIL.scalar("nobody@example.fi") == 0


def test_a_value_is_a_parameter_never_sql(db, frozen_clock):
    _request("liisa@example.fi", 1)
    hostile = "x' OR '1'='1"
    assert COUNT_BY_EMAIL.scalar(hostile) == 0
    assert RECENT_OPEN.first(hostile, clock.now() - timedelta(days=30)) is None


def test_a_prepared_insert_stores_the_row_as_save_would(db, frozen_clock):
    from store.prepared import insert

    first = _request("liisa@example.fi", 1)
    now = clock.now()
    made = insert(
        Request(
            reference="TP-2026-9001",
            kind="erasure",
            status="received",
            requester_email="liisa@example.fi",
            part_of=first,  # a model instance: stored as its id
            received_at=now,
            due_at=now + timedelta(days=30),
            original_due_at=now + timedelta(days=30),
            created_at=now,
            updated_at=now,
        )
    )
    again = insert(Request(**{**made.__data__, "id": None, "reference": "TP-2026-9002"}))
    assert made.id is not None and again.id == made.id + 1
    stored = Request.get_by_id(made.id)
    assert (stored.reference, stored.part_of_id, stored.received_at) == (
        "TP-2026-9001",
        first.id,
        now,
    )
    # the model's defaults, as save() has them
    assert (stored.match_state, stored.proposed_changes) == ("unmatched", {})


def test_an_insert_that_conflicts_is_left_out_when_asked(db, frozen_clock):
    from mailbot.ingest import FetchedMessage, ingest
    from store.config import load_settings
    from store.models import MessageLocation
    from store.prepared import insert
    from tests.support.mail import make_mail

    settings = load_settings(environ={"REKISTERI_DB": db})
    raw = make_mail("Liisa <liisa@example.fi>", subject="Tietopyyntö", body="Näyttäkää tietoni.")
    message = ingest(FetchedMessage("INBOX", 7, "1", raw, clock.now()), settings).message
    again = insert(
        MessageLocation(
            message=message, mailbox="INBOX", uidvalidity=7, uid="1", seen_at=clock.now()
        ),
        ignore_conflict=True,
    )
    assert again.id is None
    assert MessageLocation.select().where(MessageLocation.message == message).count() == 1


def test_a_prepared_update_changes_that_row_only_with_each_value_converted(db, frozen_clock):
    first, second = _request("a@example.fi", 1), _request("b@example.fi", 1)
    due = clock.now() + timedelta(days=3)

    changed = update(Request, first.id, due_at=due, requester_name="'); DROP TABLE request; --")
    again = update(Request, second.id, due_at=due, requester_name="Maija")  # the SQL reused

    assert (changed, again) == (1, 1)
    assert Request.get_by_id(first.id).due_at == due
    assert Request.get_by_id(first.id).requester_name == "'); DROP TABLE request; --"
    assert Request.get_by_id(second.id).requester_name == "Maija"
    assert update(Request, 999_999, requester_name="x") == 0
