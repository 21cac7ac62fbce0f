"""Real-world messages from public test suites through the whole path (tests/corpus/)."""

from __future__ import annotations

from pathlib import Path

from cli.main import main
from store.models import DISPOSITIONS, InboundMessage
from tests.support.mail import deliver_to_maildir

CORPUS = Path(__file__).parent / "corpus"

EXPECTED = {  # by subject, where the disposition matters; every other file only needs one
    "Ppp digest, Vol 1 #2 - 5 msgs": ("ignored", "mailing_list"),  # mentions "unsubscribe"
    "Delivery Notification: Delivery has failed": ("ignored", "bounce"),
    "Undeliverable Mail": ("ignored", "bounce"),
    "Disposition notification": ("ignored", "auto_reply"),
}


def test_every_corpus_message_gets_a_disposition(db, tmp_path, monkeypatch):
    files = sorted(CORPUS.glob("*.eml"))
    assert len(files) >= 10
    inbox = tmp_path / "inbox"
    deliver_to_maildir(inbox, [path.read_bytes() for path in files])
    monkeypatch.setenv("REKISTERI_INBOX", f"maildir://{inbox}")
    monkeypatch.setenv("REKISTERI_SMTP", f"outbox://{tmp_path / 'outbox'}")
    assert main(["mailbot", "--once"]) == 0
    rows = list(InboundMessage.select())
    assert len(rows) == len(files)
    assert all(row.disposition in DISPOSITIONS for row in rows)
    assert not [row for row in rows if row.disposition == "quarantined"]
    by_subject = {row.subject: row for row in rows}
    for subject, (disposition, reason) in EXPECTED.items():
        row = by_subject[subject]
        assert (row.disposition, row.reason) == (disposition, reason), subject
    assert not list((inbox / "new").iterdir())
