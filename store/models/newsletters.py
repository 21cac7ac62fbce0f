from __future__ import annotations

from peewee import AutoField, CharField, TextField

from store.fields import JSONField, UtcDateTimeField
from store.models.base import BaseModel


class Newsletter(BaseModel):
    """One issue of the newsletter: its subject and Markdown text in each language.

    ``digest`` identifies the content, so running the same ``newsletter send`` again (after
    a crash or an interruption) continues the same issue instead of starting a second one.
    Who got it, and what became of each mail, is the issue's :class:`Mailing`.
    """

    id = AutoField()
    subject = TextField()  # the Finnish subject, also used for a language without its own
    subjects = JSONField(default=dict)  # language -> subject, where one was given
    bodies = JSONField(default=dict)  # language -> Markdown; "fi" always
    digest = CharField(max_length=64, unique=True)
    created_at = UtcDateTimeField()
    created_by = CharField(max_length=64)
