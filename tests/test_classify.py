"""The classifier on realistic phrasings in Finnish, Swedish and English."""

from __future__ import annotations

import pytest

from mailbot.changes import proposed_changes
from mailbot.classify import classify, detect_language

CASES = [
    # (subject, text, kind, language)
    ("Tietopyyntö", "Hei, haluaisin tarkistaa mitä tietoja teillä on minusta.", "access", "fi"),
    ("", "Pyydän saada jäljennöksen kaikista henkilötiedoistani.", "access", "fi"),
    ("", "Voitteko lähettää tietoni? Haluan nähdä mitä olette tallentaneet.", "access", "fi"),
    (
        "",
        "Pyydän tietojeni tarkastusta EU:n tietosuoja-asetuksen 15 artiklan nojalla.",
        "access",
        "fi",
    ),
    ("Registerutdrag", "Hej, jag vill få ett registerutdrag över mina uppgifter.", "access", "sv"),
    ("", "Jag begär tillgång till mina personuppgifter enligt artikel 15.", "access", "sv"),
    (
        "Subject access request",
        "Please send me a copy of all personal data you hold about me.",
        "access",
        "en",
    ),
    (
        "",
        "What information do you keep about me? Under Art. 15 GDPR I want to know.",
        "access",
        "en",
    ),
    ("poisto", "poistakaa tietoni", "erasure", "fi"),
    ("", "Haluan että tietojani ei enää säilytetä, poistaminen kiitos.", "erasure", "fi"),
    ("", "Pyydän tietojeni poistoa rekisteristänne.", "erasure", "fi"),
    ("", "Tietoni poistetaan toivottavasti pian, en ole enää asiakas.", "erasure", "fi"),
    ("", "Tiedot pitää tuhota, pyyhkikää minut järjestelmistänne.", "erasure", "fi"),
    ("", "Jag vill att ni raderar mitt konto och alla mina uppgifter.", "erasure", "sv"),
    ("", "Please delete my account and all my personal data.", "erasure", "en"),
    ("", "I exercise my right to be forgotten (Article 17).", "erasure", "en"),
    (
        "Osoitteenmuutos",
        "Osoitteeni on muuttunut, uusi osoite on Kirkkokatu 5, 48100 Kotka.",
        "rectification",
        "fi",
    ),
    ("", "Nimeni on väärin rekisterissänne, korjatkaa se.", "rectification", "fi"),
    (
        "",
        "Jag har flyttat, min nya adress är Storgatan 3, 00100 Helsingfors.",
        "rectification",
        "sv",
    ),
    (
        "",
        "My phone number has changed. Please update it to +358 40 111 2222.",
        "rectification",
        "en",
    ),
    (
        "",
        "Pyydän, että rajoitatte tietojeni käsittelyä kunnes asia on selvitetty.",
        "restriction",
        "fi",
    ),
    ("", "Käsittelyn rajoittaminen, tietosuoja-asetuksen 18 artikla.", "restriction", "fi"),
    ("", "Jag begär begränsning av behandlingen av mina uppgifter.", "restriction", "sv"),
    ("", "Please restrict the processing of my data while you check it.", "restriction", "en"),
    ("Re: Kotkan Leffojen uutiskirje", "En halua enää uutiskirjettä, kiitos.", "objection", "fi"),
    ("", "Peruutan markkinointiluvan, älkää lähettäkö mainoksia.", "objection", "fi"),
    ("", "Lopettakaa sähköpostimarkkinointi minulle.", "objection", "fi"),
    ("", "Sluta skicka nyhetsbrev till mig.", "objection", "sv"),
    ("", "Please unsubscribe me.", "objection", "en"),
    ("", "I withdraw my consent to marketing emails.", "objection", "en"),
    ("Lastenelokuvat", "Hei! Onko lauantaina lastenelokuvia ja mihin aikaan?", "other", "fi"),
    ("Biljetter", "Hej, hur mycket kostar biljetterna på lördag?", "other", "sv"),
    ("Lost umbrella", "Hi, I left my umbrella in hall 2 yesterday.", "other", "en"),
]


@pytest.mark.parametrize(("subject", "text", "kind", "language"), CASES)
def test_realistic_phrasings(subject, text, kind, language):
    result = classify(text, subject)
    assert (result.kind, result.language) == (kind, language), result.scores


@pytest.mark.parametrize(
    "text", ["poistakaa tietoni", "tietojani poistaminen", "tietojeni poisto", "tiedot poistetaan"]
)
def test_finnish_inflection_counts(text):
    assert classify(text).kind == "erasure"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Viittaan 15 artiklaan.", "access"),
        ("Art. 16 GDPR.", "rectification"),
        ("Enligt artikel 17.", "erasure"),
        ("Article 18 applies.", "restriction"),
        ("Artikla 21.", "objection"),
        ("Tietosuoja-asetuksen 17 artiklan 1 kohta.", "erasure"),
    ],
)
def test_article_numbers_are_strong_signals_in_any_language(text, kind):
    result = classify(text)
    assert result.kind == kind and result.confidence >= 0.7


def test_a_bare_article_21_objection_is_not_taken_as_marketing():
    result = classify("Vastustan tietojeni käsittelyä 21 artiklan nojalla.")
    assert result.kind == "objection" and not result.marketing


def test_marketing_objection_is_marked_for_applying_at_once():
    assert classify("Please unsubscribe me from the newsletter.").marketing


def test_two_things_in_one_letter():
    result = classify("Poistakaa tietoni ja lopettakaa markkinointi.")
    assert (result.kind, result.also_objection, result.marketing) == ("erasure", True, True)
    result = classify("Please send me a copy of my data, and stop the newsletter.")
    assert (result.kind, result.also_objection) == ("access", True)


def test_the_subject_of_a_reply_and_quoted_text_decide_nothing():
    # Only the person's own words reach the classifier; a reply's subject is ours.
    assert classify("Kiitos!", "Re: Haluatko tarkistaa tietosi? Uutiskirje").kind == "other"


@pytest.mark.parametrize(
    "text",
    [
        "Älkää poistako tietojani, haluan ostaa lippuja jatkossakin.",
        "En halua, että tietojani poistetaan.",
        "Radera inte mina uppgifter.",
        "Please don't delete my account, I still buy tickets.",
    ],
)
def test_a_negated_erasure_is_not_an_erasure(text):
    assert classify(text).kind != "erasure"


def test_an_erasure_that_did_not_happen_is_still_one():
    assert classify("Tietojani ei poistettu vaikka pyysin, poistakaa ne nyt.").kind == "erasure"


@pytest.mark.parametrize(
    "text", ["Ottakaa minut pois postituslistalta.", "Please remove me from this list."]
)
def test_leaving_the_list_is_a_marketing_objection(text):
    result = classify(text)
    assert (result.kind, result.marketing) == ("objection", True)


@pytest.mark.parametrize(
    "text", ["Lopettakaa tämä!", "peruuta tilaus", "sluta skicka", "Stop sending these."]
)
def test_a_bare_stop_is_about_the_newsletter_only_in_reply_to_it(text):
    assert classify(text, "Re: Joulun ensi-illat").kind == "other"
    result = classify(text, "Re: Joulun ensi-illat", answers_marketing=True)
    assert (result.kind, result.marketing) == ("objection", True)


def test_in_reply_to_the_newsletter_named_data_still_decide():
    result = classify("Poistakaa tietoni rekisteristä.", "Re: Uutiskirje", answers_marketing=True)
    assert result.kind == "erasure"


def test_confidence_is_lower_when_signals_are_weak():
    strong = classify("Pyydän tietojeni tarkastusta 15 artiklan nojalla.")
    weak = classify("poisto")
    assert strong.confidence > weak.confidence > 0.3


def test_the_form_choice_decides_with_high_confidence():
    result = classify("Haluan nähdä tietoni.", form_kind="erasure")
    assert (result.kind, result.confidence) == ("erasure", 0.95)


def test_language_detection_and_fallback():
    assert detect_language("Hej, tack för hjälpen") == "sv"
    assert detect_language("Thank you for the help, regards") == "en"
    assert detect_language("Kiitos avusta, terveisin Maija") == "fi"
    assert detect_language("12345", fallback="sv") == "sv"
    assert detect_language("") == "fi"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Uusi osoite: Kirkkokatu 5 B 12, 48100 Kotka.\nUusi puhelinnumero on 040 765 4321.",
            {
                "street_address": "Kirkkokatu 5 B 12",
                "postal_code": "48100",
                "city": "Kotka",
                "phone": "+358407654321",
            },
        ),
        ("Menin naimisiin ja sukunimeni on nyt Virtanen.", {"last_name": "Virtanen"}),
        ("Min nya e-postadress är Anna.B@Example.se.", {"email": "anna.b@example.se"}),
        ("My name has changed to Jane Smith.", {"first_name": "Jane", "last_name": "Smith"}),
        ("I have moved to 12 High Street, London.", {"street_address": "12 High Street, London"}),
        ("Soittakaa numeroon 040 1234567, osoite Keskuskatu 1.", {}),
    ],
)
def test_rectification_values_are_extracted(text, expected):
    assert proposed_changes(text) == expected


# Issue 14's hand test (plain sentences that all became "other") and the opening lines of
# the data protection authorities' model letters (CNIL, AEPD, Garante, UODO, AP, the
# Estonian AKI, BfDI), each answered in English unless written in fi, sv or en.
@pytest.mark.parametrize(
    "text, kind, written, answer",
    [
        ("Pyydän kopion henkilötiedoistani.", "access", "fi", "fi"),
        ("Lähettäkää minulle kaikki tietoni.", "access", "fi", "fi"),
        ("Haluan että tilini suljetaan ja tiedot hävitetään.", "erasure", "fi", "fi"),
        ("Älkää lähettäkö enää mainoksia.", "objection", "fi", "fi"),
        ("what have you got on me", "access", "en", "en"),
        ("my number is different now", "rectification", "en", "en"),
        (
            "Je vous prie de procéder à l'effacement de mes données personnelles "
            "(article 17 du RGPD).",
            "erasure",
            "fr",
            "en",
        ),
        (
            "Por medio del presente escrito ejerzo el derecho de acceso, de conformidad con el "
            "artículo 15 del RGPD.",
            "access",
            "es",
            "en",
        ),
        ("Con la presente chiedo la cancellazione dei miei dati personali.", "erasure", "it", "en"),
        ("Proszę o usunięcie moich danych osobowych (art. 17 RODO).", "erasure", "pl", "en"),
        ("Ik verzoek u om inzage in mijn persoonsgegevens (artikel 15 AVG).", "access", "nl", "en"),
        (
            "Hiermit beantrage ich Auskunft über meine personenbezogenen Daten gemäß Art. 15 DSGVO.",
            "access",
            "de",
            "en",
        ),
    ],
)
def test_plain_requests_in_the_writers_own_words(text, kind, written, answer):
    result = classify(text)
    assert (result.kind, result.written_language, result.language) == (kind, written, answer)
