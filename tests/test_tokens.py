"""The newsletter's personal-link tokens: made and read back only with the secret, never
revealing the customer number, and dead once the secret is rotated."""

from __future__ import annotations

import base64
import dataclasses
import re

import pytest

from mailbot.outgoing import queue_mail
from store import audit, tokens
from store.config import load_settings
from store.errors import ConfigError, RuleViolation
from store.heartbeat import read_state
from store.models import AuditEvent
from tests.support.factories import make_customer

SECRET = b"s" * 32


@pytest.fixture
def token_keys() -> tokens.TokenKeys:
    return tokens.TokenKeys.from_secret(SECRET)


def configured(secret: str):
    base = load_settings(environ={})
    return dataclasses.replace(
        base, newsletter=dataclasses.replace(base.newsletter, token_secret=secret)
    )


@pytest.mark.parametrize("customer_no", ["100042", "N-0000123", "1234567890123456", "X" * 32])
@pytest.mark.parametrize("purpose", tokens.PURPOSES)
def test_a_token_reads_back_as_its_customer_and_purpose(token_keys, customer_no, purpose):
    token = tokens.make_token(customer_no, purpose, token_keys)

    assert tokens.check_token(token, token_keys) == tokens.TokenCheck(purpose, customer_no)
    assert tokens.check_token(token.lower(), token_keys).customer_no == customer_no
    assert token.startswith("RK1U-" if purpose == "unsubscribe" else "RK1D-")
    assert tokens.make_token(customer_no, purpose, token_keys) == token  # stable links


def test_the_token_does_not_carry_the_customer_number_in_any_readable_form(token_keys):
    number = "100042"
    token = tokens.make_token(number, "mydata", token_keys)
    body = token.split("-", 1)[1]
    payload = base64.b32decode(body + "=" * (-len(body) % 8))

    assert number not in token and number.encode() not in payload
    assert base64.b32encode(number.encode()).decode().rstrip("=") not in body
    # Neighbouring numbers share nothing beyond the secret's fingerprint.
    other = tokens.make_token("100043", "mydata", token_keys).split("-", 1)[1]
    assert body[:4] == other[:4] and body[5:] != other[5:]
    assert sum(a == b for a, b in zip(body[5:], other[5:], strict=True)) < 12
    # Same length whatever the number's, up to 16 characters.
    assert len(tokens.make_token("1", "mydata", token_keys)) == len(token)


def test_the_two_purposes_give_different_tokens_that_cannot_stand_in_for_each_other(token_keys):
    unsubscribe = tokens.make_token("100042", "unsubscribe", token_keys)
    mydata = tokens.make_token("100042", "mydata", token_keys)

    assert unsubscribe.split("-")[1] != mydata.split("-")[1]
    swapped = "RK1D-" + unsubscribe.split("-", 1)[1]
    assert tokens.check_token(swapped, token_keys).problem == tokens.FORGED


def test_changing_any_single_character_makes_the_token_count_for_nothing(token_keys):
    token = tokens.make_token("100042", "unsubscribe", token_keys)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    for position in range(5, len(token)):
        replacement = alphabet[(alphabet.index(token[position]) + 1) % len(alphabet)]
        altered = token[:position] + replacement + token[position + 1 :]
        check = tokens.check_token(altered, token_keys)
        assert check.problem in (tokens.FORGED, tokens.MALFORMED), position
        assert check.customer_no is None


def test_a_token_made_without_the_secret_is_forged_and_a_cut_one_malformed(token_keys):
    forged = tokens.make_token("100042", "mydata", tokens.TokenKeys.from_secret(b"x" * 32))
    assert tokens.check_token(forged, token_keys).problem == tokens.FORGED
    token = tokens.make_token("100042", "mydata", token_keys)
    assert tokens.check_token(token[:-8], token_keys).problem == tokens.MALFORMED
    assert tokens.check_token("RK1D-" + "A" * 56, token_keys).problem == tokens.FORGED


def test_find_tokens_reads_them_out_of_text(token_keys):
    token = tokens.make_token("100042", "unsubscribe", token_keys)
    assert tokens.find_tokens(f"Lopeta uutiskirje {token}\nTunniste: {token.lower()}") == [token]
    assert tokens.find_tokens("RK1U-TOOSHORT ja RK2U-" + "A" * 56) == []


def test_the_database_secret_is_made_once_and_rotating_it_retires_every_old_link(db):
    settings = load_settings(environ={})
    assert tokens.ensure_secret("@cli") is True
    assert tokens.ensure_secret("@cli") is False
    before = tokens.keys(settings)
    token = tokens.make_token("100042", "unsubscribe", before)

    tokens.rotate_secret(settings, "@cli")

    after = tokens.keys(settings)
    assert after != before
    assert (
        tokens.check_token(token, after, tokens.retired_fingerprints()).problem == tokens.OLD_SECRET
    )
    tokens.rotate_secret(settings, "@cli")
    assert len(tokens.retired_fingerprints()) == 2
    actions = [event.action for event in AuditEvent.select().order_by(AuditEvent.id)]
    assert actions == [
        "newsletter.secret_created",
        "newsletter.secret_rotated",
        "newsletter.secret_rotated",
    ]
    stored = read_state(tokens.SECRET_KEY)
    assert stored and not any(stored in str(event.payload) for event in AuditEvent.select())
    assert audit.verify().ok


def test_the_first_use_makes_a_secret_for_a_database_that_has_none(db):
    keys = tokens.keys(load_settings(environ={}))
    assert keys == tokens.keys(load_settings(environ={}))
    assert AuditEvent.get().action == "newsletter.secret_created"


def test_rotation_waits_for_newsletter_mail_still_in_the_outbox_unless_forced(db):
    settings = load_settings(environ={})
    customer = make_customer()
    queue_mail(
        "newsletter",
        settings=settings,
        to_address=customer.email,
        language="fi",
        actor="@test",
        customer=customer,
        newsletter_subject="Uutisia",
        body_text="Teksti\n",
        body_html="<p>Teksti</p>",
        body_language="fi",
        links=_links(),
    )

    with pytest.raises(RuleViolation) as refused:
        tokens.rotate_secret(settings, "@cli")
    assert refused.value.key == "newsletter.mail_waiting"
    tokens.rotate_secret(settings, "@cli", force=True)
    assert len(tokens.retired_fingerprints()) == 1


def _links():
    from mailbot.newsletter import personal_links

    return personal_links(
        "100042", "fi", load_settings(environ={}), tokens.TokenKeys.from_secret(SECRET)
    )


def test_a_secret_in_the_configuration_wins_and_cannot_be_rotated_from_here(db):
    settings = configured("k" * 40)
    assert tokens.keys(settings) == tokens.TokenKeys.from_secret(b"k" * 40)
    with pytest.raises(RuleViolation) as refused:
        tokens.rotate_secret(settings, "@cli")
    assert refused.value.key == "newsletter.secret_in_config"
    with pytest.raises(ConfigError):
        tokens.keys(configured("too short"))


def test_token_shape_is_what_the_readme_promises(token_keys):
    token = tokens.make_token("100042", "mydata", token_keys)
    assert re.fullmatch(r"RK1D-[A-Z2-7]{56}", token)
