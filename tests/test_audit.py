"""The audit chain catches a row altered, removed or inserted behind its back."""

import pytest

from cli.main import main
from store import audit
from store.models import AuditEvent, database


@pytest.fixture
def five_events(db):
    for number in range(1, 6):
        audit.record("customer.viewed", "anna", customer_no=f"10000{number}", purpose="test")
    return db


def table() -> str:
    return AuditEvent._meta.table_name


def test_an_untouched_chain_verifies(five_events, capsys):
    result = audit.verify()
    assert (result.ok, result.checked) == (True, 5)
    assert main(["audit", "verify"]) == 0
    assert "5" in capsys.readouterr().out


def test_an_altered_payload_is_named(five_events, capsys, monkeypatch):
    database.execute_sql(
        f'UPDATE {table()} SET payload = \'{{"purpose": "covered up"}}\' WHERE id = 3'
    )
    result = audit.verify()
    assert (result.ok, result.first_bad_id, result.problem) == (False, 3, "altered")
    monkeypatch.setenv("REKISTERI_LANG", "en")
    assert main(["audit", "verify"]) == 1
    assert "event 3 was altered" in capsys.readouterr().out


def test_a_changed_actor_is_caught(five_events):
    database.execute_sql(f"UPDATE {table()} SET actor = 'someone-else' WHERE id = 2")
    assert audit.verify().first_bad_id == 2


def test_a_removed_event_is_named(five_events):
    database.execute_sql(f"DELETE FROM {table()} WHERE id = 4")
    result = audit.verify()
    assert (result.ok, result.first_bad_id, result.problem) == (False, 4, "missing")


def test_removing_the_newest_events_is_caught(five_events):
    database.execute_sql(f"DELETE FROM {table()} WHERE id >= 4")
    result = audit.verify()
    assert (result.ok, result.first_bad_id, result.problem) == (False, 4, "truncated")


def test_an_inserted_event_is_named(five_events):
    forged = AuditEvent.get_by_id(5)
    database.execute_sql(
        f"INSERT INTO {table()} (id, at, actor, action, customer_no, request_reference, "
        f"payload, prev_hash, hash) SELECT 6, at, actor, action, customer_no, "
        f"request_reference, payload, prev_hash, hash FROM {table()} WHERE id = 5"
    )
    assert forged.id == 5
    result = audit.verify()
    assert (result.ok, result.first_bad_id) == (False, 6)


def test_events_undone_by_a_rollback_leave_no_gap_in_the_chain(five_events):
    """The head is guessed where this process last left it (one statement per event
    saved); a rollback that undid those events must not leave the next one after them."""

    class Undone(Exception):
        pass

    with database.atomic():
        with pytest.raises(Undone), database.atomic():
            audit.record("customer.viewed", "anna", customer_no="100009", purpose="undone")
            audit.record("customer.viewed", "anna", customer_no="100009", purpose="undone")
            raise Undone
        audit.record("customer.viewed", "anna", customer_no="100001", purpose="kept")
    audit.record("customer.viewed", "anna", customer_no="100002", purpose="kept")
    result = audit.verify()
    assert (result.ok, result.checked) == (True, 7)
    assert [event.id for event in AuditEvent.select().order_by(AuditEvent.id)] == list(range(1, 8))


def test_another_writer_between_two_events_is_chained_in_line(five_events):
    """Another connection (a staff member's desk, the mailbot) moves the head between two
    events of this one: the guess fails, the head is read, the chain stays whole."""
    import threading

    def elsewhere() -> None:
        audit.record("customer.viewed", "ville", customer_no="100003", purpose="other desk")
        database.close()

    for _ in range(3):
        audit.record("customer.viewed", "anna", customer_no="100001", purpose="here")
        other = threading.Thread(target=elsewhere)
        other.start()
        other.join()
    audit.record("customer.viewed", "anna", customer_no="100001", purpose="here")
    result = audit.verify()
    assert (result.ok, result.checked) == (True, 12)
    actors = [event.actor for event in AuditEvent.select().order_by(AuditEvent.id)][5:]
    assert actors == ["anna", "ville"] * 3 + ["anna"]


def test_an_act_that_waited_for_a_long_transaction_is_dated_in_line(five_events):
    """A desk's act while the mailbot's batch holds the chain (its transaction) waits for
    the chain; its event goes in after the batch's, and is dated no earlier than them:
    an event dated before the one it follows is what ``audit verify`` calls tampering."""
    import threading
    import time

    about_to_record = threading.Event()

    def elsewhere() -> None:
        about_to_record.set()
        audit.record("customer.viewed", "ville", customer_no="100003", purpose="other desk")
        database.close()

    with database.atomic():
        audit.record("customer.viewed", "anna", customer_no="100001", purpose="batch")
        other = threading.Thread(target=elsewhere)
        other.start()
        about_to_record.wait()
        time.sleep(0.3)  # the other desk now waits for the chain
        audit.record("customer.viewed", "anna", customer_no="100001", purpose="batch")
    other.join()
    result = audit.verify()
    assert result.ok, result.describe()
    events = list(AuditEvent.select().order_by(AuditEvent.id))[5:]
    assert [event.actor for event in events] == ["anna", "anna", "ville"]


def test_gathered_events_go_in_together_and_a_failed_block_drops_its_own(five_events):
    """The mailbot gathers a batch's events and appends them at its end: a mail whose
    savepoint rolled back leaves none of its events, the others' are chained in order."""

    class Failed(Exception):
        pass

    with database.atomic(), audit.gathered():
        with database.atomic(), audit.gathered():
            audit.record("customer.viewed", "@mailbot", customer_no="100001", purpose="first")
        with pytest.raises(Failed), database.atomic(), audit.gathered():
            audit.record("customer.viewed", "@mailbot", customer_no="100002", purpose="failed")
            raise Failed
        with database.atomic(), audit.gathered():
            audit.record("customer.viewed", "@mailbot", customer_no="100003", purpose="third")
        assert AuditEvent.select().count() == 5  # nothing appended before the batch ends
    purposes = [event.payload["purpose"] for event in AuditEvent.select().order_by(AuditEvent.id)]
    assert purposes[5:] == ["first", "third"]
    assert audit.verify().ok


def test_an_act_recorded_while_a_batch_gathers_is_chained_and_dated_in_line(five_events):
    """Another desk records while the mailbot's batch is gathering its events: both go
    onto the chain whole, and no event is dated before the one it follows."""
    import threading

    def elsewhere() -> None:
        audit.record("customer.viewed", "ville", customer_no="100003", purpose="other desk")
        database.close()

    other = threading.Thread(target=elsewhere)
    with database.atomic(), audit.gathered():
        audit.record("customer.viewed", "@mailbot", customer_no="100001", purpose="batch")
        other.start()
        other.join(timeout=0.5)  # PostgreSQL: it is done; SQLite: it waits for the lock
        audit.record("customer.viewed", "@mailbot", customer_no="100001", purpose="batch")
    other.join()
    result = audit.verify()
    assert (result.ok, result.checked) == (True, 8), result.describe()
    added = list(AuditEvent.select().order_by(AuditEvent.id))[5:]
    assert sorted(event.actor for event in added) == ["@mailbot", "@mailbot", "ville"]
