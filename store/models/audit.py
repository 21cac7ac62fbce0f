from __future__ import annotations

from peewee import AutoField, CharField, IntegerField

from store.fields import JSONField, UtcDateTimeField
from store.models.base import BaseModel


class AuditEvent(BaseModel):
    """One link of the append-only, hash-chained audit trail.

    Payloads name customers only by customer number, so erasing a customer never
    forces a change here that would break the chain.
    """

    id = AutoField()
    at = UtcDateTimeField()
    actor = CharField(max_length=64)
    action = CharField(max_length=64, index=True)
    customer_no = CharField(null=True, max_length=32, index=True)
    request_reference = CharField(null=True, max_length=32, index=True)
    payload = JSONField(default=dict)
    prev_hash = CharField(max_length=64)
    hash = CharField(max_length=64)


class AuditHead(BaseModel):
    """The chain's tip: a single row every writer locks, so events append in one line."""

    id = IntegerField(primary_key=True)
    last_id = IntegerField(default=0)
    last_hash = CharField(max_length=64)
