"""``rekisteri mailbot`` end to end on a Maildir: the demo inbox, the daemon, its hygiene."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cli.main import main
from store.heartbeat import last_fetch_at
from store.models import InboundMessage, Request
from tests.support.mail import deliver_to_maildir, make_mail

ROOT = Path(__file__).resolve().parents[1]

DEMO_EXPECTED = {
    # subject: (disposition, reason, kind, status)
    "Tietopyyntö": ("new_request", None, "access", "received"),
    "poisto": ("new_request", None, "erasure", "received"),
    "Subject access request under Article 15 GDPR": ("new_request", None, "access", "received"),
    "Radering av mina uppgifter": ("new_request", None, "erasure", "received"),
    "Osoitteenmuutos": ("new_request", None, "rectification", "received"),
    "Re: Kotkan Leffojen uutiskirje – marraskuu": ("new_request", None, "objection", "fulfilled"),
    "Tietosuojapyyntö verkkolomakkeelta": ("new_request", None, "access", "received"),
    "Tietojen tarkastus": ("new_request", None, "access", "received"),
    "Automaattinen vastaus: Tietopyyntö": ("ignored", "auto_reply", None, None),
    "Undelivered Mail Returned to Sender": ("ignored", "bounce", None, None),
    "Lastenelokuvat": ("new_request", None, "other", "received"),
    "Tietojen käsittelyn rajoittaminen": ("new_request", None, "restriction", "received"),
    "Please delete my account": ("new_request", None, "erasure", "received"),
}


def json_of(capsys, *argv: str) -> list[dict]:
    capsys.readouterr()
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_every_demo_message_gets_the_expected_disposition(tmp_path, monkeypatch, capsys):
    assert main(["demo", "--no-tui", "--dir", str(tmp_path / "demo"), "--customers", "200"]) == 0
    for line in capsys.readouterr().out.splitlines():
        name, _, value = line.partition("=")
        monkeypatch.setenv(name, value)
    assert main(["mailbot", "--once"]) == 0
    messages = {row["subject"]: row for row in json_of(capsys, "messages", "list")}
    requests = {row["reference"]: row for row in json_of(capsys, "requests", "list")}
    assert set(messages) == set(DEMO_EXPECTED)
    for subject, (disposition, reason, kind, status) in DEMO_EXPECTED.items():
        row = messages[subject]
        assert (row["disposition"], row["reason"]) == (disposition, reason), subject
        if kind is not None:
            request = requests[row["request"]]
            assert (request["kind"], request["status"]) == (kind, status), subject
    languages = {
        messages[s]["request"]: requests[messages[s]["request"]]["language"]
        for s in ("Radering av mina uppgifter", "Please delete my account")
    }
    assert sorted(languages.values()) == ["en", "sv"]
    inbox = Path(os.environ["REKISTERI_INBOX"].removeprefix("maildir://"))
    assert not list((inbox / "new").iterdir())
    assert all(name.name.endswith(":2,S") for name in (inbox / "cur").iterdir())
    outbox = json_of(capsys, "outbox", "list")
    assert len(outbox) == 10 and {row["status"] for row in outbox} == {"sent"}
    assert sorted(row["template"] for row in outbox).count("marketing_stopped") == 1
    # Running again finds nothing new and changes nothing.
    assert main(["mailbot", "--once"]) == 0
    assert len(json_of(capsys, "messages", "list")) == len(DEMO_EXPECTED)
    assert last_fetch_at() is not None


def test_a_missing_maildir_is_one_line_and_exit_1(db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("REKISTERI_INBOX", f"maildir://{tmp_path}/no-such-inbox")
    monkeypatch.setenv("REKISTERI_LANG", "en")
    assert main(["mailbot", "--once"]) == 1
    error = capsys.readouterr().err.strip()
    assert error.startswith("rekisteri: the inbox cannot be read") and "\n" not in error


def test_the_mailbot_never_loads_textual(db, tmp_path):
    inbox = tmp_path / "inbox"
    deliver_to_maildir(inbox, [make_mail(body="poistakaa tietoni")])
    code = (
        "import sys, cli.main as m; code = m.main(['mailbot', '--once']); "
        "print('TEXTUAL' if any(n == 'textual' or n.startswith('textual.') "
        "for n in sys.modules) else 'CLEAN'); sys.exit(code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env=_env(db, tmp_path, inbox),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "CLEAN"
    assert "new_request" in result.stderr  # the one log line per message


def test_the_daemon_picks_up_new_mail_and_stops_cleanly_on_sigterm(db, tmp_path):
    inbox = tmp_path / "inbox"
    deliver_to_maildir(inbox, [make_mail(body="poistakaa tietoni")])
    log_path = tmp_path / "mailbot.log"
    with log_path.open("w") as log:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "mailbot"],
            cwd=ROOT,
            env=_env(db, tmp_path, inbox),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: InboundMessage.select().count() == 1, daemon, log_path)
        deliver_to_maildir(inbox, [make_mail(body="Haluan tarkastaa tietoni.")])
        wait_for(lambda: InboundMessage.select().count() == 2, daemon, log_path)
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
    assert sorted(r.kind for r in Request.select()) == ["access", "erasure"]
    text = log_path.read_text()
    assert "SIGTERM received" in text and "mailbot stopped" in text
    assert last_fetch_at() is not None


def wait_for(condition, process: subprocess.Popen, log_path: Path, timeout: float = 60.0) -> None:
    """Wait until ``condition()`` holds (a generous limit: a hang fails, speed is not tested)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if process.poll() is not None:
            pytest.fail(f"the mailbot exited: {log_path.read_text()[-3000:]}")
        time.sleep(0.1)
    pytest.fail(f"timed out; mailbot log: {log_path.read_text()[-3000:]}")


def _env(db_url: str, tmp_path: Path, inbox: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("REKISTERI_")}
    env.update(
        REKISTERI_DB=db_url,
        REKISTERI_INBOX=f"maildir://{inbox}",
        REKISTERI_SMTP=f"outbox://{tmp_path / 'outbox'}",
    )
    return env


def test_daily_tasks_run_once_per_finnish_day(db, frozen_clock, tmp_path, monkeypatch):
    from datetime import timedelta

    from mailbot import daemon
    from store import clock
    from tests.support.mail import mail_settings

    ran: list[str] = []
    monkeypatch.setattr(
        daemon, "DAILY_TASKS", [lambda settings: ran.append(clock.local_today().isoformat())]
    )
    (tmp_path / "inbox" / "new").mkdir(parents=True)
    (tmp_path / "inbox" / "cur").mkdir()
    bot = daemon.Mailbot(mail_settings(inbox=f"maildir://{tmp_path / 'inbox'}"))
    assert bot.run_daily_if_due() and not bot.run_daily_if_due()
    frozen_clock(clock.now() + timedelta(days=1))
    assert daemon.Mailbot(bot.settings).run_daily_if_due()  # a restarted daemon too
    assert ran == ["2026-03-10", "2026-03-11"]


def test_the_daemon_runs_retention_once_a_day(db, frozen_clock, tmp_path):
    from datetime import timedelta

    from mailbot import daemon
    from store import clock
    from store.models import Customer
    from tests.support.factories import make_customer
    from tests.support.mail import mail_settings

    ended = make_customer(relationship_ended_at=clock.now() - timedelta(days=70))
    active = make_customer(email="toinen@example.fi", phone="050 1231234")
    (tmp_path / "inbox" / "new").mkdir(parents=True)
    (tmp_path / "inbox" / "cur").mkdir()
    bot = daemon.Mailbot(mail_settings(inbox=f"maildir://{tmp_path / 'inbox'}"))

    assert bot.run_daily_if_due()

    assert Customer.get_by_id(ended.id).erased_at is not None
    assert Customer.get_by_id(active.id).erased_at is None
