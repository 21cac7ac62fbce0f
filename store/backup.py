"""Encrypted backups: made while everyone works, rotated inside the retention promise,
restored without bringing an erased person back (docs/backups.md).

A backup file is::

    REKISTERI-BACKUP\\n | header length (4 bytes) | header (JSON) | chunks

The header names the format, the ephemeral X25519 key of :mod:`store.encryption` and the
*manifest*: when the backup was taken, of which database and schema, how far the audit
trail and the forget ledger had gone.  The manifest is authenticated with every chunk
(changing it breaks decryption) but readable without the key, so ``backup list`` and
``backup prune`` never need the private key on the server.  Each chunk is its length
(4 bytes) and a ChaCha20-Poly1305 ciphertext of at most 1 MiB of the snapshot; the last
chunk is marked, so a file cut short does not open.

The snapshot is the SQLite database's own pages (the online backup API, read in one
read transaction) or PostgreSQL's ``pg_dump --format=custom`` of one exported snapshot.
Before it is taken, writers that have already written their forget-ledger entry are
waited for (see :func:`store.forget_ledger.note`), so every entry up to the manifest's
``ledger_seq`` is in the snapshot and a restore replays exactly the entries after it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote, urlsplit, urlunsplit

import peewee

from store import audit, clock, encryption, forget_ledger
from store.config import Settings
from store.errors import InvalidInput, RuleViolation
from store.models.audit import AuditHead
from store.models.base import database
from store.models.meta import SchemaVersion
from store.urls import file_url_path, scheme_of

MAGIC = b"REKISTERI-BACKUP\n"
FORMAT = 1
SUFFIX = ".rkbackup"
PART_SUFFIX = ".part"
TRAILER = b"REKISTERI-CHECKSUM\n"
_LENGTH = struct.Struct(">I")
_STALE_PART = timedelta(hours=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class BackupError(InvalidInput):
    """A backup cannot be made, read or restored; the message says what to do."""


@dataclass(frozen=True)
class Manifest:
    created_at: datetime
    database: str  # "sqlite" or "postgresql"
    schema_version: int
    audit_events: int
    audit_tip: str
    ledger_seq: int
    ledger_hash: str
    recipient: str  # fingerprint of the key it is encrypted to

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["created_at"] = clock.iso_utc(self.created_at)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        return cls(
            created_at=clock.parse_instant(str(data["created_at"])),
            database=str(data["database"]),
            schema_version=int(data["schema_version"]),
            audit_events=int(data["audit_events"]),
            audit_tip=str(data["audit_tip"]),
            ledger_seq=int(data["ledger_seq"]),
            ledger_hash=str(data["ledger_hash"]),
            recipient=str(data["recipient"]),
        )


@dataclass(frozen=True)
class Header:
    manifest: Manifest
    ephemeral: bytes
    body_offset: int

    @property
    def associated(self) -> bytes:
        """What each chunk authenticates besides itself: the whole header."""
        canonical = json.dumps(
            {"format": FORMAT, "ephemeral": self.ephemeral.hex(), **self.manifest.as_json()},
            sort_keys=True,
            separators=(",", ":"),
        )
        return canonical.encode("ascii")


@dataclass(frozen=True)
class BackupFile:
    """One backup in the folder as ``backup list`` shows it."""

    path: Path
    size: int
    manifest: Manifest | None  # None: not a backup we can read the header of
    complete: bool  # every chunk present up to the marked last one's length

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def status(self) -> str:
        return "ok" if self.manifest is not None and self.complete else "damaged"


# ---------------------------------------------------------------- reading the file


def read_header(stream: IO[bytes], path: Path) -> Header:
    if stream.read(len(MAGIC)) != MAGIC:
        raise BackupError(
            f"{path.name} is not a Rekisteri backup", key="backup.not_backup", name=path.name
        )
    try:
        (length,) = _LENGTH.unpack(stream.read(_LENGTH.size))
        if length > 65536:
            raise ValueError(length)
        data = json.loads(stream.read(length).decode("ascii"))
        if data.get("format") != FORMAT:
            raise BackupError(
                f"{path.name} is in backup format {data.get('format')!r}: "
                "use the Rekisteri version that made it",
                key="backup.unknown_format",
                name=path.name,
            )
        return Header(
            Manifest.from_json(data["manifest"]),
            bytes.fromhex(data["ephemeral"]),
            len(MAGIC) + _LENGTH.size + length,
        )
    except (struct.error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise BackupError(f"{path.name} is damaged", key="backup.damaged", name=path.name) from None


def _chunk_lengths(stream: IO[bytes], size: int) -> Iterator[tuple[int, int]]:
    """(offset, length) of each chunk; the file must end right after the last."""
    offset = stream.tell()
    while offset < size:
        stream.seek(offset)
        prefix = stream.read(_LENGTH.size)
        if len(prefix) < _LENGTH.size:
            raise ValueError("torn length")
        (length,) = _LENGTH.unpack(prefix)
        if length < encryption.TAG_BYTES or length > encryption.CHUNK_BYTES + encryption.TAG_BYTES:
            raise ValueError("bad length")
        offset += _LENGTH.size
        if offset + length > size:
            raise ValueError("cut short")
        yield offset, length
        offset += length


def describe(path: Path) -> BackupFile:
    size = path.stat().st_size
    try:
        with path.open("rb") as stream:
            header = read_header(stream, path)
            complete = sum(1 for _ in _chunk_lengths(stream, size)) > 0
    except BackupError:
        return BackupFile(path, size, None, False)
    except ValueError:
        return BackupFile(path, size, header.manifest, False)
    return BackupFile(path, size, header.manifest, complete)


def decrypted(path: Path, identity: encryption.Identity) -> Iterator[bytes]:
    """The snapshot's bytes, chunk by chunk, each authenticated; raises
    :class:`~store.encryption.DecryptionFailed` when it was altered, cut short or made
    for another key."""
    size = path.stat().st_size
    with path.open("rb") as stream:
        header = read_header(stream, path)
        check_key(header.manifest, identity)
        key = encryption.open_stream_key(identity, header.ephemeral)
        try:
            chunks = list(_chunk_lengths(stream, size))
        except ValueError:
            raise encryption.DecryptionFailed(
                f"{path.name} is cut short or damaged", key="backup.damaged", name=path.name
            ) from None
        sha = hashlib.sha256()
        size = 0
        for counter, (offset, length) in enumerate(chunks):
            stream.seek(offset)
            last = counter == len(chunks) - 1
            plain = encryption.decrypt_chunk(
                key, counter, last, stream.read(length), header.associated
            )
            if last:
                _check_trailer(plain, sha.hexdigest(), size, path)
                return
            sha.update(plain)
            size += len(plain)
            yield plain


def _check_trailer(trailer: bytes, sha256: str, size: int, path: Path) -> None:
    try:
        if not trailer.startswith(TRAILER):
            raise ValueError("no trailer")
        expected = json.loads(trailer[len(TRAILER) :])
        if expected != {"sha256": sha256, "size": size}:
            raise ValueError("checksum")
    except ValueError:
        raise encryption.DecryptionFailed(
            f"{path.name}: the snapshot's checksum does not match", key="backup.damaged"
        ) from None


def check_key(manifest: Manifest, identity: encryption.Identity) -> None:
    if manifest.recipient != identity.recipient.fingerprint:
        raise BackupError(
            f"this backup was encrypted to key {manifest.recipient}, not to "
            f"{identity.recipient.fingerprint}: use the identity file of that key",
            key="backup.wrong_key",
            wanted=manifest.recipient,
            given=identity.recipient.fingerprint,
        )


# ---------------------------------------------------------------- creating


@dataclass(frozen=True)
class Snapshot:
    database: str
    schema_version: int
    audit_events: int
    audit_tip: str
    chunks: Iterator[bytes]


def backup_name(at: datetime) -> str:
    return "rekisteri-" + at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") + SUFFIX


def create(settings: Settings, directory: Path | None = None) -> BackupFile:
    """Take a consistent, encrypted backup of the configured database into ``directory``
    (default ``backup.dir``); the file appears whole or not at all."""
    recipient = encryption.load_recipient(_recipient_path(settings))
    directory = (directory or Path(settings.backup.dir)).expanduser()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    ledger_path = Path(settings.backup.ledger_file)
    forget_ledger.start(ledger_path)
    created_at = clock.now()
    name = backup_name(created_at)
    target = directory / name
    if target.exists():
        raise BackupError(f"{name} exists already", key="backup.exists", name=name)
    with _snapshot(settings.database.url, ledger_path) as (position, snapshot):
        manifest = Manifest(
            created_at=created_at,
            database=snapshot.database,
            schema_version=snapshot.schema_version,
            audit_events=snapshot.audit_events,
            audit_tip=snapshot.audit_tip,
            ledger_seq=position.seq,
            ledger_hash=position.hash,
            recipient=recipient.fingerprint,
        )
        ephemeral, key = encryption.new_stream_key(recipient)
        header = Header(manifest, ephemeral, 0)
        header_bytes = json.dumps(
            {"format": FORMAT, "ephemeral": ephemeral.hex(), "manifest": manifest.as_json()},
            sort_keys=True,
        ).encode("ascii")
        part = directory / ("." + name + PART_SUFFIX)
        descriptor = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as out:
                out.write(MAGIC + _LENGTH.pack(len(header_bytes)) + header_bytes)
                for ciphertext in encryption.encrypt_chunks(
                    key, _with_trailer(snapshot.chunks), header.associated
                ):
                    out.write(_LENGTH.pack(len(ciphertext)) + ciphertext)
                out.flush()
                os.fsync(out.fileno())
            os.rename(part, target)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
    _fsync_directory(directory)
    return describe(target)


def _with_trailer(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The snapshot's chunks, then one more: its SHA-256 and length (:data:`TRAILER`),
    which :func:`decrypted` checks (so a snapshot cut short by its producer is caught too)."""
    sha = hashlib.sha256()
    size = 0
    for chunk in chunks:
        sha.update(chunk)
        size += len(chunk)
        yield chunk
    yield TRAILER + json.dumps({"sha256": sha.hexdigest(), "size": size}).encode("ascii")


def _recipient_path(settings: Settings) -> Path:
    if not settings.backup.recipient_file:
        raise BackupError(
            "set backup.recipient_file to the public key backups are encrypted to "
            "(`rekisteri backup keys` makes a pair)",
            key="backup.no_recipient_setting",
        )
    return Path(settings.backup.recipient_file)


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextmanager
def _snapshot(url: str, ledger_path: Path) -> Iterator[tuple[forget_ledger.Position, Snapshot]]:
    if scheme_of(url) == "sqlite":
        with _sqlite_snapshot(file_url_path(url).expanduser(), ledger_path) as taken:
            yield taken
    else:
        with _postgresql_snapshot(url, ledger_path) as taken:
            yield taken


def _head(cursor: Any) -> tuple[int, int, str]:
    version = cursor.execute(
        f"SELECT MAX(version) FROM {SchemaVersion._meta.table_name}"
    ).fetchone()[0]
    head = cursor.execute(
        f"SELECT last_id, last_hash FROM {AuditHead._meta.table_name} WHERE id = 1"
    ).fetchone()
    events, tip = (head[0], head[1]) if head else (0, audit.GENESIS_HASH)
    return int(version or 0), int(events), str(tip)


@contextmanager
def _sqlite_snapshot(
    path: Path, ledger_path: Path
) -> Iterator[tuple[forget_ledger.Position, Snapshot]]:
    if not path.exists():
        raise BackupError(f"no database at {path}", key="backup.no_database", path=str(path))
    writer = sqlite3.connect(path, isolation_level=None, timeout=30)
    reader = sqlite3.connect(path, isolation_level=None, timeout=30)
    copy = sqlite3.connect(":memory:")
    try:
        # Wait for writers that already wrote their ledger entry, keep new ones out while
        # the ledger's position and the read snapshot are taken; then let them go on.
        writer.execute("BEGIN IMMEDIATE")
        try:
            position = forget_ledger.start(ledger_path)
            reader.execute("BEGIN")
            version, events, tip = _head(reader)
        finally:
            writer.execute("ROLLBACK")
        reader.backup(copy)
        reader.execute("COMMIT")
        data = copy.serialize()
    finally:
        writer.close()
        reader.close()
        copy.close()
    view = memoryview(data)
    chunks = (
        bytes(view[offset : offset + encryption.CHUNK_BYTES])
        for offset in range(0, max(len(view), 1), encryption.CHUNK_BYTES)
    )
    yield position, Snapshot("sqlite", version, events, tip, chunks)


LEDGER_LOCK = forget_ledger.PG_LOCK_KEY


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools "
            "(Debian and Ubuntu: apt install postgresql-client) of the server's version",
            key="backup.needs_pg_tools",
            tool=name,
        )
    return found


def pg_environment(url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password (for argv, which others can read) and an environment
    carrying the password (PGPASSWORD) for the PostgreSQL tools."""
    parts = urlsplit(url)
    environment = dict(os.environ)
    netloc = parts.netloc
    if parts.password is not None:
        environment["PGPASSWORD"] = unquote(parts.password)
        user = parts.username or ""
        host = netloc.rsplit("@", 1)[1]
        netloc = f"{user}@{host}" if user else host
    scheme = "postgresql"
    return urlunsplit((scheme, netloc, parts.path, parts.query, "")), environment


@contextmanager
def _postgresql_snapshot(
    url: str, ledger_path: Path
) -> Iterator[tuple[forget_ledger.Position, Snapshot]]:
    import psycopg

    pg_dump = _pg_tool("pg_dump")
    clean_url, environment = pg_environment(url)
    try:
        locker = psycopg.connect(url, autocommit=True)
        holder = psycopg.connect(url)
    except psycopg.Error as error:
        raise BackupError(
            f"cannot reach the database: {str(error).splitlines()[0]}",
            key="backup.no_database",
            path=clean_url,
        ) from None
    try:
        locker.execute("SELECT pg_advisory_lock(%s)", (LEDGER_LOCK,))
        try:
            position = forget_ledger.start(ledger_path)
            holder.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            row = holder.execute("SELECT pg_export_snapshot()").fetchone()
            snapshot_id = str(row[0]) if row else ""
            version, events, tip = _head(holder)
        finally:
            locker.execute("SELECT pg_advisory_unlock(%s)", (LEDGER_LOCK,))
        process = subprocess.Popen(
            [
                pg_dump,
                "--format=custom",
                f"--snapshot={snapshot_id}",
                "--no-password",
                f"--dbname={clean_url}",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environment,
        )
        assert process.stdout is not None
        errors: list[bytes] = []
        reader = threading.Thread(
            target=lambda: errors.append(process.stderr.read() if process.stderr else b""),
            daemon=True,
        )
        reader.start()

        def chunks() -> Iterator[bytes]:
            assert process.stdout is not None
            while block := process.stdout.read(encryption.CHUNK_BYTES):
                yield block
            if process.wait() != 0:
                reader.join()
                message = b"".join(errors).decode("utf-8", "replace").strip().splitlines()
                raise BackupError(
                    "pg_dump failed: " + (message[-1] if message else f"exit {process.returncode}"),
                    key="backup.dump_failed",
                    detail=message[-1] if message else "",
                )

        try:
            yield position, Snapshot("postgresql", version, events, tip, chunks())
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    finally:
        holder.close()
        locker.close()


# ---------------------------------------------------------------- listing and rotation


def list_backups(directory: Path) -> list[BackupFile]:
    """Every backup in ``directory``, oldest first (half-written ``.part`` files are not
    backups and are not listed)."""
    if not directory.is_dir():
        return []
    found = [describe(path) for path in directory.glob("*" + SUFFIX) if path.is_file()]
    return sorted(found, key=lambda b: (b.manifest.created_at if b.manifest else _EPOCH, b.name))


def kept(backups: list[BackupFile], now: datetime, daily_days: int, weekly_weeks: int) -> set[Path]:
    """Which backups the rotation keeps: the newest of each Helsinki day for
    ``daily_days`` days, and the newest of each ISO week for ``weekly_weeks`` weeks; a
    backup is never kept beyond the longer of the two (damaged files are not kept)."""
    today = clock.local_today(now)
    newest_of_day: dict[date, BackupFile] = {}
    newest_of_week: dict[tuple[int, int], BackupFile] = {}
    # Oldest first, so the last one seen of a day or a week is its newest.
    usable = [b for b in backups if b.status == "ok" and b.manifest is not None]
    for backup in sorted(usable, key=lambda b: b.manifest.created_at if b.manifest else _EPOCH):
        assert backup.manifest is not None
        day = clock.local_today(backup.manifest.created_at)
        year, week, _ = day.isocalendar()
        newest_of_day[day] = backup
        newest_of_week[(year, week)] = backup
    keep: set[Path] = set()
    for day, backup in newest_of_day.items():
        if (today - day).days < daily_days:
            keep.add(backup.path)
    for backup in newest_of_week.values():
        assert backup.manifest is not None
        if (today - clock.local_today(backup.manifest.created_at)).days < 7 * weekly_weeks:
            keep.add(backup.path)
    return keep


def keep_until(backup: BackupFile, settings: Settings) -> date | None:
    """The last day the rotation can keep ``backup`` (it may go sooner, when a newer
    backup of its day or week replaces it)."""
    if backup.manifest is None:
        return None
    day = clock.local_today(backup.manifest.created_at)
    return day + timedelta(days=settings.backup.longest_keep_days - 1)


@dataclass(frozen=True)
class PruneReport:
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def prune(
    settings: Settings, directory: Path | None = None, now: datetime | None = None
) -> PruneReport:
    """Delete the backups the rotation no longer keeps (and half-written ones older than an
    hour); what it removed and kept, by name."""
    directory = (directory or Path(settings.backup.dir)).expanduser()
    now = now or clock.now()
    backups = list_backups(directory)
    keep = kept(backups, now, settings.backup.daily_days, settings.backup.weekly_weeks)
    report = PruneReport()
    for backup in backups:
        if backup.path in keep:
            report.kept.append(backup.name)
        elif backup.status == "ok" or _older_than(backup.path, now, _STALE_PART):
            backup.path.unlink(missing_ok=True)
            report.removed.append(backup.name)
        else:
            report.kept.append(backup.name)  # damaged but new: perhaps still being copied
    if directory.is_dir():
        for part in directory.glob("." + "*" + SUFFIX + PART_SUFFIX):
            if _older_than(part, now, _STALE_PART):
                part.unlink(missing_ok=True)
                report.removed.append(part.name)
    return report


def _older_than(path: Path, now: datetime, age: timedelta) -> bool:
    try:
        return now.timestamp() - path.stat().st_mtime > age.total_seconds()
    except FileNotFoundError:
        return False


# ---------------------------------------------------------------- verifying


@dataclass(frozen=True)
class VerifyReport:
    name: str
    manifest: Manifest
    bytes: int
    audit: audit.VerifyResult | None
    problem: str = ""


def verify(path: Path, identity: encryption.Identity, settings: Settings) -> VerifyReport:
    """Decrypt every chunk (altered or cut short: an error), then open the snapshot away
    from the live database and check its audit trail against the manifest."""
    header = describe(path)
    if header.manifest is None:
        raise BackupError(f"{path.name} is damaged", key="backup.damaged", name=path.name)
    manifest = header.manifest
    expect = (manifest.audit_events, manifest.audit_tip) if manifest.audit_events else None
    if manifest.database == "sqlite":
        data = b"".join(decrypted(path, identity))
        with _bound_to_memory(data):
            result = audit.verify(expect=expect)
        size = len(data)
    else:
        with _scratch_postgresql(settings.database.url) as scratch_url:
            size = _pg_restore(path, identity, scratch_url, replace=False)
            with _bound_to(scratch_url):
                result = audit.verify(expect=expect)
    return VerifyReport(path.name, manifest, size, result, "" if result.ok else result.problem)


@contextmanager
def _bound_to_memory(data: bytes) -> Iterator[None]:
    memory = peewee.SqliteDatabase(":memory:")
    memory.connect()
    # Bytes 18 and 19 of the header say "write-ahead log", which a database in memory
    # cannot open; 1 and 1 say "rollback journal", the same pages otherwise.
    pages = bytearray(data)
    if len(pages) >= 100:
        pages[18:20] = b"\x01\x01"
    connection: sqlite3.Connection = memory.connection()  # type: ignore[no-untyped-call]
    connection.deserialize(bytes(pages))
    previous = database.obj
    database.initialize(memory)
    try:
        yield
    finally:
        memory.close()
        database.initialize(previous)


@contextmanager
def _bound_to(url: str) -> Iterator[None]:
    from store.db import open_database

    previous = database.obj
    opened = open_database(url)
    try:
        yield
    finally:
        opened.close()
        database.initialize(previous)


@contextmanager
def _scratch_postgresql(url: str) -> Iterator[str]:
    import psycopg

    name = "rekisteri_verify_" + os.urandom(6).hex()
    parts = urlsplit(url)
    admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_restore(path: Path, identity: encryption.Identity, url: str, *, replace: bool) -> int:
    pg_restore = _pg_tool("pg_restore")
    clean_url, environment = pg_environment(url)
    argv = [
        pg_restore,
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--no-password",
        f"--dbname={clean_url}",
    ]
    if replace:
        argv[1:1] = ["--clean", "--if-exists"]
    process = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=environment,
    )
    assert process.stdin is not None and process.stderr is not None
    size = 0
    try:
        for block in decrypted(path, identity):
            size += len(block)
            process.stdin.write(block)
        process.stdin.close()
    except BaseException:
        process.kill()
        process.wait()
        raise
    errors = process.stderr.read().decode("utf-8", "replace").strip().splitlines()
    if process.wait() != 0:
        raise BackupError(
            "pg_restore failed: " + (errors[-1] if errors else f"exit {process.returncode}"),
            key="backup.restore_failed",
            detail=errors[-1] if errors else "",
        )
    return size


# ---------------------------------------------------------------- restoring


@dataclass
class RestoreReport:
    name: str
    manifest: Manifest
    replayed: dict[str, int] = field(default_factory=dict)
    to_check: list[tuple[str, list[str]]] = field(default_factory=list)  # (customer, fields)
    set_aside: str = ""  # where the replaced SQLite database was moved
    unreplayed: bool = False


def restore(
    path: Path,
    identity: encryption.Identity,
    settings: Settings,
    *,
    actor: str,
    replace: bool = False,
    accept_unreplayed: bool = False,
) -> RestoreReport:
    """Restore ``path`` into the configured database, then replay the forget ledger's
    entries made after the backup, so that nothing erased, withdrawn, restricted or
    corrected since comes back.  The target must be empty unless ``replace``."""
    info = describe(path)
    if info.manifest is None or not info.complete:
        raise BackupError(f"{path.name} is damaged", key="backup.damaged", name=path.name)
    manifest = info.manifest
    check_key(manifest, identity)
    entries = _entries_to_replay(manifest, Path(settings.backup.ledger_file), accept_unreplayed)
    url = settings.database.url
    report = RestoreReport(path.name, manifest, unreplayed=entries is None)
    kind = "sqlite" if scheme_of(url) == "sqlite" else "postgresql"
    if kind != manifest.database:
        raise BackupError(
            f"{path.name} is a {manifest.database} backup; the configured database is {kind}",
            key="backup.other_database",
            name=path.name,
            made=manifest.database,
            configured=kind,
        )
    if kind == "sqlite":
        target = file_url_path(url).expanduser()
        _require_replace(target.exists() and target.stat().st_size > 0, replace, url)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, staged_name = tempfile.mkstemp(prefix=".restore-", suffix=".db", dir=target.parent)
        staged = Path(staged_name)
        try:
            with os.fdopen(handle, "wb") as out:
                for block in decrypted(path, identity):
                    out.write(block)
                out.flush()
                os.fsync(out.fileno())
            with _bound_to("sqlite:///" + str(staged)):
                _finish(report, entries, identity, settings, actor)
            if target.exists():
                aside = target.with_name(
                    target.name + ".replaced-" + clock.now().strftime("%Y%m%dT%H%M%SZ")
                )
                os.rename(target, aside)
                report.set_aside = str(aside)
            for suffix in ("-wal", "-shm"):
                Path(str(target) + suffix).unlink(missing_ok=True)
            os.rename(staged, target)
        finally:
            staged.unlink(missing_ok=True)
    else:
        with _bound_to(url):
            from store.migrations import current_version

            _require_replace(current_version() is not None, replace, url)
        _pg_restore(path, identity, url, replace=replace)
        with _bound_to(url):
            _finish(report, entries, identity, settings, actor)
    return report


def _require_replace(occupied: bool, replace: bool, url: str) -> None:
    if occupied and not replace:
        from store.db import redact

        raise RuleViolation(
            f"{redact(url)} holds a register already: restore into a new database, or add "
            "--replace to overwrite it",
            key="backup.target_not_empty",
            url=redact(url),
        )


def _entries_to_replay(
    manifest: Manifest, ledger_path: Path, accept_unreplayed: bool
) -> list[forget_ledger.Entry] | None:
    """The ledger's entries after the backup; None only when the user accepted restoring
    without them.  A ledger that does not reach back to the backup, or has another entry
    where the backup's position was, cannot be trusted to hold every erasure."""
    problem = ""
    try:
        entries = forget_ledger.read(ledger_path)
    except forget_ledger.LedgerDamaged as damaged:
        if not accept_unreplayed:
            raise
        problem = str(damaged)
        entries = []
    if not problem:
        if not entries:
            problem = f"there is no forget ledger at {ledger_path}"
            key = "backup.no_ledger"
        elif manifest.ledger_seq >= len(entries) or (
            entries[manifest.ledger_seq].hash != manifest.ledger_hash
        ):
            problem = "the forget ledger is not the one this backup was taken with"
            key = "backup.ledger_mismatch"
        else:
            return entries[manifest.ledger_seq + 1 :]
        if not accept_unreplayed:
            raise RuleViolation(
                problem + ": the erasures made since the backup cannot be replayed. Find the "
                "right ledger (backup.ledger_file), or add --accept-unreplayed and carry out "
                "the erasures made since the backup again by hand",
                key=key,
                path=str(ledger_path),
            )
    return None


def _finish(
    report: RestoreReport,
    entries: list[forget_ledger.Entry] | None,
    identity: encryption.Identity,
    settings: Settings,
    actor: str,
) -> None:
    from store.erasure import after_commit
    from store.migrations import migrate

    migrate()
    erasures: list[forget_ledger.Entry] = []

    def count(act: forget_ledger.Act, done: int) -> None:
        if done:
            report.replayed[str(act)] = report.replayed.get(str(act), 0) + done

    with forget_ledger.suspended():
        for entry in entries or []:
            if entry.act is forget_ledger.Act.ERASED:
                erasures.append(entry)  # a run of erasures in one batch, in ledger order
                continue
            if erasures:
                count(forget_ledger.Act.ERASED, _replay_erasures(erasures, settings, actor))
                erasures = []
            count(entry.act, int(replay(entry, identity, settings, actor, report)))
        if erasures:
            count(forget_ledger.Act.ERASED, _replay_erasures(erasures, settings, actor))
    if report.replayed.get(str(forget_ledger.Act.ERASED)):
        after_commit(settings)  # the erased people's pages out of the restored file's log
    audit.record(
        "backup.restored",
        actor,
        backup=report.name,
        taken_at=clock.iso_utc(report.manifest.created_at),
        replayed=report.replayed,
        unreplayed=report.unreplayed,
    )
    result = audit.verify()
    if not result.ok:
        raise BackupError(
            f"the restored audit trail does not verify: {result.describe()}",
            key="backup.audit_broken",
            detail=result.describe(),
        )


def _replay_erasures(
    entries: list[forget_ledger.Entry], settings: Settings, actor: str, batch: int = 500
) -> int:
    """Erase again, in batches, the customers of a run of erasure entries still present."""
    from store import erasure
    from store.models import Customer

    numbers = list(dict.fromkeys(str(entry.customer_no) for entry in entries))
    done = 0
    for start in range(0, len(numbers), batch):
        customers = list(
            Customer.select().where(
                Customer.customer_no.in_(numbers[start : start + batch])
                & Customer.erased_at.is_null()
            )
        )
        if customers:
            done += len(
                erasure.erase_customers(customers, actor=actor, settings=settings, via="restore")
            )
    return done


def replay(
    entry: forget_ledger.Entry,
    identity: encryption.Identity,
    settings: Settings,
    actor: str,
    report: RestoreReport,
) -> bool:
    """Carry out one ledger entry again, if the restored register does not already show
    it; True when something changed.  Every step is idempotent."""
    from store import consent, erasure, rectification, restriction
    from store.models import Customer, MarketingSuppression

    act = entry.act
    if act is forget_ledger.Act.SUPPRESSED:
        email_hash = str(entry.details["email_hash"])
        if MarketingSuppression.get_or_none(MarketingSuppression.email_hash == email_hash):
            return False
        MarketingSuppression.create(
            email_hash=email_hash,
            created_at=entry.at,
            reason=str(entry.details.get("reason", "objection")),
        )
        return True
    customer = Customer.get_or_none(Customer.customer_no == entry.customer_no)
    if customer is None or customer.erased_at is not None:
        return False  # not in the backup, or erased already
    if act is forget_ledger.Act.ERASED:
        return bool(
            erasure.erase_customers([customer], actor=actor, settings=settings, via="restore")
        )
    if act is forget_ledger.Act.CONSENT_WITHDRAWN:
        purpose = str(entry.details["purpose"])
        if not consent.has_consent(customer, purpose):
            return False
        consent.record_consent(
            customer, purpose, False, channel="restore", actor=actor, at=entry.at
        )
        return True
    if act is forget_ledger.Act.RESTRICTED:
        if restriction.active_restriction(customer) is not None:
            return False
        restriction.apply_restriction(
            customer, ground=str(entry.details["ground"]), actor=actor, at=entry.at
        )
        return True
    if act is forget_ledger.Act.LIFTED:
        active = restriction.active_restriction(customer)
        if active is None:
            return False
        restriction.lift_restriction(
            active, actor=actor, reason="restore", replayed=True, at=entry.at
        )
        return True
    if act is forget_ledger.Act.RECTIFIED:
        sealed = entry.details.get("sealed")
        if not sealed:
            report.to_check.append((customer.customer_no, list(entry.details.get("fields", []))))
            return False
        values = json.loads(encryption.unseal(str(sealed), identity))
        return bool(rectification.write_changes(customer, values, actor=actor, via="restore"))
    return False
