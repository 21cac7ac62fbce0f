"""Numbers that are unique and never reused: request references and customer numbers."""

from __future__ import annotations

from datetime import datetime

from store import clock
from store.models import Counter, database


def next_value(name: str) -> int:
    """Increment and return the counter ``name``.  Call inside the transaction that uses it."""
    with database.atomic():
        # An upsert, so two processes taking the first number of a year cannot collide.
        (
            Counter.insert(name=name, value=1)
            .on_conflict(conflict_target=[Counter.name], update={Counter.value: Counter.value + 1})
            .execute()
        )
        return Counter.get(Counter.name == name).value


def next_reference(prefix: str, at: datetime | None = None) -> str:
    """``TP-2026-0042``: prefix, the Finnish calendar year of receipt, a yearly sequence."""
    year = clock.local_today(at).year
    return f"{prefix}-{year}-{next_value(f'reference:{prefix}:{year}'):04d}"


GENERATED_CUSTOMER_PREFIX = "N-"


def next_customer_no() -> str:
    """A number for a customer who came without one (the newsletter list)."""
    return f"{GENERATED_CUSTOMER_PREFIX}{next_value('customer_no'):07d}"
