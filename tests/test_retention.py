"""The retention job: exact calendar rules, held-back customers, idempotent, one event each."""

from datetime import timedelta

from cli.main import main
from store import audit, clock, outbox
from store.consent import record_consent
from store.models import AuditEvent, Customer, InboundMessage, OutboxMail, Purchase, Restriction
from store.retention import apply_retention
from tests.support.factories import make_customer, make_outbox_mail
from tests.support.privacy import at, make_purchase, make_request, settings


def ended(day: str, **fields):
    return make_customer(relationship_ended_at=at(day), email=None, phone=None, **fields)


def erased(*customers) -> list[bool]:
    return [Customer.get_by_id(c.id).erased_at is not None for c in customers]


def test_two_months_to_the_day_through_the_end_of_february(db, frozen_clock):
    last_of_december = ended("2025-12-31 15:00")
    mid_january = ended("2026-01-15 09:00")
    frozen_clock(at("2026-02-27 23:59"))
    assert apply_retention(settings()).erasures == []
    frozen_clock(at("2026-02-28 00:01"))
    report = apply_retention(settings())
    assert [(e.customer_no, e.due_on.isoformat()) for e in report.erasures] == [
        (last_of_december.customer_no, "2026-02-28")
    ]
    assert erased(last_of_december, mid_january) == [True, False]
    frozen_clock(at("2026-03-15 00:01"))
    apply_retention(settings())
    assert erased(mid_january) == [True]


def test_a_leap_year_gives_the_twenty_ninth_of_february(db, frozen_clock):
    customer = ended("2023-12-31 15:00")
    frozen_clock(at("2024-02-28 12:00"))
    apply_retention(settings())
    assert erased(customer) == [False]
    frozen_clock(at("2024-02-29 06:00"))
    apply_retention(settings())
    assert erased(customer) == [True]


def test_marketing_consent_keeps_the_customer_until_it_is_withdrawn(db, frozen_clock):
    customer = ended("2025-06-01 12:00")
    record_consent(customer, "marketing", True, channel="website_form", actor="@cli")
    report = apply_retention(settings())
    assert report.erasures == [] and report.kept_for_marketing == 1
    record_consent(customer, "marketing", False, channel="newsletter_link", actor="@mailbot")
    apply_retention(settings())
    assert erased(customer) == [True]


def test_a_newsletter_subscriber_goes_two_months_after_withdrawing(db, frozen_clock):
    subscriber = make_customer(email="tilaaja@example.fi", sources=("newsletter",))
    ticket_buyer = make_customer(email="ostaja@example.fi", phone="0401231234")
    for customer in (subscriber, ticket_buyer):
        record_consent(customer, "marketing", True, channel="newsletter_signup", actor="@cli")
        record_consent(customer, "marketing", False, channel="newsletter_link", actor="@mailbot")
    frozen_clock(at("2026-05-09 23:00"))
    apply_retention(settings())
    assert erased(subscriber, ticket_buyer) == [False, False]
    frozen_clock(at("2026-05-10 00:30"))
    report = apply_retention(settings())
    assert [(e.basis, e.ended_on.isoformat()) for e in report.erasures] == [
        ("newsletter_withdrawn", "2026-03-10")
    ]
    assert erased(subscriber, ticket_buyer) == [True, False]  # still a ticketing customer


def test_restricted_customers_and_open_requests_are_held_and_listed(db, frozen_clock):
    restricted = ended("2025-01-01 12:00")
    Restriction.create(customer=restricted, started_at=clock.now(), ground="oikeusvaatimus")
    asking = make_customer(relationship_ended_at=at("2025-01-01 12:00"))
    make_request(asking, close=False)
    report = apply_retention(settings())
    assert sorted((h.customer_no, h.reason) for h in report.held) == sorted(
        [(restricted.customer_no, "restricted"), (asking.customer_no, "open_request")]
    )
    assert erased(restricted, asking) == [False, False]


def test_dry_run_changes_nothing_then_the_run_does_it_once(db, frozen_clock):
    customers = [ended("2025-10-01 12:00") for _ in range(3)]
    make_purchase(customers[0], "2019-05-05 12:00")
    before = AuditEvent.select().count()
    preview = apply_retention(settings(), dry_run=True)
    assert len(preview.erasures) == 3 and preview.vouchers_deleted == 1
    assert erased(*customers) == [False] * 3 and Purchase.select().count() == 1
    assert AuditEvent.select().count() == before
    seen = []
    report = apply_retention(settings(), progress=lambda done, total: seen.append((done, total)))
    assert len(report.erasures) == 3 and erased(*customers) == [True] * 3
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)
    actions = [
        e.action for e in AuditEvent.select().where(AuditEvent.id > before).order_by(AuditEvent.id)
    ]
    assert actions.count("customer.erased") == 3 and actions[-1] == "retention.applied"
    # Idempotent: nothing left to do, nothing recorded.
    count = AuditEvent.select().count()
    again = apply_retention(settings())
    assert not again.changed_anything and AuditEvent.select().count() == count
    assert audit.verify().ok


def test_vouchers_go_on_the_first_day_after_their_six_years(db, frozen_clock):
    active = make_customer()
    receipt = make_purchase(active, "2026-12-31 21:00")
    frozen_clock(at("2032-12-31 23:59"))
    assert apply_retention(settings()).vouchers_deleted == 0
    frozen_clock(at("2033-01-01 00:00"))
    report = apply_retention(settings())
    assert report.vouchers_deleted == 1 and report.vouchers_up_to.isoformat() == "2026-12-31"
    assert Purchase.get_or_none(Purchase.id == receipt.id) is None
    assert erased(active) == [False]


def test_raw_mail_of_closed_requests_goes_after_the_grace_period(db, frozen_clock):
    customer = make_customer()
    request = make_request(customer)
    # A mail a pre-send check held back was never built: its draft holds what it said.
    skipped = make_outbox_mail(settings(), to_address=customer.email, request=request)
    outbox.mark_skipped(skipped, "restricted")
    frozen_clock(clock.now() + timedelta(days=30) - timedelta(minutes=1))
    assert apply_retention(settings()).messages_raw_removed == 0
    frozen_clock(clock.now() + timedelta(minutes=2))
    report = apply_retention(settings())
    assert (report.messages_raw_removed, report.outbox_raw_removed) == (1, 2)
    message = InboundMessage.get(InboundMessage.request == request.id)
    assert message.raw_message is None and message.body_text  # the request's record stays
    for mail in OutboxMail.select().where(OutboxMail.request == request.id):
        assert (mail.raw_message, mail.draft, outbox.mail_text(mail)[0]) == (None, None, None)


def test_the_command_lists_what_it_would_do_and_why(db, frozen_clock, capsys):
    customer = ended("2025-12-31 12:00")
    frozen_clock(at("2026-03-01 09:00"))
    assert main(["retention", "--dry-run"]) == 0
    out = capsys.readouterr()
    assert f"{customer.customer_no}: poistetaan (asiakassuhde päättyi 31.12.2025" in out.out
    assert "28.2.2026" in out.out and "Kokeiluajo" in out.err
    assert erased(customer) == [False]
    assert main(["retention"]) == 0
    assert erased(customer) == [True]
    assert main(["retention"]) == 0
    assert "Ei tehtävää." in capsys.readouterr().err


def test_quarantined_mail_and_mail_to_nobody_in_the_register_go_after_twelve_months(
    db, frozen_clock
):
    stuck = InboundMessage.create(
        dedupe_key="sha256:stuck",
        from_address="joku@example.fi",
        received_at=clock.now(),
        disposition="quarantined",
        reason="ValueError: joku@example.fi",
        raw_message=b"From: joku@example.fi\r\n\r\n",
    )
    letter = OutboxMail.create(
        message_id="<kirje@kotkanleffat.fi>",
        to_address="joku@example.fi",
        raw_message=b"To: joku@example.fi",
        status="sent",
        created_at=clock.now(),
    )
    frozen_clock(at("2027-03-09 23:59"))
    assert apply_retention(settings()).messages_redacted == 0
    assert InboundMessage.get_by_id(stuck.id).from_address == "joku@example.fi"
    frozen_clock(at("2027-03-10 00:01"))
    report = apply_retention(settings())
    assert (report.messages_redacted, report.outbox_redacted) == (1, 1)
    message = InboundMessage.get_by_id(stuck.id)
    assert (message.from_address, message.raw_message, message.reason) == ("", None, "quarantined")
    assert OutboxMail.get_by_id(letter.id).to_address == ""
    assert audit.verify().ok
