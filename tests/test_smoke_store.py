from store import audit, lifecycle
from store.models import AuditEvent, Request
from tests.support.factories import make_customer


def test_a_request_gets_a_reference_and_an_audited_lifecycle(db, frozen_clock):
    customer = make_customer()
    request = lifecycle.create_request(kind="access", actor="@mailbot",
                                       requester_email="matti.meikalainen@example.fi")
    assert request.reference == "TP-2026-0001"
    lifecycle.confirm_customer(request, customer, "anna")
    lifecycle.log_call(request, "confirmed", "anna", note="vastasi")
    lifecycle.approve(request, "anna")
    lifecycle.fulfil(request, "anna", outcome="data sent")
    stored = Request.get(Request.reference == "TP-2026-0001")
    assert stored.status == "fulfilled"
    assert stored.received_at == request.received_at
    actions = [e.action for e in AuditEvent.select().order_by(AuditEvent.id)]
    assert actions == ["request.received", "request.customer_confirmed", "request.verified",
                       "request.call_logged", "request.approved", "request.fulfilled"]
    assert audit.verify().ok
