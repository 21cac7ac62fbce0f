from __future__ import annotations

from enum import StrEnum
from typing import Any

from peewee import (
    BlobField,
    BooleanField,
    CharField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from store.fields import JSONField, UtcDateTimeField
from store.models.base import BaseModel
from store.models.customers import Customer
from store.models.requests import Request


class Disposition(StrEnum):
    """What became of an inbound message.  Members are str: stored as their value."""

    NEW_REQUEST = "new_request"
    REPLY = "reply"
    IGNORED = "ignored"
    QUARANTINED = "quarantined"


class OutboxStatus(StrEnum):
    """Where a mail of the outbox stands."""

    QUEUED = "queued"
    RETRY = "retry"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


# The codes as plain strings, in this order.
DISPOSITIONS = tuple(disposition.value for disposition in Disposition)
OUTBOX_STATUSES = tuple(status.value for status in OutboxStatus)


class InboundMessage(BaseModel):
    """A message fetched from the privacy inbox, with its one disposition.

    ``dedupe_key`` is the Message-ID, or a hash of the raw bytes when there is none, so a
    message fetched twice (a crash between commit and flag, a UIDVALIDITY change) is
    recognised and never makes a second request.
    """

    dedupe_key = CharField(max_length=255, unique=True)
    message_id = CharField(null=True, max_length=998)
    from_address = CharField(default="")
    from_name = CharField(default="")
    reply_to = CharField(default="")
    to_addresses = TextField(default="")
    subject = TextField(default="")
    sent_at = UtcDateTimeField(null=True)  # the Date header
    received_at = UtcDateTimeField(index=True)  # when it reached us
    in_reply_to = TextField(default="")
    references = TextField(default="")
    body_text = TextField(default="")  # what the person wrote
    quoted_text = TextField(default="")  # quoted replies and signatures, kept apart
    headers = JSONField(default=list)  # [[name, value], ...] for staff to inspect
    form_fields = JSONField(default=dict)  # the website form's key: value lines
    language = CharField(default="", max_length=2)
    disposition = CharField(max_length=16, index=True)
    reason = TextField(null=True)
    request_id: Any  # the key's column, added by peewee
    request = ForeignKeyField(Request, null=True, backref="messages", on_delete="SET NULL")
    needs_attention = BooleanField(default=False)
    attention_reason = TextField(default="")
    # A newsletter link's token in what the person wrote: its purpose, whether it was
    # accepted, and if not why (store.tokens.LinkUse.note); null when there was none.
    link_token = JSONField(null=True)
    # Our mail server's Authentication-Results verdict (mailbot.authresults): authserv_id,
    # spf, dkim, dmarc and the methods that failed; null when the mail carried none.
    authentication = JSONField(null=True)
    # The bytes as received.  Not ``raw``: that would shadow peewee's Model.raw() (the
    # column keeps its name, so no migration).
    raw_message = BlobField(null=True, column_name="raw")
    raw_size = IntegerField(default=0)
    # SHA-256 of the raw bytes: the same bytes seen again (a UIDVALIDITY change) are this
    # message; other bytes under the same Message-ID are a duplicate copy.
    raw_sha256 = CharField(default="", max_length=64, index=True)
    redacted_at = UtcDateTimeField(null=True)


class MessageLocation(BaseModel):
    """Where a message was seen: mailbox, UIDVALIDITY and UID (Maildir: its unique name)."""

    message_id: Any  # the key's column, added by peewee
    message = ForeignKeyField(InboundMessage, backref="locations", on_delete="CASCADE")
    mailbox = CharField(max_length=255)
    uidvalidity = IntegerField(default=0)
    uid = CharField(max_length=255)
    seen_at = UtcDateTimeField()

    class Meta:
        indexes = ((("mailbox", "uidvalidity", "uid"), True),)


class Attachment(BaseModel):
    message_id: Any  # the key's column, added by peewee
    message = ForeignKeyField(InboundMessage, backref="attachments", on_delete="CASCADE")
    filename = CharField(default="")
    content_type = CharField(default="application/octet-stream")
    size = IntegerField(default=0)
    kept = BooleanField(default=True)  # False: over the size cap, noted and dropped
    data = BlobField(null=True)


class OutboxMail(BaseModel):
    """A mail we send: a row first, sent later, marked sent only once the server accepted it.

    ``raw_message`` is the complete message as it will be sent, so a retry after a crash sends the
    same bytes with the same Message-ID and the duplicate is recognisable.  A mail without
    attachments is queued as its ``draft`` (its text and the headers that are not columns,
    :class:`store.outbox.MailDraft`) and the sender builds ``raw_message`` from it when it
    claims the mail for its first attempt, in the transaction that counts the attempt: the
    mailbot's intake does not wait for the ``email`` package, and every retry still sends
    the bytes of the first.
    """

    message_id = CharField(max_length=255, unique=True)
    to_address = CharField()
    to_name = CharField(default="")
    subject = TextField(default="")
    template = CharField(default="", max_length=64)
    language = CharField(default="fi", max_length=2)
    request_id: Any  # the key's column, added by peewee
    request = ForeignKeyField(Request, null=True, backref="outbox", on_delete="SET NULL")
    customer_id: Any  # the key's column, added by peewee
    customer = ForeignKeyField(Customer, null=True, backref="outbox", on_delete="SET NULL")
    automatic = BooleanField(default=False)
    # A mass mailing's mail (a newsletter, a breach notice): due individual mail goes first,
    # so an acknowledgement never waits behind twenty thousand newsletters.
    bulk = BooleanField(default=False)
    raw_message = BlobField(null=True, column_name="raw")  # the column of Model.raw()'s name
    draft = JSONField(null=True)  # until the first attempt builds raw_message from it
    status = CharField(max_length=16, default="queued", index=True)
    attempts = IntegerField(default=0)
    next_attempt_at = UtcDateTimeField(null=True, index=True)
    last_error = TextField(null=True)
    server_reply = TextField(null=True)
    created_at = UtcDateTimeField()
    created_by = CharField(default="", max_length=64)
    sent_at = UtcDateTimeField(null=True)
    redacted_at = UtcDateTimeField(null=True)


DUE_STATUSES = (OutboxStatus.QUEUED.value, OutboxStatus.RETRY.value)
"""Outbox rows the sender still has to deliver."""
DUE_INDEX = "outbox_mail_due"
"""The partial index of due rows in the sender's order (its claim names it on SQLite)."""

# The sender's "next due row" walks this partial index in order and stops at the first
# row, however many mails a newsletter or a breach notice has queued.
OutboxMail.add_index(
    OutboxMail.bulk,
    OutboxMail.next_attempt_at,
    OutboxMail.id,
    where=OutboxMail.status.in_(DUE_STATUSES),
    name=DUE_INDEX,
)
# The per-sender cap on automatic answers counts one address's recent mail: without this
# it read the whole outbox (bodies too) for every mail that came in.
OutboxMail.add_index(OutboxMail.to_address, OutboxMail.created_at, name="outbox_mail_recipient")
