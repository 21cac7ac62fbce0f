"""The newsletter from the register, end to end through a real SMTP server (aiosmtpd): who
gets an issue, in which language, with which headers and links; consent checked again at the
moment of sending; an interrupted run continued without anyone getting it twice."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from urllib.parse import unquote

import pytest

from cli.main import main
from mailbot.markdown import render_markdown
from mailbot.newsletter import queue_newsletter
from mailbot.sender import send_due
from store import audit, newsletters, tokens
from store.config import load_settings
from store.consent import has_consent, record_consent, suppress
from store.erasure import erase_customer
from store.models import (
    AuditEvent,
    ConsentEvent,
    Customer,
    MailingRecipient,
    Newsletter,
    OutboxMail,
    Request,
)
from store.restriction import apply_restriction
from tests.support.mail import feed, outgoing_message
from tests.support.newsletter import (
    follow,
    footer_links,
    html_links,
    html_part,
    subscriber,
    text_part,
)

FINNISH = """# Maaliskuun ensi-illat

Tervetuloa **elokuviin**! Koko ohjelmisto: https://www.kotkanleffat.fi/ohjelmisto

- Dyyni, osa kolme
- [Muumit](https://www.kotkanleffat.fi/muumit) perjantaina
"""
SWEDISH = """# Mars premiärer

Välkommen på bio! Hela programmet: https://www.kotkanleffat.fi/ohjelmisto
"""


def with_smtp(url: str, **newsletter: str):
    settings = load_settings(environ={})
    settings = dataclasses.replace(settings, mail=dataclasses.replace(settings.mail, smtp=url))
    if newsletter:
        settings = dataclasses.replace(
            settings, newsletter=dataclasses.replace(settings.newsletter, **newsletter)
        )
    return settings


@pytest.fixture
def texts(tmp_path: Path) -> dict[str, Path]:
    paths = {"fi": tmp_path / "uutiskirje.md", "sv": tmp_path / "nyhetsbrev.md"}
    paths["fi"].write_text(FINNISH, encoding="utf-8")
    paths["sv"].write_text(SWEDISH, encoding="utf-8")
    return paths


def send_command(texts: dict[str, Path]) -> list[str]:
    return [
        "newsletter",
        "send",
        "--subject",
        "Maaliskuun uutiset",
        str(texts["fi"]),
        "--lang",
        f"sv={texts['sv']}",
        "--lang-subject",
        "sv=Nyheter i mars",
    ]


def listed(capsys) -> list[dict]:
    capsys.readouterr()
    assert main(["newsletter", "list", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def by_recipient(smtp_server) -> dict[str, object]:
    return {mail.rcpt_tos[0]: mail.message for mail in smtp_server.received}


async def test_an_issue_reaches_exactly_those_who_may_receive_marketing_in_their_language(
    db, frozen_clock, smtp_server, texts, capsys
):
    finn, swede, english = (
        subscriber(1),
        subscriber(2, language="sv"),
        subscriber(3, language="en"),
    )
    subscriber(4, consent=False)
    withdrawn = subscriber(5)
    record_consent(withdrawn, "marketing", False, channel="email_request", actor="@test")
    apply_restriction(subscriber(6), ground="accuracy_contested", actor="anna")
    suppressed = subscriber(7)
    suppress(suppressed.email, reason="objection")
    erase_customer(subscriber(8), actor="anna", settings=load_settings(environ={}))
    no_address = subscriber(9, email="ei@example.fi")
    Customer.update(email=None).where(Customer.id == no_address.id).execute()

    assert main(send_command(texts)) == 0
    assert "Uutiskirje 1: jonoon lisätty 3;" in capsys.readouterr().err
    assert {mail.to_address for mail in OutboxMail.select()} == {
        finn.email,
        swede.email,
        english.email,
    }
    settings = with_smtp(smtp_server.url())
    report = await send_due(settings)
    assert (report.sent, report.skipped, report.failed) == (3, 0, 0)

    mails = by_recipient(smtp_server)
    finnish, swedish, in_english = mails[finn.email], mails[swede.email], mails[english.email]
    assert finnish["Subject"] == in_english["Subject"] == "Maaliskuun uutiset"
    assert swedish["Subject"] == "Nyheter i mars"
    # Plain text from the Markdown, with an HTML alternative.
    assert finnish.get_content_type() == "multipart/alternative"
    text = text_part(finnish)
    assert text.startswith("Maaliskuun ensi-illat\n=====")
    assert "Tervetuloa elokuviin! Koko ohjelmisto:\nhttps://www.kotkanleffat.fi/ohjelmisto" in text
    assert "- Muumit <https://www.kotkanleffat.fi/muumit> perjantaina" in text
    assert "**" not in text
    html = html_part(finnish)
    assert '<html lang="fi">' in html and "<strong>elokuviin</strong>" in html
    assert '<a href="https://www.kotkanleffat.fi/muumit">Muumit</a>' in html
    # The text in the reader's language (Finnish when there is none), the footer in theirs.
    assert "Välkommen på bio!" in text_part(swedish)
    assert "Du får det här nyhetsbrevet eftersom du har samtyckt" in text_part(swedish)
    assert "Tervetuloa elokuviin!" in text_part(in_english)
    assert "You get this newsletter because you consented to marketing" in text_part(in_english)
    assert "Saat tämän uutiskirjeen, koska olet antanut suostumuksesi" in text
    assert "Kotkan Leffat Oy, Kotka, Suomi" in text  # who sends it (Act 917/2014 §200)

    [row] = listed(capsys)
    assert row["counts"] == {"queued": 0, "sent": 3, "failed": 0, "skipped": 0}
    assert (row["id"], row["subject"], row["languages"], row["recipients"]) == (
        1,
        "Maaliskuun uutiset",
        ["fi", "sv"],
        3,
    )
    assert row["created_at"] == "2026-03-10T12:00:00+02:00"


async def test_every_mail_has_the_list_headers_and_two_links_the_mailbot_accepts(
    db, frozen_clock, smtp_server, texts
):
    readers = [subscriber(1), subscriber(2, language="sv"), subscriber(3, language="en")]
    assert main(send_command(texts)) == 0
    await send_due(with_smtp(smtp_server.url()))
    mails = by_recipient(smtp_server)
    inbox = load_settings(environ={}).controller.privacy_inbox

    for reader in readers:
        message = mails[reader.email]
        assert message["From"] == f"Kotkan Leffat Oy <{inbox}>"
        assert message["Reply-To"] == f"Kotkan Leffat Oy <{inbox}>"
        assert message["List-Id"] == "Kotkan Leffat Oy <uutiskirje.kotkanleffat.fi>"
        assert message["Precedence"] == "bulk"
        unsubscribe_header = message["List-Unsubscribe"]
        assert unsubscribe_header.startswith(f"<mailto:{inbox}?subject=")
        assert "=?" not in unsubscribe_header  # a URL, never an encoded word
        mydata, unsubscribe = footer_links(message)
        assert html_links(message) == [mydata, unsubscribe]
        [mydata_token] = tokens.find_tokens(unquote(mydata))
        [unsubscribe_token] = tokens.find_tokens(unquote(unsubscribe))
        assert mydata_token.startswith("RK1D-") and unsubscribe_token.startswith("RK1U-")
        assert tokens.find_tokens(unquote(unsubscribe_header)) == [unsubscribe_token]
        assert reader.customer_no not in text_part(message)

    # The reader clicks "see or change your data" and sends the prefilled mail.
    finn, swede, english = readers
    request = feed(follow(footer_links(mails[finn.email])[0], finn.email)).message.request
    assert (request.kind, request.status, request.customer_id) == ("access", "received", None)
    [candidate] = request.candidates
    assert (candidate.customer_id, candidate.matched_on) == (finn.id, "token,email")
    # "Stop the newsletter", from the text, the HTML and the mail client's own button.
    feed(follow(footer_links(mails[finn.email])[1], finn.email))
    feed(follow(html_links(mails[swede.email])[1], swede.email))
    feed(follow(mails[english.email]["List-Unsubscribe"].strip("<>"), english.email))
    for reader in readers:
        assert not has_consent(reader, "marketing")
        event = (
            ConsentEvent.select()
            .where(ConsentEvent.customer == reader)
            .order_by(ConsentEvent.id.desc())
            .first()
        )
        assert (event.given, event.channel) == (False, "newsletter_link")


async def test_consent_withdrawn_after_queueing_stops_that_mail_and_is_counted_skipped(
    db, frozen_clock, smtp_server, texts, capsys
):
    stays, leaves, restricted, moved, erased = (subscriber(number) for number in range(1, 6))
    assert main(send_command(texts)) == 0
    assert OutboxMail.select().count() == 5

    # Between queueing and sending: a withdrawal, a restriction, a new address, an erasure.
    record_consent(leaves, "marketing", False, channel="newsletter_link", actor="@mailbot")
    apply_restriction(restricted, ground="legal_claims", actor="anna")
    Customer.update(email="uusi.osoite@example.fi").where(Customer.id == moved.id).execute()
    settings = with_smtp(smtp_server.url())
    erase_customer(erased, actor="anna", settings=settings)
    report = await send_due(settings)

    assert [mail.rcpt_tos for mail in smtp_server.received] == [(stays.email,)]
    assert (report.sent, report.skipped) == (1, 4)
    reasons = {
        mail.customer_id: mail.last_error
        for mail in OutboxMail.select().where(OutboxMail.status == "skipped")
    }
    assert reasons == {
        leaves.id: "marketing consent withdrawn",
        restricted.id: "processing restricted (Art. 18)",
        moved.id: "address changed since queued",
        erased.id: "customer erased",
    }
    skipped = AuditEvent.select().where(AuditEvent.action == "mail.skipped")
    assert {event.payload["reason"] for event in skipped} == set(reasons.values())
    [row] = listed(capsys)
    assert row["counts"] == {"queued": 0, "sent": 1, "failed": 0, "skipped": 4}


async def test_a_refused_address_is_counted_failed(db, frozen_clock, smtp_server, texts, capsys):
    ok, refused = subscriber(1), subscriber(2)
    smtp_server.handler.refuse[refused.email] = "550 5.1.1 No such user"
    assert main(send_command(texts)) == 0
    report = await send_due(with_smtp(smtp_server.url()))
    assert (report.sent, report.failed) == (1, 1)
    [row] = listed(capsys)
    assert row["counts"] == {"queued": 0, "sent": 1, "failed": 1, "skipped": 0}
    assert [mail.rcpt_tos for mail in smtp_server.received] == [(ok.email,)]


def test_sending_the_same_texts_again_continues_the_issue_and_nobody_gets_it_twice(
    db, frozen_clock, texts, capsys
):
    readers = [subscriber(number) for number in range(1, 8)]
    settings = load_settings(environ={})
    newsletter, created = newsletters.find_or_create(
        "Maaliskuun uutiset", {"fi": FINNISH, "sv": SWEDISH}, "@cli", {"sv": "Nyheter i mars"}
    )
    assert created

    def crash_after_the_first_batch(done: int, total: int) -> None:
        if done:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        queue_newsletter(
            newsletter,
            settings=settings,
            actor="@cli",
            batch_size=3,
            progress=crash_after_the_first_batch,
        )
    assert MailingRecipient.select().count() == OutboxMail.select().count() == 3

    late = subscriber(8)  # gave consent in between: joins the same issue
    assert main(send_command(texts)) == 0
    err = capsys.readouterr().err
    assert "Samat tekstit ovat jo uutiskirjeenä 1: jatketaan sitä" in err
    assert "jonoon lisätty 5; aiemmin jonossa tai jo saaneita 3" in err
    assert main(send_command(texts)) == 0
    assert "jonoon lisätty 0; aiemmin jonossa tai jo saaneita 8" in capsys.readouterr().err
    assert Newsletter.select().count() == 1
    per_customer = [row.customer_id for row in OutboxMail.select(OutboxMail.customer)]
    assert sorted(per_customer) == sorted(c.id for c in [*readers, late])
    assert AuditEvent.select().where(AuditEvent.action == "newsletter.created").count() == 1
    assert audit.verify().ok


def test_from_and_reply_to_come_from_the_settings_and_mail_from_them_is_our_own(
    db, frozen_clock, tmp_path
):
    reader = subscriber(1)
    settings = with_smtp(
        f"outbox://{tmp_path}",
        from_address="uutiskirje@kotkanleffat.fi",
        from_name="Kotkan Leffat – uutiskirje",
        reply_to="palaute@kotkanleffat.fi",
    )
    newsletter, _ = newsletters.find_or_create("Uutisia", {"fi": FINNISH}, "@cli")
    queue_newsletter(newsletter, settings=settings, actor="@cli")
    message = outgoing_message(OutboxMail.get(), settings)
    assert message["From"] == "Kotkan Leffat – uutiskirje <uutiskirje@kotkanleffat.fi>"
    assert message["Reply-To"] == "Kotkan Leffat – uutiskirje <palaute@kotkanleffat.fi>"
    assert message["To"].addresses[0].addr_spec == reader.email
    # The links still go to the privacy inbox, where the mailbot reads.
    assert footer_links(message)[1].startswith("mailto:tietosuoja@kotkanleffat.fi?")
    echo = feed(follow(footer_links(message)[1], "uutiskirje@kotkanleffat.fi"), settings)
    assert (echo.message.disposition, echo.message.reason) == ("ignored", "own_address")


def test_a_dry_run_counts_by_language_shows_the_mail_and_queues_nothing(
    db, frozen_clock, texts, capsys
):
    subscriber(1), subscriber(2, language="sv"), subscriber(3, consent=False)
    assert main([*send_command(texts), "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert "Uutiskirje lähtisi nyt 2 vastaanottajalle (fi 1, sv 1, en 0)" in err
    assert out.startswith("Otsikko: Maaliskuun uutiset\n\nMaaliskuun ensi-illat")
    assert "Lopeta uutiskirje:" in out
    assert Newsletter.select().count() == OutboxMail.select().count() == 0


def test_a_preview_of_an_issue_in_each_language(db, frozen_clock, texts, capsys):
    subscriber(1)
    assert main(send_command(texts)) == 0
    capsys.readouterr()
    assert main(["newsletter", "preview", "1", "--language", "sv"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Otsikko: Nyheter i mars\n\nMars premiärer")
    assert "Avsluta nyhetsbrevet:" in out
    assert main(["newsletter", "preview", "1", "--language", "en", "--html"]) == 0
    assert '<html lang="en">' in capsys.readouterr().out
    assert main(["newsletter", "preview", "7"]) == 1
    assert "rekisteri: uutiskirjettä 7 ei ole\n" in capsys.readouterr().err


def test_bad_input_is_one_line_and_nothing_is_queued(db, frozen_clock, texts, tmp_path, capsys):
    subscriber(1)
    empty = tmp_path / "tyhjä.md"
    empty.write_text("  \n", encoding="utf-8")
    cases = [
        (["newsletter", "send", "--subject", " ", str(texts["fi"])], "puuttuu otsikko"),
        (["newsletter", "send", "--subject", "S", str(empty)], "kielellä fi on tyhjä"),
        (
            ["newsletter", "send", "--subject", "S", str(tmp_path / "ei.md")],
            "ei voi lukea: tiedostoa ei ole",
        ),
        (["newsletter", "send", "--subject", "S", str(tmp_path)], "se on kansio, ei tiedosto"),
        (
            ["newsletter", "send", "--subject", "S", str(texts["fi"]), "--lang", "de=x.md"],
            "tuntematon kieli de",
        ),
        (
            ["newsletter", "send", "--subject", "S", str(texts["fi"]), "--lang", "sv"],
            "--lang annetaan muodossa KIELI=ARVO",
        ),
    ]
    for argv, expected in cases:
        capsys.readouterr()
        assert main(argv) == 1, argv
        err = capsys.readouterr().err
        assert expected in err and err.count("\n") == 1, err
    assert Newsletter.select().count() == OutboxMail.select().count() == 0


def test_rotate_secret_from_the_command_line(db, frozen_clock, capsys):
    assert main(["init"]) == 0
    assert "linkkien salaisuus luotu" in capsys.readouterr().err
    assert main(["newsletter", "rotate-secret"]) == 0
    assert "ennen lähetettyjen uutiskirjeiden linkit eivät enää kelpaa" in capsys.readouterr().err
    assert len(tokens.retired_fingerprints()) == 1


def test_markdown_becomes_readable_text_and_safe_html():
    rendered = render_markdown(
        "## Ohjelma\n\nTeksti, joka jatkuu.\nSamassa kappaleessa.\n\n"
        "1. yksi\n2. [kaksi](https://example.fi/2)\n   - alakohta\n\n"
        "> lainaus\n\n| Elokuva | Aika |\n|---|---|\n| Dyyni | 18.00 |\n\n"
        "<img src=https://seuranta.example/pikseli.gif>\n"
    )
    assert rendered.text == (
        "Ohjelma\n-------\n\nTeksti, joka jatkuu. Samassa kappaleessa.\n\n"
        "1. yksi\n2. kaksi <https://example.fi/2>\n   - alakohta\n\n> lainaus\n\n"
        "Elokuva | Aika\n--------+------\nDyyni   | 18.00\n\n"
        "<img src=https://seuranta.example/pikseli.gif>\n"
    )
    assert "<h2>Ohjelma</h2>" in rendered.html and "<table>" in rendered.html
    assert "<img" not in rendered.html  # raw HTML is shown as text, never passed on
    long = render_markdown("sana " * 40)
    assert max(len(line) for line in long.text.splitlines()) <= 72


def test_a_markdown_image_is_a_link_never_a_remote_image():
    """``![](https://…/pikseli.gif)`` became an ``<img>``: a tracking pixel (issue 18 item 7)."""
    rendered = render_markdown("Ensi-ilta ![Dyyni](https://seuranta.example/pikseli.gif?r=1)")
    assert "<img" not in rendered.html
    assert '<a href="https://seuranta.example/pikseli.gif?r=1">Dyyni</a>' in rendered.html
    assert "Dyyni <https://seuranta.example/pikseli.gif?r=1>" in rendered.text
    long = render_markdown("sana " * 40)
    assert max(len(line) for line in long.text.splitlines()) <= 72


def test_the_issue_is_audited_without_personal_data(db, frozen_clock, texts):
    reader = subscriber(1)
    assert main(send_command(texts)) == 0
    events = {event.action: event for event in AuditEvent.select()}
    assert events["newsletter.created"].payload == {"newsletter": 1, "languages": ["fi", "sv"]}
    assert events["mailing.queued"].payload["selection"] == {"marketing": True}
    for event in AuditEvent.select():
        assert reader.email not in json.dumps(event.payload)
    assert Request.select().count() == 0
