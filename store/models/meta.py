from __future__ import annotations

from peewee import CharField, IntegerField, TextField

from store.fields import UtcDateTimeField
from store.models.base import BaseModel


class SchemaVersion(BaseModel):
    """One row per applied migration."""

    version = IntegerField(primary_key=True)
    applied_at = UtcDateTimeField()


class Setting(BaseModel):
    """Small runtime state shared by processes (the mailbot's heartbeat, the token secret)."""

    key = CharField(max_length=100, unique=True)
    value = TextField()


class Counter(BaseModel):
    """Named monotonic counters: reference numbers per year, generated customer numbers.

    A counter only ever grows, so a number once given is never given again, even after
    the row that carried it is erased.
    """

    name = CharField(max_length=64, unique=True)
    value = IntegerField(default=0)
