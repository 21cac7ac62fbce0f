"""Small builders for test data, going through the real store functions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from store import clock
from store.customers import name_keys, normalize_email, normalize_phone
from store.models import Customer, CustomerSource

_counter = [0]


def make_customer(
    *,
    first_name: str = "Matti",
    last_name: str = "Meikäläinen",
    email: str | None = "matti.meikalainen@example.fi",
    phone: str | None = "040 1234567",
    customer_no: str | None = None,
    sources: tuple[str, ...] = ("ticketing",),
    created_at: datetime | None = None,
    **fields: Any,
) -> Customer:
    _counter[0] += 1
    now = created_at or clock.now()
    name_key, reverse_key = name_keys(first_name, last_name)
    customer = Customer.create(
        customer_no=customer_no or f"T{_counter[0]:06d}",
        first_name=first_name,
        last_name=last_name,
        name_key=name_key,
        reverse_name_key=reverse_key,
        email=normalize_email(email) if email else None,
        phone=normalize_phone(phone) if phone else None,
        street_address=fields.pop("street_address", "Keskuskatu 1"),
        postal_code=fields.pop("postal_code", "48100"),
        city=fields.pop("city", "Kotka"),
        created_at=now,
        updated_at=now,
        **fields,
    )
    for source in sources:
        CustomerSource.create(customer=customer, source=source, added_at=now)
    return customer


def make_outbox_mail(
    settings: Any,
    *,
    to_address: str = "matti.meikalainen@example.fi",
    template: str = "acknowledgement",
    language: str = "fi",
    request: Any = None,
    **options: Any,
) -> Any:
    """A mail queued the real way (rendered, built, stored), about a new request by default."""
    from mailbot.outgoing import queue_mail
    from store import lifecycle

    if request is None:
        request = lifecycle.create_request(
            kind="access", actor="@mailbot", language=language, requester_email=to_address
        )
    return queue_mail(
        template,
        settings=settings,
        to_address=to_address,
        language=language,
        actor="@mailbot",
        request=request,
        **options,
    )


def make_staff(name: str, role: str = "handler") -> None:
    """A staff member who may act (``require_active`` asks), made without an audit event
    so a test's own clock decides the first event's time; never logs in (no password)."""
    from store.models import Staff

    Staff.create(name=name, role=role, password_hash="!", created_at=clock.now())
