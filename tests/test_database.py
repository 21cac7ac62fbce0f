"""Opening the database: the URL forms, schema versions and the errors a user can fix."""

import os
import subprocess
import sys
from pathlib import Path

import peewee
import pytest

from cli.main import main
from store.db import open_database
from store.errors import DatabaseError, SchemaError
from store.migrations import LATEST, check_schema, current_version, migrate
from store.models import AuditEvent, SchemaVersion
from store.urls import file_url


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The installed console script, as a user runs it."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=60,
    )


def test_init_creates_the_schema_and_running_it_again_is_harmless(db_url, monkeypatch, capsys):
    monkeypatch.setenv("REKISTERI_DB", db_url)
    monkeypatch.setenv("REKISTERI_LANG", "en")
    assert main(["init"]) == 0
    assert f"to version {LATEST}" in capsys.readouterr().err
    assert main(["init"]) == 0
    assert "up to date" in capsys.readouterr().err
    assert current_version() == LATEST
    assert SchemaVersion.select().count() == LATEST
    assert AuditEvent.select().where(AuditEvent.action == "schema.migrated").count() == 1


def test_a_database_without_a_schema_asks_for_init(db_url, monkeypatch):
    open_database(db_url, create=True)
    with pytest.raises(SchemaError, match="rekisteri init"):
        check_schema()


def test_a_schema_newer_than_the_code_is_refused(db):
    from store import clock

    SchemaVersion.create(version=LATEST + 1, applied_at=clock.now())
    with pytest.raises(SchemaError, match="newer than this Rekisteri"):
        check_schema()
    with pytest.raises(SchemaError, match="newer"):
        migrate()


def test_a_missing_sqlite_file_is_not_created_by_accident(tmp_path):
    url = file_url("sqlite", tmp_path / "typo.db")
    with pytest.raises(DatabaseError, match="run `rekisteri init`"):
        open_database(url)
    assert not (tmp_path / "typo.db").exists()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://root@localhost/x", "REKISTERI_DB (database.url): unknown URL scheme 'mysql'"),
        ("postgresql://nobody@127.0.0.1:1/rekisteri", "cannot open the database"),
        ("postgresql://127.0.0.1", "name the database"),
    ],
)
def test_bad_database_urls_give_one_clear_line(url, expected):
    result = run_cli("requests", "list", env={"REKISTERI_DB": url, "REKISTERI_LANG": "en"})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0]
    assert "Traceback" not in result.stderr


def test_a_password_in_the_url_is_not_printed(tmp_path):
    result = run_cli(
        "requests", "list", env={"REKISTERI_DB": "postgresql://me:hunter2@127.0.0.1:1/rekisteri"}
    )
    assert result.returncode == 1
    assert "hunter2" not in result.stderr and "***" in result.stderr


def test_a_database_path_that_is_a_folder_gives_one_clear_line(tmp_path):
    result = run_cli("init", env={"REKISTERI_DB": file_url("sqlite", tmp_path)})
    assert result.returncode == 1
    assert "ei ole tietokantatiedosto" in result.stderr  # in the run's language, Finnish
    assert "Traceback" not in result.stderr


def test_an_unwritable_database_file_gives_one_clear_line(tmp_path):
    # /proc accepts no new files, even from root.
    result = run_cli("init", env={"REKISTERI_DB": "sqlite:///proc/rekisteri-test.db"})
    assert result.returncode == 1
    assert "tietokantaa /proc/rekisteri-test.db ei voi avata" in result.stderr
    assert "Traceback" not in result.stderr
    assert not Path("/proc/rekisteri-test.db").exists()


def test_the_console_script_is_installed_and_speaks_finnish_by_default(tmp_path):
    script = Path(sys.executable).with_name("rekisteri")
    result = subprocess.run(
        [str(script), "init"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "REKISTERI_DB": file_url("sqlite", tmp_path / "r.db")},
    )
    assert result.returncode == 0, result.stderr
    assert "Tietokannan rakenne päivitetty" in result.stderr


def test_a_version_1_register_is_upgraded_to_several_rights_per_letter(db):
    """Migration 2 adds Request.part_of and Request.written_language to an existing
    register (PostgreSQL: the columns dropped as version 1 had them; SQLite cannot drop a
    foreign-key column, so there the migration is shown to be a no-op on a fresh schema)."""
    from store.migrations import LATEST, current_version, migrate
    from store.models import Request, SchemaVersion, database

    table = Request._meta.table_name
    if not isinstance(database.obj, peewee.SqliteDatabase):
        database.execute_sql(
            f"ALTER TABLE {table} DROP COLUMN part_of_id, DROP COLUMN written_language"
        )
    SchemaVersion.delete().where(SchemaVersion.version > 1).execute()
    assert current_version() == 1
    assert migrate() == (1, LATEST)
    columns = {column.name for column in database.get_columns(table)}
    assert {"part_of_id", "written_language"} <= columns
    assert migrate() == (LATEST, LATEST)
