"""Numbers that are unique and never reused: request references and customer numbers."""

from __future__ import annotations

from datetime import datetime

from store import clock
from store.db import joined_transaction
from store.models import Counter, database


def next_value(name: str) -> int:
    """Increment and return the counter ``name``.  Call inside the transaction that uses it."""
    return reserve(name, 1).start


def reserve(name: str, count: int) -> range:
    """Take ``count`` consecutive values of the counter ``name`` at once."""
    with joined_transaction():
        # An upsert, so two processes taking the first number of a year cannot collide,
        # returning the value it wrote (one round trip: SQLite 3.35, PostgreSQL).
        row = database.execute_sql(_upsert_statement(), (name, count, count)).fetchone()
    last = int(row[0])
    return range(last - count + 1, last + 1)


def _upsert_statement() -> str:
    db = database.obj
    table = f"{db.quote[0]}{Counter._meta.table_name}{db.quote[1]}"
    return (
        f"INSERT INTO {table} (name, value) VALUES ({db.param}, {db.param}) "
        f"ON CONFLICT (name) DO UPDATE SET value = {table}.value + {db.param} RETURNING value"
    )


def next_reference(prefix: str, at: datetime | None = None) -> str:
    """``TP-2026-0042``: prefix, the Finnish calendar year of receipt, a yearly sequence."""
    year = clock.local_today(at).year
    return f"{prefix}-{year}-{next_value(f'reference:{prefix}:{year}'):04d}"


GENERATED_CUSTOMER_PREFIX = "N-"


def next_customer_numbers(count: int) -> list[str]:
    """Numbers for customers who came without one (the newsletter list)."""
    if count <= 0:
        return []
    return [f"{GENERATED_CUSTOMER_PREFIX}{value:07d}" for value in reserve("customer_no", count)]
