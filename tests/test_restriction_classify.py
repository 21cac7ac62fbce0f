"""The mailbot recognises a restriction request (Art. 18, *rajoituspyyntö*) in Finnish,
Swedish and English, however the person puts it, and answers it in their language."""

from __future__ import annotations

import pytest

from mailbot.classify import classify
from store.models import OutboxMail, Request
from tests.support.mail import feed, make_mail, outgoing_bytes

PHRASINGS = [
    ("fi", "Pyydän, että rajoitatte tietojeni käsittelyä, kunnes osoitteeni on tarkistettu."),
    ("fi", "Haluan rajoittaa henkilötietojeni käsittelyä."),
    ("fi", "Vaadin tietojeni käsittelyn rajoittamista tietosuoja-asetuksen 18 artiklan nojalla."),
    (
        "fi",
        "Tietoni ovat väärin. Älkää käyttäkö niitä ennen kuin asia on selvitetty, vaan "
        "rajoittakaa käsittely siihen asti.",
    ),
    ("fi", "Lukitkaa tietoni, en halua että niitä käytetään mihinkään."),
    ("fi", "Jäädyttäkää tietoni siihen asti, että riita on ratkaistu."),
    (
        "sv",
        "Jag begär att ni begränsar behandlingen av mina personuppgifter tills saken är utredd.",
    ),
    ("sv", "Enligt artikel 18 vill jag att behandlingen av mina uppgifter begränsas."),
    ("sv", "Spärra mina uppgifter tills ni har kontrollerat dem."),
    ("sv", "Frys mina uppgifter tills vidare, jag behöver dem i en tvist."),
    (
        "en",
        "I would like you to restrict the processing of my personal data until its "
        "accuracy is verified.",
    ),
    ("en", "Under Article 18 GDPR I request restriction of processing."),
    ("en", "Please freeze my data and stop using it until this dispute is resolved."),
    ("en", "Please block my personal data until you have checked it."),
]


@pytest.mark.parametrize(("language", "text"), PHRASINGS)
def test_restriction_is_recognised_in_each_language(language, text):
    result = classify(text)

    assert (result.kind, result.language) == ("restriction", language)
    assert not result.marketing  # never applied at once like a marketing objection


@pytest.mark.parametrize(
    "text",
    [
        "Tilini on lukittu, en pääse kirjautumaan lipunmyyntiin.",  # a locked account
        "Rajoittakaa uutiskirjeiden lähettämistä, tulee liian usein.",  # about marketing
        "My card was blocked when I tried to pay for the tickets.",
    ],
)
def test_other_locks_and_limits_are_not_restriction_requests(text):
    assert classify(text).kind != "restriction"


@pytest.mark.parametrize(
    ("sender", "subject", "body", "language", "due"),
    [
        (
            "Pirjo Laine <pirjo.laine@example.fi>",
            "Käsittelyn rajoittaminen",
            "Hei,\n\nkiistän osoitetietoni oikeellisuuden. Rajoittakaa tietojeni käsittelyä, kunnes "
            "asia on tarkistettu.\n\nTerveisin Pirjo",
            "fi",
            "10.4.2026",
        ),
        (
            "Anna Lindholm <anna.lindholm@example.fi>",
            "Begränsning",
            "Hej!\n\nJag vill att ni begränsar behandlingen av mina uppgifter, jag behöver dem i en "
            "rättslig tvist.\n\nMed vänliga hälsningar\nAnna",
            "sv",
            "10 april 2026",
        ),
        (
            "John Smith <john.smith@example.com>",
            "Restriction of processing",
            "Dear Sir or Madam,\n\nplease restrict the processing of my personal data while you "
            "check whether it is accurate.\n\nKind regards\nJohn",
            "en",
            "10 April 2026",
        ),
    ],
)
def test_a_restriction_mail_becomes_a_restriction_request_answered_in_its_language(
    db, frozen_clock, sender, subject, body, language, due
):
    result = feed(make_mail(sender, subject=subject, body=body))

    request = Request.get_by_id(result.message.request_id)
    assert (request.kind, request.language, request.status) == ("restriction", language, "received")
    [ack] = OutboxMail.select().where(OutboxMail.request == request)
    assert (ack.template, ack.language) == ("acknowledgement", language)
    assert due in outgoing_bytes(ack).decode("utf-8", "replace")
