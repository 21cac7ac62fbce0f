"""`rekisteri demo` opens the TUI with the mailbot working the demo folder beside it."""

from __future__ import annotations

import time

from store.config import load_settings
from store.db import open_database
from store.models import Request
from tui.cli.demo_cmd import DemoFolder, start_mailbot
from tui.cli.main import main


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
                    Request.select().count() >= 8 and list((folder / "outbox").glob("*.eml"))):
                time.sleep(0.5)
            arrived = Request.select().count()
            sent = list((folder / "outbox").glob("*.eml"))
        finally:
            mailbot.terminate()
            mailbot.wait(timeout=30)
    assert arrived >= 8  # the demo inbox's requests reached the queue the TUI shows
    assert sent  # and the acknowledgements went out as files in the demo's outbox/
