from __future__ import annotations

from typing import Any

from peewee import AutoField, CharField, ForeignKeyField, TextField

from store.fields import JSONField, UtcDateTimeField
from store.models.base import BaseModel
from store.models.breaches import Breach
from store.models.customers import Customer
from store.models.mail import OutboxMail
from store.models.newsletters import Newsletter

MAILING_KINDS = ("breach_notice", "newsletter")

RECIPIENT_STATUSES = ("queued", "no_email", "informed")
"""``queued``: the outbox row exists (its own status says what became of it);
``no_email``: the customer has no address and needs another channel; ``informed``: staff
told them another way (a letter, a call), when their mail could not (``informed_*``)."""


class Mailing(BaseModel):
    """One mass mail: a breach notice (one per breach) or a newsletter issue.

    Every run that chooses recipients adds to the same mailing, and a customer is its
    recipient at most once, so nobody gets the same mailing twice.
    """

    id = AutoField()
    kind = CharField(max_length=16)
    breach_id: Any  # the key's column, added by peewee
    breach = ForeignKeyField(Breach, null=True, backref="mailings", on_delete="RESTRICT")
    # The newsletter issue (``newsletter_id`` in queries, as before).
    newsletter_id: Any  # the key's column, added by peewee
    newsletter = ForeignKeyField(
        Newsletter, null=True, backref="mailings", column_name="newsletter_id", on_delete="RESTRICT"
    )
    template = CharField(max_length=64)
    selections = JSONField(default=list)  # how each run chose its recipients
    created_at = UtcDateTimeField()
    created_by = CharField(max_length=64)
    last_queued_at = UtcDateTimeField(null=True)

    class Meta:
        indexes = ((("kind", "breach"), True), (("kind", "newsletter_id"), True))


class MailingRecipient(BaseModel):
    """A customer chosen for a mailing, and the outbox row that carries their mail.

    The row and its outbox row are committed together: a run stopped half-way leaves each
    customer either fully queued or not chosen yet, and the next run takes up the rest.
    """

    id = AutoField()
    mailing_id: Any  # the key's column, added by peewee
    mailing = ForeignKeyField(Mailing, backref="recipients", on_delete="CASCADE")
    customer_id: Any  # the key's column, added by peewee
    customer = ForeignKeyField(Customer, backref="mailings", on_delete="CASCADE")
    outbox_id: Any  # the key's column, added by peewee
    outbox = ForeignKeyField(
        OutboxMail, null=True, backref="mailing_recipient", on_delete="SET NULL"
    )
    status = CharField(max_length=16)  # RECIPIENT_STATUSES
    reason = CharField(null=True, max_length=64)
    language = CharField(default="fi", max_length=2)
    created_at = UtcDateTimeField()
    # Told another way (store.breaches.mark_informed): how, when, by whom, and a note.
    informed_how = CharField(null=True, max_length=16)  # store.breaches.InformedChannel
    informed_at = UtcDateTimeField(null=True)
    informed_by = CharField(null=True, max_length=64)
    informed_note = TextField(null=True)

    class Meta:
        indexes = ((("mailing", "customer"), True), (("mailing", "status"), False))
