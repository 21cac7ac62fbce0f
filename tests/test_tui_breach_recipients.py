"""Breach notices the mail did not reach, told another way (issue 15: "breach recipients
without email (list, mark as informed by another channel)"), in the TUI and the CLI.

Before, the breach screen only named the customer numbers and sent staff to
``rekisteri breach recipients ID --status no_email``; nothing recorded how they were told."""

from __future__ import annotations

import json

from textual.widgets import DataTable, Input, OptionList

from cli.main import main
from store.models import AuditEvent, MailingRecipient, OutboxMail
from tests.support.desk import (
    breach_told_to_everyone,
    desk_app,
    log_in,
    press_and_settle,
    settle,
    text_of,
)
from tui.dialogs.informed import InformedDialog
from tui.screens.breach import BreachScreen
from tui.screens.breach_recipients import BreachRecipientsScreen


async def test_staff_record_how_the_customers_the_mail_missed_were_told(desk):
    breach_id = breach_told_to_everyone(desk)
    app = desk_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "anna")
        app.push_screen(BreachScreen(breach_id))
        await settle(pilot)
        assert "yhteystiedot ja kirjaus: i" in text_of(app, "#breach-notices")
        await press_and_settle(pilot, "i")
        screen = app.screen
        assert isinstance(screen, BreachRecipientsScreen)
        table = screen.query_one(DataTable)
        assert table.row_count == 2  # the one without an address and the failed one
        rows = {str(table.get_row_at(n)[0]): table.get_row_at(n) for n in range(2)}
        eino = rows["100077"]
        assert (str(eino[2]), str(eino[3])) == ("040 7771234", "ei sähköpostiosoitetta")
        assert "Satamakatu 7" in str(eino[4])
        assert any(str(row[3]) == "sähköposti epäonnistui" for row in rows.values())

        table.move_cursor(row=list(rows).index("100077"))
        await press_and_settle(pilot, "enter")
        dialog = app.screen
        assert isinstance(dialog, InformedDialog)
        assert "Satamakatu 7" in text_of(app, "#informed-contact")
        options = dialog.query_one(OptionList)
        assert options.highlighted is None  # staff choose how; nothing is chosen for them
        dialog.query_one(Input).value = "Kirje lähetetty 7.12."
        options.focus()
        await press_and_settle(pilot, "down", "enter")  # the first: by letter
        assert isinstance(app.screen, BreachRecipientsScreen)
        assert table.row_count == 1  # Eino is no longer to be reached

        await press_and_settle(pilot, "f")  # everyone
        rows = {str(table.get_row_at(n)[0]): table.get_row_at(n) for n in range(table.row_count)}
        assert str(rows["100077"][3]).startswith("kerrottu kirjeellä ")
    recipient = MailingRecipient.get(MailingRecipient.informed_by == "anna")
    assert (recipient.status, recipient.informed_how) == ("informed", "letter")
    assert recipient.informed_note == "Kirje lähetetty 7.12."
    event = AuditEvent.get(AuditEvent.action == "breach.recipient_informed")
    assert (event.actor, event.customer_no, event.payload["channel"]) == (
        "anna",
        "100077",
        "letter",
    )
    assert "Kirje" not in json.dumps(event.payload)  # the note stays out of the trail
    looks = AuditEvent.select().where(AuditEvent.action == "register.listed")
    assert {event.payload["listing"] for event in looks} == {"breach-recipients"}


def test_the_command_line_records_it_too_and_refuses_a_mail_on_its_way(desk, capsys):
    breach_id = breach_told_to_everyone(desk)
    on_its_way = (
        OutboxMail.select()
        .where((OutboxMail.template == "breach_notice") & (OutboxMail.status == "queued"))
        .first()
    )
    [customer_no] = [
        r.customer.customer_no
        for r in MailingRecipient.select().where(MailingRecipient.outbox == on_its_way)
    ]
    capsys.readouterr()
    assert main(["breach", "informed", str(breach_id), "100077", "--how", "phone"]) == 0
    assert "kerrottu tietoturvaloukkauksesta puhelimitse" in capsys.readouterr().err
    assert main(["breach", "informed", str(breach_id), "100077", "--how", "letter"]) == 1
    assert "on jo kerrottu toista kautta" in capsys.readouterr().err
    assert main(["breach", "informed", str(breach_id), customer_no, "--how", "phone"]) == 1
    assert "kirjaa toinen tapa vasta, jos viesti epäonnistuu" in capsys.readouterr().err
    assert main(["breach", "recipients", str(breach_id), "--status", "informed", "--json"]) == 0
    [line] = json.loads(capsys.readouterr().out)
    assert (line["customer_no"], line["informed_how"], line["status"]) == (
        "100077",
        "phone",
        "informed",
    )
    assert line["informed_by"].startswith("@cli:")
