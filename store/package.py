"""The data package (GDPR Art. 15 and 20): a copy of everything we hold about one person.

Two files, in the requester's language (fi, sv or en):

- ``…json``: machine-readable, for portability (Art. 20): every stored field about the
  person, under the English field names listed in :data:`EXPORTED`;
- ``…html``: the same for people: one self-contained file (no scripts, no external
  resources) that any phone or computer opens in its browser.

Both also carry the Art. 15(1)–(2) information (purposes, categories, recipients,
transfers, retention, sources, automated decisions, the rights and the right to complain),
taken through :mod:`store.facts`, the same facts the privacy notice and the record of
processing show.  A person who is not in the register gets a package that says so; a
restricted person's package says that too (``restricted``).

Other people's data is left out (Art. 15(4)): the names of staff members, and requests in
which the person was only a candidate match for someone else's request.

With a password, :func:`write_package` puts both files into a password-protected ZIP
(:mod:`store.zipcrypto`): the one-time password comes from :func:`new_password` and staff
read it out during the verification call.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from peewee import Model

from store import audit, clock, facts, templating
from store.attached_file import AttachedFile
from store.config import LANGUAGES, Settings
from store.consent import PURPOSES, consent_state, evidence_text, suppression_of
from store.customers import format_phone
from store.encryption import write_private_file
from store.i18n import format_date, format_datetime, translate, words_for
from store.models import (
    Attachment,
    AuditEvent,
    AuditHead,
    Breach,
    ConsentEvent,
    Counter,
    Customer,
    CustomerSource,
    InboundMessage,
    Mailing,
    MailingRecipient,
    MarketingSuppression,
    MessageLocation,
    Newsletter,
    OutboxMail,
    Purchase,
    Request,
    RequestCandidate,
    RequestNote,
    Restriction,
    SchemaVersion,
    Setting,
    Staff,
    VerificationCall,
)
from store.outbox import mail_text
from store.restriction import ground_text, is_restricted
from store.retention_rules import erasure_due_on, voucher_kept_until
from store.zipcrypto import encrypted_zip

FORMAT_VERSION = 1

WITHHELD_ATTENTION = ("sender_differs",)
"""Flags of inbound mail that holds another person's data: left out of the package."""

EXPORTED: dict[type[Model], tuple[str, ...]] = {
    Customer: (
        "customer_no",
        "first_name",
        "last_name",
        "street_address",
        "postal_code",
        "city",
        "phone",
        "email",
        "language",
        "created_at",
        "updated_at",
        "relationship_ended_at",
        "erased_at",
    ),
    CustomerSource: ("source", "added_at"),
    ConsentEvent: (
        "purpose",
        "given",
        "at",
        "channel",
        "evidence",
        "wording_version",
        "request_reference",
    ),
    MarketingSuppression: ("created_at", "reason"),
    Purchase: ("receipt_no", "purchased_at", "amount_cents", "currency", "description"),
    Restriction: ("ground", "note", "started_at", "request_reference", "lifted_at", "lift_reason"),
    Request: (
        "reference",
        "kind",
        "status",
        "language",
        "channel",
        "requester_email",
        "requester_name",
        "requester_phone",
        "proposed_changes",
        "received_at",
        "due_at",
        "original_due_at",
        "extended_at",
        "extension_reason",
        "closed_at",
        "outcome",
        "rejection_ground",
        "rejection_reason",
        "minimised_at",
        "created_at",
        "updated_at",
        "written_language",
    ),
    VerificationCall: ("phone_called", "outcome", "note", "called_at"),
    RequestNote: ("text", "created_at"),
    InboundMessage: (
        "message_id",
        "from_address",
        "from_name",
        "reply_to",
        "to_addresses",
        "subject",
        "sent_at",
        "received_at",
        "in_reply_to",
        "references",
        "body_text",
        "quoted_text",
        "headers",
        "authentication",  # the receiving server's SPF/DKIM/DMARC verdict on the mail
        "form_fields",
        "language",
        "disposition",
        "raw_size",
        "redacted_at",
    ),
    Attachment: ("filename", "content_type", "size", "kept"),
    OutboxMail: (
        "message_id",
        "to_address",
        "to_name",
        "subject",
        "language",
        "status",
        "created_at",
        "sent_at",
        "redacted_at",
    ),
    AuditEvent: ("at", "action", "request_reference"),
    MailingRecipient: (),
}
"""Every field of the person's rows that the package carries, per model."""

STAFF_IDENTITY = "the identity of a staff member: another person's data (Art. 15(4))"
ROW_LINK = "a link between rows, shown by nesting"
NOT_EXPORTED: dict[type[Model], dict[str, str]] = {
    Customer: {
        "id": "the database's row number",
        "name_key": "a lowercase copy of the name, for searching",
        "reverse_name_key": "a lowercase copy of the name, for searching",
    },
    CustomerSource: {"id": "the database's row number", "customer": ROW_LINK},
    ConsentEvent: {
        "id": "the database's row number",
        "customer": ROW_LINK,
        "recorded_by": STAFF_IDENTITY,
    },
    MarketingSuppression: {
        "id": "the database's row number",
        "email_hash": "a one-way hash of the address, which is given",
    },
    Purchase: {"id": "the database's row number", "customer": ROW_LINK},
    Restriction: {
        "id": "the database's row number",
        "customer": ROW_LINK,
        "started_by": STAFF_IDENTITY,
        "lifted_by": STAFF_IDENTITY,
        "lift_notice_message_id": "the Message-ID of the mail that told the "
        "person; the mail itself is given",
        "lift_informed_otherwise": "staff's note of how the person was told, "
        "when there was no address to mail",
    },
    Request: {
        "id": "the database's row number",
        "customer": ROW_LINK,
        "match_state": "the desk's progress in finding the customer",
        "confidence": "the mail sorter's certainty about the kind of request",
        "status_before_wait": "the desk's bookkeeping of a pause",
        "handler": STAFF_IDENTITY,
        "news": "a mark for staff that something new arrived",
        "news_at": "when that mark was set",
        "part_of": "the desk's link between requests made from one letter (each is "
        "in the package with its own reference)",
    },
    RequestNote: {
        "id": "the database's row number",
        "request": ROW_LINK,
        "author": STAFF_IDENTITY,
    },
    VerificationCall: {
        "id": "the database's row number",
        "request": ROW_LINK,
        "customer": ROW_LINK,
        "called_by": STAFF_IDENTITY,
        "package_password": "the package's own key, told in the call",
    },
    InboundMessage: {
        "id": "the database's row number",
        "request": ROW_LINK,
        "dedupe_key": "a key derived from the Message-ID, given",
        "reason": "the mail sorter's note",
        "needs_attention": "a flag for staff",
        "attention_reason": "a note for staff",
        "link_token": "the mail sorter's note on a newsletter link in the message",
        "raw_message": "the message as received: its headers, text and form are given",
        "raw_sha256": "a checksum of the message as received",
    },
    Attachment: {
        "id": "the database's row number",
        "message": ROW_LINK,
        "data": "the file the person sent, listed by name and size",
    },
    OutboxMail: {
        "id": "the database's row number",
        "request": ROW_LINK,
        "customer": ROW_LINK,
        "template": "the name of the mail template",
        "automatic": "a flag for the sender",
        "raw_message": "the message as sent: its text is given",
        "draft": "the message before it was sent: its text is given",
        "attempts": "delivery mechanics",
        "next_attempt_at": "delivery mechanics",
        "bulk": "delivery mechanics",
        "last_error": "delivery mechanics",
        "server_reply": "delivery mechanics",
        "created_by": STAFF_IDENTITY,
    },
    AuditEvent: {
        "id": "the log's sequence number",
        "actor": STAFF_IDENTITY,
        "customer_no": "the customer number, given",
        "payload": "technical details",
        "prev_hash": "the log's integrity seal",
        "hash": "the log's integrity seal",
    },
    MailingRecipient: {
        "id": "the database's row number",
        "mailing": ROW_LINK,
        "customer": ROW_LINK,
        "outbox": "the mail it queued, given with the other mail sent",
        "status": "the mass mailing's bookkeeping; the mail's status is given",
        "reason": "the mass mailing's bookkeeping",
        "language": "the mail's language, given with the mail",
        "created_at": "the mail's time, given with the mail",
        "informed_how": "told of a breach another way: given in the processing log",
        "informed_at": "told of a breach another way: given in the processing log",
        "informed_by": STAFF_IDENTITY,
        "informed_note": "the staff's working note of a letter or call; the act is in the log",
    },
}
"""Fields of the person's rows deliberately left out, and why."""

NOT_ABOUT_THE_PERSON: dict[type[Model], str] = {
    SchemaVersion: "the database's version",
    Setting: "the program's own state",
    Counter: "number sequences",
    Staff: "staff accounts",
    AuditHead: "the log's integrity seal",
    MessageLocation: "where a message lies in the mailbox",
    RequestCandidate: "customers a request might be about: other people's requests (Art. 15(4))",
    Breach: "the breach register: an incident, not a person; a notice sent about it is "
    "given with the other mail sent",
    Mailing: "a mass mailing as a whole; the person's own mail from it is given",
    Newsletter: "an issue of the newsletter; the person's own copy is given with the other "
    "mail sent",
}
"""Models that hold nothing about the person a package is for."""

INFORMATION_ITEMS = (
    "register_name",
    "purposes",
    "data_categories",
    "recipients",
    "transfers",
    "retention",
    "sources",
    "automated_decisions",
    "rights",
    "how_to_use_rights",
    "complaint",
    "processors",
    "security",
)
"""The Art. 15(1)–(2) items, each taken from the setting of the same name in [notice]
(:func:`store.facts.information`); ``purposes`` lists each purpose with its legal basis."""


@dataclass
class DataPackage:
    """A built package: the JSON document and the HTML page, in one language."""

    language: str
    generated_at: datetime
    customer_no: str | None
    document: dict[str, Any]
    html: str
    stem: str  # the file name without extension

    @property
    def found(self) -> bool:
        return self.customer_no is not None

    def json_bytes(self) -> bytes:
        return json.dumps(self.document, ensure_ascii=False, indent=2).encode("utf-8")


@dataclass(frozen=True)
class _Texts:
    """``t("title")`` looks up ``package.title`` in the package's language."""

    language: str

    def __call__(self, key: str, /, **params: Any) -> str:
        return translate(f"package.{key}", self.language, **params)


# ---------------------------------------------------------------- building


def build_package(
    customer: Customer | None,
    *,
    language: str,
    settings: Settings,
    actor: str,
    request: Request | None = None,
    now: datetime | None = None,
    include_messages: Collection[int] = (),
) -> DataPackage:
    """Collect everything about ``customer`` (None: not in the register); audited as a look.

    Mail that reached the person's requests from someone else (flagged ``sender_differs``)
    is another person's data (Art. 15(4)): it is left out and listed as withheld, unless
    staff name it in ``include_messages`` (inbound message ids) after reading it.
    """
    language = language if language in LANGUAGES else "fi"
    now = now or clock.now()
    document: dict[str, Any] = {
        "format": "rekisteri-data-package",
        "format_version": FORMAT_VERSION,
        "generated_at": clock.iso(now),
        "language": language,
        "controller": facts.controller(settings, language),
        "data_found": customer is not None,
    }
    if customer is not None:
        document.update(_personal_data(customer, settings, now, frozenset(include_messages)))
    document["information"] = _information(settings, language, document, customer)
    stem = _stem(language, customer, now)
    html = _render_html(document, language, stem)
    audit.record(
        "package.built",
        actor,
        customer_no=customer.customer_no if customer else None,
        request_reference=request.reference if request else None,
        language=language,
        found=customer is not None,
    )
    return DataPackage(
        language=language,
        generated_at=now,
        customer_no=customer.customer_no if customer else None,
        document=document,
        html=html,
        stem=stem,
    )


def _stem(language: str, customer: Customer | None, now: datetime) -> str:
    base = translate("package.file_stem", language)
    number = re.sub(r"[^A-Za-z0-9-]", "", customer.customer_no) if customer else ""
    parts = [base, number, clock.local_today(now).isoformat()]
    return "-".join(part for part in parts if part)


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return clock.iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    return value


def _row(row: Model, model: type[Model] | None = None) -> dict[str, Any]:
    return {name: _value(getattr(row, name)) for name in EXPORTED[model or type(row)]}


def _withheld(message: InboundMessage, included: frozenset[int]) -> bool:
    return message.attention_reason in WITHHELD_ATTENTION and message.id not in included


def _personal_data(
    customer: Customer, settings: Settings, now: datetime, included: frozenset[int] = frozenset()
) -> dict[str, Any]:
    requests = list(
        Request.select()
        .where(Request.customer == customer)
        .order_by(Request.received_at, Request.id)
    )
    request_ids = [r.id for r in requests]
    calls = _grouped(
        VerificationCall.select()
        .where(VerificationCall.request.in_(request_ids))
        .order_by(VerificationCall.called_at),
        "request_id",
    )
    notes = _grouped(
        RequestNote.select()
        .where(RequestNote.request.in_(request_ids))
        .order_by(RequestNote.created_at),
        "request_id",
    )
    columns = [*_columns(InboundMessage), InboundMessage.attention_reason]
    messages = list(
        InboundMessage.select(*columns)
        .where(InboundMessage.request.in_(request_ids))
        .order_by(InboundMessage.received_at)
    )
    if customer.email:
        messages += list(
            InboundMessage.select(*columns)
            .where(
                InboundMessage.request.is_null() & (InboundMessage.from_address == customer.email)
            )
            .order_by(InboundMessage.received_at)
        )
    attachments = _grouped(
        Attachment.select(*_columns(Attachment)).where(
            Attachment.message.in_([m.id for m in messages])
        ),
        "message_id",
    )
    sent = list(
        OutboxMail.select()
        .where(OutboxMail.request.in_(request_ids) | (OutboxMail.customer == customer))
        .order_by(OutboxMail.created_at)
    )
    withheld = _grouped([m for m in messages if _withheld(m, included)], "request_id")
    messages_in = _grouped([m for m in messages if not _withheld(m, included)], "request_id")
    messages_out = _grouped(sent, "request_id")
    request_rows = []
    for request in requests:
        row = _row(request)
        row["verification_calls"] = [_row(call) for call in calls.get(request.id, [])]
        row["notes"] = [_row(note) for note in notes.get(request.id, [])]
        row["messages_in"] = [_message_in(m, attachments) for m in messages_in.get(request.id, [])]
        row["messages_out"] = [_message_out(m) for m in messages_out.get(request.id, [])]
        row["messages_withheld"] = [
            {"received_at": _value(m.received_at), "reason": m.attention_reason}
            for m in withheld.get(request.id, [])
        ]
        request_rows.append(row)
    suppression = suppression_of(customer.email)
    purchases = []
    for purchase in (
        Purchase.select().where(Purchase.customer == customer).order_by(Purchase.purchased_at)
    ):
        row = _row(purchase)
        row["kept_until"] = voucher_kept_until(
            purchase.purchased_at, settings.retention
        ).isoformat()
        purchases.append(row)
    references = [r.reference for r in requests]
    log = (
        AuditEvent.select(*_columns(AuditEvent))
        .where(
            (AuditEvent.customer_no == customer.customer_no)
            | AuditEvent.request_reference.in_(references)
        )
        .order_by(AuditEvent.id)
    )
    customer_row = _row(customer)
    customer_row["sources"] = [
        _row(source)
        for source in customer.source_rows.order_by(CustomerSource.added_at, CustomerSource.source)
    ]
    states = consent_state(customer)
    return {
        "customer": customer_row,
        "consents": {
            "current": {
                purpose: {
                    "given": states[purpose].given,
                    "since": _value(states[purpose].at),
                    "channel": states[purpose].channel,
                }
                for purpose in PURPOSES
            },
            "events": [
                _row(event)
                for event in customer.consent_events.order_by(ConsentEvent.at, ConsentEvent.id)
            ],
        },
        "marketing_objection": _row(suppression) if suppression else None,
        "restricted": is_restricted(customer),
        "restrictions": [_row(r) for r in customer.restrictions.order_by(Restriction.started_at)],
        "purchases": purchases,
        "requests": request_rows,
        "other_messages_in": [_message_in(m, attachments) for m in messages_in.get(None, [])],
        "other_messages_out": [_message_out(m) for m in messages_out.get(None, [])],
        "processing_log": [_row(event) for event in log],
    }


def _columns(model: type[Model]) -> list[Any]:
    """The exported columns and the link fields: never a blob that is not exported."""
    names = (
        set(EXPORTED[model])
        | {"id"}
        | {name for name, why in NOT_EXPORTED[model].items() if why == ROW_LINK}
    )
    return [model._meta.fields[name] for name in names]


def _grouped(rows: Any, key: str) -> dict[Any, list[Any]]:
    groups: dict[Any, list[Any]] = {}
    for row in rows:
        groups.setdefault(getattr(row, key), []).append(row)
    return groups


def _message_in(message: InboundMessage, attachments: dict[Any, list[Any]]) -> dict[str, Any]:
    row = _row(message)
    row["attachments"] = [_row(a, Attachment) for a in attachments.get(message.id, [])]
    return row


def _message_out(mail: OutboxMail) -> dict[str, Any]:
    row = _row(mail)
    row["text"], row["attachments"] = mail_text(mail)
    return row


def _information(
    settings: Settings, language: str, document: dict[str, Any], customer: Customer | None
) -> dict[str, Any]:
    info = facts.information(settings, language, INFORMATION_ITEMS)
    if customer is not None:
        ended = customer.relationship_ended_at
        info["your_retention"] = {
            "relationship_ended_at": _value(ended),
            "erased_by": erasure_due_on(ended, settings.retention).isoformat() if ended else None,
            "kept_while_marketing_consent": document["consents"]["current"]["marketing"]["given"],
            "vouchers_kept_until": max(
                (p["kept_until"] for p in document["purchases"]), default=None
            ),
        }
        info["your_sources"] = [source["source"] for source in document["customer"]["sources"]]
    return info


# ---------------------------------------------------------------- HTML


def _render_html(document: dict[str, Any], language: str, stem: str) -> str:
    t = _Texts(language)

    def label(group: str, code: Any) -> str:
        """A code in words: ``package.<group>.<code>``, dots in the code as underscores."""
        if code is None or code == "":
            return "–"
        return words_for(f"package.{group}.{str(code).replace('.', '_')}", language) or str(code)

    def when(value: str | None) -> str:
        if not value:
            return "–"
        return format_datetime(clock.parse_instant(value), language)

    def day(value: str | None) -> str:
        if not value:
            return "–"
        return format_date(date.fromisoformat(value[:10]), language)

    def money(cents: int, currency: str) -> str:
        amount = f"{cents / 100:.2f}"
        if language == "en":
            return f"{currency} {amount}"
        return f"{amount.replace('.', ',')} {'€' if currency == 'EUR' else currency}"

    def yes_no(value: bool) -> str:
        return t("yes") if value else t("no")

    def ground(code: str) -> str:
        return ground_text(code, language)

    template = templating.environment("store").get_template("package.html.j2")
    return template.render(
        doc=document,
        t=t,
        label=label,
        when=when,
        day=day,
        money=money,
        yes_no=yes_no,
        phone=format_phone,
        ground=ground,
        evidence=lambda text: evidence_text(text, language),
        language=language,
        json_name=f"{stem}.json",
    )


# ---------------------------------------------------------------- files


def package_files(package: DataPackage, password: str | None = None) -> list[AttachedFile]:
    """The files to deliver: JSON and HTML, or one ZIP holding both when ``password``."""
    files = [
        AttachedFile(f"{package.stem}.json", "application/json", package.json_bytes()),
        AttachedFile(f"{package.stem}.html", "text/html", package.html.encode("utf-8")),
    ]
    if not password:
        return files
    archive = encrypted_zip(
        [(f.filename, f.data) for f in files],
        password,
        package.generated_at.astimezone(clock.HELSINKI),
    )
    return [AttachedFile(f"{package.stem}.zip", "application/zip", archive)]


def write_package(
    package: DataPackage, out_dir: Path | str, password: str | None = None
) -> list[Path]:
    """Write the package's files into ``out_dir`` (created 0700 if missing), each 0600
    whatever the umask; returns their paths."""
    folder = Path(out_dir)
    paths = []
    for item in package_files(package, password):
        path = folder / item.filename
        write_private_file(path, item.data)
        paths.append(path)
    return paths


PASSWORD_DIGITS = 20
"""Twenty random digits: about 66 bits, read out as five groups of four on the phone."""


def new_password() -> str:
    """A one-time password of digits only: easy to say in any language and to type on a phone."""
    return "".join(secrets.choice("0123456789") for _ in range(PASSWORD_DIGITS))


def spoken_password(password: str) -> str:
    """``4821 9930 1745 6602 3318``: how staff read it out (typed without the spaces)."""
    return " ".join(password[i : i + 4] for i in range(0, len(password), 4))
