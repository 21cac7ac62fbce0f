"""The generated hostile corpus (:mod:`tests.adversarial.hostile_corpus`) through the real
path: every mail into a real Maildir, ``rekisteri mailbot --once`` in a process of its own
with a time bound, then the register, the data packages and the outbox it wrote, and the
request screen staff read them on (issue 18, "the suite that keeps it so").

What must hold for every mail: exactly one disposition, the daemon alive (exit 0, no
traceback), nothing left unread; and for every text anywhere: no control character a
terminal would act on (C0 but newline and tab, DEL, C1), no bidirectional override and no
lone surrogate, in any text column of any table, in any file of a data package, in any
mail we sent, or on the screen.  The raw bytes of a message are the evidence and are kept
as they came (a blob, never shown as text).
"""

from __future__ import annotations

import email
import email.policy
import functools
import html
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from peewee import CharField, TextField
from rich.console import Console

from store import lifecycle
from store.config import load_settings
from store.models import (
    ALL_MODELS,
    DISPOSITIONS,
    Customer,
    InboundMessage,
    MessageLocation,
    OutboxMail,
    Request,
)
from store.outbox import has_content
from store.package import build_package, package_files
from tests.adversarial.hostile_corpus import (
    CSI_PAINT,
    CUSTOMERS,
    OSC_CLIPBOARD,
    OSC_TITLE,
    OUR_AUTHSERV,
    VICTIM,
    HostileMail,
    corpus,
    encoded_word,
    families,
)
from tests.support.desk import desk_app, log_in, open_request, press_and_settle
from tests.support.factories import make_customer
from tests.support.mail import feed, outgoing_bytes

ROOT = Path(__file__).resolve().parents[2]


@functools.cache
def all_mails() -> list[HostileMail]:
    """The corpus, made once per process when a test first asks (not at import: every
    worker would pay for it while collecting)."""
    return corpus()


TIME_BOUND = 120  # seconds for the whole corpus on a slow, shared 2-core machine

# What no text may carry, written out here rather than imported from the sanitiser it tests:
# C0 controls but tab and newline, DEL, C1 controls, the bidirectional embeddings, overrides
# and isolates, and lone surrogates.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def forbidden_in(text: str) -> list[str]:
    return sorted({f"U+{ord(char):04X}" for char in FORBIDDEN.findall(text)})


def strings_in(value: Any) -> Iterator[str]:
    """Every string in a column's value: itself, or each key and value of its JSON."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings_in(key)
            yield from strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings_in(item)


def test_the_corpus_is_deterministic_and_covers_every_family():
    mails = all_mails()
    again = corpus()
    assert [(m.name, m.raw) for m in again] == [(m.name, m.raw) for m in mails]
    counts = dict(families(mails))
    assert len(mails) >= 120, counts
    assert set(counts) == {"structure", "charset", "size", "controls", "forged", "realistic"}
    assert min(counts.values()) >= 6, counts
    assert len({m.raw for m in mails}) == len(mails)  # none a duplicate of another
    assert len({m.name for m in mails}) == len(mails)


# ---------------------------------------------------------------- the daemon over the corpus


def deliver(inbox: Path, mails: list[HostileMail]) -> dict[str, HostileMail]:
    """Each mail's exact bytes as a file in ``new/`` (no library re-serialises them), by
    its Maildir unique name."""
    for folder in ("new", "cur", "tmp"):
        (inbox / folder).mkdir(parents=True, exist_ok=True)
    names = {}
    for number, mail in enumerate(mails):
        unique = f"{1773136800 + number}.M{number}P{os.getpid()}.corpus"
        (inbox / "tmp" / unique).write_bytes(mail.raw)
        (inbox / "tmp" / unique).rename(inbox / "new" / unique)
        names[unique] = mail
    return names


def run_daemon(db_url: str, tmp_path: Path, inbox: Path) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "rekisteri.toml"
    config.write_text(f'[mail]\ntrusted_authserv_ids = ["{OUR_AUTHSERV}"]\n', encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("REKISTERI_")}
    env.update(
        REKISTERI_DB=db_url,
        REKISTERI_INBOX=f"maildir://{inbox}",
        REKISTERI_SMTP=f"outbox://{tmp_path / 'outbox'}",
        REKISTERI_CONFIG=str(config),
    )
    return subprocess.run(
        [sys.executable, "-m", "cli.main", "mailbot", "--once"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIME_BOUND,
    )


def make_customers() -> None:
    for number, (first, last, address) in CUSTOMERS.items():
        make_customer(first_name=first, last_name=last, email=address, customer_no=number)
    number, first, last, address = VICTIM
    make_customer(first_name=first, last_name=last, email=address, customer_no=number)


def test_every_hostile_mail_gets_one_disposition_and_no_control_gets_through(db, tmp_path):
    make_customers()
    inbox = tmp_path / "inbox"
    names = deliver(inbox, all_mails())

    run = run_daemon(db, tmp_path, inbox)

    assert run.returncode == 0, run.stderr[-5000:]
    assert "Traceback" not in run.stderr, run.stderr[-5000:]
    assert list((inbox / "new").iterdir()) == []  # nothing left unread
    _each_mail_has_one_disposition(names)
    _no_text_column_holds_a_control()
    _no_package_holds_a_control()
    _no_mail_we_sent_holds_a_control_or_an_injected_header(tmp_path / "outbox")


def _each_mail_has_one_disposition(names: dict[str, HostileMail]) -> None:
    located = {
        location.uid: location.message
        for location in MessageLocation.select(MessageLocation, InboundMessage).join(InboundMessage)
    }
    missing = sorted(names[name].name for name in names if name not in located)
    assert missing == [], f"no InboundMessage for {missing}"
    # One row per mail: no mail merged into another's row, none recorded twice.
    assert InboundMessage.select().count() == len(names)
    assert len({message.id for message in located.values()}) == len(names)
    undecided = {
        names[name].name: message.disposition
        for name, message in located.items()
        if message.disposition not in DISPOSITIONS
    }
    assert undecided == {}
    # Parsing is total: a quarantine means something raised on the way (the acknowledgement
    # to an address the policy half-parsed did), not a decision about the mail.
    quarantined = {
        names[name].name: message.reason
        for name, message in located.items()
        if message.disposition == "quarantined"
    }
    assert quarantined == {}
    # The realistic requests became requests (they must reach the screen and the package).
    for name, message in located.items():
        if names[name].family == "realistic":
            assert message.disposition == "new_request", (names[name].name, message.reason)


def _no_text_column_holds_a_control() -> None:
    leaks = []
    for model in ALL_MODELS:
        fields = [f for f in model._meta.sorted_fields if isinstance(f, CharField | TextField)]
        if not fields:
            continue
        for row in model.select(model.id, *fields).dicts():
            for field in fields:
                for text in strings_in(row[field.name]):
                    if found := forbidden_in(text):
                        leaks.append(f"{model.__name__}.{field.name} #{row['id']}: {found}")
    assert leaks == [], "\n".join(leaks[:40])


def _no_package_holds_a_control() -> None:
    settings = load_settings(environ={})
    checked = 0
    for number, (_, _, address) in CUSTOMERS.items():
        customer = Customer.get(Customer.customer_no == number)
        requests = list(Request.select().where(Request.requester_email == address))
        assert requests, f"no request from {address}"
        for request in requests:
            if request.customer_id is None and request.status in ("received",):
                lifecycle.confirm_customer(request, customer, "anna")
        package = build_package(customer, language="fi", settings=settings, actor="anna")
        assert package.document["requests"], number
        for item in package_files(package):
            text = item.data.decode("utf-8")
            assert forbidden_in(text) == [], (item.filename, forbidden_in(text))
            if item.filename.endswith(".json"):
                # json.dumps writes a control character as \u001b: look at the values too.
                for value in strings_in(json.loads(text)):
                    assert forbidden_in(value) == [], (item.filename, value[:200])
            if item.filename.endswith(".html"):
                # And an HTML page could carry it as &#27;.
                assert forbidden_in(html.unescape(text)) == [], item.filename
        messages = [m for r in package.document["requests"] for m in r["messages_in"]]
        assert any("\ufffd" in json.dumps(m, ensure_ascii=False) for m in messages), number
        checked += 1
    assert checked == len(CUSTOMERS)


_HEADER_LINE = re.compile(rb"^(?:[!-9;-~]+:|[ \t])")


def _no_mail_we_sent_holds_a_control_or_an_injected_header(outbox: Path) -> None:
    files = sorted(outbox.glob("*.eml"))
    assert files, "no mail was sent"
    assert len(files) == OutboxMail.select().where(OutboxMail.status == "sent").count()
    raws = [path.read_bytes() for path in files]
    raws += [outgoing_bytes(mail) for mail in OutboxMail.select() if has_content(mail)]
    for raw in raws:
        head = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]
        lines = re.split(rb"\r?\n", head)
        # Every header one line (or its folded continuation): no bare CR or LF inside a
        # line, no line that is not a header, so nothing from a mail added a header.
        assert all(b"\r" not in line and b"\n" not in line for line in lines), head[:500]
        assert all(_HEADER_LINE.match(line) for line in lines), head[:500]
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        names = [name.lower() for name in message]
        assert "bcc" not in names and names.count("to") == 1 and names.count("subject") == 1
        assert len(message["To"].addresses) == 1
        for name, value in message.items():
            assert forbidden_in(str(value)) == [], (name, str(value)[:200])
        for part in message.walk():
            if part.get_content_maintype() == "text":
                content = part.get_content()
                assert "\x1b" not in content and forbidden_in(content) == [], content[:300]


# ---------------------------------------------------------------- the request screen


def _screen_text(app: Any) -> str:
    """The characters on the screen, as :meth:`App.export_screenshot` renders them, without
    its styles (the escape sequences that colour the screen are Textual's, not the mail's)."""
    width, height = app.size
    console = Console(
        width=width, height=height, file=io.StringIO(), record=True, legacy_windows=False
    )
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text(styles=False)


async def test_a_mail_of_escape_sequences_reaches_the_request_screen_as_plain_text(desk):
    raw = (
        f"From: {encoded_word('Matti ' + OSC_TITLE + 'Meikäläinen')} "
        "<matti.meikalainen@example.fi>\r\n"
        "To: tietosuoja@kotkanleffat.fi\r\n"
        f"Subject: {encoded_word('Tietopyyntö ' + CSI_PAINT)}\r\n"
        "Message-ID: <screen-escape@example.fi>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
        f"Haluan nähdä tietoni heti.{OSC_CLIPBOARD}\r\n{CSI_PAINT}\r\n\x9b31mMatti\u202e\r\n"
    ).encode()
    # Through the real ingest: Matti's mail becomes an access request of its own.
    result = feed(raw)
    request = result.message.request
    assert request is not None
    app = desk_app(desk)
    async with app.run_test(size=(160, 60)) as pilot:
        await log_in(pilot, "anna")
        await open_request(pilot, request.reference)
        screens = []
        for tab in ("1", "3", "2"):  # the message, the thread, the customer
            await press_and_settle(pilot, tab)
            screens.append(_screen_text(app))
    shown = "\n".join(screens)
    # The mail is on the screen: its subject, its sender's name and its body...
    assert "Puhelinnumero rekisterissä" in shown and "Meikäläinen" in shown
    assert "Haluan nähdä tietoni heti." in shown and request.reference in shown
    # ...and not one of its control characters, in the message, the thread or the header.
    assert "\x1b" not in shown and forbidden_in(shown) == []
