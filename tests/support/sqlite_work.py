"""How much work SQLite does for a piece of code: its virtual machine instructions.

A count, not a time: it does not depend on the machine or its load, so a test can assert
that some work does not grow with the data (the planner chose the right index).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from store.models import database


@contextmanager
def counted_steps(every: int = 1) -> Iterator[list[int]]:
    """Count in ``steps[0]`` the calls SQLite makes once every ``every`` instructions of
    the statements run inside the block (on this thread's connection)."""
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0  # go on

    connection = database.connection()
    connection.set_progress_handler(count, every)
    try:
        yield steps
    finally:
        connection.set_progress_handler(None, every)
