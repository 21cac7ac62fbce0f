"""Opening the database named by a URL: SQLite (the default) or PostgreSQL.

Every failure a user can cause (an unknown scheme, an unreachable server, an unwritable
file, a schema from a newer Rekisteri) becomes one :class:`~store.errors.DatabaseError`
with a sentence that says what to do.
"""

from __future__ import annotations

import importlib.util
import os
import sqlite3
import stat
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import peewee

from store.errors import DatabaseError
from store.i18n import os_reason
from store.models.base import database
from store.urls import file_url_path, scheme_of

SQLITE_PRAGMAS = {
    "journal_mode": "wal",  # readers never block the writer: the TUI reads while the bot writes
    "foreign_keys": 1,
    "busy_timeout": 15000,
    "synchronous": "normal",
    # Deleted and overwritten content is zeroed, not left in free space or freed pages:
    # erasure must not leave the person in the file (bench/secure_delete_bench.py: the cost).
    "secure_delete": 1,
}


def open_database(url: str, *, create: bool = False) -> peewee.Database:
    """Open ``url`` and bind the models to it.

    ``create`` allows a new SQLite file (and its folder) to be made: only ``init`` and
    ``demo`` ask for that, so a typo in a path never silently starts an empty register.
    """
    scheme = scheme_of(url)
    db: peewee.Database
    if scheme == "sqlite":
        db = _open_sqlite(file_url_path(url), create=create)
    elif scheme in ("postgresql", "postgres"):
        db = _open_postgresql(url)
    else:
        raise DatabaseError(
            f"unknown database URL scheme {scheme!r} in {redact(url)}: "
            "use sqlite:///path/to/file.db or postgresql://user@host/dbname"
        )
    database.initialize(db)
    try:
        db.connect(reuse_if_open=True)
    except (peewee.OperationalError, peewee.DatabaseError, sqlite3.Error) as error:
        message = f"cannot open the database {redact(url)}: {_first_line(error)}"
        raise DatabaseError(message) from None
    return db


def close_database() -> None:
    if database.obj is not None and not database.is_closed():
        database.close()


def is_sqlite() -> bool:
    return isinstance(database.obj, peewee.SqliteDatabase)


def checkpoint_wal() -> bool:
    """SQLite: copy the write-ahead log into the database file and truncate it, so pages
    from before an erasure no longer lie in the log.  False when a reader kept it from
    finishing (the next call does it); PostgreSQL: nothing to do, True."""
    if not is_sqlite():
        return True
    busy, _, _ = database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return not busy


def vacuum(models: Sequence[type[peewee.Model]]) -> None:
    """PostgreSQL: ``VACUUM`` the tables an erasure changed, so the erased rows' old
    versions (which a DELETE or UPDATE leaves in the table's pages until then) are removed
    now rather than whenever autovacuum comes by.  SQLite: nothing (``secure_delete``
    overwrites them as they go).  Outside a transaction only, as VACUUM must be."""
    if is_sqlite() or database.in_transaction():
        return
    quote = database.obj.quote
    tables = ", ".join(f"{quote[0]}{model._meta.table_name}{quote[1]}" for model in models)
    database.execute_sql(f"VACUUM {tables}")


SQLITE_AT_LEAST = (3, 35)  # UPDATE/INSERT … RETURNING (the audit head, the counters)


def _open_sqlite(path: Path, *, create: bool) -> peewee.SqliteDatabase:
    if sqlite3.sqlite_version_info < SQLITE_AT_LEAST:
        raise DatabaseError(
            f"SQLite {sqlite3.sqlite_version} is too old: 3.35 or newer is needed",
            key="error.sqlite_too_old",
            version=sqlite3.sqlite_version,
        )
    path = path.expanduser()
    if not path.exists():
        if not create:
            raise DatabaseError(
                f"no database at {path}: run `rekisteri init` first",
                key="error.no_database",
                path=str(path),
            )
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        except OSError as error:
            message = f"cannot open the database {path}: {error.strerror}"
            raise DatabaseError(
                message, key="error.cannot_open_database", path=str(path), reason=os_reason(error)
            ) from None
    elif not path.is_file():
        raise DatabaseError(
            f"{path} is not a database file", key="error.not_a_database", path=str(path)
        )
    refuse_if_others_can_read(path)
    # IMMEDIATE: a write transaction takes the write lock at BEGIN, so two writers queue on
    # the busy timeout instead of failing when a read lock would have to be upgraded.
    return peewee.SqliteDatabase(
        str(path), pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE", timeout=15
    )


def _open_postgresql(url: str) -> peewee.PostgresqlDatabase:
    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise DatabaseError(
            f"{redact(url)}: name the database, e.g. postgresql://user@host/rekisteri"
        )
    options: dict[str, str | int] = dict(parse_qsl(parts.query))
    if parts.username:
        options["user"] = unquote(parts.username)
    if parts.password:
        options["password"] = unquote(parts.password)
    if parts.hostname:
        options["host"] = parts.hostname
    if parts.port:
        options["port"] = parts.port
    options.setdefault("connect_timeout", 10)
    if importlib.util.find_spec("psycopg") is None and importlib.util.find_spec("psycopg2") is None:
        raise DatabaseError(
            "PostgreSQL needs the psycopg driver: pip install 'rekisteri[postgresql]'",
            key="db.needs_psycopg",
        )
    give_peewee_its_postgresql_driver()
    # A pool: the TUI's thread workers each borrow a connection and give it back.
    from playhouse.pool import PooledPostgresqlDatabase

    pool: peewee.PostgresqlDatabase = PooledPostgresqlDatabase(
        name, max_connections=32, stale_timeout=300, **options
    )
    return pool


@contextmanager
def larger_page_cache(mebibytes: int) -> Iterator[None]:
    """SQLite: this connection's page cache at ``mebibytes`` for the block, then as it was
    (PostgreSQL: its server's ``shared_buffers`` decide; nothing to do)."""
    if not is_sqlite():
        yield
        return
    (before,) = database.execute_sql("PRAGMA cache_size").fetchone()
    database.execute_sql(f"PRAGMA cache_size = {-1024 * int(mebibytes)}")
    try:
        yield
    finally:
        database.execute_sql(f"PRAGMA cache_size = {int(before)}")


def give_peewee_its_postgresql_driver() -> None:
    """Give peewee the psycopg (3) driver that ``store`` hid from it at import, binding the
    names peewee's own import binds when psycopg is installed (its module, the transaction
    states and JSON types its adapter reads).  Nothing when peewee already has a driver."""
    if getattr(peewee, "psycopg", None) or getattr(peewee, "psycopg2", None):
        return
    if importlib.util.find_spec("psycopg") is None:
        return
    import psycopg
    from psycopg.pq import TransactionStatus
    from psycopg.types.json import Json, Jsonb

    bound = {"psycopg": psycopg, "TransactionStatus": TransactionStatus}
    bound |= {"Json_pg3": Json, "Jsonb_pg3": Jsonb}
    for name, value in bound.items():
        setattr(peewee, name, value)
    adapter = peewee.Psycopg3Adapter
    adapter.txn_idle = TransactionStatus.IDLE
    adapter.txn_inerror = TransactionStatus.INERROR
    adapter.txn_unknown = TransactionStatus.UNKNOWN


def refuse_if_others_can_read(path: Path) -> None:
    """The register (and its -wal/-shm files, which SQLite creates with the database's
    mode) holds personal data: a file that other users of the machine can read or write
    is refused with the command that fixes it."""
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            mode = candidate.stat().st_mode
        except FileNotFoundError:
            continue
        if mode & 0o077:
            raise DatabaseError(
                f"{candidate} can be read by other users of this machine"
                f" (mode {stat.S_IMODE(mode):04o}): run `chmod 600 {candidate}`"
            )


def is_busy(error: BaseException) -> bool:
    """Whether ``error`` is the database saying another writer holds it: SQLite's lock
    after the busy timeout, PostgreSQL's lock timeout."""
    if not isinstance(error, (peewee.OperationalError, sqlite3.OperationalError)):
        return False
    text = str(error).lower()
    return "database is locked" in text or "table is locked" in text or "lock timeout" in text


def redact(url: str) -> str:
    """The URL without its password (in the user part or ``?password=``), for messages."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        parts = parts._replace(netloc=netloc)
    if parts.query:
        query = [
            (key, "***" if key.lower() == "password" else value)
            for key, value in parse_qsl(parts.query, keep_blank_values=True)
        ]
        parts = parts._replace(query="&".join(f"{key}={value}" for key, value in query))
    return parts.geturl()


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def joined_transaction() -> AbstractContextManager[object]:
    """A transaction of its own, or, called inside one, simply the caller's.

    For short writes that raise nothing between their statements (the audit chain, a
    counter): inside the caller's transaction a savepoint would only cost two statements,
    and if the caller rolls back, they roll back with it.
    """
    return nullcontext() if database.in_transaction() else database.atomic()


_TAKEN_BACK_WHOLE: ContextVar[bool] = ContextVar("rekisteri_taken_back_whole", default=False)


@contextmanager
def all_or_nothing() -> Iterator[None]:
    """A savepoint (a transaction, outside one) that any error in the block takes back
    whole, so the writes inside it that belong together (:func:`together`) need no
    savepoint each: two round trips saved per such write on PostgreSQL.  For a block
    that catches no error between its writes (the mailbot's work on one message)."""
    with database.atomic():
        token = _TAKEN_BACK_WHOLE.set(True)
        try:
            yield
        finally:
            _TAKEN_BACK_WHOLE.reset(token)


def together() -> AbstractContextManager[object]:
    """Writes that are made all or none (a request and its audit event): a transaction of
    their own, a savepoint inside a caller's transaction (a caller that catches their error
    goes on without them), and nothing more inside :func:`all_or_nothing`, whose savepoint
    takes them back with everything else."""
    return nullcontext() if _TAKEN_BACK_WHOLE.get() else database.atomic()


def bulk_insert(model: type[peewee.Model], rows: list[dict[str, object]]) -> None:
    """Insert many rows with one prepared statement (``executemany``).

    Peewee builds SQL value by value, which dominates large imports; here the statement is
    built once from the model's own column names and each value goes through its field's
    ``db_value``, exactly as peewee would store it.  Every row must have the same keys.
    """
    if not rows:
        return
    names = list(rows[0])
    insert_tuples(model, names, [tuple(row[name] for name in names) for row in rows])


def insert_tuples(
    model: type[peewee.Model], names: Sequence[str], rows: Sequence[Sequence[object]]
) -> None:
    """:func:`bulk_insert` for rows given as tuples of the fields ``names``, in that order.

    A value that needs converting (a datetime, a boolean) is converted once for every row
    that holds it: an import stamps thousands of rows with one instant.
    """
    if not rows:
        return
    db = model._meta.database
    fields = [model._meta.fields[name] for name in names]
    open_quote, close_quote = db.quote[0], db.quote[1]
    columns = ", ".join(f"{open_quote}{field.column_name}{close_quote}" for field in fields)
    placeholders = ", ".join([db.param] * len(fields))
    sql = (
        f"INSERT INTO {open_quote}{model._meta.table_name}{close_quote} ({columns}) "
        f"VALUES ({placeholders})"
    )
    converting: _Converting = [
        (position, _storing(field), _kept_as_is(field), {})
        for position, field in enumerate(fields)
        if type(field) not in _STORED_AS_IS
    ]
    values: Sequence[Sequence[object]] = rows
    if converting:
        values = [_converted(row, converting) for row in rows]
    # The driver's own errors as peewee's (as every other statement raises them), so a
    # refusal by the database reaches callers as a peewee.DatabaseError they can catch
    # (an import stopped half-way says what it wrote), not as an internal error.
    with _PEEWEE_ERRORS:
        if is_sqlite():
            db.cursor().executemany(sql, values)
            return
        cursor = db.cursor()
        copy = getattr(cursor, "copy", None)  # psycopg 3; psycopg2 has no such method
        if copy is None:
            cursor.executemany(sql, values)
            return
        # PostgreSQL: COPY streams the rows in one statement; executemany sends them a
        # statement each, and waited on the server for every one (several times slower).
        table = f"{open_quote}{model._meta.table_name}{close_quote}"
        with copy(f"COPY {table} ({columns}) FROM STDIN") as stream:
            for row in values:
                stream.write_row(row)


def _storing(field: peewee.Field) -> Callable[[Any], Any]:
    """``field.db_value``; on SQLite followed by the driver's adapter for what it gives
    (a datetime becomes the text sqlite3 would write for it), done here so that it too is
    done once per distinct value."""
    to_db: Callable[[Any], Any] = field.db_value
    if not is_sqlite():
        return to_db

    def store(value: Any) -> Any:
        stored = to_db(value)
        adapt = sqlite3.adapters.get((type(stored), sqlite3.PrepareProtocol))
        return stored if adapt is None else adapt(stored)

    return store


def _kept_as_is(field: peewee.Field) -> type | None:
    """The type of value ``field`` stores as it is given: a key of another table given as
    its id, a boolean given as one."""
    if isinstance(field, peewee.ForeignKeyField) and type(field.rel_field) in _STORED_AS_IS:
        return int
    if type(field) is peewee.BooleanField:
        return bool
    return None


_Converting = list[tuple[int, Callable[[Any], Any], type | None, dict[tuple[type, object], object]]]


def _converted(row: Sequence[object], converting: _Converting) -> list[object]:
    """``row`` with each value at a converted position as its field stores it (a value
    seen before is looked up; equal values of one type store alike)."""
    converted = list(row)
    for position, to_db, kept, seen in converting:
        value = converted[position]
        if type(value) is kept:
            continue
        try:
            key = (type(value), value)
            converted[position] = seen[key]
        except KeyError:
            converted[position] = seen[key] = to_db(value)
        except TypeError:  # unhashable (a JSON field's dict): converted every time
            converted[position] = to_db(value)
    return converted


# peewee's own wrapper that re-raises a driver's error as peewee's (every statement it runs
# goes through it); its type stubs leave this module attribute out.
_PEEWEE_ERRORS: peewee.ExceptionWrapper = vars(peewee)["__exception_wrapper__"]


# Fields whose Python value (str, int or None) is already what the driver stores.
_STORED_AS_IS = (peewee.CharField, peewee.TextField, peewee.IntegerField, peewee.AutoField)


def refresh_statistics(*models: type[peewee.Model]) -> None:
    """After a bulk load, let the query planner see the new table sizes and spreads.

    Without statistics both planners can pick an index that makes a query over a freshly
    filled table sort every row (the importer's, the sender's "oldest due mail").
    """
    db = database.obj
    for model in models:
        db.execute_sql(f'ANALYZE "{model._meta.table_name}"')
