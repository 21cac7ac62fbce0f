"""Shared fixtures.

The whole suite runs against SQLite and, when ``REKISTERI_TEST_PG`` names a PostgreSQL
database (CI sets it), again against PostgreSQL: every test that uses ``db`` (or
``db_url``) is parametrised over the backends.  Each test gets an empty, migrated
database of its own.

The suite runs in parallel (pytest-xdist, ``-n 4`` in pyproject.toml: four workers keep
two cores busy while tests wait on servers and subprocesses).  Each worker gets a PostgreSQL
database of its own beside the one named (``<name>_gw0``, ...), created when the worker
starts and dropped when it ends, so workers never reset each other's schema.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import peewee
import psycopg
import pytest

from store import clock, forget_ledger, staff
from store.db import close_database, open_database
from store.migrations import migrate
from store.models import database
from store.urls import file_url, file_url_path

pytest_plugins = ["tests.support.servers", "tests.support.desk"]


def _worker_database(url: str) -> str:
    """The URL of this xdist worker's own database (created empty), or ``url`` itself."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not url or not worker:
        return url
    base, _, name = url.rpartition("/")
    name, query_mark, query = name.partition("?")
    worker_name = f"{name}_{worker}"
    with psycopg.connect(f"{base}/postgres{query_mark}{query}", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{worker_name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{worker_name}"')
    return f"{base}/{worker_name}{query_mark}{query}"


def _drop_worker_database(url: str) -> None:
    base, _, name = url.rpartition("/")
    name, query_mark, query = name.partition("?")
    with psycopg.connect(f"{base}/postgres{query_mark}{query}", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_NAMED_PG_URL = os.environ.get("REKISTERI_TEST_PG", "")
PG_URL = _worker_database(_NAMED_PG_URL)
# Lets REKISTERI_NOW move the clock in this process and the commands it starts (a test
# hook the installed program ignores: see store.clock).
os.environ["REKISTERI_TESTING"] = "1"
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
# Argon2's cost protects real passwords; in tests it only burns CPU on every login, here
# and in the commands the tests start (a hook honoured only beside the suite: store.staff).
staff.use_password_hasher(staff.cheap_hasher())
os.environ["REKISTERI_CHEAP_HASHES"] = "1"


# The longest tests, longest first (as measured on a loaded 2-core machine: from about five
# minutes down to half of one).  Under xdist they start first, one per worker as each comes
# free, so none of them is left to run alone at the end while the other workers idle.
LONGEST_FIRST = (
    "tests/test_breach_notice_crash.py::test_5000_notices_survive_a_killed_sender",
    "tests/test_newsletter_crash.py::test_2000_readers_each_get_one_issue",
    "tests/adversarial/test_poison_mail.py::test_a_mail_that_kills_the_mailbot",
    "tests/adversarial/test_hostile_corpus.py::test_every_hostile_mail_gets_one_disposition",
    "tests/test_tui_desk.py::test_a_reply_half_written_at_logout_comes_back",
    "tests/test_mailbot_imap.py::test_sigkill_at_random_moments_loses_and_repeats_nothing",
    "tests/adversarial/test_local_and_staff.py::test_an_import_stopped_half_way",
    "tests/adversarial/test_local_and_staff.py::test_a_wrong_password_racing_staff_password",
    "tests/adversarial/test_local_and_staff.py::test_a_login_racing_staff_disable",
    "tests/test_backup.py::test_wrong_key_and_altered_backup_are_told_apart",
    "tests/test_backup.py::test_a_killed_backup_never_lists_as_good",
    "tests/test_cited_corpus_ingest.py::test_every_cited_mail_becomes_what_its_manifest_says",
    "tests/test_lemma_dictionary.py::test_a_damaged_or_cut_copy_is_built_again",
    "tests/test_language_model.py::test_a_damaged_copy_is_made_again",
    "tests/test_language_model.py::test_a_cut_transition_table_is_made_again",
    "tests/test_language_model.py::test_the_cut_model_names_the_same_languages_as_the_whole_one",
    "tests/test_tui_breaches.py::test_a_breach_is_recorded_decided_filed_and_its_notices_queued",
    "tests/test_code_hygiene.py::test_mypy_is_clean",
    "tests/test_backup.py::test_the_mailbot_makes_the_days_backup_and_rotates_them",
    "tests/test_backup.py::test_backup_taken_while_others_write_is_consistent",
)


def _longest_first_rank(item: pytest.Item) -> tuple[int, int] | None:
    for rank, prefix in enumerate(LONGEST_FIRST):
        if item.nodeid.startswith(prefix):
            return rank, 0 if "[postgresql" in item.nodeid else 1  # PostgreSQL's the longer
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under xdist (``--dist load --maxschedchunk 1`` in pyproject.toml: a worker is handed
    one test at a time, in this order, as it comes free): the longest tests first, each
    followed by a short one (a worker starts with two), then the rest in their order."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    ranked = {item.nodeid: rank for item in items if (rank := _longest_first_rank(item))}
    if not ranked:
        return
    longest = sorted(
        (item for item in items if item.nodeid in ranked), key=lambda item: ranked[item.nodeid]
    )
    rest = [item for item in items if item.nodeid not in ranked]
    ordered: list[pytest.Item] = []
    for item in longest:
        ordered.append(item)
        if rest:
            ordered.append(rest.pop(0))
    items[:] = ordered + rest


@pytest.fixture(scope="session", autouse=True)
def _worker_postgresql_dropped_at_end() -> Iterator[None]:
    yield
    if PG_URL and PG_URL != _NAMED_PG_URL:
        close_database()
        if database.obj is not None and hasattr(database.obj, "close_all"):
            database.obj.close_all()
        _drop_worker_database(PG_URL)


def _reset_postgresql(url: str) -> None:
    open_database(url)
    database.execute_sql("DROP SCHEMA IF EXISTS public CASCADE")
    database.execute_sql("CREATE SCHEMA public")
    database.execute_sql("SET search_path TO public")
    close_database()
    _close_pool()


def _close_pool() -> None:
    pooled = database.obj
    if isinstance(pooled, peewee.PostgresqlDatabase) and hasattr(pooled, "close_all"):
        pooled.close_all()


# ---------------------------------------------------------------- migrated databases
#
# Migrating costs a few hundred milliseconds on PostgreSQL (two dozen tables and their
# indexes) and a tenth of a second on SQLite, and most tests want exactly that freshly
# migrated database.  So each worker migrates once and every test starts from a copy of the
# result: on SQLite the migrated file, copied byte for byte; on PostgreSQL the same schema
# with its rows deleted, the rows the migration wrote put back and every sequence set back
# where the migration left it.  That is the state ``migrate()`` on an empty database gives,
# and a test that changed the schema itself (a trigger, a dropped column, a function) is
# noticed by the schema's fingerprint and followed by a full rebuild.

_SQLITE_TEMPLATE: Path | None = None

# Every object of the public schema that a test could add, change or drop.
_PG_SCHEMA_FINGERPRINT = """
SELECT md5(coalesce(string_agg(item, E'\\n' ORDER BY item), '')) FROM (
  SELECT 'rel ' || c.relname || ' ' || c.relkind::text || ' ' || coalesce(c.relacl::text, '')
    FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL SELECT 'col ' || a.attrelid::regclass::text || '.' || a.attname || ' '
    || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull::text
    || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL SELECT 'idx ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
  UNION ALL SELECT 'con ' || conrelid::regclass::text || ' ' || conname || ' '
    || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace
  UNION ALL SELECT 'trg ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL SELECT 'fn ' || p.oid::regprocedure::text || ' ' || md5(p.prosrc)
    FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
  UNION ALL SELECT 'rule ' || definition FROM pg_rules WHERE schemaname = 'public'
  UNION ALL SELECT 'policy ' || policyname FROM pg_policies WHERE schemaname = 'public'
) AS schema_items (item)
"""


@dataclass
class _MigratedPostgresql:
    """What ``migrate()`` left in this worker's PostgreSQL database."""

    fingerprint: str
    tables: list[str]
    rows: dict[str, str]  # table: its rows as PostgreSQL's own JSON of them
    sequences: list[tuple[str, int, bool]]  # name, last_value, is_called


_PG_MIGRATED: _MigratedPostgresql | None = None


def _pg_fingerprint() -> str:
    return str(database.execute_sql(_PG_SCHEMA_FINGERPRINT).fetchone()[0])


def _pg_remember_migrated() -> _MigratedPostgresql:
    tables = [
        name
        for (name,) in database.execute_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        ).fetchall()
    ]
    rows = {}
    for table in tables:
        (found,) = database.execute_sql(f'SELECT json_agg(t)::text FROM "{table}" AS t').fetchone()
        if found is not None:
            rows[table] = found
    sequences = [
        (f'"{name}"', int(last_value) if last_value is not None else 1, last_value is not None)
        for name, last_value in database.execute_sql(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
        ).fetchall()
    ]
    return _MigratedPostgresql(_pg_fingerprint(), tables, rows, sequences)


def _pg_back_to_migrated(migrated: _MigratedPostgresql) -> None:
    """Every row of every table deleted, the migration's own rows and sequences restored."""
    with database.atomic():
        # Neither foreign keys nor the tables' own triggers stand in the way of the reset.
        database.execute_sql("SET LOCAL session_replication_role = replica")
        for table in migrated.tables:
            database.execute_sql(f'DELETE FROM "{table}"')
        for table, rows in migrated.rows.items():
            database.execute_sql(
                f'INSERT INTO "{table}" SELECT * FROM json_populate_recordset(NULL::"{table}", %s)',
                [rows],
            )
        if migrated.sequences:
            database.execute_sql(
                "SELECT " + ", ".join("setval(%s::regclass, %s, %s)" for _ in migrated.sequences),
                [value for sequence in migrated.sequences for value in sequence],
            )


def _migrated_postgresql(url: str) -> None:
    """This worker's PostgreSQL database as a fresh ``migrate()`` leaves it, bound."""
    global _PG_MIGRATED
    open_database(url)
    if _PG_MIGRATED is not None and _pg_fingerprint() == _PG_MIGRATED.fingerprint:
        _pg_back_to_migrated(_PG_MIGRATED)
        return
    _PG_MIGRATED = None
    close_database()
    _reset_postgresql(url)
    open_database(url, create=True)
    migrate()
    _PG_MIGRATED = _pg_remember_migrated()


def _migrated_sqlite(url: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    """A copy of a database file this worker migrated once, at ``url``'s path, bound."""
    global _SQLITE_TEMPLATE
    path = file_url_path(url)
    if path.exists():  # not ours to replace: migrate what is there, as the CLI would
        open_database(url, create=True)
        migrate()
        return
    if _SQLITE_TEMPLATE is None:
        template = tmp_path_factory.mktemp("migrated") / "rekisteri.db"
        open_database(file_url("sqlite", template), create=True)
        migrate()
        close_database()  # the last connection: the write-ahead log is folded in and removed
        assert not template.with_name(template.name + "-wal").exists()
        _SQLITE_TEMPLATE = template
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(descriptor, "wb") as copy:
        copy.write(_SQLITE_TEMPLATE.read_bytes())
    open_database(url)


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database (no schema yet) on each backend."""
    if request.param == "sqlite":
        yield file_url("sqlite", tmp_path / "rekisteri.db")
    else:
        if "db" not in request.fixturenames:  # ``db`` brings its own (migrated) state
            global _PG_MIGRATED
            _PG_MIGRATED = None
            _reset_postgresql(PG_URL)
        yield PG_URL
    close_database()
    if database.obj is not None and hasattr(database.obj, "close_all"):
        database.obj.close_all()


@pytest.fixture
def db(
    db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated, empty database bound to the models; also what the CLI will open."""
    monkeypatch.setenv("REKISTERI_DB", db_url)
    if db_url.startswith("sqlite"):
        _migrated_sqlite(db_url, tmp_path_factory)
    else:
        _migrated_postgresql(db_url)
    yield db_url


@pytest.fixture
def frozen_clock() -> Iterator[Callable[[datetime], None]]:
    """Freeze ``store.clock`` at 2026-03-10 12:00 Helsinki; call the fixture to move it."""
    with clock.frozen(clock.parse_instant("2026-03-10T12:00:00+02:00")) as move_to:
        yield move_to


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's own configuration or data folder."""
    for name in (
        "REKISTERI_CONFIG",
        "REKISTERI_DB",
        "REKISTERI_INBOX",
        "REKISTERI_SMTP",
        "REKISTERI_FROM",
        "REKISTERI_LANG",
        "REKISTERI_NOW",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    # The forget ledger is the process's: a command run in-process by an earlier test
    # pointed it at that test's folder.
    forget_ledger.configure(None)
