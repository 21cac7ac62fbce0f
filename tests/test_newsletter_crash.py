"""A newsletter to 2,000 customers through a real SMTP server (aiosmtpd), with the sender
(``rekisteri outbox send`` in its own process) killed with SIGKILL midway and started again.
Consent is withdrawn by some readers after the issue was queued and by others while it was
going out: every customer who may receive marketing when their mail leaves gets exactly one,
nobody else gets any, and every mail carries the list headers and two working links.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import timedelta
from urllib.parse import unquote

from cli.main import main
from store import audit, clock, tokens
from store.config import load_settings
from store.consent import record_consent
from store.models import ConsentEvent, Customer, OutboxMail
from tests.support.killed_sender import (
    insert_customers,
    insert_in_chunks,
    kill_after,
    sender,
    sender_env,
)
from tests.support.newsletter import footer_links

CUSTOMERS = 2000
KILL_AFTER = 600  # mails the server has accepted when the sender is killed


def make_register() -> set[str]:
    """2,000 customers; every 10th never consented.  Returns the consenting customer numbers."""
    ids = insert_customers(
        CUSTOMERS,
        first_name="Lukija",
        first_number=300000,
        source="newsletter",
        email=lambda n: f"lukija{n}@example.fi",
    )
    consenting = {f"{300000 + n}" for n in range(1, CUSTOMERS + 1) if n % 10}
    insert_in_chunks(
        ConsentEvent,
        [
            {
                "customer": ids[number],
                "purpose": "marketing",
                "given": True,
                "at": clock.now() - timedelta(days=30),
                "channel": "newsletter_signup",
                "evidence": "signup",
                "wording_version": "1",
                "recorded_by": "@test",
            }
            for number in sorted(consenting)
        ],
    )
    return consenting


def withdraw(numbers: set[str]) -> None:
    for customer in Customer.select().where(Customer.customer_no.in_(sorted(numbers))):
        record_consent(
            customer,
            "marketing",
            False,
            channel="newsletter_link",
            actor="@mailbot",
            evidence="test",
        )


def test_2000_readers_each_get_one_issue_through_a_killed_sender_and_withdrawals_hold(
    db, frozen_clock, smtp_server, tmp_path, capsys
):
    consenting = make_register()
    issue = tmp_path / "uutiskirje.md"
    issue.write_text("# Toukokuun ohjelma\n\nKesän elokuvat ovat täällä.\n", encoding="utf-8")
    assert main(["newsletter", "send", "--subject", "Toukokuu", str(issue)]) == 0
    assert OutboxMail.select().count() == len(consenting)

    # Withdrawn after queueing, before any mail left.
    before_sending = set(sorted(consenting)[::97])
    withdraw(before_sending)

    env = sender_env(db, smtp_server.url())
    log = tmp_path / "sender.log"
    first = sender(env, log, clock.iso(clock.now()))
    kill_after(first, smtp_server.received, KILL_AFTER, log)
    delivered_before_restart = len(smtp_server.received)

    # Withdrawn while the issue was going out: readers whose mail had not left yet.
    received = {mail.rcpt_tos[0] for mail in smtp_server.received}
    waiting = [
        mail.customer.customer_no
        for mail in OutboxMail.select(OutboxMail, Customer)
        .join(Customer)
        .where(OutboxMail.status == "queued")
        if mail.to_address not in received and mail.customer.customer_no not in before_sending
    ]
    while_sending = set(waiting[::53])
    assert while_sending
    withdraw(while_sending)

    second = sender(env, log, clock.iso(clock.now() + timedelta(minutes=10)))
    assert second.wait(timeout=300) == 0, log.read_text()[-2000:]

    addresses = {row.email: row.customer_no for row in Customer.select()}
    allowed = consenting - before_sending - while_sending
    ids_per_customer: dict[str, set[str]] = defaultdict(set)
    copies: Counter[str] = Counter()
    settings = load_settings(environ={})
    keys = tokens.keys(settings)
    for mail in smtp_server.received:
        message = mail.message
        customer_no = addresses[mail.rcpt_tos[0]]
        ids_per_customer[customer_no].add(message["Message-ID"])
        copies[message["Message-ID"]] += 1
        assert message["List-Id"] == "Kotkan Leffat Oy <uutiskirje.kotkanleffat.fi>"
        assert message["Precedence"] == "bulk"
        assert message["List-Unsubscribe"].startswith("<mailto:tietosuoja@kotkanleffat.fi?subject=")
        links = footer_links(message)
        found = [tokens.find_tokens(unquote(link))[0] for link in links]
        checks = [tokens.check_token(token, keys) for token in found]
        assert [(check.purpose, check.customer_no) for check in checks] == [
            ("mydata", customer_no),
            ("unsubscribe", customer_no),
        ]
    assert set(ids_per_customer) == allowed, "a mail to someone without consent, or missing"
    assert all(len(ids) == 1 for ids in ids_per_customer.values()), "two issues to one reader"
    redelivered = sorted(message_id for message_id, count in copies.items() if count > 1)
    assert len(redelivered) <= 1  # the mail in flight at the kill, same Message-ID

    skipped = OutboxMail.select().where(OutboxMail.status == "skipped")
    assert {mail.last_error for mail in skipped} == {"marketing consent withdrawn"}
    assert skipped.count() == len(before_sending | while_sending)
    capsys.readouterr()
    assert main(["newsletter", "list", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["counts"] == {
        "queued": 0,
        "sent": len(allowed),
        "failed": 0,
        "skipped": len(before_sending | while_sending),
    }
    assert audit.verify().ok
    again = [
        (
            message_id,
            copies[message_id],
            OutboxMail.get(OutboxMail.message_id == message_id).attempts,
        )
        for message_id in redelivered
    ]
    with capsys.disabled():
        print(
            f"\n{len(smtp_server.received)} newsletter mails received, "
            f"{delivered_before_restart} before the kill; {len(before_sending)} withdrawn "
            f"before sending, {len(while_sending)} during; re-delivered (Message-ID, "
            f"copies, attempts): {again}"
        )
