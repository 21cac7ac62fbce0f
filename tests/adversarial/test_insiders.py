"""What a local user of the server or a staff member with a shell must not be able to do
unnoticed (issue 18, items 9-11, 13, 14): read the register, move the clock, cut the audit
trail, or make the importer merge two people."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest

from cli.main import main
from store import audit
from store.audit import AuditHeadMissing
from store.db import redact
from store.importer import ImportFailed, import_customers
from store.models import AuditEvent, AuditHead, Customer, Request, database
from store.urls import file_url

ROOT = Path(__file__).resolve().parents[2]


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ---------------------------------------------------------------- files


def test_init_makes_a_register_only_its_owner_can_read(tmp_path, monkeypatch, capsys):
    """Under the usual umask 022 the database was 0644 in a 0755 folder."""
    old = os.umask(0o022)
    try:
        path = tmp_path / "data" / "rekisteri.db"
        monkeypatch.setenv("REKISTERI_DB", file_url("sqlite", path))
        assert main(["init"]) == 0
        assert main(["audit", "verify"]) == 0
    finally:
        os.umask(old)
    assert mode_of(path) == 0o600
    assert mode_of(path.parent) == 0o700
    for companion in path.parent.glob("rekisteri.db-*"):
        assert mode_of(companion) & 0o077 == 0, companion


def test_a_register_others_can_read_is_refused_with_the_fix(tmp_path, monkeypatch, capsys):
    path = tmp_path / "rekisteri.db"
    monkeypatch.setenv("REKISTERI_DB", file_url("sqlite", path))
    assert main(["init"]) == 0
    path.chmod(0o644)
    capsys.readouterr()
    assert main(["audit", "verify"]) == 1
    error = capsys.readouterr().err
    assert f"chmod 600 {path}" in error and "Traceback" not in error


def test_a_postgresql_password_in_the_query_is_never_printed():
    url = "postgresql://rek@db.example/rekisteri?password=hunter2&sslmode=require"
    assert "hunter2" not in redact(url)
    assert "sslmode=require" in redact(url)
    assert "hunter2" not in redact("postgresql://rek:hunter2@db.example/rekisteri")


# ---------------------------------------------------------------- the clock


def test_the_installed_program_ignores_rekisteri_now(tmp_path):
    """``REKISTERI_NOW=2040-01-01 rekisteri retention`` deleted the vouchers the
    Accounting Act requires us to keep."""
    code = "from store import clock; print(clock.now().year)"
    env = {**os.environ, "REKISTERI_NOW": "2040-01-01T00:00:00+00:00"}
    env.pop("REKISTERI_TESTING", None)
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() != "2040"
    env["REKISTERI_TESTING"] = "1"  # the suite's own hook still works
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "2040"


def test_the_installed_program_ignores_the_cheap_password_hashes_of_the_tests():
    """The suite's commands hash with a cheap argon2 profile (a login racing them would
    otherwise verify a full-cost hash each time); an installed program given the same
    variable keeps argon2's own."""
    code = "from store import staff; print(staff._hasher.hash('pitkä salasana 1').split('$')[3])"
    env = {**os.environ, "REKISTERI_CHEAP_HASHES": "1"}
    env.pop("REKISTERI_TESTING", None)
    run = partial(
        subprocess.run,
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    assert run(env=env).stdout.strip() == "m=65536,t=3,p=4"  # argon2-cffi's RFC 9106 low-memory
    assert run(env={**env, "REKISTERI_TESTING": "1"}).stdout.strip() == "m=1024,t=1,p=1"


# ---------------------------------------------------------------- the audit trail


@pytest.fixture
def twenty_five_events(db):
    for number in range(25):
        audit.record("customer.viewed", "anna", customer_no=f"1{number:05d}", purpose="test")
    return db


def test_a_deleted_head_fails_verify_and_every_write_says_why(twenty_five_events):
    """With the head row deleted, verify said intact after the tail was cut, and every
    later write failed with ``TypeError: cannot unpack non-iterable NoneType``."""
    AuditHead.delete().execute()
    AuditEvent.delete().where(AuditEvent.id > 10).execute()
    result = audit.verify()
    assert (result.ok, result.problem) == (False, "head_missing")
    with pytest.raises(AuditHeadMissing):
        audit.record("customer.viewed", "anna", customer_no="100001", purpose="test")


def test_an_anchor_kept_outside_catches_a_rewound_chain(twenty_five_events, capsys):
    """Deleting the newest events and rewinding the head passed verify; an anchor printed
    earlier (count and tip hash) catches it."""
    capsys.readouterr()
    assert main(["audit", "verify"]) == 0
    anchor = capsys.readouterr().out.strip().split()[-1]
    count, _, tip = anchor.partition(":")
    assert int(count) == AuditEvent.select().count()
    assert main(["audit", "verify", "--expect", anchor]) == 0
    newest = AuditEvent.select().order_by(AuditEvent.id.desc()).limit(6)
    keep = list(newest)[-1]
    AuditEvent.delete().where(AuditEvent.id > keep.id).execute()
    AuditHead.update(last_id=keep.id, last_hash=keep.hash).execute()
    assert audit.verify().ok  # the cut alone cannot be seen from inside the database
    result = audit.verify(expect=(int(count), tip))
    assert (result.ok, result.problem) == (False, "not_expected")
    assert main(["audit", "verify", "--expect", anchor]) == 1


def test_the_daily_anchor_catches_a_chain_rewritten_with_every_hash(
    twenty_five_events, tmp_path, monkeypatch, capsys
):
    """A script that rewrote an event and recomputed every later hash and the head passed
    verify.  The mailbot's daily anchor, written outside the database, catches it, and
    ``audit verify`` reads the anchor file by itself."""
    from mailbot import daemon
    from store.config import load_settings

    anchor_file = tmp_path / "anchors" / "audit-anchors.txt"
    config = tmp_path / "rekisteri.toml"
    config.write_text(f'[audit]\nanchor_file = "{anchor_file}"\n', encoding="utf-8")
    monkeypatch.setenv("REKISTERI_CONFIG", str(config))
    daemon.run_audit_anchor(load_settings())
    assert anchor_file.stat().st_mode & 0o777 == 0o600
    [line] = anchor_file.read_text().splitlines()
    assert line.split()[1].startswith("25:")
    capsys.readouterr()
    assert main(["audit", "verify"]) == 0
    assert f"1 ankkuri tarkistettu (tiedostosta {anchor_file})" in capsys.readouterr().out

    forge_event_five()  # who looked at a customer, and the chain and head recomputed
    assert audit.verify().ok  # from inside the database, nothing shows
    capsys.readouterr()
    assert main(["audit", "verify"]) == 1
    assert "25" in capsys.readouterr().out  # the anchored event no longer matches
    daemon.run_audit_anchor(load_settings())  # and a broken chain is never anchored
    assert len(anchor_file.read_text().splitlines()) == 1


def forge_event_five(actor: str = "someone_else") -> str:
    """Rewrite event 5 and recompute every later hash and the head, as a forger with
    write access to the database would; the new tip hash."""
    forged = AuditEvent.get_by_id(5)
    forged.actor = actor
    forged.hash = audit.event_hash(forged)
    forged.save()
    previous = forged
    for event in AuditEvent.select().where(AuditEvent.id > 5).order_by(AuditEvent.id):
        event.prev_hash = previous.hash
        event.hash = audit.event_hash(event)
        event.save()
        previous = event
    AuditHead.update(last_hash=previous.hash).execute()
    return previous.hash


@pytest.fixture
def anchored(twenty_five_events, tmp_path, monkeypatch):
    """The mailbot's daily anchor taken once: the anchor file and its key."""
    from mailbot import daemon
    from store.config import load_settings

    anchor_file = tmp_path / "anchors" / "audit-anchors.txt"
    config = tmp_path / "rekisteri.toml"
    config.write_text(f'[audit]\nanchor_file = "{anchor_file}"\n', encoding="utf-8")
    monkeypatch.setenv("REKISTERI_CONFIG", str(config))
    daemon.run_audit_anchor(load_settings())
    return anchor_file, anchor_file.parent / "audit-anchor.key"


def test_an_anchor_file_rewritten_without_the_key_fails_verify(anchored, capsys, caplog):
    """The anchor file alone could be rewritten by whoever could rewrite the chain: a
    forger who recomputed the chain and then wrote the new tip into the anchor file passed
    verify.  Each anchor is sealed with a key kept outside the database; the forger's line
    does not hold, so verify fails and the mailbot anchors nothing more."""
    from mailbot import daemon
    from store.config import load_settings

    anchor_file, key_file = anchored
    assert mode_of(key_file) == 0o600
    [line] = anchor_file.read_text().splitlines()
    written, _anchor, seal = line.split()
    assert len(seal) == 64
    capsys.readouterr()
    assert main(["audit", "verify"]) == 0
    assert "1 sinetti tarkistettu" in capsys.readouterr().out

    tip = forge_event_five()
    for forged_line in (
        f"{written} 25:{tip}",
        f"{written} 25:{tip} {seal}",
        f"{written} 25:{tip} {'0' * 64}",
    ):
        anchor_file.write_text(forged_line + "\n")
        capsys.readouterr()
        assert main(["audit", "verify"]) == 1
        said = capsys.readouterr()
        assert "sinetti ei täsmää" in said.out + said.err
    caplog.clear()
    daemon.run_audit_anchor(load_settings())
    assert "the seal does not hold" in caplog.text
    assert anchor_file.read_text().splitlines() == [forged_line]  # nothing anchored


def test_anchors_from_before_the_key_still_count_and_sealed_ones_follow(anchored, capsys):
    """An anchor file written before anchors were sealed keeps its lines; the key is made
    with the first sealed one, and an unsealed line may not follow a sealed one."""
    from mailbot import daemon
    from store.config import load_settings

    anchor_file, key_file = anchored
    [sealed_line] = anchor_file.read_text().splitlines()
    key_file.unlink()
    old_line = " ".join(sealed_line.split()[:2])
    anchor_file.write_text(old_line + "\n")  # as the mailbot wrote it before seals
    assert main(["audit", "verify"]) == 0
    daemon.run_audit_anchor(load_settings())
    lines = anchor_file.read_text().splitlines()
    assert lines[0] == old_line and len(lines[1].split()) == 3
    assert mode_of(key_file) == 0o600
    capsys.readouterr()
    assert main(["audit", "verify"]) == 0
    assert "1 sinetti tarkistettu" in capsys.readouterr().out
    anchor_file.write_text("\n".join([*lines, old_line]) + "\n")
    assert main(["audit", "verify"]) == 1


def test_the_anchor_key_must_be_private_and_verify_says_when_it_is_not_here(
    anchored, capsys, monkeypatch, tmp_path
):
    anchor_file, key_file = anchored
    key_file.chmod(0o644)
    capsys.readouterr()
    assert main(["audit", "verify"]) == 1
    said = capsys.readouterr()
    assert f"chmod 600 {key_file}" in said.out + said.err
    # A staff machine without the key still checks the anchors, and says the seals were not.
    config = tmp_path / "staff.toml"
    config.write_text(
        f'[audit]\nanchor_file = "{anchor_file}"\nkey_file = "{tmp_path / "nowhere.key"}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("REKISTERI_CONFIG", str(config))
    assert main(["audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert "1 ankkuri tarkistettu" in out and "sinettejä ei tarkistettu" in out
    forge_event_five()
    assert main(["audit", "verify"]) == 1  # the anchor itself still holds the chain


def test_events_dated_backwards_fail_verify(twenty_five_events):
    first = AuditEvent.get_by_id(3)
    later = AuditEvent.get_by_id(4)
    later.at = first.at.replace(year=first.at.year - 1)
    later.hash = audit.event_hash(later)
    later.save()
    # A forger recomputes every later link and the head too.
    previous = later
    for event in AuditEvent.select().where(AuditEvent.id > 4).order_by(AuditEvent.id):
        event.prev_hash = previous.hash
        event.hash = audit.event_hash(event)
        event.save()
        previous = event
    AuditHead.update(last_hash=previous.hash).execute()
    result = audit.verify()
    assert (result.ok, result.first_bad_id, result.problem) == (False, 4, "time_backwards")
    assert database.obj is not None


# ---------------------------------------------------------------- the importer


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ticketing.csv"
    path.write_text(text, encoding="utf-8")
    return path


HOUSEHOLD = """customer_no,first_name,last_name,phone,email
100001,Aino,Virtanen,040 123 4567,aino@example.fi
100002,Ville,Virtanen,040 123 4567,
"""


def test_two_people_sharing_a_phone_stay_two_customers(db, tmp_path):
    """The second household member overwrote the first, and their number never existed."""
    report = import_customers(write(tmp_path, HOUSEHOLD), "ticketing", actor="@test")
    assert report.created == 2
    names = {c.customer_no: c.first_name for c in Customer.select()}
    assert names == {"100001": "Aino", "100002": "Ville"}
    assert [conflict.line for conflict in report.conflicts] == [3]
    assert report.as_dict()["conflicts"] == 1


def test_a_later_file_never_hands_a_record_to_a_new_customer(db, tmp_path):
    import_customers(
        write(tmp_path, HOUSEHOLD.splitlines()[0] + "\n" + HOUSEHOLD.splitlines()[1] + "\n"),
        "ticketing",
        actor="@test",
    )
    later = "customer_no,first_name,last_name,phone,email\n100009,Uusi,Asiakas,,aino@example.fi\n"
    import_customers(write(tmp_path, later), "ticketing", actor="@test")
    aino = Customer.get(Customer.customer_no == "100001")
    assert (aino.first_name, aino.email) == ("Aino", "aino@example.fi")
    assert Customer.get(Customer.customer_no == "100009").first_name == "Uusi"


@pytest.mark.parametrize("number", ["[@click=app.quit]X[/]", "1" * 40, "100 001", "\x1b[31m1"])
def test_a_customer_number_that_is_not_one_is_refused(db, tmp_path, number):
    text = f'customer_no,first_name,last_name\n"{number}",Aino,Virtanen\n'
    with pytest.raises(ImportFailed):
        import_customers(write(tmp_path, text), "ticketing", actor="@test")
    assert Customer.select().count() == 0


# ---------------------------------------------------------------- staff state


def test_parallel_wrong_passwords_lock_the_name(db):
    """Twenty parallel wrong passwords never locked the name: the counter ended at 2."""
    from concurrent.futures import ThreadPoolExecutor

    from store import staff
    from store.errors import LoginRefused
    from store.models import Staff

    staff.add_staff("anna", "handler", "oikea-salasana-123", "@test")

    def attempt(_: int) -> str:
        try:
            staff.authenticate("anna", "väärä")
        except LoginRefused as refusal:
            return refusal.key or ""
        finally:
            database.close()
        return "in"

    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = list(pool.map(attempt, range(20)))
    assert "in" not in keys
    assert set(keys) == {"login.refused"}, "a locked name is answered like any refusal"
    anna = Staff.get(Staff.name == "anna")
    assert anna.locked_until is not None
    assert AuditEvent.select().where(AuditEvent.action == "login.locked").count() >= 1


def test_a_locked_name_and_an_unknown_name_get_the_same_answer(db):
    """ "Tunnus on lukittu" was said only for names that exist: lockout revealed them."""
    from store import staff
    from store.errors import LoginRefused

    staff.add_staff("anna", "handler", "oikea-salasana-123", "@test")
    answers = []
    for name in ["anna"] * 6 + ["eiole"] * 6:
        with pytest.raises(LoginRefused) as refusal:
            staff.authenticate(name, "väärä")
        answers.append(refusal.value.translated("fi"))
    assert len(set(answers)) == 1


def test_a_disabled_member_can_no_longer_act(db):
    """A disabled member kept full access: every act re-checks the member and the role."""
    from mailbot import acts
    from store import lifecycle, staff
    from store.errors import StaffNotActive

    staff.add_staff("anna", "handler", "oikea-salasana-123", "@test")
    staff.add_staff("olli", "admin", "oikea-salasana-123", "@test")
    request = lifecycle.create_request(
        kind="other", actor="@test", requester_email="aino@example.fi"
    )
    staff.set_enabled("anna", False, "olli")
    from store.config import load_settings

    settings = load_settings(environ={})
    with pytest.raises(StaffNotActive):
        acts.plan("change_kind", request.reference, settings, "anna", {"kind": "access"})
    with pytest.raises(StaffNotActive):
        acts.log_call(request.reference, "confirmed", "", "anna")
    with pytest.raises(StaffNotActive):  # a handler is not an admin
        staff.set_enabled("anna", True, "anna")
    assert Request.get_by_id(request.id).kind == "other"
    proposal = acts.plan("change_kind", request.reference, settings, "olli", {"kind": "access"})
    acts.commit(proposal, settings, "olli")
    assert Request.get_by_id(request.id).kind == "access"


def test_demo_reset_deletes_only_a_demo_folder(tmp_path, capsys):
    """``demo --reset --dir DIR`` deleted any directory it was given."""
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("years of work", encoding="utf-8")
    assert main(["demo", "--no-tui", "--reset", "--dir", str(precious)]) == 1
    assert (precious / "thesis.txt").read_text(encoding="utf-8") == "years of work"
    assert "demo" in capsys.readouterr().err
    demo = tmp_path / "demo"
    assert main(["demo", "--no-tui", "--dir", str(demo), "--customers", "20"]) == 0
    assert main(["demo", "--no-tui", "--reset", "--dir", str(demo), "--customers", "20"]) == 0
    assert (demo / "rekisteri.db").exists()


def test_demo_reset_refuses_a_folder_that_only_looks_like_one(tmp_path, capsys):
    """The real data folder has rekisteri.db and inbox/ too: only the demo's marker counts."""
    real = tmp_path / "rekisteri"
    for name in ("inbox", "import"):
        (real / name).mkdir(parents=True)
    (real / "rekisteri.db").write_bytes(b"the register")
    assert main(["demo", "--no-tui", "--reset", "--dir", str(real)]) == 1
    assert (real / "rekisteri.db").read_bytes() == b"the register"
    assert str(real) in capsys.readouterr().err


@pytest.mark.parametrize("close", ["reject", "dismiss", "change_kind"])
def test_the_package_password_is_forgotten_when_a_request_closes(db, close):
    """The one-time password stayed in the database after a reject, dismiss or change."""
    from store import lifecycle
    from store.models import VerificationCall
    from tests.support.factories import make_customer

    customer = make_customer(customer_no="100055")
    request = lifecycle.create_request(kind="access", actor="@test", requester_email=customer.email)
    lifecycle.confirm_customer(request, customer, "anna")
    lifecycle.log_call(request, "confirmed", "anna", package_password="kissa-koira-9")
    assert lifecycle.agreed_package_password(request) == "kissa-koira-9"
    if close == "reject":
        lifecycle.reject(request, "anna", ground="manifestly_unfounded", reason="syy")
    elif close == "dismiss":
        lifecycle.dismiss(request, "anna", "ei pyyntö")
    else:
        lifecycle.change_kind(request, "erasure", "anna")
    passwords = [call.package_password for call in VerificationCall.select()]
    assert passwords == [None]


def test_an_unused_package_password_is_forgotten_after_its_time(db, frozen_clock, capsys):
    """A password read out in a call whose package was never sent stayed for ever."""
    from datetime import timedelta

    from store import clock, lifecycle
    from store.models import VerificationCall
    from tests.support.factories import make_customer

    customer = make_customer(customer_no="100056")
    request = lifecycle.create_request(kind="access", actor="@test", requester_email=customer.email)
    lifecycle.confirm_customer(request, customer, "anna")
    lifecycle.log_call(request, "confirmed", "anna", package_password="kissa-koira-9")
    frozen_clock(clock.now() + timedelta(days=13))
    assert main(["retention"]) == 0
    assert lifecycle.agreed_package_password(request) == "kissa-koira-9"  # still in time
    frozen_clock(clock.now() + timedelta(days=2))
    capsys.readouterr()
    assert main(["retention"]) == 0
    assert "pakettisalasanat, jotka unohdetaan: 1" in capsys.readouterr().out
    assert [call.package_password for call in VerificationCall.select()] == [None]
    assert lifecycle.agreed_package_password(request) is None  # a new call gives a new one


# ---------------------------------------------------------------- long writes


def test_a_big_import_lets_other_writers_in_between_its_parts(db, tmp_path):
    """A 200,000-row import held the SQLite write lock from its first row to its last
    (64 s): a concurrent ``consent withdraw`` failed with "database is locked".  The
    import is committed in parts, so a writer waiting meanwhile gets in while the import
    is still going, and sees the parts already written."""
    if not db.startswith("sqlite"):
        pytest.skip("the write lock is SQLite's")
    import sqlite3
    import threading

    rows = 25_000
    lines = ["customer_no,first_name,last_name,email"]
    lines += [f"{200000 + n},Etu{n},Suku{n},asiakas{n}@example.fi" for n in range(rows)]
    csv_path = tmp_path / "big.csv"
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    database.close()
    importer = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cli.main",
            "import",
            "customers",
            str(csv_path),
            "--source",
            "ticketing",
        ],
        cwd=ROOT,
        env={**os.environ, "REKISTERI_DB": db},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen_while_importing: set[int] = set()
    done = threading.Event()

    def write_meanwhile() -> None:
        path = db.removeprefix("sqlite://")
        connection = sqlite3.connect(path, timeout=0.002, isolation_level=None)
        while not done.is_set():
            try:
                connection.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                continue  # the import holds the lock: try again at once
            (count,) = connection.execute("SELECT count(*) FROM customer").fetchone()
            connection.execute("COMMIT")
            if 0 < count < rows:
                seen_while_importing.add(count)
        connection.close()

    writer = threading.Thread(target=write_meanwhile)
    writer.start()
    try:
        _, err = importer.communicate(timeout=300)
    finally:
        done.set()
        writer.join()
    assert importer.returncode == 0, err
    assert seen_while_importing, "no other writer got in while the import ran"
    database.connect(reuse_if_open=True)
    assert Customer.select().count() == rows
    parts = list(AuditEvent.select().where(AuditEvent.action == "import.part"))
    assert len(parts) >= 3  # parts of at most 10,000, each audited with what it wrote
    assert sum(part.payload["created"] for part in parts) == rows
    assert max(part.payload["created"] for part in parts) <= 10_000


def test_a_busy_database_is_one_line_not_an_internal_error(db, capsys, monkeypatch):
    """While another program held the write lock past the busy timeout, a command died
    with "sisäinen virhe: OperationalError: database is locked"."""
    if not db.startswith("sqlite"):
        pytest.skip("the write lock is SQLite's")
    import sqlite3

    from store import db as store_db
    from tests.support.factories import make_customer

    make_customer(customer_no="100001")
    database.close()
    monkeypatch.setitem(store_db.SQLITE_PRAGMAS, "busy_timeout", 200)
    holder = sqlite3.connect(db.removeprefix("sqlite://"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        capsys.readouterr()
        code = main(["consent", "withdraw", "100001", "--purpose", "marketing"])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    err = capsys.readouterr().err
    assert code == 1
    assert err.strip().splitlines() == [
        "rekisteri: tietokanta on varattu: toinen ohjelma kirjoittaa siihen juuri nyt"
        " (esimerkiksi suuri tuonti). Mitään ei muutettu; yritä hetken päästä uudelleen."
    ]


# ---------------------------------------------------------------- what the tables show


async def test_a_stored_value_that_looks_like_markup_is_shown_as_written(desk):
    """A customer number like ``[@click=app.quit]X[/]`` crashed the queue and the search
    for every staff member with a ``MarkupError`` (Textual reads a ``str`` cell as
    markup).  The importer refuses such a number now; one already stored is still shown
    as written, and clicking it quits nothing."""
    from tests.support.desk import desk_app, log_in, press_and_settle, settle, type_text
    from tui.screens.queue import QueueScreen

    forged = "[@click=app.quit]X[/]"
    Customer.update(customer_no=forged).where(Customer.customer_no == "100001").execute()
    matti = Customer.get(Customer.customer_no == forged)
    Request.update(customer=matti).where(Request.reference == desk.access).execute()
    app = desk_app(desk)
    async with app.run_test() as pilot:
        await log_in(pilot, "anna")
        assert isinstance(app.screen, QueueScreen)
        queue = app.screen.query_one("#queue-table")
        cells = [str(cell) for n in range(queue.row_count) for cell in queue.get_row_at(n)]
        assert forged in cells
        await press_and_settle(pilot, "c")
        await type_text(pilot, "matti")
        await settle(pilot)
        found = app.screen.query_one("#customer-table")
        assert found.row_count == 1
        assert str(found.get_row_at(0)[0]) == forged
        await pilot.click("#customer-table")
        assert app.is_running


def test_a_member_disabled_since_logging_in_can_no_longer_act_on_breaches_or_newsletters(db):
    """Breach and newsletter acts did not ask whether their member was still enabled: a
    disabled admin kept them until the desk's timer logged the session out."""
    from store import breaches, clock, newsletters
    from store.errors import StaffNotActive
    from store.models import Staff
    from tests.support.factories import make_staff

    make_staff("anna")
    breach = breaches.record_breach(discovered_at=clock.now(), what="Vuoto.", actor="anna")
    Staff.update(enabled=False).where(Staff.name == "anna").execute()
    with pytest.raises(StaffNotActive):
        breaches.update_breach(breach, "anna", what="Korjattu kuvaus.")
    with pytest.raises(StaffNotActive):
        breaches.decide(breach, "people", True, "Riski on suuri.", decided_by="anna", actor="anna")
    with pytest.raises(StaffNotActive):
        newsletters.find_or_create("Uutiskirje", {"fi": "Tervetuloa!"}, "anna")
    assert breaches.get_breach(breach.id).what == "Vuoto."
