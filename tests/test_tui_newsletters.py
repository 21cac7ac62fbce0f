"""The newsletters in the staff TUI: the same counts as ``newsletter list``, kept fresh while
the mailbot sends, and a new issue sent as ``newsletter send`` sends it: the Markdown files,
the preview per language with the readers counted, and the queueing with a progress bar."""

from __future__ import annotations

import dataclasses

from textual.widgets import Button, DataTable, Input, ProgressBar, TabbedContent

from mailbot.newsletter import queue_newsletter
from mailbot.sender import send_due
from store import newsletters
from store.consent import record_consent
from store.models import AuditEvent, Customer, MailingRecipient, Newsletter, OutboxMail
from tests.support.desk import desk_app, log_in, press_and_settle, settle, text_of, type_text
from tests.support.newsletter import subscriber
from tui.dialogs.newsletter_issue import IssueDialog
from tui.dialogs.newsletter_preview import IssuePreviewDialog
from tui.screens.newsletters import NewslettersScreen


def rows(app) -> list[list[str]]:
    table = app.screen.query_one(DataTable)
    return [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]


async def test_the_newsletter_screen_shows_each_issue_and_what_became_of_its_mail(desk, tmp_path):
    app = desk_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await log_in(pilot, "anna")
        await press_and_settle(pilot, "n")
        assert isinstance(app.screen, NewslettersScreen)
        assert app.screen.query_one("#newsletters-empty").display
        assert rows(app) == []

        newsletter, _ = newsletters.find_or_create(
            "Huhtikuun ensi-illat", {"fi": "# Ensi-illat\n\nTervetuloa!"}, "@cli"
        )
        settings = dataclasses.replace(
            desk.settings, mail=dataclasses.replace(desk.settings.mail, smtp=f"outbox://{tmp_path}")
        )
        queue_newsletter(newsletter, settings=settings, actor="@cli")
        await press_and_settle(pilot, "r")
        assert rows(app) == [["1", "10.3.2026", "Huhtikuun ensi-illat", "2", "2", "0", "0", "0"]]
        assert not app.screen.query_one("#newsletters-empty").display

        pekka = Customer.get(Customer.customer_no == "100003")
        record_consent(pekka, "marketing", False, channel="newsletter_link", actor="@mailbot")
        await send_due(settings)
        await press_and_settle(pilot, "r")
        assert rows(app) == [["1", "10.3.2026", "Huhtikuun ensi-illat", "2", "0", "1", "0", "1"]]

        await press_and_settle(pilot, "escape")
        assert not isinstance(app.screen, NewslettersScreen)


# ---------------------------------------------------------------- sending an issue

FINNISH = "# Huhtikuun ensi-illat\n\nTervetuloa **elokuviin**!\n"
SWEDISH = "# Premiärer i april\n\nVälkommen på bio!\n"


def markdown_files(tmp_path) -> dict[str, str]:
    paths = {"fi": tmp_path / "huhtikuu.md", "sv": tmp_path / "april.md"}
    paths["fi"].write_text(FINNISH, encoding="utf-8")
    paths["sv"].write_text(SWEDISH, encoding="utf-8")
    return {language: str(path) for language, path in paths.items()}


def field(app, name: str) -> Input:
    return app.screen.query_one(f"#issue-{name}", Input)


async def fill_in_the_issue(pilot, files: dict[str, str], subject: str = "Huhtikuun ensi-illat"):
    """On the newsletters screen: ``n``, the subjects typed, the files given, *Esikatsele*."""
    await press_and_settle(pilot, "n")
    assert isinstance(pilot.app.screen, IssueDialog)
    await type_text(pilot, subject)
    field(pilot.app, "subject-sv").value = "Premiärer i april"
    for language, path in files.items():
        field(pilot.app, f"file-{language}").value = path
    await pilot.click("#preview")
    await settle(pilot)


def newsletter_mail() -> list[OutboxMail]:
    return list(OutboxMail.select().where(OutboxMail.template == "newsletter"))


async def test_staff_send_an_issue_from_the_screen_previewed_counted_and_queued_with_progress(
    desk, tmp_path
):
    sweden = subscriber(1, language="sv")
    subscriber(2, consent=False)  # no marketing consent: no mail
    files = markdown_files(tmp_path)
    messages: list = []
    app = desk_app(desk)
    async with app.run_test(size=(100, 30), message_hook=messages.append) as pilot:
        await log_in(pilot, "anna")
        await press_and_settle(pilot, "n")
        assert isinstance(app.screen, NewslettersScreen)
        assert "komentoriviltä" not in text_of(app, "#newsletters-help")
        assert "Uusi numero: n" in text_of(app, "#newsletters-help")

        await fill_in_the_issue(pilot, files)
        assert isinstance(app.screen, IssuePreviewDialog)
        assert text_of(app, "#issue-readers").startswith(
            "Lukijoita nyt: 3 (suomi 2, ruotsi 1, englanti 0)."
        )
        assert text_of(app, "#issue-subject-fi") == "Aihe: Huhtikuun ensi-illat"
        finnish = text_of(app, "#issue-body-fi")
        assert "Huhtikuun ensi-illat\n====" in finnish and "Tervetuloa elokuviin!" in finnish
        assert "Lopeta uutiskirje:" in finnish  # the footer, as readers get it
        await press_and_settle(pilot, "2")
        assert app.screen.query_one(TabbedContent).active == "issue-tab-sv"
        assert text_of(app, "#issue-subject-sv") == "Aihe: Premiärer i april"
        assert "Välkommen på bio!" in text_of(app, "#issue-body-sv")
        assert "Avsluta nyhetsbrevet:" in text_of(app, "#issue-body-sv")
        assert "Tervetuloa elokuviin!" in text_of(app, "#issue-body-en")  # no English text
        assert OutboxMail.select().count() == Newsletter.select().count() == 0

        await pilot.click("#queue")
        await settle(pilot)
        assert isinstance(app.screen, NewslettersScreen)
        bar = app.screen.query_one("#newsletters-progress", ProgressBar)
        assert bar.display and (bar.progress, bar.total) == (3, 3)
        steps = [(m.done, m.total) for m in messages if isinstance(m, NewslettersScreen.Progressed)]
        # A newer step replaces one still waiting (only the latest matters), so how many
        # arrive depends on the machine's pace; they only ever go forward, to the end.
        assert steps and steps[-1] == (3, 3) and steps == sorted(steps)
        assert {total for _, total in steps} == {3}
        assert rows(app) == [["1", "10.3.2026", "Huhtikuun ensi-illat", "3", "3", "0", "0", "0"]]

    readers = {mail.customer.customer_no: mail.language for mail in newsletter_mail()}
    assert readers == {"100001": "fi", "100003": "fi", sweden.customer_no: "sv"}
    newsletter = Newsletter.get()
    assert newsletter.bodies == {"fi": FINNISH, "sv": SWEDISH}
    assert newsletter.subjects == {"fi": "Huhtikuun ensi-illat", "sv": "Premiärer i april"}
    assert newsletter.created_by == "anna"
    acts = AuditEvent.select().where(
        AuditEvent.action.in_(
            ("newsletter.created", "mailing.created", "mailing.batch_queued", "mailing.queued")
        )
    )
    assert {(event.action, event.actor) for event in acts} == {
        ("newsletter.created", "anna"),
        ("mailing.created", "anna"),
        ("mailing.batch_queued", "anna"),
        ("mailing.queued", "anna"),
    }


async def test_a_file_that_cannot_be_read_is_refused_beside_its_field_and_nothing_is_lost(
    desk, tmp_path
):
    files = markdown_files(tmp_path)
    app = desk_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await log_in(pilot, "anna")
        await press_and_settle(pilot, "n")
        missing = str(tmp_path / "ei-ole.md")
        await fill_in_the_issue(pilot, {"fi": files["fi"], "sv": missing})
        assert isinstance(app.screen, IssueDialog)
        assert text_of(app, "#issue-file-sv-problem") == (
            f"Tiedostoa {missing} ei voi lukea: tiedostoa ei ole"
        )
        assert not app.screen.query_one("#issue-file-fi-problem").display
        assert app.screen.focused is field(app, "file-sv")
        kept = {name: field(app, name).value for name in ("subject-fi", "subject-sv", "file-fi")}
        assert kept == {
            "subject-fi": "Huhtikuun ensi-illat",
            "subject-sv": "Premiärer i april",
            "file-fi": files["fi"],
        }
        assert field(app, "file-sv").value == missing

        odd = str(tmp_path / "[b]ei-ole[/b].md")  # shown as typed, not read as markup
        field(app, "file-sv").value = odd
        await pilot.click("#preview")
        await settle(pilot)
        assert text_of(app, "#issue-file-sv-problem").startswith(f"Tiedostoa {odd} ei voi")

        field(app, "file-sv").value = str(tmp_path)  # a folder
        await pilot.click("#preview")
        await settle(pilot)
        assert "se on kansio, ei tiedosto" in text_of(app, "#issue-file-sv-problem")

        field(app, "file-sv").value = ""
        field(app, "subject-fi").value = "  "
        await pilot.click("#preview")
        await settle(pilot)
        assert text_of(app, "#issue-subject-fi-problem") == "Uutiskirjeeltä puuttuu otsikko."
        assert not app.screen.query_one("#issue-file-sv-problem").display

        field(app, "file-fi").value = ""
        await pilot.click("#preview")
        await settle(pilot)
        assert text_of(app, "#issue-file-fi-problem") == "Anna suomenkielisen tekstin tiedosto."
    assert Newsletter.select().count() == OutboxMail.select().count() == 0


async def test_sending_the_same_issue_again_queues_nobody_twice(desk, tmp_path):
    files = markdown_files(tmp_path)
    app = desk_app(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await log_in(pilot, "anna")
        await press_and_settle(pilot, "n")
        await fill_in_the_issue(pilot, files)
        await pilot.click("#queue")
        await settle(pilot)
        assert len(newsletter_mail()) == 2

        # The same texts again: the preview says it is the same issue, and nobody is new.
        await fill_in_the_issue(pilot, files)
        assert isinstance(app.screen, IssuePreviewDialog)
        assert text_of(app, "#issue-readers").startswith("Lukijoita nyt: 0 (suomi 0")
        assert "Samat tekstit ovat jo uutiskirjeenä 1" in text_of(app, "#issue-resuming")
        assert "Aiemmin jonossa tai jo saaneita: 2." in text_of(app, "#issue-resuming")
        assert app.screen.query_one("#queue", Button).disabled
        await press_and_settle(pilot, "escape")

        # A reader who consents meanwhile is counted; and if the issue goes out to them
        # (from the command line) between the preview and *queue*, queueing adds nobody.
        late = subscriber(5)
        await fill_in_the_issue(pilot, files)
        assert text_of(app, "#issue-readers").startswith("Lukijoita nyt: 1 (suomi 1")
        queue_newsletter(Newsletter.get(), settings=desk.settings, actor="@cli")
        await pilot.click("#queue")
        await settle(pilot)
        assert isinstance(app.screen, NewslettersScreen)
        assert rows(app)[0][3] == "3"

    assert Newsletter.select().count() == 1
    customers = [mail.customer_id for mail in newsletter_mail()]
    assert len(customers) == len(set(customers)) == 3 and late.id in customers
    assert MailingRecipient.select().count() == 3


async def test_the_issue_is_previewed_in_english_for_english_speaking_staff(desk, tmp_path):
    files = markdown_files(tmp_path)
    app = desk_app(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "emma")
        await press_and_settle(pilot, "n")
        assert "New issue: n" in text_of(app, "#newsletters-help")
        await fill_in_the_issue(pilot, files)
        assert text_of(app, "#issue-readers").startswith(
            "Readers now: 2 (Finnish 2, Swedish 0, English 0)."
        )
        assert str(app.screen.query_one("#queue", Button).label) == "Queue for sending (2)"
        await press_and_settle(pilot, "3")
        assert "There is no text in this language" in text_of(app, "#issue-tab-en .dialog-hint")
        assert "Stop the newsletter:" in text_of(app, "#issue-body-en")
        await pilot.click("#back")
        await settle(pilot)
        assert isinstance(app.screen, IssueDialog)  # back to the form, everything kept
        assert field(app, "file-sv").value == files["sv"]
        assert field(app, "subject-fi").value == "Huhtikuun ensi-illat"
    assert Newsletter.select().count() == 0
