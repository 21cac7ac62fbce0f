from __future__ import annotations

from peewee import AutoField, BooleanField, CharField, IntegerField, TextField

from store.fields import JSONField, UtcDateTimeField
from store.models.base import BaseModel

BREACH_NATURES = ("confidentiality", "integrity", "availability")
"""What the breach did to the data: disclosed it, altered it, or made it unavailable."""


class Breach(BaseModel):
    """A personal data breach, documented whether or not anyone was notified (Art. 33(5)).

    The register fields are in Finnish, as the Ombudsman's form wants them.  The ``notice_*``
    fields are what customers read (Art. 34): each a text per language (``{"fi": …}``), with
    Finnish the fallback; an empty Finnish text falls back to the register field beside it.
    """

    id = AutoField()
    discovered_at = UtcDateTimeField(index=True)  # the 72 hours run from here (Art. 33(1))
    occurred_at = UtcDateTimeField(null=True)
    occurred_until = UtcDateTimeField(null=True)  # when the breach lasted a while
    how_discovered = TextField(default="")
    what = TextField()  # the nature of the breach: what happened
    natures = JSONField(default=list)  # subset of BREACH_NATURES
    data_categories = TextField(default="")  # categories of personal data
    people_categories = TextField(default="")  # categories of data subjects
    people_count = IntegerField(null=True)  # approximate
    records_count = IntegerField(null=True)  # approximate
    consequences = TextField(default="")
    measures_taken = TextField(default="")
    measures_proposed = TextField(default="")
    contact_name = CharField(default="")
    contact_email = CharField(default="")
    contact_phone = CharField(default="", max_length=64)

    # Art. 33(1) and 34(1) decisions, each with its reasoning, who made it and when.
    authority_required = BooleanField(null=True)  # None: not decided yet
    authority_reason = TextField(default="")
    authority_decided_by = CharField(default="", max_length=64)
    authority_decided_at = UtcDateTimeField(null=True)
    people_required = BooleanField(null=True)
    people_reason = TextField(default="")
    people_decided_by = CharField(default="", max_length=64)
    people_decided_at = UtcDateTimeField(null=True)

    # The notification filed through the Ombudsman's web form, and any later phases.
    authority_notified_at = UtcDateTimeField(null=True)
    authority_notified_by = CharField(default="", max_length=64)
    authority_supplements = JSONField(default=list)  # [{"at": iso, "by": name}, …]
    delay_reason = TextField(default="")  # why the notification came after 72 hours

    notice_what = JSONField(default=dict)
    notice_consequences = JSONField(default=dict)
    notice_measures = JSONField(default=dict)
    notice_advice = JSONField(default=dict)  # what people can do to protect themselves

    created_at = UtcDateTimeField()
    created_by = CharField(max_length=64)
    updated_at = UtcDateTimeField()
