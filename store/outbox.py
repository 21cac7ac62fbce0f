"""Delivery state of the outbox: which mail is due, and what became of each attempt.

Plain functions over :class:`~store.models.OutboxMail`, shared by the sender
(``mailbot.sender``), the command line and the TUI.  Every outcome writes its audit event in
the same transaction; payloads carry ids, the template, attempt counts, SMTP codes and a
pre-send check's fixed reason, never an address, a name or a server's free text (which often
repeats the address).

A row is *due* when it is ``queued`` or ``retry`` and its ``next_attempt_at`` has come.
:func:`claim_next` takes one due row for a sender by moving ``next_attempt_at`` a lease into
the future (the sender itself takes the row with :func:`take_next` and writes the lease with
the attempt's count in :func:`start_attempt`, one statement): a second sender running at
the same time skips it, and if the process dies in the middle of sending, the row becomes
due again when the lease runs out and goes out again with the same bytes and the same
Message-ID (at least once, never lost).
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import peewee

from store import audit, clock
from store.config import MailSettings, Settings
from store.db import joined_transaction
from store.errors import NotFound, RuleViolation
from store.models import Customer, OutboxMail, OutboxStatus, Request, database, tuples
from store.models.mail import DUE_INDEX, DUE_STATUSES
from store.prepared import Prepared, Slot, update
from store.urls import file_url_path, scheme_of

MAX_RETRY_DELAY = timedelta(days=1)
"""However many attempts, a transient failure is tried again within a day."""


@dataclass(frozen=True)
class MailDraft:
    """A queued mail's parts that are not columns of its row, until its bytes are built.

    ``sender`` and ``reply_to`` are (display name, address) pairs; None: the privacy
    desk's own.  The values are already what the headers carry (control characters gone).
    """

    text: str
    html: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    extra_headers: tuple[tuple[str, str], ...] = ()
    sender: tuple[str, str] | None = None
    reply_to: tuple[str, str] | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> MailDraft:
        def pair(item: Any) -> tuple[str, str] | None:
            return None if item is None else (str(item[0]), str(item[1]))

        return cls(
            text=str(value["text"]),
            html=value.get("html"),
            in_reply_to=value.get("in_reply_to"),
            references=tuple(str(ref) for ref in value.get("references", ())),
            extra_headers=tuple(
                (str(name), str(text)) for name, text in value.get("extra_headers", ())
            ),
            sender=pair(value.get("sender")),
            reply_to=pair(value.get("reply_to")),
        )


def draft_of(mail: OutboxMail) -> MailDraft | None:
    """The mail's parts while its bytes are not built yet, else None."""
    return MailDraft.from_json(mail.draft) if mail.draft is not None else None


def has_content(mail: OutboxMail) -> bool:
    """Whether the mail can still be sent: retention or an erasure has not removed it."""
    return mail.raw_message is not None or mail.draft is not None


def mail_text(mail: OutboxMail) -> tuple[str | None, list[str]]:
    """The text of a queued or sent mail, and the names of the files it carries (None and
    none when its content has been removed)."""
    draft = draft_of(mail)
    if draft is not None:
        return draft.text, []  # a mail with files is built when it is queued
    if not mail.raw_message:
        return None, []
    message = email.message_from_bytes(bytes(mail.raw_message), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(preferencelist=("plain",))
    try:
        text = str(body.get_content()) if body is not None else None
    except (LookupError, ValueError):  # an unknown charset: the files are still named
        text = None
    files = [part.get_filename() or "" for part in message.iter_attachments()]
    return text, files


def normalize_message_id(message_id: str) -> str:
    """``abc@host`` or ``<abc@host>`` (as staff may paste it) → ``<abc@host>``."""
    value = message_id.strip().strip("<>").strip()
    return f"<{value}>"


def due_query(now: datetime | None = None) -> peewee.ModelSelect[OutboxMail]:
    """Due rows, individual mail before mass mail, each oldest first, without the message
    bytes (for counting and listing)."""
    content = {OutboxMail.raw_message.name, OutboxMail.draft.name}  # (fields compare as SQL)
    fields = [field for field in OutboxMail._meta.sorted_fields if field.name not in content]
    return _due(OutboxMail.select(*fields), now or clock.now())


def _due(
    query: peewee.ModelSelect[OutboxMail], now: datetime | peewee.Node
) -> peewee.ModelSelect[OutboxMail]:
    # Written with literals, as the outbox_mail_due index's predicate is: SQLite uses a
    # partial index only for a query term it can see is the same, never a bound parameter.
    due = OutboxMail.status.in_([peewee.SQL(f"'{status}'") for status in DUE_STATUSES])
    return query.where(due & (OutboxMail.next_attempt_at <= now)).order_by(
        OutboxMail.bulk, OutboxMail.next_attempt_at, OutboxMail.id
    )


def _oldest_due(slot: Slot, *, claiming: bool) -> peewee.ModelSelect[OutboxMail]:
    """The oldest due row's id; ``claiming``: locked for the claim on PostgreSQL."""
    oldest = _due(OutboxMail.select(OutboxMail.id), slot(OutboxMail.next_attempt_at)).limit(1)
    if isinstance(database.obj, peewee.SqliteDatabase):
        # Named, so the claim walks the due index whatever the statistics say: without
        # them (1,000 acknowledgements queued one by one) SQLite took the status index and
        # sorted every due row for every claim, 10 ms a mail with 20,000 due.
        hint = peewee.SQL(f'INDEXED BY "{DUE_INDEX}"')
        oldest = oldest.from_(peewee.NodeList((OutboxMail, hint)))
    elif claiming:
        # PostgreSQL: lock the row until the claim commits, and pass over one that another
        # sender is claiming right now.  (SQLite's write transactions are serialised from
        # BEGIN, so reading then updating is already atomic there.)
        oldest = oldest.for_update(skip_locked=True)  # FOR UPDATE SKIP LOCKED
    return oldest


def _claimed(slot: Slot) -> peewee.ModelSelect[OutboxMail]:
    """The claimed row, its bytes, and what its audit events name (the customer's number,
    the request's reference), in one query."""
    return (
        OutboxMail.select(
            OutboxMail,
            Customer.customer_no.alias(_CUSTOMER_NO),
            Request.reference.alias(_REFERENCE),
        )
        .join_from(OutboxMail, Customer, peewee.JOIN.LEFT_OUTER)
        .join_from(OutboxMail, Request, peewee.JOIN.LEFT_OUTER)
        .where(OutboxMail.id == slot(OutboxMail.id))
    )


_CUSTOMER_NO, _REFERENCE = "claimed_customer_no", "claimed_request_reference"
# The sender claims a row for every mail: built once, these cost a fraction of the SQL
# peewee would build each time (two thirds of a sender's own work).
_OLDEST_DUE = Prepared(lambda slot: _oldest_due(slot, claiming=True))
_ANY_DUE = Prepared(lambda slot: _oldest_due(slot, claiming=False))
_CLAIMED = Prepared(_claimed)


@contextmanager
def delivery_transaction() -> Iterator[None]:
    """A transaction for recording what became of a mail, and claiming the next one.

    On PostgreSQL its commit does not wait for the disk (``synchronous_commit`` off, for this
    transaction only), which a sender committing once per mail needs to keep its pace.  A
    crash of the database server may then lose the last instants of records, never corrupt
    them: a row and its audit event go together, and a mail whose "sent" was lost is sent
    again with the same Message-ID, the at-least-once promise the outbox makes anyway.
    """
    with database.atomic():
        if not isinstance(database.obj, peewee.SqliteDatabase):
            database.execute_sql("SET LOCAL synchronous_commit TO OFF")
        yield


def has_due(now: datetime | None = None) -> bool:
    """Whether any row is due: one probe of the partial index, cheap enough to ask every
    second (the mailbot does, so what staff queue leaves within a second or two)."""
    return _ANY_DUE.first(now or clock.now()) is not None


def due_count(now: datetime | None = None) -> int:
    return due_query(now).count()


def claim_next(lease: timedelta, now: datetime | None = None) -> OutboxMail | None:
    """Take the oldest due row for sending, or None when nothing is due: held for ``lease``
    once the transaction commits, so no other sender takes it meanwhile."""
    now = now or clock.now()
    with joined_transaction():
        mail = take_next(now)
        if mail is not None:
            update(OutboxMail, mail.id, next_attempt_at=now + lease)
        return mail


def take_next(now: datetime | None = None) -> OutboxMail | None:
    """The oldest due row, or None, held by this transaction only (locked on PostgreSQL;
    SQLite's write transaction holds the whole database): for the sender, which writes
    what becomes of it before committing, a lease with :func:`start_attempt` or a status.

    The row comes with its ``raw`` bytes (or draft) and with ``customer.customer_no`` and
    ``request.reference`` joined, so recording the outcome needs no further query.
    """
    now = now or clock.now()
    with joined_transaction():  # the sender's, which also records the mail before
        oldest = _OLDEST_DUE.first(now)
        if oldest is None:
            return None
        mail = _CLAIMED.first(oldest.id)
        assert isinstance(mail, OutboxMail), "the row just taken, in this transaction"
        customer_no, reference = mail.__dict__.pop(_CUSTOMER_NO), mail.__dict__.pop(_REFERENCE)
        if mail.customer_id is not None:
            mail.customer = Customer(id=mail.customer_id, customer_no=customer_no)
        if mail.request_id is not None:
            mail.request = Request(id=mail.request_id, reference=reference)
        return mail


def start_attempt(
    mail: OutboxMail,
    built: bytes | None = None,
    *,
    lease: timedelta | None = None,
    now: datetime | None = None,
) -> None:
    """Count an attempt before the bytes leave, so a crash mid-send is counted too (the
    row is claimed: no other sender writes its count meanwhile).

    ``built``: the bytes the sender built from the mail's draft for its first attempt,
    stored with the count, so every later attempt sends them again.  ``lease``: the row
    came from :func:`take_next`, and is held for that long from ``now`` by this same
    statement (one round trip, where a claim and then the count took two).
    """
    mail.attempts += 1
    changes: dict[str, Any] = {"attempts": mail.attempts}
    if lease is not None:
        changes["next_attempt_at"] = (now or clock.now()) + lease
    if built is not None:
        changes |= {"raw_message": built, "draft": None}
    update(OutboxMail, mail.id, **changes)
    for name, value in changes.items():
        setattr(mail, name, value)


def mark_sent(mail: OutboxMail, server_reply: str, *, actor: str = "@mailbot") -> None:
    """The server accepted the mail: keep its reply (the queue id it gave, as a rule)."""
    now = clock.now()
    _save(
        mail,
        "mail.sent",
        actor,
        status="sent",
        sent_at=now,
        server_reply=server_reply,
        last_error=None,
        next_attempt_at=None,
    )


def retry_delay(attempts: int, base_seconds: int) -> timedelta:
    """Exponential backoff: base, 2×base, 4×base … after the 1st, 2nd, 3rd failed attempt."""
    exponent = min(max(attempts, 1) - 1, 32)
    return min(timedelta(seconds=base_seconds * 2**exponent), MAX_RETRY_DELAY)


def mark_retry(
    mail: OutboxMail,
    error: str,
    settings: MailSettings,
    *,
    code: int | None = None,
    actor: str = "@mailbot",
) -> str:
    """A transient failure: try again after the backoff, or give up after the last attempt.

    Returns the new status, ``retry`` or ``failed``.
    """
    if mail.attempts >= settings.send_max_attempts:
        mark_failed(mail, error, code=code, actor=actor)
        return "failed"
    when = clock.now() + retry_delay(mail.attempts, settings.send_retry_base_seconds)
    _save(
        mail,
        "mail.retry",
        actor,
        status="retry",
        last_error=error,
        next_attempt_at=when,
        smtp_code=code,
        retry_at=clock.iso(when),
    )
    return "retry"


def mark_failed(
    mail: OutboxMail, error: str, *, code: int | None = None, actor: str = "@mailbot"
) -> None:
    """A permanent failure (a 5xx, or attempts exhausted): staff see it and may requeue it."""
    _save(
        mail,
        "mail.failed",
        actor,
        status="failed",
        last_error=error,
        next_attempt_at=None,
        smtp_code=code,
    )


def mark_skipped(mail: OutboxMail, reason: str, *, actor: str = "@mailbot") -> None:
    """A pre-send check said no.  ``reason`` is a short fixed phrase: it is audited."""
    _save(
        mail,
        "mail.skipped",
        actor,
        status="skipped",
        last_error=reason,
        next_attempt_at=None,
        reason=reason,
    )


def get_mail(message_id: str) -> OutboxMail:
    mail = OutboxMail.get_or_none(OutboxMail.message_id == normalize_message_id(message_id))
    if mail is None:
        raise NotFound(
            f"no outgoing mail with Message-ID {message_id}",
            key="outbox.no_mail",
            message_id=message_id,
        )
    return mail


def requeue(message_id: str, actor: str) -> OutboxMail:
    """Staff send a failed mail again: the same bytes, the same Message-ID, attempts from 0."""
    with database.atomic():
        mail = get_mail(message_id)
        if mail.status != OutboxStatus.FAILED:
            raise RuleViolation(
                f"only a failed mail can be sent again ({mail.status})",
                key="outbox.not_failed",
                message_id=mail.message_id,
                status=mail.status,
            )
        if not has_content(mail):
            raise RuleViolation(
                "the mail's content has been removed (retention)",
                key="outbox.content_removed",
                message_id=mail.message_id,
            )
        # last_error stays: it tells staff what went wrong the time before.
        _save(
            mail,
            "mail.requeued",
            actor,
            status="queued",
            attempts=0,
            server_reply=None,
            next_attempt_at=clock.now(),
            previous_attempts=mail.attempts,
        )
    return mail


def _save(mail: OutboxMail, action: str, actor: str, **changes: Any) -> None:
    audit_extra = {
        key: changes.pop(key)
        for key in ("smtp_code", "retry_at", "reason", "previous_attempts")
        if key in changes
    }
    with joined_transaction():
        update(OutboxMail, mail.id, **changes)
        for name, value in changes.items():
            setattr(mail, name, value)
        audit.record(
            action,
            actor,
            customer_no=_customer_no(mail),
            request_reference=_reference(mail),
            outbox_id=mail.id,
            template=mail.template,
            attempts=mail.attempts,
            **{key: value for key, value in audit_extra.items() if value is not None},
        )


def _customer_no(mail: OutboxMail) -> str | None:
    customer = mail.customer  # None, without a query, when the mail names no customer
    return customer.customer_no if customer is not None else None


def _reference(mail: OutboxMail) -> str | None:
    request = mail.request  # None, without a query, when the mail answers no request
    return request.reference if request is not None else None


# ---------------------------------------------------------------- the file transport's copies

_UNSAFE_FILE_CHARACTERS = re.compile(r"[^A-Za-z0-9._@+-]")
_FILE_BATCH = 500


def eml_path(folder: Path, message_id: str) -> Path:
    """Where the file transport (``outbox:///folder``) writes the mail ``message_id``."""
    name = _UNSAFE_FILE_CHARACTERS.sub("_", message_id.strip("<>")) or "mail"
    return folder / f"{name}.eml"


def file_transport_folder(settings: Settings) -> Path | None:
    """The folder of ``mail.smtp = outbox:///…``, or None when mail goes over SMTP."""
    url = settings.mail.smtp
    return file_url_path(url) if scheme_of(url) == "outbox" else None


def remove_files_of_redacted_mail(settings: Settings) -> int:
    """Remove the file transport's ``.eml`` files of mail whose bytes the database no longer
    keeps (redacted, or its raw bytes removed by retention): the file is the same bytes.

    Files of mail still kept, and files no outbox row names, stay.  Returns how many went.
    """
    folder = file_transport_folder(settings)
    if folder is None or not folder.is_dir():
        return 0
    files = {f"<{path.stem}>": path for path in folder.glob("*.eml")}
    names = list(files)
    removed = 0
    for start in range(0, len(names), _FILE_BATCH):
        chunk = names[start : start + _FILE_BATCH]
        gone = OutboxMail.select(OutboxMail.message_id).where(
            OutboxMail.message_id.in_(chunk) & OutboxMail.raw_message.is_null()
        )
        for (message_id,) in tuples(gone, tuple[str]):
            path = files[message_id]
            if path == eml_path(folder, message_id):
                path.unlink(missing_ok=True)
                removed += 1
    return removed
