"""Versioned schema migrations.

Each migration is idempotent (it creates what is missing, adds columns that are not
there yet), so a fresh database built from the current models and an old one upgraded
step by step end in the same schema.  ``rekisteri init`` runs :func:`migrate`; every
other command calls :func:`check_schema` and refuses a schema it does not know.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import peewee

from store import clock
from store.errors import SchemaError
from store.models import (
    ALL_MODELS,
    AuditHead,
    Customer,
    InboundMessage,
    MailingRecipient,
    OutboxMail,
    Request,
    RequestNote,
    SchemaVersion,
    database,
)


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[], None]


GENESIS_HASH = "0" * 64


def _initial_schema() -> None:
    database.create_tables(ALL_MODELS, safe=True)
    if database.obj is not None and not isinstance(database.obj, peewee.SqliteDatabase):
        # Prefix search (store.customers.search_customers) compares in the "C" collation:
        # such an index serves both LIKE 'prefix%' and the ORDER BY that limits the rows.
        for column in ("name_key", "reverse_name_key", "email", "phone", "customer_no"):
            database.execute_sql(
                f"CREATE INDEX IF NOT EXISTS customer_{column}_bytes "
                f'ON {Customer._meta.table_name} ({column} COLLATE "C")'
            )
    if not AuditHead.select().where(AuditHead.id == 1).exists():
        AuditHead.create(id=1, last_id=0, last_hash=GENESIS_HASH)


def _several_rights_per_letter() -> None:
    """Request.part_of (one request per right of a letter) and Request.written_language."""
    _add_missing_columns(Request, ("written_language", "part_of"))


def _sender_authentication() -> None:
    """InboundMessage.authentication: what our mail server found of SPF, DKIM and DMARC."""
    _add_missing_columns(InboundMessage, ("authentication",))


def _desk_news_and_notes() -> None:
    """Request.news (a reply, a bounce or a warning since staff last looked) and the
    requests' internal notes."""
    _add_missing_columns(Request, ("news", "news_at"))
    database.create_tables([RequestNote], safe=True)


def _intake_indexes() -> None:
    """Indexes the mailbot's every message asks: the requester's open requests (the same
    mail again) and one address's recent outbox mail (the cap on automatic answers)."""
    database.create_tables([Request, OutboxMail], safe=True)  # the tables exist: indexes


def _informed_another_way() -> None:
    """MailingRecipient.informed_*: a breach notice given by letter or by phone."""
    _add_missing_columns(
        MailingRecipient, ("informed_how", "informed_at", "informed_by", "informed_note")
    )


def _repeat_lookup_index() -> None:
    """One index on (requester_email, kind, received_at) for the same mail again, in
    place of the index on requester_email alone."""
    database.create_tables([Request], safe=True)  # the table exists: its new index
    database.execute_sql("DROP INDEX IF EXISTS request_requester_email")


def _outbox_drafts() -> None:
    """OutboxMail.draft: a mail's parts until the sender builds its bytes."""
    _add_missing_columns(OutboxMail, ("draft",))


def _add_missing_columns(model: type[peewee.Model], names: tuple[str, ...]) -> None:
    from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate

    table = model._meta.table_name
    present = {column.name for column in database.get_columns(table)}
    migrator = (
        SqliteMigrator(database)
        if isinstance(database.obj, peewee.SqliteDatabase)
        else PostgresqlMigrator(database)
    )
    operations = [
        migrator.add_column(table, field.column_name, field)
        for field in (model._meta.fields[name] for name in names)
        if field.column_name not in present
    ]
    if operations:
        migrate(*operations)


MIGRATIONS: list[Migration] = [
    Migration(1, "the register, the queue, mail, staff and the audit trail", _initial_schema),
    Migration(
        2,
        "several rights in one letter; the language it was written in",
        _several_rights_per_letter,
    ),
    Migration(
        3, "what our mail server found of the sender's authentication", _sender_authentication
    ),
    Migration(4, "news on a request since staff last opened it; notes", _desk_news_and_notes),
    Migration(5, "indexes for the mailbot's intake", _intake_indexes),
    Migration(6, "breach notices given another way", _informed_another_way),
    Migration(7, "an index for the same request again from the same sender", _repeat_lookup_index),
    Migration(8, "outbox mail built when it is first sent", _outbox_drafts),
]

LATEST = MIGRATIONS[-1].version


def current_version() -> int | None:
    """The schema version of the bound database, or None when it has no schema."""
    if not database.table_exists(SchemaVersion._meta.table_name):
        return None
    latest = SchemaVersion.select(peewee.fn.MAX(SchemaVersion.version)).scalar()
    return int(latest) if latest is not None else None


def check_schema() -> int:
    """Refuse to work on a database without a schema, or with one from a newer Rekisteri."""
    version = current_version()
    if version is None:
        raise SchemaError(
            "the database has no schema yet: run `rekisteri init`", key="error.no_schema"
        )
    if version > LATEST:
        raise SchemaError(
            f"the database schema is version {version}, newer than this Rekisteri "
            f"understands (up to {LATEST}): upgrade Rekisteri before using this database",
            key="error.schema_newer",
            version=version,
            latest=LATEST,
        )
    if version < LATEST:
        raise SchemaError(
            f"the database schema is version {version}; run `rekisteri init` to upgrade it "
            f"to version {LATEST}",
            key="error.schema_older",
            version=version,
            latest=LATEST,
        )
    return version


def migrate() -> tuple[int, int]:
    """Bring the schema up to date; returns (version before, version after)."""
    before = current_version() or 0
    if before > LATEST:
        check_schema()
    with database.atomic():
        _serialise_migrations()
        before = current_version() or 0  # another process may have migrated meanwhile
        for migration in MIGRATIONS:
            if migration.version > before:
                migration.apply()
                SchemaVersion.create(version=migration.version, applied_at=clock.now())
    return before, LATEST


def _serialise_migrations() -> None:
    # SQLite's BEGIN IMMEDIATE already serialises writers; PostgreSQL needs a lock.
    if database.obj is not None and not isinstance(database.obj, peewee.SqliteDatabase):
        database.execute_sql("SELECT pg_advisory_xact_lock(4242001)")
