"""The breach register (GDPR Art. 33–34): every breach documented, notified or not.

Plain functions over :class:`~store.models.Breach`; each change writes its audit event in
the same transaction, and first asks :func:`store.staff.require_active` (a member disabled
since logging in is refused in every open session).  Audit payloads carry the breach id,
field names and decisions, never the texts themselves (a description may name people).

**72 hours.**  The authority must be told within 72 hours of the controller becoming aware
(Art. 33(1)): :func:`deadline_at` is that instant, ``discovered_at`` plus exactly 72 hours of
elapsed time.  Times are aware UTC instants, so a daylight-saving change in Finland during
those hours moves the wall-clock reading of the deadline, never the instant.  A notification
filed later must give the reasons for the delay.

**Decisions.**  Whether the authority must be told (Art. 33(1)) and whether the people must
be told (Art. 34(1)) are each recorded with the reasoning, who decided and when.  The privacy
notice promises customers an email about any breach, so queueing the notices records the
decision to tell the people when staff had not recorded one yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import peewee

from store import audit, clock, mailings
from store.config import LANGUAGES, Controller
from store.errors import InvalidInput, NotFound, RuleViolation
from store.models import (
    BREACH_NATURES,
    Breach,
    Customer,
    Mailing,
    MailingRecipient,
    OutboxMail,
    database,
)
from store.sanitise import clean_text
from store.staff import require_active

AUTHORITY_DEADLINE = timedelta(hours=72)

DECISIONS = ("authority", "people")

TEXT_FIELDS = (
    "how_discovered",
    "what",
    "data_categories",
    "people_categories",
    "consequences",
    "measures_taken",
    "measures_proposed",
    "contact_name",
    "contact_email",
    "contact_phone",
    "delay_reason",
)
TIME_FIELDS = ("discovered_at", "occurred_at", "occurred_until")
COUNT_FIELDS = ("people_count", "records_count")
EDITABLE_FIELDS = (*TIME_FIELDS, *TEXT_FIELDS, *COUNT_FIELDS, "natures")
"""What staff may fill in or correct with :func:`update_breach`."""

NOTICE_TEMPLATE = "breach_notice"
"""The mail template of the customer notice (``mailbot/templates/<lang>/breach_notice``)."""

NOTICE_FIELDS = ("what", "consequences", "measures", "advice")
"""The customer notice's own texts, each per language (``Breach.notice_<field>``)."""

PEOPLE_DECISION_BY_PROMISE = (
    "Tietosuojaselosteessa luvataan ilmoittaa asiakkaille tietovuodosta viipymättä "
    "sähköpostitse; ilmoitukset lähetettiin sen mukaisesti."
)
"""The reasoning recorded when notices are queued before anyone decided (Finnish, like
the rest of the register)."""


# ---------------------------------------------------------------- time


def deadline_at(discovered_at: datetime) -> datetime:
    """The last instant to notify the authority: exactly 72 hours after discovery."""
    return discovered_at.astimezone(UTC) + AUTHORITY_DEADLINE


def time_left(breach: Breach, now: datetime | None = None) -> timedelta:
    """How long until the deadline; negative once it has passed."""
    return deadline_at(breach.discovered_at) - (now or clock.now())


def filed_late(breach: Breach, now: datetime | None = None) -> bool:
    """Whether the notification came, or will come, after the 72 hours."""
    filed = breach.authority_notified_at or now or clock.now()
    return filed > deadline_at(breach.discovered_at)


def needs_delay_reason(breach: Breach, now: datetime | None = None) -> bool:
    """Late (or going to be), not decided against, and without the reasons yet."""
    return (
        breach.authority_required is not False
        and filed_late(breach, now)
        and not breach.delay_reason.strip()
    )


# ---------------------------------------------------------------- finding


def get_breach(breach_id: int | str) -> Breach:
    try:
        number = int(str(breach_id).strip())
    except ValueError:
        number = 0
    breach = Breach.get_or_none(Breach.id == number)
    if breach is None:
        raise NotFound(f"no breach {breach_id}", key="breach.not_found", id=breach_id)
    return breach


def list_breaches() -> list[Breach]:
    """Every breach, the most recently discovered first."""
    return list(Breach.select().order_by(Breach.discovered_at.desc(), Breach.id.desc()))


# ---------------------------------------------------------------- recording


def record_breach(
    *,
    discovered_at: datetime,
    what: str,
    actor: str,
    occurred_at: datetime | None = None,
    controller: Controller | None = None,
    **fields: Any,
) -> Breach:
    """Enter a breach in the register.  The contact point defaults to the controller's
    privacy officer (``[controller]`` settings) when ``controller`` is given."""
    require_active(actor)
    if not what.strip():
        raise InvalidInput("describe what happened", key="breach.what_required")
    values = _validated({"discovered_at": discovered_at, "occurred_at": occurred_at, **fields})
    if controller is not None:
        values.setdefault("contact_name", controller.privacy_officer or controller.contact_person)
        values.setdefault("contact_email", controller.privacy_inbox or controller.contact_email)
        values.setdefault("contact_phone", controller.contact_phone)
    _check_times(values)
    now = clock.now()
    with database.atomic():
        breach = Breach.create(
            what=what.strip(), created_at=now, created_by=actor, updated_at=now, **values
        )
        audit.record(
            "breach.recorded",
            actor,
            breach=breach.id,
            discovered_at=clock.iso(breach.discovered_at),
            deadline_at=clock.iso(deadline_at(breach.discovered_at)),
        )
    return breach


def update_breach(breach: Breach, actor: str, **changes: Any) -> list[str]:
    """Fill in or correct register fields; returns the names of the fields that changed."""
    require_active(actor)
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise InvalidInput(
            f"not a breach field: {', '.join(unknown)}",
            key="breach.unknown_field",
            field=", ".join(unknown),
        )
    if "what" in changes and not str(changes["what"] or "").strip():
        raise InvalidInput("describe what happened", key="breach.what_required")
    values = _validated(changes)
    changed = [name for name, value in values.items() if getattr(breach, name) != value]
    if not changed:
        return []
    _check_times({name: getattr(breach, name) for name in TIME_FIELDS} | values)
    with database.atomic():
        for name in changed:
            setattr(breach, name, values[name])
        breach.updated_at = clock.now()
        breach.save()
        audit.record("breach.updated", actor, breach=breach.id, fields=changed)
    return changed


def set_notice_texts(breach: Breach, language: str, actor: str, **texts: str | None) -> list[str]:
    """Write the customer notice's texts in ``language`` (``what``, ``consequences``,
    ``measures``, ``advice``); an empty text removes that language's version."""
    require_active(actor)
    if language not in LANGUAGES:
        raise InvalidInput(
            f"language must be one of {', '.join(LANGUAGES)}",
            key="breach.bad_language",
            language=language,
        )
    unknown = sorted(set(texts) - set(NOTICE_FIELDS))
    if unknown:
        raise InvalidInput(
            f"not a notice text: {', '.join(unknown)}",
            key="breach.unknown_field",
            field=", ".join(unknown),
        )
    changed = []
    for name, text in texts.items():
        if text is None:
            continue
        versions = dict(getattr(breach, f"notice_{name}") or {})
        if text.strip():
            versions[language] = text.strip()
        else:
            versions.pop(language, None)
        if versions != (getattr(breach, f"notice_{name}") or {}):
            setattr(breach, f"notice_{name}", versions)
            changed.append(name)
    if changed:
        with database.atomic():
            breach.updated_at = clock.now()
            breach.save()
            audit.record(
                "breach.notice_texts", actor, breach=breach.id, language=language, fields=changed
            )
    return changed


def decide(
    breach: Breach,
    which: str,
    required: bool,
    reason: str,
    *,
    decided_by: str,
    actor: str,
    at: datetime | None = None,
) -> Breach:
    """Record whether the authority (``which="authority"``) or the people (``"people"``)
    must be told, with the reasoning.  A decision may be revised; the trail keeps each."""
    require_active(actor)
    if which not in DECISIONS:
        raise InvalidInput(f"decide on one of {', '.join(DECISIONS)}")
    if not reason.strip():
        raise InvalidInput("give the reasoning for the decision", key="breach.reason_required")
    if not decided_by.strip():
        raise InvalidInput("name who decided", key="breach.by_required")
    if which == "authority" and not required and breach.authority_notified_at is not None:
        raise RuleViolation(
            "the authority has already been notified", key="breach.already_filed", id=breach.id
        )
    if which == "people" and not required and _notices_queued(breach):
        raise RuleViolation(
            "notices have already been queued to the people",
            key="breach.notices_exist",
            id=breach.id,
        )
    at = at or clock.now()
    with database.atomic():
        setattr(breach, f"{which}_required", required)
        setattr(breach, f"{which}_reason", reason.strip())
        setattr(breach, f"{which}_decided_by", decided_by.strip())
        setattr(breach, f"{which}_decided_at", at)
        breach.updated_at = clock.now()
        breach.save()
        audit.record(
            f"breach.{which}_decided",
            actor,
            breach=breach.id,
            required=required,
            decided_by=decided_by.strip(),
        )
    return breach


def record_filing(
    breach: Breach,
    *,
    filed_by: str,
    actor: str,
    at: datetime | None = None,
    delay_reason: str | None = None,
) -> Breach:
    """Record that the notification was filed through the Ombudsman's web form.

    The first filing is the notification; a later one is a supplement (Art. 33(4) allows
    the information in phases).  A filing after the 72 hours needs the reasons for the delay.
    """
    require_active(actor)
    if not filed_by.strip():
        raise InvalidInput("name who filed the notification", key="breach.by_required")
    if breach.authority_required is None:
        raise RuleViolation(
            "decide first whether the authority must be told",
            key="breach.decide_authority_first",
            id=breach.id,
        )
    if breach.authority_required is False:
        raise RuleViolation(
            "the authority was decided not to be told",
            key="breach.authority_not_required",
            id=breach.id,
        )
    at = at or clock.now()
    if at < breach.discovered_at:
        raise InvalidInput(
            "filed before the breach was discovered", key="breach.filed_before_discovery"
        )
    reason = (delay_reason or "").strip() or breach.delay_reason
    first = breach.authority_notified_at is None
    if first and at > deadline_at(breach.discovered_at) and not reason:
        raise RuleViolation(
            "filed after 72 hours: give the reasons for the delay",
            key="breach.delay_reason_needed",
            id=breach.id,
        )
    with database.atomic():
        breach.delay_reason = reason
        if first:
            breach.authority_notified_at = at
            breach.authority_notified_by = filed_by.strip()
        else:
            breach.authority_supplements = [
                *breach.authority_supplements,
                {"at": clock.iso(at), "by": filed_by.strip()},
            ]
        breach.updated_at = clock.now()
        breach.save()
        audit.record(
            "breach.authority_notified" if first else "breach.authority_supplemented",
            actor,
            breach=breach.id,
            filed_at=clock.iso(at),
            filed_by=filed_by.strip(),
            late=at > deadline_at(breach.discovered_at),
        )
    return breach


def start_notices(breach: Breach, actor: str, decided_by: str | None = None) -> Mailing:
    """The breach's notice mailing, created on first use.  When nobody has decided yet
    whether to tell the people, the decision is recorded (by ``decided_by``, default
    ``actor``) with the privacy notice's promise as its reasoning."""
    require_active(actor)
    if breach.people_required is False:
        raise RuleViolation(
            "the people were decided not to be told", key="breach.people_not_required", id=breach.id
        )
    with database.atomic():
        if breach.people_required is None:
            decide(
                breach,
                "people",
                True,
                PEOPLE_DECISION_BY_PROMISE,
                decided_by=decided_by or actor,
                actor=actor,
            )
        return mailings.start_mailing("breach_notice", NOTICE_TEMPLATE, actor, breach=breach)


def notice_mailing(breach: Breach) -> Mailing | None:
    """The breach's notice mailing, or None before any notice was queued."""
    return mailings.find_mailing("breach_notice", breach=breach)


def _notices_queued(breach: Breach) -> bool:
    return notice_mailing(breach) is not None


# ---------------------------------------------------------------- told another way


class InformedChannel(StrEnum):
    """How staff told a customer of a breach when the notice mail could not."""

    LETTER = "letter"
    PHONE = "phone"
    IN_PERSON = "in_person"  # at the box office
    OTHER = "other"


NEEDS_ANOTHER_CHANNEL = ("no_email", "failed")
"""Recipients the notice mail did not reach: no address on record, or the mail failed."""


def can_mark_informed(status: str) -> tuple[bool, str]:
    """Whether a recipient in ``status`` (a :class:`~store.mailings.RecipientLine`'s) may be
    recorded as told another way, and the catalogue key of why not."""
    if status == "informed":
        return False, "rule.already_informed"
    if status not in NEEDS_ANOTHER_CHANNEL:
        return False, "rule.notice_on_its_way"
    return True, ""


def mark_informed(
    breach: Breach, customer_no: str, channel: str, actor: str, *, note: str = ""
) -> None:
    """Record that the customer was told of the breach another way (Art. 34): how, when
    and by whom.  The audit event names the channel, never the note."""
    require_active(actor)
    try:
        how = InformedChannel(channel)
    except ValueError:
        raise InvalidInput(
            f"not a channel: {channel!r}", key="breach.bad_channel", channel=channel
        ) from None
    mailing = notice_mailing(breach)
    if mailing is None:
        raise RuleViolation("no notices were queued for this breach", key="rule.no_notices_yet")
    with database.atomic():
        found = (
            MailingRecipient.select(MailingRecipient, OutboxMail.status.alias("mail_status"))
            .join_from(MailingRecipient, Customer, on=(MailingRecipient.customer == Customer.id))
            .join_from(
                MailingRecipient,
                OutboxMail,
                peewee.JOIN.LEFT_OUTER,
                on=(MailingRecipient.outbox == OutboxMail.id),
            )
            .where((MailingRecipient.mailing == mailing) & (Customer.customer_no == customer_no))
            .objects()
            .first()
        )
        if found is None:
            raise NotFound(
                f"customer {customer_no} is not among the breach's recipients",
                key="breach.not_a_recipient",
                customer_no=customer_no,
            )
        status = mailings.recipient_status(found.status, found.mail_status)
        allowed, why = can_mark_informed(status)
        if not allowed:
            raise RuleViolation(why, key=why, customer_no=customer_no)
        changed = (
            MailingRecipient.update(
                status="informed",
                informed_how=how.value,
                informed_at=clock.now(),
                informed_by=actor,
                informed_note=clean_text(note).strip() or None,
            )
            .where((MailingRecipient.id == found.id) & (MailingRecipient.status == found.status))
            .execute()
        )
        if not changed:  # a colleague recorded it a moment ago
            raise RuleViolation(
                "rule.already_informed", key="rule.already_informed", customer_no=customer_no
            )
        audit.record(
            "breach.recipient_informed",
            actor,
            customer_no=customer_no,
            breach=breach.id,
            channel=how.value,
        )


# ---------------------------------------------------------------- listing


def breach_rows(now: datetime | None = None) -> list[dict[str, Any]]:
    """``breach list --json``: one dict per breach, newest first (names are a contract)."""
    now = now or clock.now()
    found = list_breaches()
    by_breach = {
        mailing.breach_id: mailing.id
        for mailing in Mailing.select(Mailing.id, Mailing.breach).where(
            Mailing.kind == "breach_notice"
        )
    }
    counts = mailings.notice_counts(by_breach.values())
    no_email = mailings.without_email(by_breach.values())
    empty = dict.fromkeys(mailings.NOTICE_STATUSES, 0)
    return [
        breach_row(
            breach,
            counts.get(by_breach.get(breach.id, 0), empty),
            no_email.get(by_breach.get(breach.id, 0), []),
            now,
        )
        for breach in found
    ]


def breach_row(
    breach: Breach, notices: Mapping[str, int], without_email: list[str], now: datetime
) -> dict[str, Any]:
    return {
        "id": breach.id,
        "discovered_at": clock.iso(breach.discovered_at),
        "deadline_at": clock.iso(deadline_at(breach.discovered_at)),
        "authority_notified_at": clock.iso(breach.authority_notified_at),
        "notices": dict(notices),
        "without_email": without_email,
        "occurred_at": clock.iso(breach.occurred_at),
        "what": breach.what,
        "authority_required": breach.authority_required,
        "people_required": breach.people_required,
        "authority_notified_by": breach.authority_notified_by or None,
        "overdue": breach.authority_notified_at is None
        and breach.authority_required is not False
        and now > deadline_at(breach.discovered_at),
    }


# ---------------------------------------------------------------- the customer notice


def notice_text(breach: Breach, name: str, language: str) -> str:
    """One of the notice's texts in ``language``; Finnish falls back to the register."""
    text: str = (getattr(breach, f"notice_{name}") or {}).get(language, "")
    if text or language != "fi":
        return text
    if name == "measures":
        return "\n\n".join(
            part for part in (breach.measures_taken, breach.measures_proposed) if part.strip()
        )
    return getattr(breach, name, "") if name in ("what", "consequences") else ""


def notice_language(breach: Breach, wanted: str) -> str:
    """``wanted`` when every text of the Finnish notice has a version in it, else ``fi``."""
    if wanted == "fi" or wanted not in LANGUAGES:
        return "fi"
    for name in NOTICE_FIELDS:
        if notice_text(breach, name, "fi") and not notice_text(breach, name, wanted):
            return "fi"
    return wanted


def notice_languages(breach: Breach) -> tuple[str, ...]:
    """The languages the notice can be sent in."""
    return tuple(
        language for language in LANGUAGES if notice_language(breach, language) == language
    )


def notice_context(breach: Breach, language: str) -> dict[str, Any]:
    """What the ``breach_notice`` template needs, in ``language`` (already chosen)."""
    return {
        "breach": breach,
        "what": notice_text(breach, "what", language),
        "consequences": notice_text(breach, "consequences", language),
        "measures": notice_text(breach, "measures", language),
        "advice": notice_text(breach, "advice", language),
        "discovered_at": breach.discovered_at,
        "occurred_at": breach.occurred_at,
        "contact_name": breach.contact_name,
        "contact_email": breach.contact_email,
        "contact_phone": breach.contact_phone,
    }


def missing_notice_items(breach: Breach) -> list[str]:
    """Art. 34(2) items the Finnish notice lacks (the mail then says they are still being
    established): ``consequences``, ``measures``, ``contact``."""
    missing = [
        name for name in ("consequences", "measures") if not notice_text(breach, name, "fi").strip()
    ]
    if not (breach.contact_email or breach.contact_phone):
        missing.append("contact")
    return missing


# ---------------------------------------------------------------- validation


def parse_field(name: str, text: str) -> Any:
    """A field's value from what staff typed (the command line, a form): times as ISO 8601
    (Finnish time without an offset), counts with or without spaces, kinds comma-separated;
    an empty text clears the field."""
    text = text.strip()
    if name in TIME_FIELDS:
        if not text:
            return None
        try:
            return clock.parse_instant(text)
        except ValueError:
            raise InvalidInput(f"not a time: {text!r}", key="breach.bad_time", value=text) from None
    if name in COUNT_FIELDS:
        if not text:
            return None
        try:
            return int(text.replace(" ", "").replace("\u00a0", ""))
        except ValueError:
            raise InvalidInput(
                f"not a number: {text!r}", key="breach.bad_number", value=text
            ) from None
    if name == "natures":
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


def _validated(values: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in values.items():
        if name in TIME_FIELDS:
            if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
                raise InvalidInput(f"{name}: an aware datetime is needed")
            if name == "discovered_at" and value is None:
                raise InvalidInput(
                    "when was the breach discovered?", key="breach.discovered_required"
                )
            result[name] = value.astimezone(UTC) if value is not None else None
        elif name in COUNT_FIELDS:
            if value is not None and (not isinstance(value, int) or value < 0):
                raise InvalidInput(
                    f"{name}: a whole number of at least 0", key="breach.bad_count", field=name
                )
            result[name] = value
        elif name == "natures":
            natures = list(dict.fromkeys(value or ()))
            bad = [nature for nature in natures if nature not in BREACH_NATURES]
            if bad:
                raise InvalidInput(
                    f"not a kind of breach: {', '.join(bad)}",
                    key="breach.bad_nature",
                    nature=", ".join(bad),
                    allowed=", ".join(BREACH_NATURES),
                )
            result[name] = [nature for nature in BREACH_NATURES if nature in natures]
        elif name in TEXT_FIELDS:
            result[name] = str(value or "").strip()
        else:
            raise InvalidInput(
                f"not a breach field: {name}", key="breach.unknown_field", field=name
            )
    return result


def _check_times(values: Mapping[str, Any]) -> None:
    discovered = values.get("discovered_at")
    occurred, until = values.get("occurred_at"), values.get("occurred_until")
    now = clock.now()
    for name in TIME_FIELDS:
        value = values.get(name)
        if value is not None and value > now + timedelta(minutes=5):
            raise InvalidInput(f"{name} is in the future", key="breach.time_in_future", field=name)
    if occurred and discovered and occurred > discovered:
        raise InvalidInput(
            "the breach cannot have happened after it was discovered",
            key="breach.occurred_after_discovery",
        )
    if occurred and until and until < occurred:
        raise InvalidInput("the breach cannot end before it began", key="breach.ends_before_start")
