from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar, cast

from peewee import BaseQuery, DatabaseProxy, Model

database = DatabaseProxy()
"""Bound to a real database by :func:`store.db.open_database`."""

_Row = TypeVar("_Row")


class BaseModel(Model):
    id: Any  # the AutoField peewee adds (peewee's stubs type its fields as Any)

    class Meta:
        database = database
        legacy_table_names = False


def tuples(query: BaseQuery, row: type[_Row]) -> Iterator[_Row]:
    """``query.tuples()``, iterated as ``row`` (say ``tuple[int, str]``): the columns the
    select names, in its order.  peewee's stubs type ``.tuples()`` as the query itself,
    whose rows would be model instances; ``row`` is the caller's word for what they are."""
    return cast(Iterator[_Row], iter(query.tuples()))


def dicts(query: BaseQuery) -> Iterator[dict[str, Any]]:
    """``query.dicts()``, iterated as what it yields: one dict per row, keyed by column."""
    return cast(Iterator[dict[str, Any]], iter(query.dicts()))
