"""After erasure, and after retention, nothing of the person is left anywhere we keep data.

The real path: letters are delivered into a Maildir and fetched by ``rekisteri mailbot
--once`` (one of them quarantined), staff close the requests through :mod:`mailbot.acts`
(as the request screen and ``rekisteri erase --request`` do), the mailbot sends the answers
through the file transport, and ``rekisteri retention`` runs a month and half a year later.
Then every column of every table, the SQLite file with its write-ahead log, and the outbox
folder are searched for the person's addresses, phone number and name.  The vouchers the
Accounting Act keeps hold none of them (a customer number, an amount, the film).
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.main import main
from mailbot import acts
from store import audit
from store.config import load_settings
from store.consent import record_consent
from store.db import is_sqlite
from store.models import Customer, InboundMessage, OutboxMail, Purchase, Request, database
from store.staff import add_staff
from store.urls import file_url_path
from tests.support.factories import make_customer
from tests.support.mail import deliver_to_maildir, feed, mail_settings, make_mail
from tests.support.privacy import at, make_purchase

REGISTERED = "maija.mallikas@example.fi"
PRIVATE = "maija.m@kotiposti.fi"
NAME = "Maija Mallikas"
STREET = "Kuusikuja 7"
IDENTIFIERS = (
    REGISTERED,
    PRIVATE,
    NAME,
    "Mallikas",
    "+358401234567",  # as the register stores it
    "0401234567",
    "040 123 4567",  # as she wrote it
    STREET,
)


def hits_in_tables(identifiers: tuple[str, ...] = IDENTIFIERS) -> list[tuple[str, str, str]]:
    """(table, column, identifier) for every column of every table, from the catalogue."""
    found = []
    quote = database.obj.quote
    for table in sorted(database.get_tables()):
        cursor = database.execute_sql(f"SELECT * FROM {quote[0]}{table}{quote[1]}")
        columns = [column[0] for column in cursor.description]
        for row in cursor.fetchall():
            for column, value in zip(columns, row, strict=True):
                text = _text(value)
                found += [(table, column, item) for item in identifiers if item.lower() in text]
    return sorted(set(found))


def _text(value: object) -> str:
    if isinstance(value, memoryview):
        value = bytes(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").lower()
    return str(value).lower()


def hits_in_files(paths: list[Path], identifiers: tuple[str, ...] = IDENTIFIERS) -> list[str]:
    found = []
    for path in paths:
        if not path.exists():
            continue
        data = path.read_bytes().lower()
        found += [f"{path.name}: {item}" for item in identifiers if item.lower().encode() in data]
    return found


def database_files(db_url: str) -> list[Path]:
    path = file_url_path(db_url)
    return [path, path.with_name(path.name + "-wal")]


def eml_hits(folder: Path) -> list[str]:
    """Identifiers in the outbox folder's mails, headers and decoded text alike."""
    found = []
    for path in sorted(folder.glob("*.eml")):
        raw = path.read_bytes()
        message = email.message_from_bytes(raw, policy=email.policy.default)
        text = raw.decode("utf-8", "replace") + "".join(
            str(part.get_content())
            for part in message.walk()
            if part.get_content_maintype() == "text"
        )
        found += [f"{path.name}: {item}" for item in IDENTIFIERS if item.lower() in text.lower()]
    return found


@pytest.fixture
def desk(db, frozen_clock, tmp_path, monkeypatch) -> Iterator[Path]:
    """Maija's four letters fetched and her requests closed by staff; returns the outbox."""
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    monkeypatch.setenv("REKISTERI_INBOX", f"maildir://{inbox}")
    monkeypatch.setenv("REKISTERI_SMTP", f"outbox://{outbox}")
    frozen_clock(at("2026-01-05 10:00"))
    add_staff("anna", "handler", "anna-salasana", "@test", display_name="Anna Aalto")
    maija = make_customer(
        first_name="Maija",
        last_name="Mallikas",
        email=REGISTERED,
        phone="040 123 4567",
        street_address=STREET,
        customer_no="100077",
    )
    record_consent(
        maija, "register", True, channel="ticketing_registration", actor="@cli", evidence=REGISTERED
    )
    make_purchase(maija, "2026-01-04 18:00")  # a voucher: kept until 31.12.2032

    frozen_clock(at("2026-03-02 09:00"))
    question = make_mail(
        f"{NAME} <{REGISTERED}>",
        subject="Näytösajat",
        body="Moi! Mihin aikaan lauantain näytös alkaa?\n\nt. Maija Mallikas, 040 123 4567",
    )
    access = make_mail(
        f"{NAME} <{PRIVATE}>",
        subject="Tietopyyntö",
        body="Hei,\n\nhaluan tietää, mitä tietoja teillä on minusta.\n\n"
        "Maija Mallikas\n040 123 4567",
    )
    erasure = make_mail(
        f"{NAME} <{PRIVATE}>",
        subject="Poistakaa tietoni",
        body="Hei,\n\npoistakaa kaikki tietoni rekisteristänne.\n\n"
        "Maija Mallikas, asiakasnumero 100077, puhelin 040 123 4567",
    )
    deliver_to_maildir(inbox, [question, access, erasure])
    assert main(["mailbot", "--once"]) == 0
    # A letter the mailbot could not handle (a configuration mistake): quarantined, bytes kept.
    broken = mail_settings(from_address="not an address")
    stuck = feed(
        make_mail(
            f"{NAME} <{REGISTERED}>",
            subject="Vielä",
            body="Haluan tarkastaa tietoni. Soittakaa 040 123 4567. Maija",
        ),
        broken,
    ).message
    assert stuck.disposition == "quarantined" and stuck.raw_message

    by_subject = {
        message.subject: Request.get_by_id(message.request_id)
        for message in InboundMessage.select().where(InboundMessage.request.is_null(False))
    }
    settings = load_settings()  # as the commands read it: the outbox folder from the env
    frozen_clock(at("2026-03-03 10:00"))
    # The question is not a privacy request; the access request is from an address the
    # register does not know, so staff answer that they hold nothing under it.
    dismissed = acts.plan(
        "dismiss",
        by_subject["Näytösajat"].reference,
        settings,
        "anna",
        {"reason": "Maija Mallikas kysyi näytösajoista"},
    )
    acts.commit(dismissed, settings, "anna")
    refused_reference = by_subject["Tietopyyntö"].reference
    acts.mark_not_in_register(refused_reference, "anna")
    refusal = acts.plan(
        "reject",
        refused_reference,
        settings,
        "anna",
        {"ground": "identity_not_confirmed", "reason": f"Osoitetta {PRIVATE} ei ole rekisterissä"},
    )
    acts.commit(refusal, settings, "anna")
    erasure_reference = by_subject["Poistakaa tietoni"].reference
    acts.confirm_candidate(erasure_reference, maija.customer_no, "anna")
    acts.log_call(erasure_reference, "confirmed", "Maija vahvisti puhelimessa", "anna")
    erased = acts.plan("erasure", erasure_reference, settings, "anna")
    acts.commit(erased, settings, "anna")
    assert main(["mailbot", "--once"]) == 0  # the refusal and the confirmation go out
    assert Customer.get_by_id(maija.id).erased_at is not None
    yield outbox


def test_erasure_leaves_only_the_mail_of_the_grace_period_and_retention_leaves_nothing(
    desk, db, frozen_clock
):
    outbox = desk
    erasure_request = Request.get(Request.kind == "erasure")
    # Right after erasure: the requests (hers and the unlinked ones) are minimised, the
    # quarantined letter is gone.  Only the erasure request's own mail waits for its grace
    # period (replies can still be read beside it), as the preview told staff, and mail
    # that had not yet gone out.
    kept_messages = {
        message.id
        for message in InboundMessage.select().where(InboundMessage.request == erasure_request)
    }
    # The refusal was still waiting to be sent when she was erased: it went out after.
    kept_outbox = {
        mail.id
        for mail in OutboxMail.select().where(
            (OutboxMail.request == erasure_request) | (OutboxMail.template == "refusal")
        )
    }
    unexpected = [
        hit
        for hit in hits_in_tables()
        if not (
            hit[0] in ("inbound_message", "outbox_mail") and _kept(hit, kept_messages, kept_outbox)
        )
    ]
    assert unexpected == []
    assert all(request.minimised_at is not None for request in Request.select())
    kept_files = {OutboxMail.get_by_id(mail_id).message_id.strip("<>") for mail_id in kept_outbox}
    assert {path.stem for path in outbox.glob("*.eml")} <= kept_files
    if is_sqlite():
        # What is erased is not left behind in freed pages or in the write-ahead log.
        assert hits_in_files(database_files(db), (STREET, "Maija Mallikas kysyi")) == []
    else:
        # Nor in the old row versions PostgreSQL keeps in a table until it is vacuumed.
        vacuumed = {
            name
            for (name,) in database.execute_sql(
                "SELECT relname FROM pg_stat_user_tables WHERE last_vacuum IS NOT NULL"
            ).fetchall()
        }
        assert {"customer", "request", "inbound_message", "outbox_mail"} <= vacuumed

    frozen_clock(at("2026-04-03 10:00"))  # the grace period is over
    assert main(["retention"]) == 0
    frozen_clock(at("2026-09-03 10:00"))  # half a year after the erasure
    assert main(["retention"]) == 0

    assert hits_in_tables() == []
    assert eml_hits(outbox) == []
    if is_sqlite():
        assert hits_in_files(database_files(db)) == []
    # The documented exception: the voucher stays for the Accounting Act, with her number.
    assert [p.customer.customer_no for p in Purchase.select()] == ["100077"]
    assert InboundMessage.select().count() == 4  # the dedupe keys stay: no mail twice
    assert audit.verify().ok


def _kept(hit: tuple[str, str, str], messages: set[int], outbox: set[int]) -> bool:
    table, _, identifier = hit
    rows = (
        InboundMessage.select(InboundMessage.id)
        if table == "inbound_message"
        else OutboxMail.select(OutboxMail.id)
    )
    ids = {row.id for row in rows if _row_has(table, row.id, identifier)}
    return ids <= (messages if table == "inbound_message" else outbox)


def _row_has(table: str, row_id: int, identifier: str) -> bool:
    quote = database.obj.quote
    cursor = database.execute_sql(
        f"SELECT * FROM {quote[0]}{table}{quote[1]} WHERE id = {database.obj.param}", (row_id,)
    )
    return any(identifier.lower() in _text(value) for value in cursor.fetchone())


def test_a_person_who_never_was_a_customer_is_forgotten_after_the_set_time(
    db, frozen_clock, tmp_path, monkeypatch
):
    monkeypatch.setenv("REKISTERI_INBOX", f"maildir://{tmp_path / 'inbox'}")
    monkeypatch.setenv("REKISTERI_SMTP", f"outbox://{tmp_path / 'outbox'}")
    frozen_clock(at("2026-03-02 09:00"))
    add_staff("anna", "handler", "anna-salasana", "@test")
    letter = make_mail(f"{NAME} <{PRIVATE}>", body="Mitä tietoja teillä on minusta? Maija Mallikas")
    deliver_to_maildir(tmp_path / "inbox", [letter])
    assert main(["mailbot", "--once"]) == 0
    request = Request.get()
    settings = load_settings()  # as the commands read it: the outbox folder from the env
    acts.mark_not_in_register(request.reference, "anna")
    answer = acts.plan("access", request.reference, settings, "anna", {"encrypt": False})
    acts.commit(answer, settings, "anna")
    assert main(["mailbot", "--once"]) == 0
    assert hits_in_tables()  # kept as proof of the answer, for the time the notice says

    frozen_clock(at("2027-03-01 23:00"))  # the day before the twelve months are over
    assert main(["retention"]) == 0
    assert hits_in_tables()
    frozen_clock(at("2027-03-02 00:30"))
    assert main(["retention"]) == 0
    assert hits_in_tables() == []
    assert eml_hits(tmp_path / "outbox") == []
    stored = Request.get_by_id(request.id)
    assert (stored.reference, stored.kind, stored.status) == (
        request.reference,
        "access",
        "fulfilled",
    )
    assert audit.verify().ok
