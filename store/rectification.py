"""Rectification (GDPR Art. 16): correcting a customer's data on an approved request.

Values are normalised with the same helpers as imports (a phone number to E.164, an email
address lowercased), so a corrected value matches and searches like any other.  The audit
event names the fields that changed, old → new by field name; the values themselves stay
out of the trail, which must never hold personal data beyond the customer number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from store import audit, clock, forget_ledger
from store.config import LANGUAGES
from store.customers import name_keys, normalize_email, normalize_phone
from store.errors import InvalidInput, RuleViolation
from store.models import Customer, Kind, Request, Status, database

RECTIFIABLE_FIELDS = (
    "first_name",
    "last_name",
    "street_address",
    "postal_code",
    "city",
    "phone",
    "email",
    "language",
)
"""The register fields a person can have corrected, in the order screens show them."""


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


def current_values(customer: Customer) -> dict[str, str]:
    """The customer's rectifiable fields as stored (phone in E.164, email lowercased)."""
    return {name: getattr(customer, name) or "" for name in RECTIFIABLE_FIELDS}


def normalise(field: str, value: str) -> str:
    """``value`` as the register stores ``field``; raises InvalidInput when it cannot be."""
    if field not in RECTIFIABLE_FIELDS:
        raise InvalidInput(
            f"{field!r} is not a field that can be corrected",
            key="rectification.not_rectifiable",
            field=field,
        )
    text = " ".join(value.split())
    if field == "phone":
        return normalize_phone(text) if text else ""
    if field == "email":
        return normalize_email(text) if text else ""
    if field == "language":
        if text not in LANGUAGES:
            raise InvalidInput(
                f"language must be one of {', '.join(LANGUAGES)}",
                key="rectification.bad_language",
                value=text,
            )
        return text
    if field in ("first_name", "last_name") and not text:
        raise InvalidInput("a name cannot be empty", key="rectification.empty_name")
    return text


def planned_changes(customer: Customer, wanted: Mapping[str, str]) -> list[FieldChange]:
    """What :func:`apply_rectification` would change: normalised, unchanged fields dropped."""
    old = current_values(customer)
    changes = []
    for field in RECTIFIABLE_FIELDS:
        if field not in wanted:
            continue
        new = normalise(field, wanted[field])
        if new != old[field]:
            changes.append(FieldChange(field, old[field], new))
    unknown = sorted(set(wanted) - set(RECTIFIABLE_FIELDS))
    if unknown:
        raise InvalidInput(
            f"{unknown[0]!r} is not a field that can be corrected",
            key="rectification.not_rectifiable",
            field=unknown[0],
        )
    return changes


def apply_rectification(
    request: Request, wanted: Mapping[str, str], actor: str
) -> list[FieldChange]:
    """Correct the confirmed customer's data for an approved rectification request."""
    if request.kind != Kind.RECTIFICATION:
        raise RuleViolation(
            f"request {request.reference} is not a rectification request",
            key="rectification.not_rectification",
            reference=request.reference,
        )
    if request.status != Status.APPROVED:
        raise RuleViolation(
            "approve the request first",
            key="rule.fulfil_needs_approval",
            reference=request.reference,
        )
    if request.match_state != "confirmed" or request.customer_id is None:
        raise RuleViolation(
            "confirm the customer first",
            key="rule.call_needs_customer",
            reference=request.reference,
        )
    with database.atomic():
        customer = Customer.get_by_id(request.customer_id)
        if customer.erased_at is not None:
            raise RuleViolation(
                "the customer has been erased",
                key="rectification.customer_erased",
                reference=request.reference,
            )
        changes = planned_changes(customer, wanted)
        write_changes(customer, changes, actor=actor, request_reference=request.reference)
    return changes


def write_changes(
    customer: Customer,
    changes: list[FieldChange] | Mapping[str, str],
    *,
    actor: str,
    request_reference: str | None = None,
    via: str = "request",
) -> list[FieldChange]:
    """Write corrected values (planned changes, or wanted values to plan), audited and
    noted in the forget ledger; the one way a customer's data is corrected, whether on
    an approved request or when a restore replays a correction."""
    if isinstance(changes, Mapping):
        changes = planned_changes(customer, changes)
    if not changes:
        return []
    with database.atomic():
        for change in changes:
            # An emptied phone or email is NULL, as imports store a missing one.
            empty_is_null = change.field in ("phone", "email")
            setattr(customer, change.field, (change.new or None) if empty_is_null else change.new)
        customer.name_key, customer.reverse_name_key = name_keys(
            customer.first_name, customer.last_name
        )
        customer.updated_at = clock.now()
        customer.save()
        forget_ledger.note_rectification(
            customer.customer_no, {change.field: change.new for change in changes}
        )
        audit.record(
            "customer.rectified",
            actor,
            customer_no=customer.customer_no,
            request_reference=request_reference,
            fields=[change.field for change in changes],
            **_via(via),
        )
    return changes


def _via(via: str) -> dict[str, Any]:
    """The audit payload's ``via``, said only when it is not the ordinary request path."""
    return {"via": via} if via != "request" else {}
