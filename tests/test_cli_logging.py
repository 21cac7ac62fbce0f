"""Log lines go to the log, not into a command's output (issue 16).

``rekisteri outbox send`` against a server that refuses one address: the mailbot's sender
logs the refusal, and the command says it in the run's language.  The person reading the
command's output sees its own lines only (the Finnish summary, stdout clean); with ``-v`` the
log lines come too, on stderr, every one in the one form of :data:`cli.main.LOG_FORMAT`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from store.config import load_settings
from tests.support.factories import make_outbox_mail

LOG_LINE = re.compile(
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (DEBUG|INFO|WARNING|ERROR|CRITICAL) \w+(\.\w+)*: \S.*"
)


@pytest.fixture
def refused(db, smtp_server, monkeypatch):
    """Two mails due, the server refusing the second's address for good."""
    monkeypatch.setenv("REKISTERI_SMTP", smtp_server.url())
    settings = load_settings()
    smtp_server.handler.refuse["nobody@example.fi"] = "550 5.1.1 user unknown"
    make_outbox_mail(settings, to_address="anna@example.fi")
    return make_outbox_mail(settings, to_address="nobody@example.fi")


def _send(*options: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "REKISTERI_LANG"}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *options, "outbox", "send"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_the_senders_warnings_stay_out_of_the_commands_finnish_output(refused):
    result = _send()

    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines == [
        "Viestejä lähetetty 1, yritetään uudelleen 0, epäonnistui 1, ohitettu 0.",
        f"Lähetys epäonnistui lopullisesti: {refused.message_id}: 550 5.1.1 user unknown "
        f"(kun syy on korjattu: rekisteri outbox retry {refused.message_id})",
    ]


def test_with_v_the_log_comes_on_stderr_in_one_form(refused):
    result = _send("-v")

    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    logged = [line for line in lines if LOG_LINE.fullmatch(line)]
    said = [line for line in lines if not LOG_LINE.fullmatch(line)]
    assert any("WARNING rekisteri.mailbot.sender: outbox" in line for line in logged), lines
    assert said[0].startswith("Viestejä lähetetty 1")
    assert len(said) == 2, lines  # nothing else: every other line is a log line
