"""The outbox sender against real servers: aiosmtpd (plain, STARTTLS, SMTPS, AUTH) and the
``outbox:///`` folder.  Each test reads what the server received and what the outbox row and
the audit trail say, as staff and the customer would see them."""

from __future__ import annotations

import asyncio
import dataclasses
import email
import email.policy
import json
from datetime import timedelta
from pathlib import Path

import pytest

from mailbot import sender
from mailbot.outgoing import preview
from mailbot.sender import CLAIM_LEASE, Pacer, send_due
from store import audit, clock, lifecycle, outbox
from store.config import Settings, load_settings
from store.models import AuditEvent, InboundMessage, OutboxMail
from store.urls import file_url
from tests.support.factories import make_outbox_mail


def settings_for(url: str, **mail: object) -> Settings:
    base = load_settings(environ={})
    return dataclasses.replace(base, mail=dataclasses.replace(base.mail, smtp=url, **mail))


def reload(mail: OutboxMail) -> OutboxMail:
    return OutboxMail.get_by_id(mail.id)


def later(seconds: float) -> object:
    return clock.now() + timedelta(seconds=seconds)


async def test_a_batch_goes_out_over_one_connection_and_each_row_is_marked_sent(
    db, frozen_clock, smtp_server
):
    settings = settings_for(smtp_server.url())
    mails = [make_outbox_mail(settings, to_address=f"asiakas{n}@example.fi") for n in range(5)]

    report = await send_due(settings)

    assert (report.sent, report.retry, report.failed, report.skipped) == (5, 0, 0, 0)
    assert sorted(r.rcpt_tos[0] for r in smtp_server.received) == sorted(
        m.to_address for m in mails
    )
    assert smtp_server.connections == 1
    assert all("BODY=8BITMIME" in r.mail_options for r in smtp_server.received)  # UTF-8 text
    for mail in map(reload, mails):
        assert mail.status == "sent"
        assert mail.sent_at == clock.now()
        assert mail.attempts == 1
        assert "queued as Q" in mail.server_reply
        assert mail.next_attempt_at is None
    received_ids = {r.message["Message-ID"] for r in smtp_server.received}
    assert received_ids == {m.message_id for m in mails}
    sent_events = AuditEvent.select().where(AuditEvent.action == "mail.sent")
    assert sent_events.count() == 5
    trail = json.dumps([event.payload for event in sent_events])
    assert "@example.fi" not in trail  # no address in the audit trail
    assert audit.verify().ok


async def test_451_twice_then_accepted_is_delivered_exactly_once(db, frozen_clock, smtp_server):
    settings = settings_for(smtp_server.url(), send_retry_base_seconds=60)
    smtp_server.handler.rcpt_replies.extend(["451 4.7.1 Greylisted, try again later"] * 2)
    mail = make_outbox_mail(settings)

    first = await send_due(settings)
    row = reload(mail)
    assert (first.retry, row.status, row.attempts) == (1, "retry", 1)
    assert row.last_error.startswith("451 4.7.1 Greylisted")
    assert row.next_attempt_at == later(60)

    assert (await send_due(settings)).handled == 0  # not due yet: the backoff holds
    frozen_clock(later(60))
    await send_due(settings)
    row = reload(mail)
    assert (row.status, row.attempts, row.next_attempt_at) == ("retry", 2, later(120))

    frozen_clock(later(120))
    last = await send_due(settings)
    row = reload(mail)
    assert (last.sent, row.status, row.attempts, row.last_error) == (1, "sent", 3, None)
    assert len(smtp_server.received) == 1
    assert smtp_server.received[0].message["Message-ID"] == mail.message_id
    frozen_clock(later(86400))
    assert (await send_due(settings)).handled == 0
    assert len(smtp_server.received) == 1


async def test_550_fails_at_once_and_is_never_retried(db, frozen_clock, smtp_server):
    settings = settings_for(smtp_server.url())
    smtp_server.handler.rcpt_replies.append("550 5.1.1 <nobody@example.fi>: user unknown")
    mail = make_outbox_mail(settings, to_address="nobody@example.fi")

    report = await send_due(settings)

    row = reload(mail)
    assert (report.failed, row.status, row.attempts) == (1, "failed", 1)
    assert row.last_error == "550 5.1.1 <nobody@example.fi>: user unknown"
    frozen_clock(later(7 * 86400))
    assert (await send_due(settings)).handled == 0
    assert smtp_server.received == []
    assert smtp_server.handler.refused == 1
    failed = AuditEvent.get(AuditEvent.action == "mail.failed")
    assert failed.payload["smtp_code"] == 550
    assert "nobody" not in json.dumps(failed.payload)


async def test_attempts_run_out_and_the_mail_fails(db, frozen_clock, smtp_server):
    settings = settings_for(smtp_server.url(), send_max_attempts=3, send_retry_base_seconds=10)
    smtp_server.handler.rcpt_replies.extend(["452 4.2.2 Mailbox full"] * 5)
    mail = make_outbox_mail(settings)

    statuses = []
    for _ in range(3):
        await send_due(settings)
        statuses.append(reload(mail).status)
        frozen_clock(later(3600))
    assert statuses == ["retry", "retry", "failed"]
    assert reload(mail).attempts == 3
    assert (await send_due(settings)).handled == 0


async def test_a_server_that_is_down_gets_the_mail_when_it_is_back(db, frozen_clock, smtp_server):
    settings = settings_for(smtp_server.url(), send_retry_base_seconds=60)
    first, second = make_outbox_mail(settings), make_outbox_mail(settings)
    smtp_server.stop()

    report = await send_due(settings)

    assert report.retry == 1 and report.sent == 0
    assert "127.0.0.1" in report.connection_error
    row = reload(first)
    assert (row.status, row.attempts, row.next_attempt_at) == ("retry", 1, later(60))
    assert "127.0.0.1" in row.last_error
    untouched = reload(second)  # the run stopped: the rest waits, no attempt counted
    assert (untouched.status, untouched.attempts) == ("queued", 0)

    smtp_server.start()
    assert (await send_due(settings)).sent == 1  # the second one, due all along
    frozen_clock(later(60))
    assert (await send_due(settings)).sent == 1
    assert sorted(r.message["Message-ID"] for r in smtp_server.received) == sorted(
        [first.message_id, second.message_id]
    )
    assert reload(first).status == reload(second).status == "sent"


async def test_starttls_required_refuses_a_server_that_offers_none(db, smtp_server):
    settings = settings_for(smtp_server.url(query="starttls=required"))
    mail = make_outbox_mail(settings)

    report = await send_due(settings)

    assert "STARTTLS" in report.connection_error
    assert smtp_server.received == []
    row = reload(mail)
    assert row.status == "retry" and "STARTTLS" in row.last_error


@pytest.mark.parametrize("query", ["", "starttls=required"])
async def test_starttls_is_used_when_the_server_offers_it(
    db, smtp_server_factory, tls_files, query
):
    server = smtp_server_factory(starttls=tls_files)
    settings = settings_for(server.url(query=query))
    make_outbox_mail(settings)

    report = await send_due(settings)

    assert report.sent == 1
    assert server.received[0].encrypted


async def test_an_unknown_certificate_is_refused(db, smtp_server_factory, tls_files):
    server = smtp_server_factory(starttls=tls_files)
    settings = settings_for(f"smtp://127.0.0.1:{server.port}")  # the system CAs only
    make_outbox_mail(settings)

    report = await send_due(settings)

    assert report.sent == 0 and "certificate" in report.connection_error.lower()
    assert server.received == []


async def test_smtps_with_auth_logs_in_over_tls(db, smtp_server_factory, tls_files):
    server = smtp_server_factory(implicit_tls=tls_files, users={"tietosuoja": "sala sana"})
    settings = settings_for(server.url(user="tietosuoja", password="sala%20sana"))
    make_outbox_mail(settings)

    assert (await send_due(settings)).sent == 1
    assert server.received[0].encrypted
    assert server.received[0].user == "tietosuoja"


async def test_starttls_then_auth(db, smtp_server_factory, tls_files):
    server = smtp_server_factory(starttls=tls_files, users={"bot@kotkanleffat.fi": "s3cret"})
    settings = settings_for(
        server.url(user="bot%40kotkanleffat.fi", password="s3cret", query="starttls=required")
    )
    make_outbox_mail(settings)

    assert (await send_due(settings)).sent == 1
    assert server.received[0].encrypted and server.received[0].user == "bot@kotkanleffat.fi"


async def test_a_refused_login_sends_nothing_and_says_why(db, smtp_server_factory):
    server = smtp_server_factory(users={"tietosuoja": "oikea"})
    settings = settings_for(server.url(user="tietosuoja", password="väärä"))
    mail = make_outbox_mail(settings)

    report = await send_due(settings)

    assert "refused the login" in report.connection_error
    assert server.received == []
    assert reload(mail).status == "retry"


async def test_a_dropped_connection_is_opened_again_without_duplicates(db, smtp_server):
    smtp_server.handler.one_mail_per_connection = True
    settings = settings_for(smtp_server.url())
    mails = [make_outbox_mail(settings) for _ in range(3)]

    report = await send_due(settings)

    assert report.sent == 3
    assert sorted(r.message["Message-ID"] for r in smtp_server.received) == sorted(
        m.message_id for m in mails
    )
    assert smtp_server.connections == 3


async def test_a_mail_is_built_at_its_first_attempt_and_every_retry_sends_those_bytes(
    db, frozen_clock, smtp_server
):
    settings = settings_for(smtp_server.url(), send_retry_base_seconds=60)
    smtp_server.handler.rcpt_replies.append("451 4.7.1 Greylisted, try again later")
    mail = make_outbox_mail(settings)
    queued = reload(mail)
    assert queued.raw_message is None and outbox.mail_text(queued)[0]  # its text, no bytes yet
    first_attempt_at = clock.now()

    assert (await send_due(settings)).retry == 1
    built = reload(mail)
    assert built.raw_message is not None and built.draft is None  # stored with the attempt
    frozen_clock(later(3600))
    assert (await send_due(settings)).sent == 1

    [received] = smtp_server.received
    assert received.content.replace(b"\r\n", b"\n") == bytes(built.raw_message).replace(
        b"\r\n", b"\n"
    )
    assert received.message["Message-ID"] == mail.message_id
    assert received.message["Date"].datetime == first_attempt_at.replace(microsecond=0)
    assert bytes(reload(mail).raw_message) == bytes(built.raw_message)


async def test_a_row_caught_mid_send_by_a_crash_goes_again_with_the_same_message_id(
    db, frozen_clock, smtp_server
):
    settings = settings_for(smtp_server.url())
    mail = make_outbox_mail(settings)
    claimed = outbox.claim_next(CLAIM_LEASE)  # a sender took it, then the process died
    assert claimed.id == mail.id

    assert (await send_due(settings)).handled == 0  # still claimed: no double send
    frozen_clock(later(CLAIM_LEASE.total_seconds()))
    assert (await send_due(settings)).sent == 1
    assert smtp_server.received[0].content.replace(b"\r\n", b"\n") == bytes(
        reload(mail).raw_message
    ).replace(b"\r\n", b"\n")
    assert smtp_server.received[0].message["Message-ID"] == mail.message_id


async def test_two_senders_at_once_send_each_mail_once(db, smtp_server):
    settings = settings_for(smtp_server.url())
    mails = [make_outbox_mail(settings) for _ in range(12)]

    reports = await asyncio.gather(send_due(settings), send_due(settings))

    assert sum(report.sent for report in reports) == 12
    assert sorted(r.message["Message-ID"] for r in smtp_server.received) == sorted(
        m.message_id for m in mails
    )


async def test_limit_sends_the_oldest_first_and_leaves_the_rest(db, frozen_clock, smtp_server):
    settings = settings_for(smtp_server.url())
    mails = []
    for minute in range(4):
        frozen_clock(later(60 * minute))
        mails.append(make_outbox_mail(settings))

    report = await send_due(settings, limit=2)

    assert report.sent == 2
    assert [reload(m).status for m in mails] == ["sent", "sent", "queued", "queued"]


async def test_outbox_folder_writes_eml_files_that_parse_back(db, tmp_path):
    folder = tmp_path / "outbox"
    settings = settings_for(file_url("outbox", folder))
    request = lifecycle.create_request(
        kind="access",
        actor="@mailbot",
        language="sv",
        requester_email="anna@example.fi",
        requester_name="Anna Åberg",
    )
    rendered = preview("acknowledgement", settings=settings, language="sv", request=request)
    mail = make_outbox_mail(
        settings,
        to_address="anna@example.fi",
        language="sv",
        request=request,
        to_name="Anna Åberg",
        automatic=True,
    )

    report = await send_due(settings)

    assert report.sent == 1
    files = list(folder.glob("*.eml"))
    assert len(files) == 1 and reload(mail).server_reply == f"written to {files[0]}"
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert parsed["Message-ID"] == mail.message_id
    assert parsed["Subject"] == rendered.subject == mail.subject
    assert str(parsed["To"]) == "Anna Åberg <anna@example.fi>"
    assert parsed["From"].addresses[0].addr_spec == settings.mail.from_address
    assert parsed["Auto-Submitted"] == "auto-replied"
    assert request.reference in parsed["Subject"]
    assert parsed.get_body(("plain",)).get_content() == rendered.text

    outbox.mark_failed(reload(mail), "test")  # staff send it again: the same file
    outbox.requeue(mail.message_id, "anna")
    assert (await send_due(settings)).sent == 1
    assert list(folder.glob("*")) == files


async def test_replies_thread_under_the_customers_own_message(db, smtp_server):
    settings = settings_for(smtp_server.url())
    request = lifecycle.create_request(
        kind="erasure", actor="@mailbot", requester_email="matti@example.fi"
    )
    original = InboundMessage.create(
        dedupe_key="<m2@mail.example.fi>",
        message_id="<m2@mail.example.fi>",
        references="<m1@mail.example.fi>",
        from_address="matti@example.fi",
        subject="poisto",
        received_at=clock.now(),
        disposition="new_request",
        request=request,
    )
    make_outbox_mail(
        settings, request=request, to_address="matti@example.fi", reply_to_message=original
    )

    await send_due(settings)

    received = smtp_server.received[0].message
    assert received["In-Reply-To"] == "<m2@mail.example.fi>"
    assert received["References"].split() == ["<m1@mail.example.fi>", "<m2@mail.example.fi>"]
    assert f"[{request.reference}]" in received["Subject"]
    assert received["Reply-To"].addresses[0].addr_spec == settings.controller.privacy_inbox


async def test_a_name_with_line_breaks_cannot_add_a_header(db, smtp_server):
    settings = settings_for(smtp_server.url())
    evil = "Matti\r\nBcc: victim@example.com\r\nX-Injected: yes\x00\x1b"
    make_outbox_mail(
        settings,
        to_address="matti@example.fi",
        to_name=evil,
        extra_headers=[("X-Rekisteri-Note", "a\nBcc: other@example.com")],
    )

    await send_due(settings)

    received = smtp_server.received[0]
    assert received.rcpt_tos == ("matti@example.fi",)
    message = received.message
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert message["To"].addresses[0].addr_spec == "matti@example.fi"
    assert "\n" not in str(message["To"]) and "\x00" not in str(message["To"])


async def test_a_pre_send_check_skips_the_mail_with_its_reason(db, smtp_server):
    settings = settings_for(smtp_server.url())
    kept = make_outbox_mail(settings)
    stopped = make_outbox_mail(settings, template="marketing_stopped")

    def no_consent(mail: OutboxMail) -> str | None:
        return "consent withdrawn" if mail.template == "marketing_stopped" else None

    sender.pre_send_check("marketing_stopped")(no_consent)
    try:
        report = await send_due(settings)
    finally:
        sender.remove_pre_send_check("marketing_stopped", no_consent)

    assert (report.sent, report.skipped) == (1, 1)
    assert [r.message["Message-ID"] for r in smtp_server.received] == [kept.message_id]
    row = reload(stopped)
    assert (row.status, row.last_error, row.attempts) == ("skipped", "consent withdrawn", 0)
    skipped = AuditEvent.get(AuditEvent.action == "mail.skipped")
    assert skipped.payload["reason"] == "consent withdrawn"


async def test_a_check_that_breaks_holds_the_mail_back(db, smtp_server):
    settings = settings_for(smtp_server.url())
    mail = make_outbox_mail(settings)

    def broken(mail: OutboxMail) -> str | None:
        raise RuntimeError("consent table unreadable")

    sender.pre_send_check("acknowledgement")(broken)
    try:
        report = await send_due(settings)
    finally:
        sender.remove_pre_send_check("acknowledgement", broken)

    assert report.retry == 1 and smtp_server.received == []
    assert "consent table unreadable" in reload(mail).last_error


async def test_mail_whose_content_was_removed_fails_instead_of_going_out(db, smtp_server):
    settings = settings_for(smtp_server.url())
    mail = make_outbox_mail(settings)
    OutboxMail.update(raw_message=None, draft=None).where(OutboxMail.id == mail.id).execute()

    report = await send_due(settings)

    assert report.failed == 1 and smtp_server.received == []
    assert reload(mail).status == "failed"


async def test_the_pacer_keeps_to_the_rate_without_drifting():
    now = [100.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))
        now[0] += seconds

    pacer = Pacer(4.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(4):
        await pacer.wait()
    now[0] += 1.0  # a slow mail: no catching up in a burst afterwards
    await pacer.wait()
    await pacer.wait()
    assert slept == [0.25, 0.25, 0.25, 0.25]
    assert Pacer(0).interval == 0


def test_unknown_mail_urls_are_refused_in_one_line(db):
    from store.errors import ConfigError

    for url in (
        "smtp://127.0.0.1:25?starttls=sometimes",
        "smtp://127.0.0.1?tls=yes",
        "ftp://example.fi",
        "smtps://host?starttls=required",
    ):
        with pytest.raises(ConfigError):
            asyncio.run(send_due(settings_for(url)))


def test_outbox_folder_names_files_after_the_message_id(tmp_path: Path):
    from mailbot.transports import FileTransport

    transport = FileTransport(tmp_path)
    assert (
        transport.path_for("<rekisteri.ab12@kotkanleffat.fi>").name
        == "rekisteri.ab12@kotkanleffat.fi.eml"
    )
    assert transport.path_for("<../../etc/passwd>").parent == tmp_path


async def test_a_server_that_keeps_the_mail_and_drops_the_line_gets_it_once_per_attempt(
    db, frozen_clock, smtp_server
):
    """The server kept the DATA and went without answering: the mail was sent again at once,
    twice per attempt (16 copies of a data package over 8 attempts).  Now the attempt ends
    there and the scheduled retry decides (issue 18 item 16)."""
    smtp_server.handler.drop_after_data = True
    settings = settings_for(smtp_server.url(), send_retry_base_seconds=60)
    mail = make_outbox_mail(settings)

    report = await send_due(settings)

    assert len(smtp_server.received) == 1
    row = reload(mail)
    assert (report.retry, row.status, row.attempts) == (1, "retry", 1)
    assert row.last_error.startswith("connection lost after the message was sent")
    assert row.next_attempt_at == later(60)
    smtp_server.handler.drop_after_data = False
    frozen_clock(later(60))
    assert (await send_due(settings)).sent == 1
    assert len(smtp_server.received) == 2  # the retry, never an immediate second copy


async def test_an_internationalised_address_goes_out_with_smtputf8(db, smtp_server):
    """``mäija@…`` was quarantined when its acknowledgement was built (issue 18 item 7)."""
    settings = settings_for(smtp_server.url())
    mail = make_outbox_mail(settings, to_address="mäija@example.fi")

    report = await send_due(settings)

    assert report.sent == 1, reload(mail).last_error
    [received] = smtp_server.received
    assert received.rcpt_tos == ("mäija@example.fi",)
    assert "SMTPUTF8" in received.mail_options
