"""Backups: encrypted, consistent while others write, rotated inside the retention promise,
and restored without bringing back what was erased, withdrawn, restricted or corrected
after they were taken (issue 19).  Real SQLite and PostgreSQL, the real command."""

from __future__ import annotations

import json
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from cli.main import main
from store import audit, backup, clock, consent, encryption, forget_ledger, restriction
from store.config import load_settings
from store.db import close_database, open_database
from store.errors import ConfigError
from store.models import AuditEvent, Customer, MarketingSuppression
from store.rectification import write_changes
from tests.support.factories import make_customer
from tests.support.privacy import at


@pytest.fixture
def config(db: str, tmp_path: Path) -> Path:
    """A configuration with a key pair made by ``backup keys``, as docs/backups.md says."""
    path = tmp_path / "rekisteri.toml"
    path.write_text(
        f'[database]\nurl = "{db}"\n\n[backup]\n'
        'recipient_file = "keys/recipient.pem"\nidentity_file = "keys/identity.pem"\n'
        'dir = "backups"\n',
        encoding="utf-8",
    )
    assert main(["--config", str(path), "backup", "keys"]) == 0
    return path


def run(config: Path, *words: str) -> int:
    return main(["--config", str(config), *words])


def reopen(db: str) -> None:
    close_database()
    open_database(db)


def only_backup(config: Path) -> Path:
    (found,) = sorted((config.parent / "backups").glob("*.rkbackup"))
    return found


def with_marketing(customer_no: str, email: str) -> Customer:
    customer = make_customer(customer_no=customer_no, email=email, first_name="Pirjo")
    consent.record_consent(customer, "marketing", True, channel="staff", actor="anna")
    return customer


def test_restore_replays_erasure_withdrawal_restriction_and_rectification(db, config, capsys):
    settings = load_settings(str(config))
    forget_ledger.configure_from_settings(settings)
    with_marketing("100001", "erased@example.fi")
    withdrawn = with_marketing("100002", "withdrawn@example.fi")
    restricted = make_customer(customer_no="100003", email="restricted@example.fi")
    corrected = make_customer(customer_no="100004", email="old@example.fi", phone="040 1111111")

    assert run(config, "backup", "create") == 0
    made = only_backup(config)
    assert made.stat().st_mode & 0o777 == 0o600
    assert b"erased@example.fi" not in made.read_bytes()  # encrypted, not just packed

    # After the backup: everything a restore must not undo.
    assert run(config, "erase", "100001", "--confirm", "100001") == 0
    consent.record_consent(withdrawn, "marketing", False, channel="staff", actor="anna")
    restriction.apply_restriction(restricted, ground="accuracy_contested", actor="anna")
    write_changes(Customer.get_by_id(corrected.id), {"phone": "040 2222222"}, actor="anna")
    ledger = (config.parent / "forget-ledger.jsonl").read_text(encoding="utf-8")
    assert "erased@example.fi" not in ledger and "2222222" not in ledger  # numbers only

    close_database()
    capsys.readouterr()
    assert run(config, "backup", "restore", str(made), "--replace", "--confirm", made.name) == 0
    out = capsys.readouterr().out
    assert "Tehty uudelleen poistokirjanpidon mukaan" in out
    reopen(db)

    person = Customer.get(Customer.customer_no == "100001")
    assert person.erased_at is not None and person.first_name == "" and person.email is None
    assert not consent.has_consent(Customer.get_by_id(withdrawn.id), "marketing")
    assert consent.is_suppressed("withdrawn@example.fi")
    assert restriction.is_restricted(Customer.get_by_id(restricted.id))
    assert Customer.get_by_id(corrected.id).phone == "+358402222222"
    assert audit.verify().ok
    restored = AuditEvent.select().where(AuditEvent.action == "backup.restored").get()
    assert restored.payload["replayed"]["customer.erased"] == 1


def test_restore_refuses_without_the_ledger_unless_accepted(db, config, capsys):
    with_marketing("100001", "pirjo@example.fi")
    assert run(config, "backup", "create") == 0
    made = only_backup(config)
    (config.parent / "forget-ledger.jsonl").rename(config.parent / "elsewhere.jsonl")
    close_database()
    capsys.readouterr()

    assert run(config, "backup", "restore", str(made), "--replace", "--confirm", made.name) == 1
    assert "poistokirjanpitoa ei löydy" in capsys.readouterr().err

    words = ["backup", "restore", str(made), "--replace", "--confirm", made.name]
    assert run(config, *words, "--accept-unreplayed") == 0
    assert "Varoitus" in capsys.readouterr().err


def test_edited_ledger_stops_the_restore(db, config, capsys):
    settings = load_settings(str(config))
    forget_ledger.configure_from_settings(settings)
    assert run(config, "backup", "create") == 0
    customer = with_marketing("100001", "pirjo@example.fi")
    consent.record_consent(customer, "marketing", False, channel="staff", actor="anna")
    ledger = config.parent / "forget-ledger.jsonl"
    lines = ledger.read_text(encoding="utf-8").splitlines()
    del lines[1]  # someone removes the entry that would withdraw the consent again
    ledger.write_text("\n".join(lines) + "\n", encoding="utf-8")
    close_database()
    capsys.readouterr()
    made = only_backup(config)
    assert run(config, "backup", "restore", str(made), "--replace", "--confirm", made.name) == 1
    assert "poistokirjanpito on vioittunut (line 2)" in capsys.readouterr().err


def test_restore_never_overwrites_a_register_unasked(db, config, capsys):
    assert run(config, "backup", "create") == 0
    made = only_backup(config)
    close_database()
    capsys.readouterr()
    assert run(config, "backup", "restore", str(made)) == 1
    assert "on jo rekisteri" in capsys.readouterr().err
    assert run(config, "backup", "restore", str(made), "--replace", "--confirm", "typo") == 1
    assert "--confirm " + made.name in capsys.readouterr().err


def test_wrong_key_and_altered_backup_are_told_apart(db, config, tmp_path, capsys):
    assert run(config, "backup", "create") == 0
    made = only_backup(config)
    other = tmp_path / "other"
    other.mkdir()
    words = ["--identity", str(other / "id.pem"), "--recipient", str(other / "pub.pem")]
    assert run(config, "backup", "keys", *words) == 0
    capsys.readouterr()

    assert run(config, "backup", "verify", str(made), "--identity", str(other / "id.pem")) == 1
    assert "on salattu avaimelle" in capsys.readouterr().err

    assert run(config, "backup", "verify", str(made)) == 0
    assert "ketju täsmää" in capsys.readouterr().out

    data = bytearray(made.read_bytes())
    data[-100] ^= 0x01
    made.write_bytes(bytes(data))
    assert run(config, "backup", "verify", str(made)) == 1
    assert "ei aukea tällä avaimella, tai sitä on muutettu" in capsys.readouterr().err

    made.write_bytes(bytes(data[:-50]))  # cut short, as a full disk or a killed copy leaves it
    assert run(config, "backup", "list", "--json") == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["status"] == "damaged"
    assert run(config, "backup", "verify", str(made)) == 1


def test_backup_taken_while_others_write_is_consistent(db, config, capsys):
    """An audit-writing thread runs through the backup; the snapshot's trail verifies
    against the head it was taken with."""
    stop = threading.Event()

    def writer() -> None:
        while not stop.is_set():
            audit.record("customer.viewed", "anna", customer_no="100001")

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for _ in range(3):
            assert run(config, "backup", "create", "--to", str(config.parent / "many")) == 0
            clock_step = clock.now() + timedelta(seconds=1)
            while clock.now() < clock_step:  # the next second (asleep, not spinning a core)
                time.sleep(max(0.0, (clock_step - clock.now()).total_seconds()))
    finally:
        stop.set()
        thread.join()
    capsys.readouterr()
    for made in sorted((config.parent / "many").glob("*.rkbackup")):
        assert run(config, "backup", "verify", str(made)) == 0, capsys.readouterr()


def test_half_written_backup_is_not_listed_and_is_pruned_when_stale(db, config, capsys):
    backups = config.parent / "backups"
    backups.mkdir(mode=0o700)
    part = backups / ".rekisteri-20261206T000000Z.rkbackup.part"
    part.write_bytes(b"REKISTERI-BACKUP\n\x00")
    assert run(config, "backup", "list", "--json") == 0
    assert json.loads(capsys.readouterr().out) == []
    settings = load_settings(str(config))
    assert backup.prune(settings).removed == []  # perhaps still being written
    report = backup.prune(settings, now=clock.now() + timedelta(hours=2))
    assert report.removed == [part.name] and not part.exists()


# ---------------------------------------------------------------- rotation


def fake(created: str) -> backup.BackupFile:
    manifest = backup.Manifest(at(created), "sqlite", 4, 0, "", 0, "", "x")
    return backup.BackupFile(Path(created.replace(" ", "T")), 1, manifest, True)


def test_rotation_keeps_one_a_day_then_one_a_week_across_month_end_and_dst():
    # Nightly at 01:30 Helsinki time from 1 Oct to 30 Nov 2026 (summer time ends 25 Oct),
    # plus a second backup on 30 Nov.
    first = date(2026, 10, 1)
    nights = [f"{first + timedelta(days=n)} 01:30" for n in range(61)]
    backups = [fake(night) for night in nights] + [fake("2026-11-30 23:50")]
    kept = backup.kept(backups, at("2026-11-30 23:55"), daily_days=14, weekly_weeks=8)
    days = sorted(str(path) for path in kept)
    # The newest of each of the last 14 days: 17-30 Nov, the later of the two on the 30th.
    assert "2026-11-30T23:50" in days and "2026-11-30T01:30" not in days
    assert all(f"2026-11-{d:02d}T01:30" in days for d in range(17, 30))
    # Before that, one a week: each ISO week's newest (its Sunday), back 8 weeks.
    assert {
        "2026-11-15T01:30",
        "2026-11-08T01:30",
        "2026-11-01T01:30",
        "2026-10-25T01:30",
        "2026-10-18T01:30",
        "2026-10-11T01:30",
    } <= set(days)
    assert "2026-10-04T01:30" not in days  # 57 days old: beyond 8 weeks
    assert "2026-11-16T01:30" not in days  # a Monday outside the 14 days: not its week's newest
    assert len(kept) == 14 + 6


def test_no_backup_outlives_the_retention_promise(tmp_path):
    """Twelve weeks of weekly backups would keep an erased person past the two months."""
    path = tmp_path / "rekisteri.toml"
    path.write_text("[backup]\nweekly_weeks = 12\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_settings(str(path), environ={})
    assert raised.value.key == "backup.keep_too_long"
    assert "84" in raised.value.translated("fi")


def test_sealed_rectification_opens_only_with_the_identity(tmp_path):
    identity = encryption.generate_identity()
    sealed = encryption.seal(b'{"phone": "+358402222222"}', identity.recipient)
    assert b"358" not in sealed.encode()
    assert encryption.unseal(sealed, identity) == b'{"phone": "+358402222222"}'
    with pytest.raises(encryption.DecryptionFailed):
        encryption.unseal(sealed, encryption.generate_identity())


def test_suppression_replay_is_idempotent(db, config):
    settings = load_settings(str(config))
    forget_ledger.configure_from_settings(settings)
    consent.suppress("someone@example.fi", "objection")
    (entry,) = [
        e
        for e in forget_ledger.read(Path(settings.backup.ledger_file))
        if e.act is forget_ledger.Act.SUPPRESSED
    ]
    report = backup.RestoreReport("x", fake("2026-12-01 00:00").manifest)  # type: ignore[arg-type]
    identity = encryption.load_identity(Path(settings.backup.identity_file))
    assert not backup.replay(entry, identity, settings, "@restore", report)
    MarketingSuppression.delete().execute()
    assert backup.replay(entry, identity, settings, "@restore", report)
    assert consent.is_suppressed("someone@example.fi")


def test_the_mailbot_makes_the_days_backup_and_rotates_them(db, config, frozen_clock):
    """Forty nights of the daemon's daily tasks leave the rotation's backups, none older
    than the longest keep."""
    from mailbot import daemon

    settings = load_settings(str(config))
    first = at("2026-10-01 02:00")
    for night in range(40):
        frozen_clock(first + timedelta(days=night))
        daemon.run_backup(settings)
    left = backup.list_backups(Path(settings.backup.dir))
    ages = [(clock.now() - found.manifest.created_at).days for found in left if found.manifest]
    # 27 Oct - 9 Nov nightly, then the newest of each earlier ISO week: 4, 11, 18, 25 Oct.
    assert len(left) == 14 + 4
    assert max(ages) < settings.backup.longest_keep_days
    assert all(found.status == "ok" for found in left)


def test_a_killed_backup_never_lists_as_good(db, config, capsys):
    """``backup create`` killed at random moments (SIGKILL, as the OOM killer or a power
    cut does): every backup ``list`` calls ok opens whole, and nothing half-written is
    listed."""
    if not db.startswith("sqlite"):
        pytest.skip("the file handling is the same on both; SQLite gives a larger snapshot")
    import os
    import signal
    import subprocess
    import sys
    import time

    now = clock.now()
    Customer.insert_many(
        [
            {
                "customer_no": f"{200000 + n}",
                "first_name": "Aino",
                "last_name": f"Numero{n}",
                "name_key": f"aino numero{n}",
                "reverse_name_key": f"numero{n} aino",
                "email": f"aino{n}@example.fi",
                "street_address": "Keskuskatu 1 " * 20,
                "created_at": now,
                "updated_at": now,
            }
            for n in range(20000)
        ]
    ).execute()
    close_database()
    environment = {**os.environ, "REKISTERI_CONFIG": str(config)}
    folder = config.parent / "backups"
    folder.mkdir(mode=0o700, exist_ok=True)
    caught_writing = 0
    for _ in range(4):
        before = set(os.listdir(folder))
        process = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "backup", "create"],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        while process.poll() is None:  # kill it the moment its file is being written
            if any(name.endswith(".part") for name in set(os.listdir(folder)) - before):
                process.send_signal(signal.SIGKILL)
                caught_writing += 1
                break
        process.wait()
        time.sleep(1.05)  # names are to the second
    assert caught_writing, "no run was killed while writing: make the register larger"
    assert any(name.endswith(".part") for name in os.listdir(folder))
    capsys.readouterr()
    assert run(config, "backup", "list", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert all(not row["name"].endswith(".part") for row in listed)
    identity = encryption.load_identity(config.parent / "keys" / "identity.pem")
    for row in listed:
        if row["status"] == "ok":
            assert sum(len(part) for part in backup.decrypted(Path(row["path"]), identity)) > 0


async def test_an_admin_sees_the_backups_and_makes_one_from_the_desk(desk, tmp_path):
    """Admins: the list with age and the next rotation, and a backup made now (no shell)."""
    import dataclasses

    from tests.support.desk import log_in, make_app, press_and_settle, text_of
    from tui.widgets.keyed_table import KeyedTable

    identity = encryption.generate_identity()
    encryption.write_key_pair(identity, tmp_path / "id.pem", tmp_path / "pub.pem")
    settings = dataclasses.replace(
        desk.settings,
        backup=dataclasses.replace(
            desk.settings.backup,
            dir=str(tmp_path / "backups"),
            recipient_file=str(tmp_path / "pub.pem"),
            ledger_file=str(tmp_path / "ledger.jsonl"),
        ),
    )
    app = make_app(settings, cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await log_in(pilot, "admin")
        await press_and_settle(pilot, "v")
        assert "Seuraava kierrätys poistaa: 0" in text_of(app, "#backups-summary")
        await press_and_settle(pilot, "n")
        assert "Varmuuskopio tehty" in text_of(app, "#backups-verdict")
        table = app.screen.query_one(KeyedTable)
        assert table.row_count == 1
        assert "0 pv" in str(table.get_row_at(0)[1])
    assert len(backup.list_backups(tmp_path / "backups")) == 1
