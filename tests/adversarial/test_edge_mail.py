"""Edge inputs (issue 18 item 7): every one ends in the same disposition on SQLite and on
PostgreSQL, none becomes a request with a legal deadline unless a person asked for
something, and no mail is stored bigger than ``mail.message_max_bytes``.  Through the real
path: a Maildir and ``rekisteri mailbot --once``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cli.main import main
from mailbot.parsing import parse_message
from store.models import Attachment, InboundMessage, OutboxMail, Request
from tests.support.mail import deliver_to_maildir, make_mail, outgoing_bytes


def run_mailbot(inbox: Path, monkeypatch: pytest.MonkeyPatch, config: str = "") -> None:
    monkeypatch.setenv("REKISTERI_INBOX", f"maildir://{inbox}")
    if config:
        path = inbox.parent / "rekisteri.toml"
        path.write_text(config, encoding="utf-8")
        monkeypatch.setenv("REKISTERI_CONFIG", str(path))
    assert main(["mailbot", "--once"]) == 0


def test_an_internationalised_sender_is_answered(db, tmp_path, monkeypatch):
    """``mäija@…`` was quarantined when its acknowledgement was built."""
    inbox = tmp_path / "inbox"
    deliver_to_maildir(inbox, [make_mail("Mäija <mäija@example.fi>", body="Haluan nähdä tietoni.")])
    run_mailbot(inbox, monkeypatch)
    [message] = InboundMessage.select()
    assert message.disposition == "new_request", message.reason
    [ack] = OutboxMail.select()
    assert ack.to_address == "mäija@example.fi"
    assert "mäija@example.fi".encode() in outgoing_bytes(ack)  # UTF-8 (RFC 6532), no encoded word


def test_a_sender_longer_than_an_address_can_be(db, tmp_path, monkeypatch):
    """A From over 255 characters was quarantined on PostgreSQL only."""
    inbox = tmp_path / "inbox"
    sender = "x" * 300 + "@example.fi"
    deliver_to_maildir(inbox, [make_mail(f"Pitkä <{sender}>", body="Haluan nähdä tietoni.")])
    run_mailbot(inbox, monkeypatch)
    [message] = InboundMessage.select()
    assert (message.disposition, message.reason) == ("ignored", "no_sender")
    assert Request.select().count() == 0 and OutboxMail.select().count() == 0


def test_a_nul_in_a_content_type(db, tmp_path, monkeypatch):
    """A NUL in an attachment's content type was quarantined on PostgreSQL only."""
    raw = (
        b"From: b@example.fi\r\nTo: tietosuoja@kotkanleffat.fi\r\nSubject: Tietopyynto\r\n"
        b"Message-ID: <nul@example.fi>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nHaluan nahda tietoni.\r\n"
        b"--b\r\nContent-Type: text/x\x00evil; name=a.txt\r\n"
        b"Content-Disposition: attachment; filename=a\x00.txt\r\n\r\nsisalto\r\n--b--\r\n"
    )
    inbox = tmp_path / "inbox"
    deliver_to_maildir(inbox, [raw])
    run_mailbot(inbox, monkeypatch)
    [message] = InboundMessage.select()
    assert message.disposition == "new_request", message.reason
    [attachment] = Attachment.select()
    assert "\x00" not in attachment.content_type and "\x00" not in attachment.filename


@pytest.mark.parametrize(
    "raw, reason",
    [
        (b"", "empty"),
        (
            b"From: b@example.fi\r\nTo: tietosuoja@kotkanleffat.fi\r\nMessage-ID: <h@e.fi>\r\n",
            "empty",
        ),
        (b"From: b@example.fi\r\nSubject:   \r\n\r\n \r\n\r\n", "empty"),
        (os.urandom(0) + bytes(range(256)) * 4, "no_sender"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR garbage garbage", "no_sender"),
    ],
    ids=["zero-bytes", "headers-only", "blank", "binary", "png"],
)
def test_empty_and_garbage_mail_is_not_a_request(db, tmp_path, monkeypatch, raw, reason):
    """They became empty requests with a legal deadline."""
    inbox = tmp_path / "inbox"
    deliver_to_maildir(inbox, [raw])
    run_mailbot(inbox, monkeypatch)
    [message] = InboundMessage.select()
    assert (message.disposition, message.reason) == ("ignored", reason)
    assert Request.select().count() == 0 and OutboxMail.select().count() == 0


def test_a_subject_alone_is_still_a_request(db, tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    raw = b"From: b@example.fi\r\nSubject: Poistakaa tietoni\r\nMessage-ID: <s@e.fi>\r\n\r\n"
    deliver_to_maildir(inbox, [raw])
    run_mailbot(inbox, monkeypatch)
    assert Request.get().kind == "erasure"


def test_many_mails_from_one_sender_make_one_queue_item(db, tmp_path, monkeypatch):
    """500 mails from one sender became 500 queue items: the same sender asking the same
    thing again while the request is open joins it, as a reply."""
    inbox = tmp_path / "inbox"
    mails = [
        make_mail("b@example.fi", subject=f"Tietopyyntö {n}", body="Haluan nähdä tietoni.")
        for n in range(60)
    ]
    mails.append(make_mail("b@example.fi", subject="Poisto", body="Poistakaa tietoni."))
    deliver_to_maildir(inbox, mails)
    run_mailbot(inbox, monkeypatch)
    assert sorted(r.kind for r in Request.select()) == ["access", "erasure"]
    access = Request.get(Request.kind == "access")
    dispositions = [
        m.disposition for m in InboundMessage.select().where(InboundMessage.request == access)
    ]
    assert sorted(set(dispositions)) == ["new_request", "reply"] and len(dispositions) == 60
    assert OutboxMail.select().count() == 2  # one acknowledgement per request


def test_a_mail_over_the_size_limit_is_kept_cut_with_a_note(db, tmp_path, monkeypatch):
    """A 106 MB mail was stored whole (about 1 GB of memory)."""
    inbox = tmp_path / "inbox"
    raw = make_mail("b@example.fi", body="Haluan nähdä tietoni.\n" + "x" * 300_000)
    deliver_to_maildir(inbox, [raw])
    run_mailbot(inbox, monkeypatch, config="[mail]\nmessage_max_bytes = 100000\n")
    [message] = InboundMessage.select()
    assert (
        len(bytes(message.raw_message)) == 100_000 and bytes(message.raw_message) == raw[:100_000]
    )
    assert message.raw_size == len(raw)
    assert (message.needs_attention, message.attention_reason) == (True, "message_truncated")
    assert message.disposition == "new_request"
    assert "Haluan nähdä tietoni." in message.body_text


def test_an_address_our_mail_cannot_be_sent_to_is_no_sender(db, tmp_path, monkeypatch):
    """``From: =?utf-8?q?osoite=40example.net?=`` is parsed by the policy as the quoted
    local part ``"osoite@example.net"``: taken as the sender, its acknowledgement raised
    and the mail was quarantined (found by the corpus)."""
    raw = b"From: =?utf-8?q?osoite=40example.net?=\r\nSubject: s\r\n\r\nHaluan tietoni.\r\n"
    assert_no_sender(raw, tmp_path, monkeypatch)


@pytest.mark.parametrize("hidden", ["\u202e", "\u200b", "\x07"], ids=["bidi", "zero-width", "bell"])
def test_a_sender_with_a_hidden_character_gets_no_acknowledgement(
    db, tmp_path, monkeypatch, hidden
):
    """``maija\u202e@example.fi``: the stored address showed the character as U+FFFD, and
    the acknowledgement went to that address, which no one has (a bounce to our own desk,
    or backscatter to whoever the cleaned address names)."""
    sender = f"maija{hidden}@example.fi"
    raw = (
        f"From: Maija <{sender}>\r\nTo: tietosuoja@kotkanleffat.fi\r\nSubject: Tietopyyntö\r\n"
        "Message-ID: <hidden@example.fi>\r\n\r\nHaluan nähdä tietoni.\r\n"
    ).encode()
    assert_no_sender(raw, tmp_path, monkeypatch)


def assert_no_sender(raw: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``raw`` has no From an answer could reach: parsed without a sender, recorded as
    ``ignored`` (``no_sender``), and nothing is queued for it."""
    assert parse_message(raw, attachment_max_bytes=1000).from_address == ""
    inbox = tmp_path / "inbox"
    deliver_to_maildir(inbox, [raw])
    run_mailbot(inbox, monkeypatch)
    [message] = InboundMessage.select()
    assert (message.disposition, message.reason) == ("ignored", "no_sender")
    assert OutboxMail.select().count() == 0
