"""The peewee models.  ``ALL_MODELS`` is the schema, in dependency order."""

from store.models.audit import AuditEvent, AuditHead
from store.models.base import BaseModel, database
from store.models.breaches import BREACH_NATURES, Breach
from store.models.customers import (
    SOURCES,
    ConsentEvent,
    Customer,
    CustomerSource,
    MarketingSuppression,
    Purchase,
    Restriction,
)
from store.models.mail import (
    DISPOSITIONS,
    OUTBOX_STATUSES,
    Attachment,
    InboundMessage,
    MessageLocation,
    OutboxMail,
)
from store.models.mailings import MAILING_KINDS, RECIPIENT_STATUSES, Mailing, MailingRecipient
from store.models.meta import Counter, SchemaVersion, Setting
from store.models.newsletters import Newsletter
from store.models.requests import (
    CALL_OUTCOMES,
    CLOSED_STATUSES,
    KINDS,
    MATCH_STATES,
    OPEN_STATUSES,
    STATUSES,
    Request,
    RequestCandidate,
    VerificationCall,
)
from store.models.staff import ROLES, Staff

ALL_MODELS = [
    SchemaVersion,
    Setting,
    Counter,
    Customer,
    CustomerSource,
    ConsentEvent,
    MarketingSuppression,
    Purchase,
    Restriction,
    Request,
    RequestCandidate,
    VerificationCall,
    InboundMessage,
    MessageLocation,
    Attachment,
    OutboxMail,
    Breach,
    Newsletter,
    Mailing,
    MailingRecipient,
    Staff,
    AuditEvent,
    AuditHead,
]

__all__ = [
    "ALL_MODELS",
    "BREACH_NATURES",
    "CALL_OUTCOMES",
    "CLOSED_STATUSES",
    "DISPOSITIONS",
    "KINDS",
    "MAILING_KINDS",
    "MATCH_STATES",
    "OPEN_STATUSES",
    "OUTBOX_STATUSES",
    "RECIPIENT_STATUSES",
    "ROLES",
    "SOURCES",
    "STATUSES",
    "Attachment",
    "AuditEvent",
    "AuditHead",
    "BaseModel",
    "Breach",
    "ConsentEvent",
    "Counter",
    "Customer",
    "CustomerSource",
    "InboundMessage",
    "Mailing",
    "MailingRecipient",
    "MarketingSuppression",
    "MessageLocation",
    "Newsletter",
    "OutboxMail",
    "Purchase",
    "Request",
    "RequestCandidate",
    "Restriction",
    "SchemaVersion",
    "Setting",
    "Staff",
    "VerificationCall",
    "database",
]
