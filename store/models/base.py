from __future__ import annotations

from peewee import DatabaseProxy, Model

database = DatabaseProxy()
"""Bound to a real database by :func:`store.db.open_database`."""


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False
