"""The mailbot reads the newsletter's personal links: "stop" withdraws consent at once, "see or
change your data" becomes a request matched by the token, a token that does not verify counts
for nothing (and the record says why), and a reply quoting the newsletter is read by what the
person wrote.  The last test runs the whole path through a real IMAP server (Dovecot)."""

from __future__ import annotations

import json
from email.message import EmailMessage

import pytest

from cli.main import main
from mailbot.newsletter import queue_newsletter
from store import audit, clock, newsletters, tokens
from store.config import load_settings
from store.consent import has_consent, is_suppressed
from store.models import (
    AuditEvent,
    ConsentEvent,
    InboundMessage,
    OutboxMail,
    Request,
    VerificationCall,
)
from tests.support.mail import feed, make_mail, outgoing_message
from tests.support.newsletter import follow, footer_links, subscriber, text_part

ISSUE = "# Huhtikuun ohjelma\n\nKatso ohjelmisto ja tarkista tietosi kotisivuiltamme.\n"


def issue_to(*readers) -> dict[int, EmailMessage]:
    """Queue an issue and read each reader's mail as queued (the bytes that will be sent)."""
    newsletter, _ = newsletters.find_or_create("Huhtikuu", {"fi": ISSUE}, "@cli")
    queue_newsletter(newsletter, settings=load_settings(environ={}), actor="@cli")
    mails = {}
    for mail in OutboxMail.select().where(OutboxMail.template == "newsletter"):
        mails[mail.customer_id] = outgoing_message(mail)
    assert {reader.id for reader in readers} <= set(mails)
    return mails


def mydata_link(mail: EmailMessage) -> str:
    return footer_links(mail)[0]


def unsubscribe_link(mail: EmailMessage) -> str:
    return footer_links(mail)[1]


def altered(link: str) -> str:
    """The link with one character of its token changed, as a careless copy might."""
    token = tokens.find_tokens(link.replace("%20", " "))[0]
    last = "B" if token[-1] != "B" else "C"
    return link.replace(token, token[:-1] + last)


def test_the_stop_link_withdraws_consent_at_once_without_a_call_and_confirms_it(db, frozen_clock):
    reader = subscriber(1, language="sv")
    mail = issue_to(reader)[reader.id]

    result = feed(follow(unsubscribe_link(mail), reader.email))

    message = result.message
    assert message.disposition == "new_request" and not message.needs_attention
    assert message.link_token == {
        "purpose": "unsubscribe",
        "accepted": True,
        "ignored_because": None,
    }
    request = message.request
    assert (request.kind, request.status, request.customer_id) == (
        "objection",
        "fulfilled",
        reader.id,
    )
    assert request.candidates[0].matched_on == "token,email"
    assert VerificationCall.select().count() == 0
    assert not has_consent(reader, "marketing") and is_suppressed(reader.email)
    event = ConsentEvent.select().order_by(ConsentEvent.id.desc()).first()
    assert (event.given, event.channel, event.request_reference) == (
        False,
        "newsletter_link",
        request.reference,
    )
    assert f"inbound message {message.id}" in event.evidence
    # One confirmation, in the customer's language, to the address the newsletter went to.
    [confirmation] = OutboxMail.select().where(OutboxMail.template == "marketing_stopped")
    assert (confirmation.to_address, confirmation.language, confirmation.automatic) == (
        reader.email,
        "sv",
        True,
    )
    body = outgoing_message(confirmation)
    assert "den personliga länken i vårt nyhetsbrev" in text_part(body)
    actions = [row.action for row in AuditEvent.select().order_by(AuditEvent.id)]
    assert "consent.marketing.withdrawn" in actions and "newsletter.link_read" in actions
    link_event = AuditEvent.get(AuditEvent.action == "newsletter.link_read")
    assert link_event.customer_no == reader.customer_no
    assert reader.email not in json.dumps(link_event.payload)
    assert audit.verify().ok


def test_the_stop_link_used_from_another_address_stops_the_registered_reader_and_says_so(
    db, frozen_clock
):
    reader = subscriber(1)
    mail = issue_to(reader)[reader.id]

    result = feed(follow(unsubscribe_link(mail), "Työposti <matti@tyopaikka.example>"))

    assert not has_consent(reader, "marketing")
    assert (result.message.needs_attention, result.message.attention_reason) == (
        True,
        "token_sender_differs",
    )
    [confirmation] = OutboxMail.select().where(OutboxMail.template == "marketing_stopped")
    # To the registered reader, under their own name: never their name to another address.
    assert (confirmation.to_address, confirmation.to_name) == (reader.email, reader.name)


def test_the_data_link_from_another_address_becomes_a_request_matched_by_the_token(
    db, frozen_clock
):
    reader, other = subscriber(1), subscriber(2)
    mail = issue_to(reader, other)[reader.id]

    # Sent from an address not on record, under the other customer's name.
    result = feed(follow(mydata_link(mail), "Tilaaja Numero2 <tilaaja.uusi@example.net>"))

    request = result.message.request
    assert (request.kind, request.status, request.match_state) == (
        "access",
        "received",
        "candidates",
    )
    candidates = sorted(request.candidates, key=lambda c: -c.score)
    assert [(c.customer_id, c.matched_on) for c in candidates] == [
        (reader.id, "token"),
        (other.id, "name"),
    ]
    assert candidates[0].score == 1.0  # the strongest kind of match
    assert result.message.needs_attention
    assert result.message.attention_reason == "token_sender_differs"
    assert result.message.link_token["accepted"] is True
    assert has_consent(reader, "marketing")  # asking to see one's data stops nothing
    # The usual verification call still decides: nothing is approved, the call is to come.
    [ack] = OutboxMail.select().where(OutboxMail.template == "acknowledgement")
    assert ack.to_address == "tilaaja.uusi@example.net"


@pytest.mark.parametrize("how", ["altered", "old_secret"])
def test_a_token_that_does_not_verify_counts_for_nothing_and_the_record_says_why(
    db, frozen_clock, how
):
    reader = subscriber(1)
    mail = issue_to(reader)[reader.id]
    link = mydata_link(mail)
    if how == "altered":
        link = altered(link)
    else:
        OutboxMail.update(status="sent").execute()
        tokens.rotate_secret(load_settings(environ={}), "@cli")

    result = feed(follow(link, "Joku Muu <joku@example.net>"))

    message = result.message
    assert message.link_token == {
        "purpose": "mydata",
        "accepted": False,
        "ignored_because": "altered_or_forged" if how == "altered" else "old_secret",
    }
    assert message.disposition == "new_request"  # the normal path
    assert [c.customer_id for c in message.request.candidates] == []
    assert not message.needs_attention
    event = AuditEvent.get(AuditEvent.action == "newsletter.link_read")
    assert event.customer_no is None and event.payload["accepted"] is False


def test_an_altered_stop_link_from_the_reader_goes_the_normal_path(db, frozen_clock):
    reader = subscriber(1)
    mail = issue_to(reader)[reader.id]

    result = feed(follow(altered(unsubscribe_link(mail)), reader.email))

    # The prefilled words still ask to stop the newsletter: the ordinary objection applies,
    # matched on the sender's address, and the record says the token was ignored.
    assert result.message.link_token["ignored_because"] == "altered_or_forged"
    assert not has_consent(reader, "marketing")
    event = ConsentEvent.select().order_by(ConsentEvent.id.desc()).first()
    assert event.channel == "email_request"


def test_a_reply_quoting_the_newsletter_is_read_by_what_the_person_wrote(db, frozen_clock):
    reader = subscriber(1)
    mail = issue_to(reader)[reader.id]
    quoted = "\n".join(f"> {line}" for line in text_part(mail).splitlines())
    reply = make_mail(
        f"Tilaaja <{reader.email}>",
        subject=f"Re: {mail['Subject']}",
        body=f"Poistakaa kaikki tietoni rekisteristänne.\n\n"
        f"{clock.now():%d.%m.%Y} Kotkan Leffat Oy <tietosuoja@kotkanleffat.fi>"
        f" kirjoitti:\n{quoted}\n",
        headers=[("In-Reply-To", mail["Message-ID"]), ("References", mail["Message-ID"])],
    )

    result = feed(reply)

    message = result.message
    assert message.disposition == "new_request"  # not ignored as a mailing list
    assert message.request.kind == "erasure"  # not "access" from the quoted footer
    assert message.link_token is None  # the quoted footer's tokens are not the person's
    assert "Lopeta uutiskirje" in message.quoted_text
    assert has_consent(reader, "marketing")


def reply_to_the_issue(reader, written: str) -> InboundMessage:
    """``reader`` answers the issue they got: ``written`` above the quoted newsletter."""
    mail = issue_to(reader)[reader.id]
    quoted = "\n".join(f"> {line}" for line in text_part(mail).splitlines())
    reply = make_mail(
        reader.email,
        subject=f"Re: {mail['Subject']}",
        body=f"{written}\n\n{quoted}\n",
        headers=[("In-Reply-To", mail["Message-ID"])],
    )
    return feed(reply).message


def test_a_reply_that_only_thanks_is_not_an_access_request(db, frozen_clock):
    message = reply_to_the_issue(subscriber(1), "Kiitos, mukava kirje!")
    assert (message.disposition, message.request.kind) == ("new_request", "other")
    assert OutboxMail.select().where(OutboxMail.template == "acknowledgement").count() == 0


@pytest.mark.parametrize("written", ["Lopettakaa tämä.", "sluta skicka", "STOP"])
def test_a_bare_stop_in_reply_to_the_newsletter_stops_the_newsletter(db, frozen_clock, written):
    """The reply's headers point at the issue we sent, so "stop" refers to it: the
    objection is applied at once, as a written "stop the newsletter" would be."""
    reader = subscriber(1)
    message = reply_to_the_issue(reader, written)
    assert (message.disposition, message.request.kind) == ("new_request", "objection")
    assert not has_consent(reader, "marketing")
    assert OutboxMail.select().where(OutboxMail.template == "marketing_stopped").count() == 1


def test_the_same_stop_without_a_newsletter_to_refer_to_waits_for_staff(db, frozen_clock):
    reader = subscriber(1)
    message = feed(
        make_mail(reader.email, subject="Re: Lippuvaraus", body="Lopettakaa tämä.\n")
    ).message
    assert (message.disposition, message.request.kind) == ("new_request", "other")
    assert has_consent(reader, "marketing")


def test_two_different_tokens_in_what_was_written_count_for_nothing(db, frozen_clock):
    first, second = subscriber(1), subscriber(2)
    mails = issue_to(first, second)
    pasted = "\n".join(
        tokens.find_tokens(
            " ".join(
                footer_links(mails[reader.id])[1].replace("%20", " ") for reader in (first, second)
            )
        )
    )
    message = feed(
        make_mail(first.email, subject="Uutiskirje", body=f"Lopettakaa uutiskirje.\n{pasted}\n")
    ).message
    assert message.link_token["ignored_because"] == "several_tokens"
    assert has_consent(second, "marketing")


def test_through_dovecot_stop_data_and_altered_links_each_do_what_they_promise(
    db, frozen_clock, imap_server, tmp_path, monkeypatch, capsys
):
    leaving, asking, tampering = subscriber(1), subscriber(2, language="en"), subscriber(3)
    mails = issue_to(leaving, asking, tampering)
    OutboxMail.update(status="sent").execute()  # delivered earlier
    imap_server.append_many(
        [
            follow(unsubscribe_link(mails[leaving.id]), f"Lähtijä <{leaving.email}>"),
            follow(mydata_link(mails[asking.id]), "Asker <asker.at.work@example.net>"),
            follow(altered(mydata_link(mails[tampering.id])), "Kokeilija <kokeilija@example.net>"),
        ]
    )
    monkeypatch.setenv("REKISTERI_INBOX", imap_server.url())
    monkeypatch.setenv("REKISTERI_SMTP", f"outbox://{tmp_path / 'outbox'}")

    assert main(["mailbot", "--once"]) == 0
    capsys.readouterr()

    assert main(["marketing-list", "--json"]) == 0
    listed = {row["customer_no"] for row in json.loads(capsys.readouterr().out)}
    assert listed == {asking.customer_no, tampering.customer_no}
    assert main(["messages", "list", "--json"]) == 0
    rows = {row["from"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows[leaving.email]["link_token"]["accepted"] is True
    assert rows["asker.at.work@example.net"]["needs_attention"] is True
    assert rows["kokeilija@example.net"]["link_token"] == {
        "purpose": "mydata",
        "accepted": False,
        "ignored_because": "altered_or_forged",
    }
    assert main(["requests", "list", "--json"]) == 0
    requests = {row["requester_email"]: row for row in json.loads(capsys.readouterr().out)}
    assert requests[leaving.email]["kind"] == "objection"
    assert requests[leaving.email]["status"] == "fulfilled"
    assert requests["asker.at.work@example.net"]["kind"] == "access"
    assert requests["asker.at.work@example.net"]["status"] == "received"
    asked = Request.get(Request.requester_email == "asker.at.work@example.net")
    [best] = [c for c in asked.candidates if "token" in c.matched_on]
    assert best.customer_id == asking.id
    assert requests["kokeilija@example.net"]["customer_no"] is None
    tampered = Request.get(Request.requester_email == "kokeilija@example.net")
    assert tampering.id not in [c.customer_id for c in tampered.candidates]
    assert InboundMessage.select().count() == 3
    flags = imap_server.uids_and_flags("INBOX")
    assert len(flags) == 3 and all(b"\\Seen" in item for item in flags.values())
