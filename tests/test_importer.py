"""Importing customers from the ticketing system's and the newsletter list's CSV exports."""

from pathlib import Path

import pytest

from cli.main import main
from store import consent, listings
from store.consent import suppress
from store.importer import ImportFailed, import_customers
from store.models import ConsentEvent, Customer, CustomerSource

TICKETING = """customer_no,first_name,last_name,street_address,postal_code,city,phone,email
100001,Aino,Virtanen,Keskuskatu 1 A 3,48100,Kotka,040 123 4567,Aino.Virtanen@Example.FI
100002,Eero,Mäkinen,Kirkkokatu 5,48100,Kotka,+358 50 765 4321,eero.makinen@example.fi
100003,Sanna,Öhman,Satamakatu 9,48200,Kotka,(044) 111 2222,
"""

NEWSLETTER = """first_name,last_name,email,phone,register_consent,marketing_consent,consent_at
Aino,Virtanen,aino.virtanen@example.fi,,kyllä,kyllä,2025-05-01
Sanna,Öhman,sanna.ohman@example.fi,044 1112222,kyllä,kyllä,2025-06-01
Ville,Uusi,ville.uusi@example.fi,,kyllä,ei,2025-07-01
"""


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def snapshot() -> tuple:
    customers = [tuple(row) for row in Customer.select().order_by(Customer.id).tuples()]
    sources = CustomerSource.select().count()
    events = [tuple(row) for row in ConsentEvent.select().order_by(ConsentEvent.id).tuples()]
    return customers, sources, events


def test_a_ticketing_export_becomes_customers_with_normalised_contacts(db, tmp_path):
    report = import_customers(write(tmp_path, "t.csv", TICKETING), "ticketing", actor="@cli")
    assert (report.created, report.updated) == (3, 0)
    aino = Customer.get(Customer.customer_no == "100001")
    assert (aino.email, aino.phone) == ("aino.virtanen@example.fi", "+358401234567")
    rows = {row["customer_no"]: row for row in listings.customers()}
    assert rows["100002"]["phone"] == "050 7654321"
    assert rows["100003"]["email"] is None
    assert rows["100001"]["sources"] == ["ticketing"]
    assert consent.has_consent(aino, "register")
    assert not consent.has_consent(aino, "marketing")


def test_importing_the_same_file_again_changes_nothing(db, tmp_path):
    path = write(tmp_path, "t.csv", TICKETING)
    import_customers(path, "ticketing", actor="@cli")
    before = snapshot()
    report = import_customers(path, "ticketing", actor="@cli")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert snapshot() == before


def test_the_newsletter_list_merges_by_email_then_phone_and_records_consents(db, tmp_path):
    import_customers(write(tmp_path, "t.csv", TICKETING), "ticketing", actor="@cli")
    report = import_customers(write(tmp_path, "n.csv", NEWSLETTER), "newsletter", actor="@cli")
    assert report.created == 1  # only Ville is new
    assert Customer.select().count() == 4
    rows = {row["email"]: row for row in listings.customers()}
    assert rows["aino.virtanen@example.fi"]["sources"] == ["newsletter", "ticketing"]
    # Sanna had no email in the ticketing system: matched by phone, the address is added.
    assert rows["sanna.ohman@example.fi"]["customer_no"] == "100003"
    assert rows["ville.uusi@example.fi"]["customer_no"].startswith("N-")
    assert [r["email"] for r in listings.marketing_list()] == [
        "aino.virtanen@example.fi",
        "sanna.ohman@example.fi",
    ]
    event = ConsentEvent.get((ConsentEvent.purpose == "marketing") & ConsentEvent.given)
    assert event.channel == "newsletter_signup"
    assert "n.csv, line 2" in event.evidence


def test_a_withdrawal_in_a_later_export_is_recorded_and_applies_at_once(db, tmp_path):
    import_customers(write(tmp_path, "n.csv", NEWSLETTER), "newsletter", actor="@cli")
    later = NEWSLETTER.replace("kyllä,kyllä,2025-05-01", "kyllä,ei,2025-08-01")
    import_customers(write(tmp_path, "n2.csv", later), "newsletter", actor="@cli")
    assert [r["email"] for r in listings.marketing_list()] == ["sanna.ohman@example.fi"]


def test_an_older_export_never_overrides_a_newer_withdrawal(db, tmp_path):
    path = write(tmp_path, "n.csv", NEWSLETTER)
    import_customers(path, "newsletter", actor="@cli")
    aino = Customer.get(Customer.email == "aino.virtanen@example.fi")
    consent.record_consent(aino, "marketing", False, channel="email_request", actor="anna")
    before = snapshot()
    import_customers(path, "newsletter", actor="@cli")
    assert snapshot() == before
    assert not consent.has_consent(aino, "marketing")


def test_rows_about_the_same_person_in_one_file_make_one_customer(db, tmp_path):
    text = (
        "first_name,last_name,email\nAino,Virtanen,aino@example.fi\n"
        "Aino,Virtanen-Koski,AINO@example.fi\n"
    )
    import_customers(write(tmp_path, "n.csv", text), "newsletter", actor="@cli")
    assert [c.last_name for c in Customer.select()] == ["Virtanen-Koski"]


def test_a_file_with_bad_rows_imports_nothing_and_lists_every_bad_row(
    db, tmp_path, capsys, monkeypatch
):
    text = TICKETING + (
        "100004,,,Tie 1,48100,Kotka,040 1231234,ei-osoite\n"
        "100005,Pekka,Puro,Tie 2,48100,Kotka,123,pekka@example.fi\n"
    )
    path = write(tmp_path, "bad.csv", text)
    with pytest.raises(ImportFailed) as failed:
        import_customers(path, "ticketing", actor="@cli")
    assert [error.line for error in failed.value.errors] == [5, 6]
    assert "name is missing" in failed.value.errors[0].message
    assert "not an email address" in failed.value.errors[0].message
    assert "not a phone number" in failed.value.errors[1].message
    assert Customer.select().count() == 0

    monkeypatch.setenv("REKISTERI_LANG", "en")
    assert main(["import", "customers", str(path), "--source", "ticketing"]) == 1
    err = capsys.readouterr().err
    assert "line 5:" in err and "line 6:" in err and "nothing was imported" in err
    assert Customer.select().count() == 0

    assert main(["import", "customers", str(path), "--source", "ticketing", "--skip-bad"]) == 0
    assert Customer.select().count() == 3
    assert "skipped line 6" in capsys.readouterr().err


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig"])
def test_excel_exports_with_finnish_headers_and_characters(db, tmp_path, encoding):
    text = (
        "Asiakasnumero;Etunimi;Sukunimi;Katuosoite;Postinumero;Postitoimipaikka;"
        "Puhelin;Sähköposti\r\n"
        "200001;Äijä;Öhrnberg;Länsikatu 7;48100;Kotka;040 9998887;aija@example.fi\r\n"
    )
    import_customers(write(tmp_path, "excel.csv", text, encoding), "ticketing", actor="@cli")
    customer = Customer.get(Customer.customer_no == "200001")
    assert (customer.first_name, customer.last_name, customer.street_address) == (
        "Äijä",
        "Öhrnberg",
        "Länsikatu 7",
    )


def test_an_address_that_objected_is_never_re_subscribed_by_an_import(db, tmp_path):
    suppress("aino.virtanen@example.fi", reason="objection")
    report = import_customers(write(tmp_path, "n.csv", NEWSLETTER), "newsletter", actor="@cli")
    assert report.marketing_refused_suppressed == 1
    assert "aino.virtanen@example.fi" not in [r["email"] for r in listings.marketing_list()]


def test_an_erased_customer_is_not_brought_back_by_an_old_export(db, tmp_path):
    from store import clock

    path = write(tmp_path, "t.csv", TICKETING)
    import_customers(path, "ticketing", actor="@cli")
    Customer.update(
        first_name="",
        last_name="",
        email=None,
        phone=None,
        name_key="",
        reverse_name_key="",
        erased_at=clock.now(),
    ).where(Customer.customer_no == "100002").execute()
    report = import_customers(path, "ticketing", actor="@cli")
    assert report.skipped_erased == 1
    assert Customer.get(Customer.customer_no == "100002").email is None


def test_a_restricted_customer_keeps_their_data_through_an_import(db, tmp_path):
    """Art. 18: an export that moves Eero to a new address does not touch him while his
    processing is restricted; the others are updated as usual."""
    from store.restriction import apply_restriction

    import_customers(write(tmp_path, "t.csv", TICKETING), "ticketing", actor="@cli")
    apply_restriction(
        Customer.get(Customer.customer_no == "100002"), ground="accuracy_contested", actor="anna"
    )
    moved = TICKETING.replace("Kirkkokatu 5", "Uusikatu 1").replace(
        "Keskuskatu 1 A 3", "Keskuskatu 2"
    )
    report = import_customers(write(tmp_path, "t2.csv", moved), "ticketing", actor="@cli")
    assert (report.updated, report.unchanged, report.held_restricted) == (1, 1, 1)
    assert Customer.get(Customer.customer_no == "100002").street_address == "Kirkkokatu 5"
    assert Customer.get(Customer.customer_no == "100001").street_address == "Keskuskatu 2"


def test_a_ticketing_file_needs_customer_numbers(db, tmp_path):
    path = write(tmp_path, "t.csv", "first_name,last_name,email\nA,B,a@example.fi\n")
    assert main(["import", "customers", str(path), "--source", "ticketing"]) == 1


def big_ticketing_file():
    """400 rows, CRLF as Excel writes them, longer than the part read to guess the delimiter
    (8,192 characters), which ends between a CR and its LF; every hundredth address is at a
    domain that is not one, a quoted address holds a line break and a blank line sits in
    the middle."""
    rows = ["customer_no,first_name,last_name,street_address,phone,email"]
    for n in range(1, 401):
        domain = "kotka_posti.fi" if n % 100 == 0 else "example.fi"
        street = '"Tie 7\nporras B"' if n == 150 else f"Tie {n}"
        rows.append(f"{100000 + n},Etu{n},Suku{n},{street},040 {5000000 + n},a{n}@{domain}")
    rows.insert(200, "")
    text = "\r\n".join(rows) + "\r\n"
    last_cr_in_sample = text.rindex("\r", 0, 8192)
    padding = " " * (8191 - last_cr_in_sample)
    text = text.replace("Tie 1,", f"Tie 1{padding},", 1)
    assert text[8191:8193] == "\r\n"
    return text


def test_a_file_is_validated_as_it_is_read_and_every_bad_row_keeps_its_line(db, tmp_path):
    """The file is read row by row, never whole.  A domain is checked once for all its
    addresses, and a domain that is not one is still refused on every row that has it."""
    text = big_ticketing_file()
    path = write(tmp_path, "t.csv", text)
    bad_lines = [n for n, line in enumerate(text.splitlines(), 1) if "kotka_posti" in line]
    assert len(bad_lines) == 4
    with pytest.raises(ImportFailed) as failed:
        import_customers(path, "ticketing", actor="@cli")
    assert [error.line for error in failed.value.errors] == bad_lines
    assert all("not an email address" in error.message for error in failed.value.errors)
    assert Customer.select().count() == 0

    report = import_customers(path, "ticketing", actor="@cli", skip_bad=True)
    assert (report.rows, report.created, report.skipped_bad) == (400, 396, 4)
    assert Customer.get(Customer.customer_no == "100150").street_address == "Tie 7 porras B"
    # The row the sample ends in, finished by the rest of the file.
    across = str(100000 + text.count("\r\n", 0, 8192))
    first, after_the_sample = (
        Customer.select()
        .where(Customer.customer_no.in_(["100001", across]))
        .order_by(Customer.customer_no)
    )
    assert first.street_address == "Tie 1"
    assert after_the_sample.email == f"a{int(after_the_sample.customer_no) - 100000}@example.fi"
