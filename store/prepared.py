"""Queries the ORM builds once: each later run only binds its values.

Peewee builds a query's SQL anew every time it runs, and for the hot lookups of the
mailbot's intake (is this Message-ID known? did this sender just ask the same?) building
costs more than the database takes to answer.  A :class:`Prepared` query is written with
the ORM as usual, with a *slot* where each value goes; its SQL is built once per kind of
database and reused, and every value is still converted by its field (``db_value``) and
passed as a parameter, never pasted into the SQL.

    by_key = Prepared(lambda slot: InboundMessage.select(InboundMessage.id)
                      .where(InboundMessage.dedupe_key == slot(InboundMessage.dedupe_key)))
    row = by_key.first("<id@example.fi>")
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import peewee

from store.models.base import database


@dataclass(frozen=True)
class _Slot:
    """Where the ``index``-th value goes, and the field that converts it."""

    index: int
    convert: Callable[[Any], Any]


Slot = Callable[[peewee.Field], peewee.Node]


class Prepared:
    """A SELECT built once per database kind by ``build(slot)``; see the module's text.

    ``build`` is called once for each kind of database (SQLite, PostgreSQL), so it may write
    what only one of them has, such as ``FOR UPDATE SKIP LOCKED``.
    """

    def __init__(self, build: Callable[[Slot], peewee.ModelSelect[Any]]) -> None:
        self._build = build
        self._compiled: dict[type[peewee.Database], tuple[type[peewee.Model], str, list[Any]]] = {}

    def _compile(self) -> tuple[type[peewee.Model], str, list[Any]]:
        kind = type(database.obj)
        compiled = self._compiled.get(kind)
        if compiled is None:
            slots: list[_Slot] = []

            def slot(field: peewee.Field) -> peewee.Node:
                new = _Slot(len(slots), field.db_value)
                slots.append(new)
                return peewee.Value(new, converter=False)

            query = self._build(slot)
            sql, params = query.sql()
            compiled = (query.model, sql, list(params))
            self._compiled[kind] = compiled
        return compiled

    def _bound(self, values: Sequence[Any]) -> tuple[type[peewee.Model], str, list[Any]]:
        model, sql, params = self._compile()
        return model, sql, _bind(params, values)

    def rows(self, *values: Any) -> Iterator[Any]:
        """The model instances the query finds for ``values`` (one table's columns)."""
        model, sql, bound = self._bound(values)
        return iter(model.raw(sql, *bound))

    def first(self, *values: Any) -> Any | None:
        return next(self.rows(*values), None)

    def scalar(self, *values: Any) -> Any:
        """The first column of the first row (a COUNT), or None."""
        _, sql, bound = self._bound(values)
        row = database.execute_sql(sql, bound).fetchone()
        return row[0] if row else None


M = TypeVar("M", bound=peewee.Model)
_INSERTS: dict[
    tuple[type[peewee.Database], type[peewee.Model], tuple[str, ...], bool],
    tuple[str, list[Any], bool],
] = {}


def insert(instance: M, *, ignore_conflict: bool = False) -> M:
    """Store a new ``instance`` as ``instance.save(force_insert=True)`` does (its defaults
    were set when it was made), with the INSERT built once per database kind, model and
    set of columns; its primary key set from the database.  ``ignore_conflict``: a row
    that would break a unique constraint is left out (``INSERT OR IGNORE``/``ON CONFLICT DO
    NOTHING``), and the instance then has no key."""
    model = type(instance)
    meta = model._meta
    key_field = meta.primary_key
    assert isinstance(key_field, peewee.Field), "a model with a primary key of one column"
    primary = key_field.name
    data = {
        name: value
        for name, value in instance.__data__.items()
        if not (name == primary and value is None)
    }
    key = (type(database.obj), model, tuple(data), ignore_conflict)
    compiled = _INSERTS.get(key)
    if compiled is None:
        fields = meta.fields
        values = {
            fields[name]: peewee.Value(_Slot(index, fields[name].db_value), converter=False)
            for index, name in enumerate(data)
        }
        query = model.insert(values)
        if ignore_conflict:
            query = query.on_conflict_ignore()
        sql, params = query.sql()
        compiled = (sql, list(params), bool(getattr(query, "_returning", None)))
        _INSERTS[key] = compiled
    sql, params, returning = compiled
    cursor = database.execute_sql(sql, _bind(params, list(data.values())))
    if primary not in data:
        if returning:
            row = cursor.fetchone()
        else:  # lastrowid is the connection's last insert: this one's only if it inserted
            row = (cursor.lastrowid,) if cursor.rowcount == 1 else None
        if row is not None:
            setattr(instance, primary, row[0])
    getattr(instance, "_dirty").clear()  # noqa: B009 - saved: nothing left to write
    return instance


_UPDATES: dict[
    tuple[type[peewee.Database], type[peewee.Model], tuple[str, ...]], tuple[str, list[Any]]
] = {}


def update(model: type[peewee.Model], key: Any, **changes: Any) -> int:
    """``model.update(**changes).where(<primary key> == key)``, with the UPDATE built once
    per database kind, model and set of columns; every value converted by its field and
    bound as a parameter.  Returns the number of rows changed (0 or 1)."""
    names = tuple(changes)
    cache_key = (type(database.obj), model, names)
    compiled = _UPDATES.get(cache_key)
    if compiled is None:
        meta = model._meta
        primary = meta.primary_key
        assert isinstance(primary, peewee.Field), "a model with a primary key of one column"
        values = {
            meta.fields[name]: peewee.Value(
                _Slot(index, meta.fields[name].db_value), converter=False
            )
            for index, name in enumerate(names)
        }
        where = primary == peewee.Value(_Slot(len(names), primary.db_value), converter=False)
        sql, params = model.update(values).where(where).sql()
        compiled = (sql, list(params))
        _UPDATES[cache_key] = compiled
    sql, params = compiled
    return int(database.execute_sql(sql, _bind(params, [*changes.values(), key])).rowcount)


def _bind(params: Sequence[Any], values: Sequence[Any]) -> list[Any]:
    """A compiled query's parameters with each slot filled, converted by its field, from
    ``values``; the query's own constants as they are."""
    return [
        param.convert(values[param.index]) if isinstance(param, _Slot) else param
        for param in params
    ]
