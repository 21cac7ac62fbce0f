"""A mail that kills the mailbot, or hangs it, must not stop intake (issue 18, item 1).

Intake reads a batch of messages in one transaction, so a process that dies in the middle
of a batch commits none of it and would meet the same mail first on every restart.  The
daemon records what it has in hand before a batch; these tests run the real
``rekisteri mailbot --once`` in a process of its own, with a fault planted in its parser
(:mod:`tests.support.poisoned_mailbot`) standing in for a crash in a C library or the
kernel's OOM killer, and check that the mail is quarantined, every other mail processed
once, and nothing twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from store.models import InboundMessage, OutboxMail, Request, Setting
from tests.support.mail import deliver_to_maildir, make_mail

ROOT = Path(__file__).resolve().parents[2]
GOOD = 6


def _inbox(tmp_path: Path, poison: str) -> Path:
    inbox = tmp_path / "inbox"
    mails = [
        make_mail(f"Asiakas {n} <asiakas{n}@example.fi>", body="Haluan nähdä tietoni.")
        for n in range(GOOD)
    ]
    mails.insert(
        GOOD // 2,
        make_mail(
            "Myrkky <myrkky@example.fi>", body="Poistakaa tietoni.", headers=[("X-Poison", poison)]
        ),
    )
    deliver_to_maildir(inbox, mails)
    return inbox


def _run(db_url: str, tmp_path: Path, inbox: Path, config: str = "") -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("REKISTERI_")}
    env.update(
        REKISTERI_DB=db_url,
        REKISTERI_INBOX=f"maildir://{inbox}",
        REKISTERI_SMTP=f"outbox://{tmp_path / 'outbox'}",
    )
    if config:
        path = tmp_path / "rekisteri.toml"
        path.write_text(config, encoding="utf-8")
        env["REKISTERI_CONFIG"] = str(path)
    return subprocess.run(
        [sys.executable, "-m", "tests.support.poisoned_mailbot"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_mail_that_kills_the_mailbot_is_quarantined_and_the_rest_processed(db, tmp_path):
    inbox = _inbox(tmp_path, "kill")

    first = _run(db, tmp_path, inbox)
    assert first.returncode == -signal.SIGKILL
    # The whole batch was in one transaction: nothing of it committed, nothing flagged,
    # and the mailbot's record of what it had in hand is there for the next start.
    assert InboundMessage.select().count() == 0
    assert Setting.select().where(Setting.key.startswith("mailbot.in_hand:")).count() == 1

    # The next start reads that batch one message at a time: the mail kills it again,
    # now alone in hand, after the mails before it committed one by one.
    second = _run(db, tmp_path, inbox)
    assert second.returncode == -signal.SIGKILL
    assert "read one by one" in second.stderr
    committed = InboundMessage.select().count()
    assert 0 < committed < GOOD

    # Once alone may have been bad luck (a power cut, an operator's kill): it is read once
    # more, and kills the mailbot a third time.
    assert _run(db, tmp_path, inbox).returncode == -signal.SIGKILL
    assert InboundMessage.select().count() == committed

    # Twice alone in hand: the next start quarantines it unread and goes on.
    third = _run(db, tmp_path, inbox)
    assert third.returncode == 0, third.stderr
    assert "stopped the mailbot before: quarantined" in third.stderr
    dispositions = sorted(m.disposition for m in InboundMessage.select())
    assert dispositions == ["new_request"] * GOOD + ["quarantined"]
    [poisoned] = InboundMessage.select().where(InboundMessage.disposition == "quarantined")
    assert poisoned.reason.startswith("StoppedWhileReading")
    assert poisoned.needs_attention and poisoned.raw_message is not None  # kept for staff
    assert Request.select().count() == GOOD
    assert OutboxMail.select().count() == GOOD  # one acknowledgement each, none twice
    assert Setting.select().where(Setting.key.startswith("mailbot.in_hand:")).count() == 0

    # And the inbox is done with: another run finds nothing new.
    fourth = _run(db, tmp_path, inbox)
    assert fourth.returncode == 0, fourth.stderr
    assert InboundMessage.select().count() == GOOD + 1


def test_a_mail_that_hangs_the_mailbot_is_quarantined_after_its_time(db, tmp_path):
    inbox = _inbox(tmp_path, "hang")
    run = _run(db, tmp_path, inbox, config="[mail]\nmessage_seconds_max = 1\n")
    assert run.returncode == 0, run.stderr
    dispositions = sorted(m.disposition for m in InboundMessage.select())
    assert dispositions == ["new_request"] * GOOD + ["quarantined"]
    [stuck] = InboundMessage.select().where(InboundMessage.disposition == "quarantined")
    assert stuck.reason.startswith("MessageTookTooLong")
    assert Request.select().count() == GOOD
