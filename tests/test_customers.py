"""Finding customers as staff type, and matching a request to candidates."""

import pytest

from store import clock
from store.customers import (
    format_phone,
    match_candidates,
    normalize_email,
    normalize_phone,
    search_customers,
)
from store.errors import InvalidInput
from store.models import Customer
from tests.support.factories import make_customer


@pytest.mark.parametrize(
    "typed", ["040 123 4567", "0401234567", "+358 40 1234567", "(040) 123-4567", "00358401234567"]
)
def test_finnish_numbers_in_any_common_form_normalise_to_one(typed):
    assert normalize_phone(typed) == "+358401234567"
    assert format_phone(normalize_phone(typed)) == "040 1234567"


def test_foreign_numbers_keep_their_country_and_show_internationally():
    assert format_phone(normalize_phone("+46 70 123 45 67")) == "+46 70 123 45 67"


@pytest.mark.parametrize("bad", ["123", "not a number", "+358"])
def test_unparseable_numbers_are_refused(bad):
    with pytest.raises(InvalidInput):
        normalize_phone(bad)


def test_email_addresses_are_validated_and_lowercased():
    assert normalize_email("  Aino.Virtanen@Example.FI ") == "aino.virtanen@example.fi"
    with pytest.raises(InvalidInput):
        normalize_email("aino.virtanen@")


def test_search_finds_by_first_or_last_name_prefix_email_phone_and_number(db):
    aino = make_customer(
        first_name="Aino",
        last_name="Öhman",
        email="aino@example.fi",
        phone="040 1112222",
        customer_no="100001",
    )
    eero = make_customer(
        first_name="Eero",
        last_name="Aaltonen",
        email="eero@example.fi",
        phone="050 3334444",
        customer_no="100002",
    )

    def found(query: str) -> list[str]:
        return [c.customer_no for c in search_customers(query)]

    assert found("öhm") == ["100001"]
    assert found("ÖHMAN aino") == ["100001"]
    assert found("aino ö") == ["100001"]
    assert found("ee") == ["100002"]
    assert found("eero@ex") == ["100002"]
    assert found("050 333") == ["100002"]
    assert found("+35840111") == ["100001"]
    assert found("10000") == ["100002", "100001"]  # sorted by last name
    assert found("a%") == [] and found("_") == [] and found("*") == []
    assert {c.id for c in search_customers("a")} == {aino.id, eero.id}  # Aino, Aaltonen


def test_erased_customers_are_not_found(db):
    make_customer(first_name="Aino", last_name="Virtanen", customer_no="100001")
    Customer.update(erased_at=clock.now()).execute()
    assert search_customers("virtanen") == []


def test_candidates_say_how_they_matched_and_rank_strong_matches_first(db):
    by_email = make_customer(
        first_name="Aino", last_name="Virtanen", email="aino@example.fi", phone="040 1112222"
    )
    by_name = make_customer(
        first_name="Aino", last_name="Virtanen", email="toinen@example.fi", phone="050 9998888"
    )
    matches = match_candidates(email="AINO@example.fi", phone="+358401112222", name="Aino Virtanen")
    assert [(m.customer.id, sorted(m.matched_on)) for m in matches] == [
        (by_email.id, ["email", "name", "phone"]),
        (by_name.id, ["name"]),
    ]
    assert matches[0].score > 0.8 > matches[1].score


def test_a_garbled_address_or_number_in_a_mail_does_not_stop_matching(db):
    customer = make_customer(customer_no="100042")
    matches = match_candidates(email="not an address", phone="n/a", customer_no="100042")
    assert [(m.customer.id, m.matched_on) for m in matches] == [(customer.id, ["customer_no"])]
