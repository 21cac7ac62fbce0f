"""The cited corpus through the real path (issue 14: "run through the real path (Maildir or
Dovecot → mailbot --once → the JSON listings)"): every mail of ``tests/corpus/cited/`` is
delivered to a Maildir, one ``rekisteri mailbot --once`` reads them all, and what staff and
scripts see in ``messages list --json``, ``requests list --json`` and ``outbox list --json``
is held against the manifest: the kinds of every request a letter became, that nothing no
person wrote was answered, that each request was acknowledged, and in which language.

``tests/test_cited_corpus.py`` judges the same mails one by one without a database; this
one catches what only the whole intake does (a letter split into one request per right, an
acknowledgement queued, the answer's language chosen).  Each mail is its own person here:
a sender who wrote several of the corpus's letters gets an address of their own per letter
(in the whole mail, so a forward of one's own mail stays one's own), or their letters would
join one request as the same person's repeated mail does.  Replies to our newsletter are
judged in the other test only: here no newsletter was sent for them to answer."""

from __future__ import annotations

import email
import email.policy
import json
import tomllib
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from tests.support.mail import deliver_to_maildir

CITED = Path(__file__).parent / "corpus" / "cited"
MANIFEST: dict[str, dict[str, Any]] = tomllib.loads(
    (CITED / "MANIFEST.toml").read_text(encoding="utf-8")
)
AUTOMATIC = {"auto_reply", "spam", "list", "bounce"}
ANSWERED_IN = {"fi", "sv", "en"}  # anyone else is answered in English (the default)


def listing(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def ingested(db, tmp_path, monkeypatch, capsys):
    inbox = tmp_path / "inbox"
    monkeypatch.setenv("REKISTERI_INBOX", f"maildir://{inbox}")
    monkeypatch.setenv("REKISTERI_SMTP", f"outbox://{tmp_path / 'outbox'}")
    mails = {}
    for name in MANIFEST:
        raw = (CITED / f"{name}.eml").read_bytes()
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        mails[name] = (raw, str(parsed["Message-ID"]).strip(), parsed["From"].addresses)
    senders = Counter(
        address.addr_spec for _, _, addresses in mails.values() for address in addresses[:1]
    )
    by_message_id = {}
    delivered = []
    for number, (name, (raw, message_id, addresses)) in enumerate(mails.items()):
        sender = addresses[0].addr_spec if addresses else ""
        if senders[sender] > 1:
            user, _, domain = sender.partition("@")
            raw = raw.replace(sender.encode(), f"{user}.{number}@{domain}".encode())
        by_message_id[message_id] = name
        delivered.append(raw)
    deliver_to_maildir(inbox, delivered)
    assert main(["mailbot", "--once"]) == 0
    messages = listing(capsys, "messages", "list")
    requests = listing(capsys, "requests", "list")
    outbox = listing(capsys, "outbox", "list")
    return by_message_id, messages, requests, outbox


def test_every_cited_mail_becomes_what_its_manifest_says(ingested):
    by_message_id, messages, requests, outbox = ingested
    assert len(messages) == len(MANIFEST), "every mail read exactly once"
    letter_of = {}  # request reference → the first request of its letter
    for row in requests:
        letter_of[row["reference"]] = row["part_of"] or row["reference"]
    parts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in requests:
        parts[letter_of[row["reference"]]].append(row)
    acknowledged = {row["request"] for row in outbox if row["request"]}

    wrong = []
    for message in messages:
        name = by_message_id[message["message_id"]]
        entry = MANIFEST[name]
        if entry.get("known_miss") or entry.get("answers_marketing"):
            continue
        letter = parts.get(letter_of.get(message["request"] or "", ""), [])
        kinds = {row["kind"] for row in letter} - {"other"}
        if message["disposition"] == "ignored":
            kinds = set()
        problems = []
        if kinds != set(entry["kinds"]):
            problems.append(f"kinds {sorted(kinds)} != {entry['kinds']}")
        if entry["category"] in AUTOMATIC and message["disposition"] != "ignored":
            problems.append(f"automatic mail became {message['disposition']}")
        was_acknowledged = any(row["reference"] in acknowledged for row in letter)
        if was_acknowledged != entry["acknowledge"]:
            problems.append(f"acknowledged {was_acknowledged}, expected {entry['acknowledge']}")
        if entry["category"] == "request" and letter:
            language = entry["language"]
            answer = language if language in ANSWERED_IN else "en"
            if {row["language"] for row in letter} != {answer}:
                problems.append(f"answered in {letter[0]['language']}, expected {answer}")
            if letter[0]["written_language"] != language:
                problems.append(f"written in {letter[0]['written_language']}, not {language}")
        if problems:
            wrong.append(f"{name}: {'; '.join(problems)}")
    assert not wrong, "\n".join(wrong)
