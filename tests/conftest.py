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
from datetime import datetime
from pathlib import Path

import peewee
import psycopg
import pytest
from argon2 import PasswordHasher

from store import clock, forget_ledger, staff
from store.db import close_database, open_database
from store.migrations import migrate
from store.models import database
from store.urls import file_url

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
# Argon2's cost protects real passwords; in tests it only burns CPU on every login.
staff.use_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


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
    pooled = database.obj
    if isinstance(pooled, peewee.PostgresqlDatabase) and hasattr(pooled, "close_all"):
        pooled.close_all()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database (no schema yet) on each backend."""
    if request.param == "sqlite":
        yield file_url("sqlite", tmp_path / "rekisteri.db")
    else:
        _reset_postgresql(PG_URL)
        yield PG_URL
    close_database()
    if database.obj is not None and hasattr(database.obj, "close_all"):
        database.obj.close_all()


@pytest.fixture
def db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A migrated, empty database bound to the models; also what the CLI will open."""
    monkeypatch.setenv("REKISTERI_DB", db_url)
    open_database(db_url, create=True)
    migrate()
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
