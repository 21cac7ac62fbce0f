from __future__ import annotations

from typing import TYPE_CHECKING, Any

from peewee import BooleanField, CharField, ForeignKeyField, IntegerField, ModelSelect, TextField

from store.fields import UtcDateTimeField
from store.models.base import BaseModel

if TYPE_CHECKING:
    from store.models.requests import Request

SOURCES = ("ticketing", "newsletter")
"""Where customer data comes from: the ticketing system and the newsletter list."""


class Customer(BaseModel):
    """A person in the register.

    Erasure clears the personal fields and sets ``erased_at``; the row itself stays, with
    its customer number, because bookkeeping records and minimised requests refer to it.
    """

    customer_no = CharField(max_length=32, unique=True)
    first_name = CharField(default="")
    last_name = CharField(default="")
    # Casefolded "first last" and "last first", for prefix search from either end.
    name_key = CharField(default="", index=True)
    reverse_name_key = CharField(default="", index=True)
    street_address = CharField(default="")
    postal_code = CharField(default="", max_length=16)
    city = CharField(default="")
    phone = CharField(null=True, index=True, max_length=32)  # E.164, e.g. +358401234567
    email = CharField(null=True, index=True)  # normalised, lowercase
    language = CharField(default="fi", max_length=2)
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()
    relationship_ended_at = UtcDateTimeField(null=True, index=True)
    erased_at = UtcDateTimeField(null=True)
    # The backrefs peewee adds (each ForeignKeyField's ``backref``), for the type checker.
    source_rows: ModelSelect[CustomerSource]
    consent_events: ModelSelect[ConsentEvent]
    purchases: ModelSelect[Purchase]
    restrictions: ModelSelect[Restriction]
    requests: ModelSelect[Request]

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


class CustomerSource(BaseModel):
    customer_id: Any  # the key's column, added by peewee
    customer = ForeignKeyField(Customer, backref="source_rows", on_delete="CASCADE")
    source = CharField(max_length=16)
    added_at = UtcDateTimeField()

    class Meta:
        indexes = ((("customer", "source"), True), (("source",), False))


class ConsentEvent(BaseModel):
    """The consent ledger; the current state is the latest event per purpose, never stored twice."""

    customer_id: Any  # the key's column, added by peewee
    customer = ForeignKeyField(Customer, backref="consent_events", on_delete="CASCADE")
    purpose = CharField(max_length=16)  # register | marketing
    given = BooleanField()  # False: withdrawn
    at = UtcDateTimeField()
    channel = CharField(max_length=32)
    evidence = TextField(default="")
    wording_version = CharField(default="", max_length=64)
    recorded_by = CharField(default="", max_length=64)
    request_reference = CharField(null=True, max_length=32)

    class Meta:
        indexes = ((("customer", "purpose", "at"), False),)


class MarketingSuppression(BaseModel):
    """An objection to direct marketing, kept by address hash so no import re-subscribes it."""

    email_hash = CharField(max_length=64, unique=True)
    created_at = UtcDateTimeField()
    reason = CharField(default="", max_length=64)


class Purchase(BaseModel):
    """A ticket purchase: a bookkeeping voucher, kept six years under the Accounting Act."""

    customer_id: Any  # the key's column, added by peewee
    customer = ForeignKeyField(Customer, null=True, backref="purchases", on_delete="SET NULL")
    receipt_no = CharField(max_length=64, unique=True)
    purchased_at = UtcDateTimeField(index=True)
    amount_cents = IntegerField()
    currency = CharField(default="EUR", max_length=3)
    description = TextField(default="")


class Restriction(BaseModel):
    """Restriction of processing (Art. 18): data kept, not otherwise used, while it lasts.

    ``ground`` is one of ``store.restriction.GROUNDS`` (Art. 18(1)(a)–(d)).  At most one
    restriction of a customer is active (``lifted_at`` is null) at a time.
    """

    customer_id: Any  # the key's column, added by peewee
    customer = ForeignKeyField(Customer, backref="restrictions", on_delete="CASCADE")
    ground = TextField(default="")
    note = TextField(default="")  # staff's note: what is contested, which claim
    started_at = UtcDateTimeField()
    started_by = CharField(default="", max_length=64)
    request_reference = CharField(null=True, max_length=32)
    lifted_at = UtcDateTimeField(null=True)
    lifted_by = CharField(default="", max_length=64)
    lift_reason = TextField(default="")  # told to the person before lifting (Art. 18(3))
    # How the person was told: the Message-ID of the mail, or how otherwise (no address).
    lift_notice_message_id = CharField(null=True, max_length=998)
    lift_informed_otherwise = TextField(default="")


Restriction.add_index(
    Restriction.index(
        Restriction.customer,
        unique=True,
        where=Restriction.lifted_at.is_null(),
        name="restriction_one_active",
    )
)
