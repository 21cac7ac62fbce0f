"""Named staff: argon2 passwords, enabled or not, locked after repeated failures."""

import io
from datetime import timedelta

import pytest

from cli.main import main
from store import clock, staff
from store.errors import InvalidInput, LoginRefused
from store.models import AuditEvent, Staff

PASSWORD = "oikea-salasana-42"


def test_staff_add_from_the_command_line_stores_an_argon2_hash(db, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["staff", "add", "anna", "--role", "handler", "--password-stdin"]) == 0
    assert "(käsittelijä)" in capsys.readouterr().err  # the role in words, not its code
    member = Staff.get(Staff.name == "anna")
    assert member.password_hash.startswith("$argon2id$")
    assert PASSWORD not in member.password_hash
    assert main(["staff", "list", "--json"]) == 0
    assert '"role": "handler"' in capsys.readouterr().out
    assert staff.authenticate("anna", PASSWORD).name == "anna"


def test_a_disabled_member_cannot_log_in(db, monkeypatch):
    staff.add_staff("ville", "admin", PASSWORD, "@cli")
    assert main(["staff", "disable", "ville"]) == 0
    with pytest.raises(LoginRefused) as refused:
        staff.authenticate("ville", PASSWORD)
    assert refused.value.key == "login.refused"
    assert main(["staff", "enable", "ville"]) == 0
    assert staff.authenticate("ville", PASSWORD).name == "ville"


def test_five_wrong_passwords_lock_the_name_for_fifteen_minutes(db, frozen_clock):
    staff.add_staff("anna", "handler", PASSWORD, "@cli")
    for _ in range(4):
        with pytest.raises(LoginRefused) as wrong:
            staff.authenticate("anna", "väärä")
        assert wrong.value.key == "login.refused"
    with pytest.raises(LoginRefused) as locked:
        staff.authenticate("anna", "väärä")
    # Locked, and answered exactly as an unknown name is: the answer tells no one which
    # names exist (the lock is in the audit trail and on the staff list).
    assert locked.value.key == "login.refused"
    with pytest.raises(LoginRefused) as still:  # even the right password now
        staff.authenticate("anna", PASSWORD)
    with pytest.raises(LoginRefused) as unknown:
        staff.authenticate("olematon", PASSWORD)
    assert (still.value.key, still.value.params) == (unknown.value.key, unknown.value.params)
    frozen_clock(clock.now() + timedelta(minutes=15, seconds=1))
    assert staff.authenticate("anna", PASSWORD).name == "anna"
    actions = [
        e.action
        for e in AuditEvent.select()
        .where(AuditEvent.action.startswith("login"))
        .order_by(AuditEvent.id)
    ]
    assert actions.count("login.locked") == 1 and actions[-1] == "login.succeeded"


def test_an_unknown_name_is_refused_like_a_wrong_password(db):
    with pytest.raises(LoginRefused) as refused:
        staff.authenticate("nobody", PASSWORD)
    assert refused.value.key == "login.refused"


@pytest.mark.parametrize(
    ("name", "password"), [("Anna Admin", PASSWORD), ("@mailbot", PASSWORD), ("anna", "lyhyt")]
)
def test_names_and_passwords_are_checked(db, name, password):
    with pytest.raises(InvalidInput):
        staff.add_staff(name, "handler", password, "@cli")


def test_passwords_typed_twice_must_match(db, monkeypatch):
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    assert main(["staff", "add", "anna", "--role", "handler"]) == 1
    assert not Staff.select().exists()
