"""`rekisteri demo` opens the TUI with the mailbot working the demo folder beside it."""

from __future__ import annotations

import time

from cli.demo import DemoFolder, start_mailbot
from cli.main import main
from store.config import load_settings
from store.db import open_database
from store.models import Request


def test_the_demo_mailbot_runs_headless_in_the_background_on_the_demo_folder(tmp_path):
    folder = tmp_path / "demo"
    assert main(["demo", "--no-tui", "--dir", str(folder), "--customers", "60"]) == 0
    demo = DemoFolder(folder)
    with (folder / "mailbot.log").open("ab") as log:
        mailbot = start_mailbot(demo, load_settings(environ={}), log)
        try:
            open_database(demo.database_url)
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and not (
                Request.select().count() >= 8 and list((folder / "outbox").glob("*.eml"))
            ):
                time.sleep(0.5)
            arrived = Request.select().count()
            sent = list((folder / "outbox").glob("*.eml"))
        finally:
            mailbot.terminate()
            mailbot.wait(timeout=30)
    assert arrived >= 8  # the demo inbox's requests reached the queue the TUI shows
    assert sent  # and the acknowledgements went out as files in the demo's outbox/


def _mailbots_of(folder) -> list[int]:
    """Running `rekisteri mailbot` processes pointed at ``folder`` (read from /proc)."""
    from pathlib import Path

    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            command = (proc / "cmdline").read_bytes().split(b"\0")
            environ = (proc / "environ").read_bytes()
            state = (proc / "stat").read_text().split()[2]
        except OSError:
            continue
        if b"mailbot" in command and str(folder).encode() in environ and state != "Z":
            found.append(int(proc.name))
    return found


def test_closing_the_terminal_stops_the_demo_mailbot_too(tmp_path):
    import fcntl
    import os
    import pty
    import signal
    import struct
    import subprocess
    import sys
    import termios

    folder = tmp_path / "demo"
    assert main(["demo", "--no-tui", "--dir", str(folder), "--customers", "30"]) == 0
    terminal, their_end = pty.openpty()
    fcntl.ioctl(their_end, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    demo = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "demo", "--dir", str(folder)],
        stdin=their_end,
        stdout=their_end,
        stderr=their_end,
        start_new_session=True,
        env={**os.environ, "TERM": "xterm"},
    )
    try:
        deadline = time.monotonic() + 60
        while not _mailbots_of(folder) and time.monotonic() < deadline:
            os.read(terminal, 65536) if _readable(terminal) else time.sleep(0.2)
        assert _mailbots_of(folder), "the demo started no mailbot"
        demo.send_signal(signal.SIGHUP)  # the SSH connection dropped
        demo.wait(timeout=30)
        deadline = time.monotonic() + 20
        while _mailbots_of(folder) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _mailbots_of(folder) == []
    finally:
        if demo.poll() is None:
            demo.kill()
        for pid in _mailbots_of(folder):
            os.kill(pid, signal.SIGKILL)
        os.close(terminal)
        os.close(their_end)


def _readable(descriptor: int) -> bool:
    import select

    return bool(select.select([descriptor], [], [], 0.2)[0])
