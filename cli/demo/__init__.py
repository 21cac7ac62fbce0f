"""``rekisteri demo [--dir DIR] [--no-tui] [--reset]``: a working privacy desk on embedded data.

The demo folder holds a SQLite database of a few thousand Faker customers (imported from the
two CSV files beside it, with consents and ticket purchases), a Maildir inbox with a dozen
varied requests, and an ``outbox/`` folder where sent mail lands as ``.eml`` files.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, ModuleType
from typing import IO

from cli.context import Context
from cli.demo.inbox import DemoPerson, demo_messages, write_maildir
from store import tokens
from store.config import Settings, default_data_dir
from store.customers import format_phone
from store.encryption import generate_identity, write_key_pair
from store.errors import InvalidInput
from store.importer import import_customers
from store.migrations import migrate
from store.models import Customer
from store.staff import add_staff
from store.urls import file_url

DEMO_STAFF = (("demo", "handler", "demo-salasana"), ("admin", "admin", "admin-salasana"))
"""Demo logins, documented in the README; the demo opens the TUI as ``demo``."""

DEMO_BACKUP_IDENTITY = "keys/backup-identity.pem"
DEMO_BACKUP_RECIPIENT = "keys/backup-recipient.pem"
DEMO_CONFIG = f"""\
# The demo register's configuration (docs/backups.md).  The database, inbox and outbox
# come from the REKISTERI_* variables `rekisteri demo --no-tui` prints.
[backup]
dir = "backups"
recipient_file = "{DEMO_BACKUP_RECIPIENT}"
# Only the demo keeps the private key beside the register: on a real server it is kept
# elsewhere and given to `backup verify` and `backup restore` with --identity.
identity_file = "{DEMO_BACKUP_IDENTITY}"
ledger_file = "forget-ledger.jsonl"
"""

DEMO_ACTOR = "@demo"
DEMO_HANDLER = "demo"


@dataclass(frozen=True)
class DemoFolder:
    folder: Path

    @property
    def database_url(self) -> str:
        return file_url("sqlite", self.folder / "rekisteri.db")

    @property
    def inbox_url(self) -> str:
        return file_url("maildir", self.folder / "inbox")

    @property
    def smtp_url(self) -> str:
        return file_url("outbox", self.folder / "outbox")

    @property
    def config_file(self) -> Path:
        """The demo's ``[backup]`` settings (the rest comes from the variables below)."""
        return self.folder / "rekisteri.toml"

    def environment(self) -> dict[str, str]:
        return {
            "REKISTERI_CONFIG": str(self.config_file),
            "REKISTERI_DB": self.database_url,
            "REKISTERI_INBOX": self.inbox_url,
            "REKISTERI_SMTP": self.smtp_url,
        }

    def settings(self, base: Settings) -> Settings:
        mail = dataclasses.replace(base.mail, inbox=self.inbox_url, smtp=self.smtp_url)
        database = dataclasses.replace(base.database, url=self.database_url)
        backup = dataclasses.replace(
            base.backup,
            dir=str(self.folder / "backups"),
            recipient_file=str(self.folder / DEMO_BACKUP_RECIPIENT),
            identity_file=str(self.folder / DEMO_BACKUP_IDENTITY),
            ledger_file=str(self.folder / "forget-ledger.jsonl"),
        )
        return dataclasses.replace(base, database=database, mail=mail, backup=backup)

    def write_backup_keys(self) -> None:
        """A backup key pair and the configuration naming it.  A real server keeps only
        the public key; the demo keeps both, so ``backup verify`` and ``restore`` work."""
        if not (self.folder / DEMO_BACKUP_IDENTITY).exists():
            identity = generate_identity()
            write_key_pair(
                identity, self.folder / DEMO_BACKUP_IDENTITY, self.folder / DEMO_BACKUP_RECIPIENT
            )
        if not self.config_file.exists():
            self.config_file.write_text(DEMO_CONFIG, encoding="utf-8")


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("demo")
    parser.add_argument(
        "--dir", type=Path, default=None, help="demo folder (default: <user data dir>/demo)"
    )
    parser.add_argument(
        "--no-tui",
        action="store_true",
        help="only set up the folder and print the REKISTERI_* lines",
    )
    parser.add_argument("--reset", action="store_true", help="start again from scratch")
    parser.add_argument("--customers", type=int, default=3000, help=argparse.SUPPRESS)
    parser.set_defaults(handler=run)


# ``demo --reset`` deletes a folder: only one that ``demo`` made, with this file in it, never
# a folder someone named by mistake.  The layout alone proves nothing: the real data folder
# holds rekisteri.db and inbox/ too.
DEMO_MARKER = ".rekisteri-demo"


def is_demo_folder(folder: Path) -> bool:
    return (folder / DEMO_MARKER).is_file() and not (folder / DEMO_MARKER).is_symlink()


def run(context: Context, args: argparse.Namespace) -> int:
    demo = DemoFolder((args.dir or default_data_dir() / "demo").absolute())
    context.settings = demo.settings(context.settings)
    if args.reset and demo.folder.exists():
        if not is_demo_folder(demo.folder):
            raise InvalidInput(
                f"{demo.folder} is not a demo folder",
                key="demo.not_a_demo",
                folder=str(demo.folder),
            )
        shutil.rmtree(demo.folder)
    if not (demo.folder / "rekisteri.db").exists():
        build(context, demo, customers=args.customers)
        demo.write_backup_keys()
    else:
        demo.write_backup_keys()  # a demo folder from before backups
        context.open_db()
        context.say("demo.reused", folder=str(demo.folder))
    if args.no_tui:
        for name, value in demo.environment().items():
            print(f"{name}={value}")
        return 0
    return open_tui(context, demo)


def open_tui(context: Context, demo: DemoFolder) -> int:
    """The staff TUI as the demo handler, with the mailbot working the demo inbox beside it."""
    from tui.app import make_app

    log_path = demo.folder / "mailbot.log"
    with log_path.open("ab") as log:
        mailbot = start_mailbot(demo, context.settings, log)
        stop_with_this_process(mailbot)
        try:
            make_app(context.settings, login_as=DEMO_HANDLER).run()
        finally:
            mailbot.terminate()
            try:
                mailbot.wait(timeout=10)
            except subprocess.TimeoutExpired:
                mailbot.kill()
    context.say("tui.demo.closed", outbox=str(demo.folder / "outbox"), log=str(log_path))
    return 0


def stop_with_this_process(child: subprocess.Popen[bytes]) -> None:
    """A closed terminal (SIGHUP: the SSH connection dropped) or SIGTERM ends the demo
    without running its ``finally``; stop the mailbot first, then die as asked."""

    def stop_then_die(number: int, frame: FrameType | None) -> None:
        child.terminate()
        signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)

    for number in (signal.SIGHUP, signal.SIGTERM):
        signal.signal(number, stop_then_die)


def start_mailbot(demo: DemoFolder, settings: Settings, log: IO[bytes]) -> subprocess.Popen[bytes]:
    """``rekisteri mailbot`` in its own process (headless: it never loads Textual), pointed
    at the demo folder through the same REKISTERI_* variables ``--no-tui`` prints."""
    command = [sys.executable, "-m", "cli.main"]
    if settings.source_path:
        command += ["--config", settings.source_path]
    environment = {**os.environ, **demo.environment()}
    return subprocess.Popen(
        [*command, "mailbot"],
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _demo_data() -> ModuleType:
    """The demo's customers come from Faker, an extra the register server does not install."""
    try:
        return importlib.import_module("cli.demo.data")
    except ModuleNotFoundError as missing:
        if missing.name != "faker":
            raise
        raise InvalidInput("the demo needs Faker", key="demo.needs_faker") from None


def build(context: Context, demo: DemoFolder, *, customers: int) -> None:
    demo_data = _demo_data()
    context.say("demo.building", folder=str(demo.folder), customers=customers)
    demo.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    (demo.folder / DEMO_MARKER).write_text("rekisteri demo\n", encoding="utf-8")
    context.open_db(create=True, check=False)
    migrate()
    tokens.ensure_secret(DEMO_ACTOR)
    files = demo_data.write_customer_files(demo.folder / "import", customers)
    with context.progress(context.t("import.progress")) as progress:
        import_customers(files.ticketing, "ticketing", actor=DEMO_ACTOR, progress=progress)
        import_customers(files.newsletter, "newsletter", actor=DEMO_ACTOR, progress=progress)
    purchases = demo_data.add_purchases()
    for name, role, password in DEMO_STAFF:
        add_staff(name, role, password, DEMO_ACTOR, display_name=name.capitalize())
    people = demo_people()
    delivered = write_demo_inbox(demo.folder / "inbox", people, context.settings)
    (demo.folder / "outbox").mkdir(exist_ok=True)
    context.say(
        "demo.built", customers=Customer.select().count(), purchases=purchases, messages=delivered
    )


def demo_people() -> list[DemoPerson]:
    """Eight active customers with a phone and an email: the demo requests come from them."""
    rows = (
        Customer.select()
        .where(
            Customer.phone.is_null(False)
            & Customer.email.is_null(False)
            & ~Customer.customer_no.startswith("N-")
            & Customer.relationship_ended_at.is_null()
        )
        .order_by(Customer.customer_no)
        .limit(8)
    )
    # The query asks for an address and a phone: neither is None.
    return [DemoPerson(c.name, c.email or "", format_phone(c.phone), c.customer_no) for c in rows]


def write_demo_inbox(folder: Path, people: list[DemoPerson], settings: Settings) -> int:
    form_sender = next(iter(settings.mail.website_form_senders), "")
    messages = demo_messages(people, settings.controller.privacy_inbox, form_sender=form_sender)
    return write_maildir(folder, messages)
