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
