from __future__ import annotations

from peewee import BooleanField, CharField, IntegerField

from store.fields import UtcDateTimeField
from store.models.base import BaseModel

ROLES = ("admin", "handler")


class Staff(BaseModel):
    """A named person allowed into the register."""

    name = CharField(max_length=64, unique=True)
    display_name = CharField(default="")
    role = CharField(max_length=16)
    password_hash = CharField(max_length=255)
    enabled = BooleanField(default=True)
    language = CharField(max_length=2, default="fi")
    failed_attempts = IntegerField(default=0)
    locked_until = UtcDateTimeField(null=True)
    created_at = UtcDateTimeField()
    last_login_at = UtcDateTimeField(null=True)
