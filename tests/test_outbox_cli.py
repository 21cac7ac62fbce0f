"""``rekisteri outbox send | retry | list`` end to end, against a real aiosmtpd."""

from __future__ import annotations

import json

import pytest

from cli.main import main
from store.config import load_settings
from tests.support.factories import make_outbox_mail


@pytest.fixture
def cli_settings(db, smtp_server, monkeypatch):
    """The command line pointed at the test server, speaking English."""
    monkeypatch.setenv("REKISTERI_SMTP", smtp_server.url())
    monkeypatch.setenv("REKISTERI_LANG", "en")
    return load_settings()


def outbox_json(capsys) -> dict[str, dict]:
    capsys.readouterr()
    assert main(["outbox", "list", "--json"]) == 0
    return {row["to"]: row for row in json.loads(capsys.readouterr().out)}


def test_send_reports_what_happened_and_exits_1_on_a_permanent_failure(
    cli_settings, smtp_server, capsys
):
    smtp_server.handler.refuse["nobody@example.fi"] = "550 5.1.1 user unknown"
    make_outbox_mail(cli_settings, to_address="anna@example.fi")
    refused = make_outbox_mail(cli_settings, to_address="nobody@example.fi")

    assert main(["outbox", "send"]) == 1

    err = capsys.readouterr().err
    assert "Mail sent 1, to be retried 0, failed 1, skipped 0." in err
    assert (
        f"Failed for good: {refused.message_id}: 550 5.1.1 user unknown (after fixing the "
        f"cause: rekisteri outbox retry {refused.message_id})"
    ) in err
    assert "Traceback" not in err
    rows = outbox_json(capsys)
    assert rows["nobody@example.fi"]["status"] == "failed"
    assert rows["nobody@example.fi"]["last_error"] == "550 5.1.1 user unknown"
    assert rows["nobody@example.fi"]["attempts"] == 1
    assert rows["nobody@example.fi"]["message_id"] == refused.message_id
    assert rows["nobody@example.fi"]["sent_at"] is None
    assert rows["anna@example.fi"]["status"] == "sent"
    assert rows["anna@example.fi"]["sent_at"] is not None
    assert rows["anna@example.fi"]["request"].startswith("TP-")
    assert [r.rcpt_tos for r in smtp_server.received] == [("anna@example.fi",)]


def test_a_failed_mail_is_sent_again_with_the_same_message_id(cli_settings, smtp_server, capsys):
    smtp_server.handler.refuse["nobody@example.fi"] = "550 5.1.1 user unknown"
    mail = make_outbox_mail(cli_settings, to_address="nobody@example.fi")
    assert main(["outbox", "send"]) == 1
    del smtp_server.handler.refuse["nobody@example.fi"]  # the address was fixed meanwhile

    assert main(["outbox", "retry", mail.message_id.strip("<>")]) == 0
    assert outbox_json(capsys)["nobody@example.fi"]["status"] == "queued"
    assert main(["outbox", "send"]) == 0

    row = outbox_json(capsys)["nobody@example.fi"]
    assert (row["status"], row["attempts"]) == ("sent", 1)
    assert [r.message["Message-ID"] for r in smtp_server.received] == [mail.message_id]


def test_retry_refuses_a_mail_that_has_not_failed_in_one_line(cli_settings, capsys):
    mail = make_outbox_mail(cli_settings)
    capsys.readouterr()

    assert main(["outbox", "retry", mail.message_id]) == 1
    err = capsys.readouterr().err.strip()
    assert err == (
        f"rekisteri: mail {mail.message_id} is queued: only a failed mail can be sent again"
    )
    assert main(["outbox", "retry", "<no-such@example.fi>"]) == 1
    assert "rekisteri: no outgoing mail" in capsys.readouterr().err


def test_send_with_nothing_due_says_so_and_succeeds(cli_settings, capsys):
    assert main(["outbox", "send"]) == 0
    assert "Mail sent 0, to be retried 0, failed 0, skipped 0." in capsys.readouterr().err


def test_a_server_that_is_down_is_reported_and_the_mail_waits(cli_settings, smtp_server, capsys):
    make_outbox_mail(cli_settings, to_address="anna@example.fi")
    smtp_server.stop()

    assert main(["outbox", "send"]) == 0  # nothing failed for good: it will be retried

    err = capsys.readouterr().err
    assert "to be retried 1" in err and "could not be used" in err
    assert outbox_json(capsys)["anna@example.fi"]["status"] == "retry"


def test_a_bad_mail_url_is_one_clear_line(db, monkeypatch, capsys):
    monkeypatch.setenv("REKISTERI_SMTP", "smtp://user:secret@mail.example.fi?starttls=maybe")
    monkeypatch.setenv("REKISTERI_LANG", "en")

    assert main(["outbox", "send"]) == 1

    err = capsys.readouterr().err.strip()
    assert err == (
        "rekisteri: smtp://user:***@mail.example.fi?starttls=maybe: starttls must "
        "be auto or required, and only with smtp://"
    )
