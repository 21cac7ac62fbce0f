"""Mass mailings: choosing recipients, queueing in batches, never twice, resumable."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cli.main import main
from mailbot.breach_notices import notice_preview, queue_breach_notices
from mailbot.mailing import MailSpec, queue_mailing
from store import audit, breaches, clock, mailings
from store.config import load_settings
from store.errors import InvalidInput, NotFound
from store.mailings import Selection
from store.models import AuditEvent, Customer, Mailing, MailingRecipient, OutboxMail
from tests.support.factories import make_customer
from tests.support.mail import outgoing_message


@pytest.fixture(autouse=True)
def anna_on_staff(db):
    """The staff member who acts in these tests (every act asks whether its member is
    enabled)."""
    from tests.support.factories import make_staff

    make_staff("anna")


@pytest.fixture
def settings():
    return load_settings(environ={})


@pytest.fixture
def breach(db, frozen_clock):
    return breaches.record_breach(
        discovered_at=clock.now() - timedelta(hours=5),
        what="Lipunmyynnin varmuuskopio vuoti.",
        actor="anna",
        consequences="Huijausviestejä voi tulla.",
        measures_taken="Varmuuskopio poistettiin.",
    )


def days_ago(days: int):
    return clock.now() - timedelta(days=days)


@pytest.fixture
def register(db, frozen_clock):
    """Six customers: two sources, a range of registration days, one erased, one ended."""
    people = {
        "T1": make_customer(
            customer_no="T1",
            email="t1@example.fi",
            sources=("ticketing",),
            created_at=days_ago(400),
        ),
        "T2": make_customer(
            customer_no="T2", email=None, sources=("ticketing",), created_at=days_ago(100)
        ),
        "N1": make_customer(
            customer_no="N1",
            email="n1@example.fi",
            sources=("newsletter",),
            created_at=days_ago(30),
            language="sv",
        ),
        "B1": make_customer(
            customer_no="B1",
            email="b1@example.fi",
            sources=("ticketing", "newsletter"),
            created_at=days_ago(10),
            language="en",
        ),
        "E1": make_customer(
            customer_no="E1",
            email="e1@example.fi",
            sources=("ticketing",),
            created_at=days_ago(200),
            relationship_ended_at=days_ago(150),
        ),
        "X1": make_customer(
            customer_no="X1",
            email=None,
            sources=("ticketing",),
            created_at=days_ago(50),
            erased_at=days_ago(5),
        ),
    }
    return people


def chosen(selection: Selection) -> list[str]:
    return sorted(
        c.customer_no
        for c in Customer.select().where(Customer.id.in_(mailings.selected_ids(selection)))
    )


def local_day(days: int) -> date:
    return clock.local_today(days_ago(days))


def test_recipients_are_chosen_by_everyone_source_dates_or_list(register):
    assert chosen(Selection(everyone=True)) == ["B1", "E1", "N1", "T1", "T2"]  # never erased
    assert chosen(Selection(sources=("newsletter",))) == ["B1", "N1"]
    assert chosen(Selection(sources=("ticketing",))) == ["B1", "E1", "T1", "T2"]
    assert chosen(Selection(created_from=local_day(100))) == ["B1", "N1", "T2"]
    assert chosen(Selection(created_from=local_day(100), created_until=local_day(30))) == [
        "N1",
        "T2",
    ]
    # In the register at some time in a range: E1 left 150 days ago, T2 came 100 days ago.
    assert chosen(Selection(held_from=local_day(160), held_until=local_day(140))) == ["E1", "T1"]
    assert chosen(Selection(held_from=local_day(120))) == ["B1", "N1", "T1", "T2"]
    assert chosen(Selection(sources=("ticketing",), created_from=local_day(100))) == ["B1", "T2"]
    assert chosen(Selection(customer_nos=("T1", "N1", " B1 "))) == ["B1", "N1", "T1"]


@pytest.mark.parametrize(
    ("selection", "key"),
    [
        ({}, "mailing.no_selection"),
        ({"customer_nos": ("T1",), "everyone": True}, "mailing.list_stands_alone"),
        ({"sources": ("cinema",)}, "mailing.bad_source"),
        (
            {"created_from": date(2026, 3, 2), "created_until": date(2026, 3, 1)},
            "mailing.bad_range",
        ),
    ],
)
def test_a_selection_that_makes_no_sense_is_refused(selection, key):
    with pytest.raises(InvalidInput) as refused:
        Selection(**selection)
    assert refused.value.key == key


def test_unknown_customer_numbers_are_named_and_nothing_is_queued(register, breach, settings):
    with pytest.raises(NotFound) as refused:
        queue_breach_notices(
            breach, Selection(customer_nos=("T1", "Z9", "Z8")), settings=settings, actor="anna"
        )
    assert refused.value.params["numbers"] == "Z8, Z9"
    assert OutboxMail.select().count() == 0


def test_each_customer_gets_one_notice_in_their_language_and_those_without_email_are_listed(
    register, breach, settings
):
    breaches.set_notice_texts(
        breach,
        "en",
        "anna",
        what="A ticketing backup leaked.",
        consequences="You may get scam mail.",
        measures="We deleted the backup.",
    )

    report = queue_breach_notices(
        breach, Selection(everyone=True), settings=settings, actor="anna", batch_size=2
    )

    assert (report.queued, report.without_email, report.batches) == (4, 1, 3)
    mails = {mail.customer.customer_no: mail for mail in OutboxMail.select()}
    assert sorted(mails) == ["B1", "E1", "N1", "T1"]
    english = outgoing_message(mails["B1"], settings)
    assert english["Subject"] == "A personal data breach affecting your data"
    assert "A ticketing backup leaked." in english.get_content()
    swedish = outgoing_message(mails["N1"], settings)
    assert mails["N1"].language == "fi"  # no Swedish texts: Finnish, not a mix
    assert "Lipunmyynnin varmuuskopio vuoti." in swedish.get_content()
    assert all(
        mail.template == "breach_notice" and mail.request_id is None for mail in mails.values()
    )
    mailing = breaches.notice_mailing(breach)
    assert mailings.without_email([mailing.id])[mailing.id] == ["T2"]
    lines = {line.customer_no: line for line in mailings.recipient_lines(mailing)}
    assert lines["T2"].status == "no_email" and lines["T2"].phone == "+358401234567"
    assert lines["T2"].address == "Keskuskatu 1, 48100 Kotka"
    assert lines["T1"].status == "queued" and lines["T1"].message_id == mails["T1"].message_id


def test_running_notify_again_never_queues_anyone_twice(register, breach, settings):
    queue_breach_notices(
        breach, Selection(sources=("newsletter",)), settings=settings, actor="anna"
    )
    again = queue_breach_notices(
        breach, Selection(sources=("newsletter",)), settings=settings, actor="anna"
    )
    wider = queue_breach_notices(breach, Selection(everyone=True), settings=settings, actor="anna")

    assert (again.plan.already, again.queued) == (2, 0)
    assert (wider.plan.already, wider.queued, wider.without_email) == (2, 2, 1)
    per_customer = [mail.customer_id for mail in OutboxMail.select()]
    assert len(per_customer) == len(set(per_customer)) == 4
    assert MailingRecipient.select().count() == 5
    assert Mailing.select().count() == 1


def test_a_run_that_dies_mid_batch_leaves_no_half_and_the_next_run_finishes(
    register, breach, settings
):
    mailing = breaches.start_notices(breach, "anna")
    calls: list[str] = []

    def crashing(customer: Customer) -> MailSpec:
        calls.append(customer.customer_no)
        if customer.customer_no == "N1":
            raise RuntimeError("power cut")
        return MailSpec(
            "breach_notice", "fi", {**breaches.notice_context(breach, "fi"), "name": customer.name}
        )

    with pytest.raises(RuntimeError):
        queue_mailing(
            mailing,
            Selection(everyone=True),
            settings=settings,
            actor="anna",
            mail_for=crashing,
            batch_size=2,
        )
    # The batch holding N1 was rolled back whole: its outbox rows went with it.
    done = {r.customer.customer_no for r in MailingRecipient.select()}
    assert OutboxMail.select().count() == len([n for n in done if n != "T2"])
    assert all(r.outbox_id for r in MailingRecipient.select() if r.status == "queued")

    report = queue_breach_notices(breach, Selection(everyone=True), settings=settings, actor="anna")

    assert report.plan.already == len(done)
    per_customer = [mail.customer_id for mail in OutboxMail.select()]
    assert len(per_customer) == len(set(per_customer)) == 4
    assert MailingRecipient.select().count() == 5


def test_queueing_audits_once_per_batch_with_counts_and_no_addresses(register, breach, settings):
    queue_breach_notices(
        breach, Selection(everyone=True), settings=settings, actor="anna", batch_size=2
    )
    by_action = {}
    for event in AuditEvent.select().order_by(AuditEvent.id):
        by_action.setdefault(event.action, []).append(event)
    assert "mail.queued" not in by_action  # no storm of one event per mail
    batches = by_action["mailing.batch_queued"]
    assert [(e.payload["queued"], e.payload["without_email"]) for e in batches] == [
        (1, 1),
        (2, 0),
        (1, 0),
    ]  # T1 T2 | N1 B1 | E1
    summary = by_action["mailing.queued"][0].payload
    assert (summary["queued"], summary["without_email"], summary["selection"]) == (
        4,
        1,
        {"everyone": True},
    )
    assert "breach.people_decided" in by_action
    assert "@example.fi" not in str([e.payload for e in AuditEvent.select()])
    assert audit.verify().ok


def test_notify_from_the_command_line_by_source_list_and_dates(register, breach, capsys):
    number = str(breach.id)
    assert main(["breach", "notify", number, "--customers", "T1,T2", "--dry-run"]) == 0
    assert "Uusia: 1 sähköpostitse, 1 ilman" in capsys.readouterr().err
    assert OutboxMail.select().count() == 0

    assert main(["breach", "notify", number, "--customers", "T1,T2", "--by", "tero"]) == 0
    assert main(["breach", "notify", number, "--source", "newsletter"]) == 0
    assert main(["breach", "notify", number, "--created-from", local_day(250).isoformat()]) == 0
    assert main(["breach", "notify", number, "--all"]) == 0
    capsys.readouterr()

    assert sorted(m.customer.customer_no for m in OutboxMail.select()) == ["B1", "E1", "N1", "T1"]
    assert main(["breach", "list", "--json"]) == 0
    import json

    [row] = json.loads(capsys.readouterr().out)
    assert row["notices"] == {"queued": 4, "sent": 0, "failed": 0}
    assert row["without_email"] == ["T2"]
    assert row["people_required"] is True
    assert main(["breach", "notify", number]) == 1  # no selection: one line, no traceback
    assert "valitse vastaanottajat" in capsys.readouterr().err


def test_the_notice_preview_reads_plainly_with_every_article_34_item(breach, settings):
    mail = notice_preview(breach, settings, "fi", name="Maija")
    assert mail.subject == "Tietojasi koskeva tietoturvaloukkaus"
    for fragment in (
        "Hei Maija",
        breach.what,
        "Huijausviestejä voi tulla.",
        "Varmuuskopio poistettiin.",
        settings.controller.privacy_inbox,
        "Tietosuojavaltuutetun toimisto",
        "Havaitsimme loukkauksen 10.3.2026",
    ):
        assert fragment in mail.text
    for leftover in ("{{", "}}", "{%", "Undefined"):
        assert leftover not in mail.text
