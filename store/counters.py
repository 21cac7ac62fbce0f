"""Numbers that are unique and never reused: request references and customer numbers."""

from __future__ import annotations

from datetime import datetime

from store import clock
from store.db import joined_transaction
from store.models import Counter


def next_value(name: str) -> int:
    """Increment and return the counter ``name``.  Call inside the transaction that uses it."""
    return reserve(name, 1).start


def reserve(name: str, count: int) -> range:
    """Take ``count`` consecutive values of the counter ``name`` at once."""
    with joined_transaction():
        # An upsert, so two processes taking the first number of a year cannot collide.
        (
            Counter.insert(name=name, value=count)
            .on_conflict(
                conflict_target=[Counter.name], update={Counter.value: Counter.value + count}
            )
            .execute()
        )
        last = Counter.get(Counter.name == name).value
    return range(last - count + 1, last + 1)


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
