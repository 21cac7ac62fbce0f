"""Queueing mail: render a template, store it as an outbox row, build its bytes once.

Every mail we send is first a row in the outbox (``store.models.OutboxMail``); the sender
(``mailbot.sender``) delivers it later.  The row holds the rendered text as a draft, and
:func:`message_bytes` builds the message from it when the sender first claims it; those
bytes are stored with the attempt and every retry sends them again.  (A mail with files is
built at once.)  Staff see the rendered mail with :func:`preview` before anything is queued.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from email.headerregistry import Address
from typing import Any

from mailbot.compose import (
    OutgoingMail,
    build_message,
    check_addresses,
    header_text,
    mailbox,
    new_message_id,
)
from mailbot.templates import RenderedMail, render_mail
from store import audit, clock, outbox
from store.attached_file import AttachedFile
from store.config import Settings
from store.db import together
from store.i18n import format_date
from store.models import Customer, InboundMessage, OutboxMail, Request
from store.outbox import MailDraft
from store.prepared import insert


def template_context(request: Request | None, language: str) -> dict[str, Any]:
    """What every template about a request may use: ``request``, ``name``, ``due_date``.

    ``name`` greets the person: the confirmed customer's name while it is on record, else the
    name the request came with (possibly empty: the templates then greet without one).
    """
    if request is None:
        return {}
    customer = request.customer if request.customer_id else None
    name = customer.name if customer is not None and customer.erased_at is None else ""
    return {
        "request": request,
        "name": name or request.requester_name,
        "due_date": format_date(request.due_at, language),
    }


def preview(
    template: str,
    *,
    settings: Settings,
    language: str,
    request: Request | None = None,
    **context: Any,
) -> RenderedMail:
    """The mail as it would be queued, for staff to read first."""
    return render_mail(
        template, language, settings, **{**template_context(request, language), **context}
    )


def _draft(mail: OutgoingMail) -> MailDraft:
    """What of ``mail`` its outbox row keeps until the sender builds it (no attachments)."""
    assert not mail.attachments, "a mail with files is built when it is queued"

    def pair(address: Address | None) -> tuple[str, str] | None:
        return None if address is None else (address.display_name, address.addr_spec)

    return MailDraft(
        text=mail.text,
        html=mail.html,
        in_reply_to=mail.in_reply_to,
        references=tuple(mail.references),
        extra_headers=tuple(mail.extra_headers),
        sender=pair(mail.sender),
        reply_to=pair(mail.reply_to),
    )


def message_bytes(row: OutboxMail, settings: Settings) -> bytes | None:
    """The bytes ``row`` is sent as: those stored, else built from its draft now (the
    sender stores them with the first attempt); None when its content was removed."""
    if row.raw_message is not None:
        return bytes(row.raw_message)
    draft = outbox.draft_of(row)
    if draft is None:
        return None

    def address(pair: tuple[str, str] | None) -> Address | None:
        return None if pair is None else mailbox(*pair)

    mail = OutgoingMail(
        to_address=row.to_address,
        to_name=row.to_name,
        subject=row.subject,
        text=draft.text,
        html=draft.html,
        in_reply_to=draft.in_reply_to,
        references=draft.references,
        automatic=row.automatic,
        extra_headers=draft.extra_headers,
        sender=address(draft.sender),
        reply_to=address(draft.reply_to),
    )
    return build_message(mail, settings, message_id=row.message_id, date=clock.now()).as_bytes()


def threading_headers(message: InboundMessage | None) -> tuple[str | None, list[str]]:
    """In-Reply-To and References that thread our answer under the customer's own mail."""
    if message is None or not message.message_id:
        return None, []
    references = [ref for ref in (message.references or "").split() if ref]
    return message.message_id, [*references, message.message_id]


def queue_mail(
    template: str,
    *,
    settings: Settings,
    to_address: str,
    language: str,
    actor: str,
    to_name: str = "",
    request: Request | None = None,
    customer: Customer | None = None,
    reply_to_message: InboundMessage | None = None,
    automatic: bool = False,
    attachments: Sequence[AttachedFile] = (),
    extra_headers: Sequence[tuple[str, str]] = (),
    sender: Address | None = None,
    reply_to: Address | None = None,
    audited: bool = True,
    bulk: bool = False,
    text_override: str | None = None,
    **context: Any,
) -> OutboxMail:
    """Render ``template`` and store the finished message in the outbox, audited.

    A mass mailing (:mod:`mailbot.mailing`) passes ``bulk=True``, so its mail is sent after
    due individual mail, and ``audited=False``, recording one audit event per batch of rows
    instead of one per mail.  ``sender`` and ``reply_to`` (built with
    :func:`mailbot.compose.mailbox`) replace the privacy desk's own From and Reply-To.
    ``text_override``: the text staff edited in the preview; it is what is sent (plain text
    only: an HTML part rendered from the template would say something else).
    """
    rendered = preview(template, settings=settings, language=language, request=request, **context)
    if text_override is not None:
        rendered = RenderedMail(subject=rendered.subject, text=text_override, html=None)
    in_reply_to, references = threading_headers(reply_to_message)
    # The row shows what the headers carry: no control characters (PostgreSQL refuses NUL).
    to_address, to_name = header_text(to_address), header_text(to_name)
    subject = header_text(rendered.subject)
    mail = OutgoingMail(
        to_address=to_address,
        to_name=to_name,
        subject=subject,
        text=rendered.text,
        html=rendered.html,
        in_reply_to=in_reply_to,
        references=references,
        automatic=automatic,
        attachments=attachments,
        extra_headers=tuple(extra_headers),
        sender=sender,
        reply_to=reply_to,
    )
    now = clock.now()
    message_id = new_message_id(settings)
    raw, draft = None, None
    if attachments:  # files are bytes: such a mail is built now, its row holds no draft
        raw = build_message(mail, settings, message_id=message_id, date=now).as_bytes()
    else:
        check_addresses(mail, settings)  # a mistyped address fails here, not when sent
        draft = _draft(mail).as_json()
    # Alone, the row and its audit event commit together; in a mass mailing the caller's
    # batch transaction holds it, and a savepoint per row would only cost round trips.
    with together() if audited else nullcontext():
        row = insert(
            OutboxMail(
                message_id=message_id,
                to_address=to_address,
                to_name=to_name,
                subject=subject,
                template=template,
                language=language,
                request=request,
                customer=customer or (request.customer if request else None),
                automatic=automatic,
                bulk=bulk,
                raw_message=raw,
                draft=draft,
                status="queued",
                next_attempt_at=now,
                created_at=now,
                created_by=actor,
            )
        )
        if audited:
            edited: dict[str, Any] = {"edited_by_staff": True} if text_override is not None else {}
            owner = row.customer  # the instance create() was given: no query
            customer_no = owner.customer_no if owner is not None else None
            audit.record(
                "mail.queued",
                actor,
                customer_no=customer_no,
                request_reference=request.reference if request else None,
                template=template,
                language=language,
                outbox_id=row.id,
                **edited,
            )
    return row
