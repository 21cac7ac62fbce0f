from __future__ import annotations

from enum import StrEnum
from typing import Any

from peewee import CharField, FloatField, ForeignKeyField, ModelSelect, TextField

from store.fields import JSONField, UtcDateTimeField
from store.models.base import BaseModel
from store.models.customers import Customer


class Kind(StrEnum):
    """The right a request asks for.  Members are str: stored and printed as their value."""

    ACCESS = "access"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    RESTRICTION = "restriction"
    OBJECTION = "objection"
    OTHER = "other"


class Status(StrEnum):
    """Where a request stands."""

    RECEIVED = "received"
    AWAITING_VERIFICATION = "awaiting_verification"
    VERIFIED = "verified"
    APPROVED = "approved"
    FULFILLED = "fulfilled"
    WAITING_FOR_REQUESTER = "waiting_for_requester"
    REJECTED = "rejected"
    DISMISSED = "dismissed"


# The codes as plain strings, in this order (argparse choices, SQL IN lists, listings).
KINDS = tuple(kind.value for kind in Kind)
STATUSES = tuple(status.value for status in Status)
CLOSED_STATUSES = tuple(
    status.value for status in (Status.FULFILLED, Status.REJECTED, Status.DISMISSED)
)
OPEN_STATUSES = tuple(status for status in STATUSES if status not in CLOSED_STATUSES)

MATCH_STATES = ("unmatched", "candidates", "confirmed", "not_in_register")

CALL_OUTCOMES = ("confirmed", "no_answer", "denied", "wrong_person")

CHANNELS = ("email", "website_form", "staff", "phone", "counter", "letter", "other")
"""How a request reached us: by mail (the mailbot), or recorded by staff from a call, the
box office, a letter or another channel (the GDPR accepts any)."""

MANUAL_CHANNELS = ("phone", "counter", "letter", "other")
"""The channels staff record a request from by hand (``requests new``, ``N`` on the queue)."""

NEWS = ("reply", "bounce", "attention")
"""What arrived on a request since a staff member last opened it."""


class Request(BaseModel):
    """A data subject's request: one row from receipt to its minimised proof of compliance."""

    reference = CharField(max_length=32, unique=True)
    kind = CharField(max_length=16, index=True)
    status = CharField(max_length=24, index=True)
    language = CharField(max_length=2, default="fi")  # the language we answer in
    written_language = CharField(max_length=8, default="")  # the one the person wrote in
    channel = CharField(max_length=16, default="email")  # one of CHANNELS
    # The same mail again (Meta.indexes) and erasure (which compares lower-cased).
    requester_email = CharField(null=True)
    requester_name = CharField(default="")
    # A number the mail gave; shown only to warn when it differs from the one on record.
    requester_phone = CharField(null=True, max_length=32)
    customer_id: Any  # the key's column, added by peewee
    customer = ForeignKeyField(Customer, null=True, backref="requests", on_delete="SET NULL")
    match_state = CharField(max_length=16, default="unmatched")
    confidence = FloatField(default=0.0)
    proposed_changes = JSONField(default=dict)  # rectification: field -> proposed value
    received_at = UtcDateTimeField(index=True)
    due_at = UtcDateTimeField(index=True)
    original_due_at = UtcDateTimeField()
    extended_at = UtcDateTimeField(null=True)
    extension_reason = TextField(default="")
    status_before_wait = CharField(null=True, max_length=24)
    handler = CharField(default="", max_length=64)
    closed_at = UtcDateTimeField(null=True)
    outcome = TextField(default="")
    rejection_ground = CharField(default="", max_length=32)
    rejection_reason = TextField(default="")
    minimised_at = UtcDateTimeField(null=True)
    # A letter that asks for several rights becomes one request per right: every part
    # after the first points at the first, whose message holds the letter.
    part_of_id: Any  # the key's column, added by peewee
    part_of = ForeignKeyField("self", null=True, backref="parts", on_delete="SET NULL")
    # Something arrived (one of NEWS) since a staff member last opened the request: the
    # queue marks it and sorts it up until someone opens it.
    news = CharField(default="", max_length=16)
    news_at = UtcDateTimeField(null=True, index=True)
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()
    # The backrefs peewee adds (each ForeignKeyField's ``backref``), for the type checker.
    calls: ModelSelect[VerificationCall]

    class Meta:
        # The mailbot asks for every message: this requester's requests of this kind since
        # a moment (mailbot.ingest._repeated).  With the three columns in one index SQLite
        # does not pick the index on kind alone, which read every request of that kind.
        indexes = ((("requester_email", "kind", "received_at"), False),)


class RequestCandidate(BaseModel):
    """A customer the request may be about, and how it matched (email, phone, number, name)."""

    request_id: Any  # the key's column, added by peewee
    request = ForeignKeyField(Request, backref="candidates", on_delete="CASCADE")
    customer_id: Any  # the key's column, added by peewee
    customer = ForeignKeyField(Customer, backref="candidate_of", on_delete="CASCADE")
    matched_on = CharField(max_length=64)  # comma-separated: token,customer_no,email,phone,name
    score = FloatField(default=0.0)

    class Meta:
        indexes = ((("request", "customer"), True),)


class VerificationCall(BaseModel):
    """A call to the phone number on record, logged before any data leaves the house."""

    request_id: Any  # the key's column, added by peewee
    request = ForeignKeyField(Request, backref="calls", on_delete="CASCADE")
    customer_id: Any  # the key's column, added by peewee
    customer = ForeignKeyField(Customer, null=True, backref="calls", on_delete="SET NULL")
    phone_called = CharField(max_length=32)
    outcome = CharField(max_length=16)
    note = TextField(default="")
    called_by = CharField(max_length=64)
    called_at = UtcDateTimeField()
    # The data package's one-time password, read out in this call when the person confirmed
    # an access request; kept only until the package that uses it is queued.
    package_password = CharField(null=True, max_length=64)


class RequestNote(BaseModel):
    """An internal note on a request: never sent, shown to staff and kept in the audit trail.

    Notes are personal data about the requester like the rest of the request: they are
    minimised with it and go into the person's data package."""

    request_id: Any  # the key's column, added by peewee
    request = ForeignKeyField(Request, backref="notes", on_delete="CASCADE")
    author = CharField(max_length=64)
    text = TextField()
    created_at = UtcDateTimeField()
