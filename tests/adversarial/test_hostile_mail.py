"""What one stranger's mail must never do: stall intake, reach a staff terminal as control
codes, or pass as somebody else's mail (issue 18, items 1-3).  Through the real path: a
Maildir, ``rekisteri mailbot --once``, and the register it writes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli.main import main
from mailbot.changes import proposed_changes
from mailbot.classify import classify
from mailbot.parsing import parse_message
from store.consent import record_consent
from store.models import InboundMessage, Request
from tests.support.factories import make_customer
from tests.support.mail import deliver_to_maildir, make_mail

CONTROLS = "".join(
    chr(code)
    for code in [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0), 0x202E, 0x2066]
)


def run_mailbot(inbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REKISTERI_INBOX", f"maildir://{inbox}")
    assert main(["mailbot", "--once"]) == 0


def test_a_one_megabyte_word_does_not_stall_intake(db, tmp_path, monkeypatch):
    """A 1 MB one-word mail took hours in the Finnish-ending pattern, and blocked every mail
    behind it.  Now it and the request after it are processed at once."""
    inbox = tmp_path / "inbox"
    deliver_to_maildir(
        inbox,
        [
            make_mail("a@example.fi", subject="sana", body="ä" * 1_000_000),
            make_mail("b@example.fi", subject="Tietopyyntö", body="Haluan nähdä tietoni."),
        ],
    )
    started = time.monotonic()
    run_mailbot(inbox, monkeypatch)
    elapsed = time.monotonic() - started
    assert elapsed < 20  # was hours; a generous bound for a loaded 2-core machine
    kinds = {m.from_address: m for m in InboundMessage.select()}
    assert set(kinds) == {"a@example.fi", "b@example.fi"}
    request = Request.get_by_id(kinds["b@example.fi"].request_id)
    assert request.kind == "access"


@settings(max_examples=25, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("aäs tn@.-1 \n"), min_size=50, max_size=200),
    st.integers(min_value=100, max_value=2000),
)
def test_classification_time_is_bounded_for_long_inputs(piece, repeat):
    text = piece * repeat  # up to 400,000 characters of few distinct ones
    started = time.perf_counter()
    classify(text, text[:5000])
    proposed_changes(text)
    assert time.perf_counter() - started < 2.0


def test_no_control_character_from_a_mail_reaches_the_register(db, tmp_path, monkeypatch):
    """ESC sequences painted a fake phone number over the request screen and wrote the
    staff member's clipboard (OSC 52); form fields carried them into the register."""
    paint = "\x1b[2J\x1b[HPuhelinnumero rekisterissä: 040 666 6666\x1b]52;c;ZXZpbA==\x07"
    inbox = tmp_path / "inbox"
    deliver_to_maildir(
        inbox,
        [
            make_mail(
                "Maija <maija@example.fi>",
                subject=f"Tietopyyntö {paint}",
                body=f"Haluan nähdä tietoni.{paint}\r\nRivi\u202ekäännetty{CONTROLS}",
            )
        ],
    )
    run_mailbot(inbox, monkeypatch)
    [message] = InboundMessage.select()
    texts = [message.subject, message.body_text, json.dumps(message.headers, ensure_ascii=False)]
    for text in texts:
        assert not any(char in text for char in CONTROLS), repr(text)
    assert "Haluan nähdä tietoni." in message.body_text
    assert "\ufffd" in message.body_text  # staff still see that something was there


def test_an_encoded_display_name_cannot_forge_the_sender(db, tmp_path, monkeypatch):
    """``=?utf-8?q?x:customer@example.fi,?= <attacker@evil.example>`` was taken as mail
    from the customer, and their marketing consent withdrawn at once."""
    customer = make_customer(email="customer@example.fi", customer_no="100077")
    record_consent(customer, "marketing", True, channel="newsletter_signup", actor="@test")
    raw = (
        b"From: =?utf-8?q?x:customer@example.fi,?= <attacker@evil.example>\r\n"
        b"To: tietosuoja@kotkanleffat.fi\r\nSubject: Stop\r\n"
        b"Message-ID: <forged@evil.example>\r\n\r\n"
        b"Lopettakaa suoramarkkinointi, en halua uutiskirjett\xc3\xa4.\r\n"
    )
    parsed = parse_message(raw, attachment_max_bytes=1_000_000)
    assert parsed.from_address == "attacker@evil.example"
    inbox = tmp_path / "inbox"
    deliver_to_maildir(inbox, [raw])
    run_mailbot(inbox, monkeypatch)
    [message] = InboundMessage.select()
    assert message.from_address == "attacker@evil.example"
    from store.consent import has_consent

    assert has_consent(customer, "marketing")  # nothing applied to the customer


@pytest.mark.parametrize(
    "header, address",
    [
        ("Pirjo =?utf-8?q?Niemel=C3=A4?= <Pirjo@Example.fi>", "pirjo@example.fi"),
        ("mäija@example.fi", "mäija@example.fi"),
        ('"Evil, Bcc: v@x.fi" <a@b.fi>', "a@b.fi"),
        ("a@b.fi, c@d.fi", "a@b.fi"),
    ],
)
def test_the_sender_is_the_first_mailbox_the_policy_parses(header, address):
    parsed = parse_message(f"From: {header}\nSubject: s\n\nhei".encode(), attachment_max_bytes=1000)
    assert parsed.from_address == address


def test_a_symlink_in_the_maildir_is_not_read(db, tmp_path, monkeypatch):
    """A local user who can write the Maildir linked another file into it."""
    secret = tmp_path / "secret.txt"
    secret.write_text("From: x@example.fi\n\nsalainen sisältö\n", encoding="utf-8")
    inbox = tmp_path / "inbox"
    deliver_to_maildir(inbox, [make_mail("b@example.fi", body="Haluan nähdä tietoni.")])
    (inbox / "new" / "1700000000.link.host").symlink_to(secret)
    run_mailbot(inbox, monkeypatch)
    assert [m.from_address for m in InboundMessage.select()] == ["b@example.fi"]


@pytest.mark.parametrize(
    "header",
    [
        ("X-Spam-Flag", "YES"),
        ("X-Spam-Status", "Yes, score=12.1 required=5.0 tests=BAYES_99"),
        ("X-Spam", "Yes"),
        ("X-Spamd-Result", "default: True [15.20 / 15.00]; BAYES_SPAM(5.10)[99.99%]"),
    ],
)
def test_mail_the_server_marked_as_spam_is_never_answered(db, tmp_path, monkeypatch, header):
    """Spam and phishing were answered with an acknowledgement (issue 14)."""
    from store.models import OutboxMail

    inbox = tmp_path / "inbox"
    deliver_to_maildir(
        inbox,
        [
            make_mail(
                "seo@spam.example",
                subject="Remove your data",
                body="Delete your account here: http://x.example",
                headers=[header],
            )
        ],
    )
    run_mailbot(inbox, monkeypatch)
    [message] = InboundMessage.select()
    assert (message.disposition, message.reason) == ("ignored", "spam")
    assert OutboxMail.select().count() == 0


def test_a_clean_spam_verdict_is_a_request_as_before(db, tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    deliver_to_maildir(
        inbox,
        [
            make_mail(
                "b@example.fi",
                body="Haluan nähdä tietoni.",
                headers=[("X-Spam-Flag", "NO"), ("X-Spam-Status", "No, score=0.1")],
            )
        ],
    )
    run_mailbot(inbox, monkeypatch)
    [message] = InboundMessage.select()
    assert message.disposition == "new_request"
