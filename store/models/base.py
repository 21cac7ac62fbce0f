from __future__ import annotations

from typing import Any

from peewee import DatabaseProxy, Model

database = DatabaseProxy()
"""Bound to a real database by :func:`store.db.open_database`."""


class BaseModel(Model):
    id: Any  # the AutoField peewee adds (peewee has no type stubs: its fields are Any)

    class Meta:
        database = database
        legacy_table_names = False
