"""store.objections: a marketing objection applied at once, without a call."""

from __future__ import annotations

import pytest

from store import audit, lifecycle
from store.consent import has_consent, is_suppressed, marketing_recipients, record_consent
from store.errors import InvalidInput
from store.models import ConsentEvent
from store.objections import apply_marketing_objection
from tests.support.factories import make_customer


def test_consent_withdrawn_address_suppressed_request_fulfilled(db, frozen_clock):
    customer = make_customer(email="tilaaja@example.fi")
    record_consent(customer, "marketing", True, channel="newsletter_signup", actor="@test")
    assert [c.id for c in marketing_recipients()] == [customer.id]
    request = lifecycle.create_request(
        kind="objection", actor="@mailbot", requester_email="tilaaja@example.fi"
    )
    outcome = apply_marketing_objection(request, customer, "@mailbot", evidence="inbound message 1")
    assert outcome.consent_withdrawn and outcome.addresses_suppressed == 1
    assert (request.status, request.customer_id) == ("fulfilled", customer.id)
    assert not has_consent(customer, "marketing")
    event = ConsentEvent.select().order_by(ConsentEvent.id.desc()).first()
    assert (event.channel, event.request_reference) == ("email_request", request.reference)
    assert marketing_recipients() == []
    assert audit.verify().ok


def test_an_objector_who_is_not_in_the_register_is_suppressed(db, frozen_clock):
    request = lifecycle.create_request(
        kind="objection", actor="@mailbot", requester_email="Outsider@Example.com"
    )
    outcome = apply_marketing_objection(request, None, "@mailbot", evidence="mail")
    assert not outcome.consent_withdrawn
    assert is_suppressed("outsider@example.com") and request.status == "fulfilled"
    # A later newsletter import of that address can never subscribe it again.
    later = make_customer(email="outsider@example.com")
    record_consent(later, "marketing", True, channel="import", actor="@import")
    assert marketing_recipients() == []


def test_only_objections_are_applied_this_way(db, frozen_clock):
    request = lifecycle.create_request(kind="erasure", actor="@mailbot")
    with pytest.raises(InvalidInput):
        apply_marketing_objection(request, None, "@mailbot", evidence="mail")
