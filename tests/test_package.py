"""The data package (Art. 15 and 20): everything about the person, and nothing about others."""

import ast
import io
import json
import re
import zipfile
import zlib
from datetime import timedelta
from pathlib import Path

import pytest

from cli.main import main
from store import audit, clock, lifecycle
from store.consent import record_consent, suppress
from store.i18n import catalog
from store.models import ALL_MODELS, AuditEvent, Restriction, VerificationCall
from store.package import (
    EXPORTED,
    INFORMATION_ITEMS,
    NOT_ABOUT_THE_PERSON,
    NOT_EXPORTED,
    build_package,
    new_password,
    package_files,
    spoken_password,
    write_package,
)
from tests.support.factories import make_customer
from tests.support.privacy import make_purchase, make_request, settings


def test_every_field_of_every_model_is_exported_or_left_out_for_a_stated_reason():
    """A field added to a model later makes this fail until the package decides about it."""
    for model in ALL_MODELS:
        if model in NOT_ABOUT_THE_PERSON:
            assert model not in EXPORTED, model.__name__
            continue
        fields = set(model._meta.fields)
        exported, left_out = set(EXPORTED[model]), set(NOT_EXPORTED[model])
        assert not exported & left_out, model.__name__
        assert fields == exported | left_out, (
            f"{model.__name__}: decide whether the package carries "
            f"{sorted(fields - exported - left_out)}"
        )
        assert all(reason.strip() for reason in NOT_EXPORTED[model].values())


@pytest.fixture
def full_customer(db, frozen_clock):
    """A customer with something in every table the package reads."""
    customer = make_customer(
        first_name="Matti",
        last_name="Meikäläinen",
        email="matti@example.fi",
        phone="040 1234567",
        sources=("ticketing", "newsletter"),
        language="sv",
        relationship_ended_at=clock.now() - timedelta(days=3),
    )
    record_consent(
        customer,
        "register",
        True,
        channel="ticketing_registration",
        actor="anna",
        evidence="lipunmyynti",
        wording_version="rek-v1",
    )
    record_consent(
        customer,
        "marketing",
        True,
        channel="website_form",
        actor="anna",
        evidence="lomake <form-7@example.fi>",
        wording_version="markk-v3",
    )
    suppress("matti@example.fi", "objection")
    Restriction.create(
        customer=customer,
        ground="oikeusvaatimus",
        started_at=clock.now(),
        started_by="anna",
        request_reference="TP-2025-0099",
        lifted_at=clock.now(),
        lifted_by="anna",
    )
    make_purchase(customer, "2026-01-05 19:00", description="2 × Dune", amount_cents=2450)
    make_request(customer, body="Haluan nähdä tietoni, kiitos.")
    lifecycle.extend_deadline(
        make_request(customer, close=False, kind="rectification"), "anna", "paljon aineistoa"
    )
    return customer


def fields_present(rows: list[dict], model) -> None:
    assert rows, model.__name__
    for row in rows:
        assert set(EXPORTED[model]) <= set(row), model.__name__


def test_the_package_carries_every_exported_field_of_the_persons_rows(full_customer):
    package = build_package(full_customer, language="fi", settings=settings(), actor="anna")
    doc = package.document
    from store.models import (
        Attachment,
        ConsentEvent,
        Customer,
        CustomerSource,
        InboundMessage,
        MarketingSuppression,
        OutboxMail,
        Purchase,
        Request,
    )

    fields_present([doc["customer"]], Customer)
    fields_present(doc["customer"]["sources"], CustomerSource)
    fields_present(doc["consents"]["events"], ConsentEvent)
    fields_present([doc["marketing_objection"]], MarketingSuppression)
    fields_present(doc["restrictions"], Restriction)
    fields_present(doc["purchases"], Purchase)
    fields_present(doc["requests"], Request)
    fields_present(doc["requests"][0]["verification_calls"], VerificationCall)
    fields_present(doc["requests"][0]["messages_in"], InboundMessage)
    fields_present(doc["requests"][0]["messages_in"][0]["attachments"], Attachment)
    fields_present(doc["requests"][0]["messages_out"], OutboxMail)
    fields_present(doc["processing_log"], AuditEvent)
    assert doc["customer"]["last_name"] == "Meikäläinen"
    assert doc["customer"]["phone"] == "+358401234567"
    assert doc["consents"]["current"]["marketing"]["given"] is True
    assert doc["purchases"][0]["kept_until"] == "2032-12-31"
    first, second = doc["requests"]
    assert first["messages_in"][0]["body_text"] == "Haluan nähdä tietoni, kiitos."
    assert first["verification_calls"][0]["note"] == "vastasi heti"
    assert "vastaanottaneet tietosuojapyyntösi" in first["messages_out"][0]["text"]
    assert second["extension_reason"] == "paljon aineistoa"
    assert {"customer.viewed", "request.fulfilled"} & {e["action"] for e in doc["processing_log"]}


def test_staff_names_and_other_peoples_requests_are_left_out(full_customer):
    other = make_customer(
        first_name="Toinen", last_name="Henkilö", email="toinen@example.fi", phone="0409999999"
    )
    theirs = make_request(other, body="Toisen ihmisen salaisuus")
    from store.customers import CandidateMatch

    lifecycle.set_candidates(theirs, [CandidateMatch(full_customer, ["name"])], "anna")
    package = build_package(full_customer, language="fi", settings=settings(), actor="anna")
    text = json.dumps(package.document, ensure_ascii=False) + package.html
    assert "anna" not in re.findall(r"[a-z]+", text.lower())  # the staff member's name
    assert "Toisen ihmisen salaisuus" not in text and theirs.reference not in text
    assert "toinen@example.fi" not in text


@pytest.mark.parametrize(
    ("language", "heading", "complaint"),
    [
        ("fi", "Rekisteritiedot", "Tietosuojavaltuutetun toimisto"),
        ("sv", "Registeruppgifter", "Dataombudsmannens byrå"),
        ("en", "Register data", "Office of the Data Protection Ombudsman"),
    ],
)
def test_the_package_speaks_the_requesters_language_and_carries_the_art_15_information(
    full_customer, language, heading, complaint
):
    config = settings()
    package = build_package(full_customer, language=language, settings=config, actor="anna")
    info = package.document["information"]
    page = package.html.replace("&#39;", "'")
    for item in INFORMATION_ITEMS:
        if item == "purposes":
            assert info[item] == [
                {"purpose": entry.purpose[language], "legal_basis": entry.legal_basis[language]}
                for entry in config.notice.purposes
            ]
            assert all(entry["legal_basis"] in page for entry in info[item])
            continue
        assert info[item] == getattr(config.notice, item)[language], item
        assert info[item] in page, item
    assert complaint in package.html
    assert f'<html lang="{language}">' in package.html and heading in package.html
    assert info["your_sources"] == ["newsletter", "ticketing"]
    assert info["your_retention"]["kept_while_marketing_consent"] is True


def test_the_information_comes_from_the_configuration(full_customer):
    import dataclasses

    config = settings()
    notice = dataclasses.replace(config.notice, recipients={"fi": "Ei vastaanottajia (testi)."})
    config = dataclasses.replace(config, notice=notice)
    package = build_package(full_customer, language="fi", settings=config, actor="anna")
    assert package.document["information"]["recipients"] == "Ei vastaanottajia (testi)."
    assert "Ei vastaanottajia (testi)." in package.html


def test_the_page_is_one_self_contained_file_for_any_phone(full_customer):
    html = build_package(full_customer, language="fi", settings=settings(), actor="anna").html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "<script" not in html and "src=" not in html
    assert not re.search(r'<link[^>]+href="http', html)


def actions_about_one_person() -> set[str]:
    """Every audit action the code records about one customer or request: the calls of
    ``audit.record`` naming a ``customer_no`` or ``request_reference``, the request
    transitions and the outbox's mail events (their action is a string constant)."""
    action_at = {"record": 0, "_transition": 2, "_save": 1}
    found: set[str] = set()
    for folder in ("store", "mailbot", "tui"):
        for path in (Path(__file__).parents[1] / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                position = action_at.get(name)
                if position is None or len(node.args) <= position:
                    continue
                action = node.args[position]
                named = {keyword.arg for keyword in node.keywords}
                if (
                    isinstance(action, ast.Constant)
                    and isinstance(action.value, str)
                    and (name != "record" or named & {"customer_no", "request_reference"})
                ):
                    found.add(action.value)
    return found


def test_every_action_in_the_processing_log_is_in_words_in_every_language():
    """The package's processing log names what was done in the reader's words, never as a
    code: an action added later without its words makes this fail."""
    actions = actions_about_one_person()
    assert {"request.received", "mail.sent", "restriction.applied"} <= actions
    missing = sorted(
        f"{language}: {action}"
        for action in actions
        for language in ("fi", "sv", "en")
        if f"package.action.{action.replace('.', '_')}" not in catalog(language)
    )
    assert missing == []


def test_a_person_not_in_the_register_is_told_we_hold_no_data(db, frozen_clock):
    package = build_package(None, language="en", settings=settings(), actor="anna")
    assert package.document["data_found"] is False and "customer" not in package.document
    assert "We hold no personal data about you." in package.html
    assert package.document["information"]["transfers"].startswith("No data is transferred")
    assert [f.filename for f in package_files(package)] == [
        f"your-data-{clock.local_today().isoformat()}.json",
        f"your-data-{clock.local_today().isoformat()}.html",
    ]


def test_building_a_package_is_audited_as_a_look(full_customer):
    before = AuditEvent.select().count()
    build_package(full_customer, language="fi", settings=settings(), actor="anna")
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    assert AuditEvent.select().count() == before + 1
    assert (event.action, event.actor, event.customer_no) == (
        "package.built",
        "anna",
        full_customer.customer_no,
    )
    assert audit.verify().ok


def test_a_password_puts_both_files_in_a_zip_that_opens_only_with_it(full_customer, tmp_path):
    package = build_package(full_customer, language="fi", settings=settings(), actor="anna")
    password = new_password()
    assert re.fullmatch(r"\d{20}", password)
    assert re.fullmatch(r"(\d{4} ){4}\d{4}", spoken_password(password))
    out = tmp_path / "out"
    [path] = write_package(package, out, password=password)
    assert path.suffix == ".zip" and sorted(p.name for p in out.iterdir()) == [path.name]
    archive = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    names = archive.namelist()
    assert [name.rsplit(".", 1)[1] for name in names] == ["json", "html"]
    assert json.loads(archive.read(names[0], pwd=password.encode())) == package.document
    assert archive.read(names[1], pwd=password.encode()).decode() == package.html
    # A wrong password fails the one-byte header check ("Bad password") 255 times in 256;
    # otherwise it gets as far as the deflated stream, which then does not inflate or fails
    # its CRC. Either way nothing of the content comes out.
    with pytest.raises((RuntimeError, zlib.error, zipfile.BadZipFile)):
        archive.read(names[0], pwd=b"00000000000000000000")
    assert b"Meik" not in path.read_bytes()  # nothing readable without the password


def test_export_writes_the_files_from_the_command_line(full_customer, tmp_path, capsys):
    assert main(["export", full_customer.customer_no, "--out", str(tmp_path / "out")]) == 0
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    day = clock.local_today().isoformat()
    # The customer's own language (Swedish) unless another is asked for.
    assert written == [
        f"dina-uppgifter-{full_customer.customer_no}-{day}.html",
        f"dina-uppgifter-{full_customer.customer_no}-{day}.json",
    ]
    capsys.readouterr()
    assert (
        main(
            [
                "export",
                full_customer.customer_no,
                "--out",
                str(tmp_path / "z"),
                "--language",
                "en",
                "--password",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    spoken = re.search(r"((?:\d{4} ){4}\d{4})", out).group(1)
    [archive] = list((tmp_path / "z").iterdir())
    zipped = zipfile.ZipFile(archive)
    document = json.loads(zipped.read(zipped.namelist()[0], pwd=spoken.replace(" ", "").encode()))
    assert document["language"] == "en"


def test_export_for_a_request_about_someone_not_in_the_register(db, frozen_clock, tmp_path, capsys):
    request = lifecycle.create_request(
        kind="access", actor="@mailbot", language="sv", requester_email="okand@example.fi"
    )
    lifecycle.mark_not_in_register(request, "anna")
    assert main(["export", "--request", request.reference, "--out", str(tmp_path)]) == 0
    [json_file] = tmp_path.glob("*.json")
    assert json.loads(json_file.read_text(encoding="utf-8"))["data_found"] is False
    assert "Vi har inga personuppgifter om dig." in next(tmp_path.glob("*.html")).read_text()
    assert main(["export", "X-404", "--out", str(tmp_path)]) == 1
    assert "X-404" in capsys.readouterr().err


def test_mail_from_another_sender_in_the_persons_thread_is_withheld(full_customer):
    """Art. 15(4): a reply from someone else (flagged sender_differs) holds that person's
    data; it is listed as withheld, and goes in only when staff include it."""
    from store.models import InboundMessage
    from tests.support.mail import feed, make_mail

    request = make_request(full_customer, close=False)
    feed(
        make_mail(
            "Naapuri <naapuri@example.fi>",
            subject=f"Re: {request.reference}",
            body="Soittakaa minulle numeroon 0405556677, Naapurintie 3.",
        )
    )
    stray = InboundMessage.get(InboundMessage.from_address == "naapuri@example.fi")
    assert stray.attention_reason == "sender_differs" and stray.request_id == request.id
    package = build_package(full_customer, language="fi", settings=settings(), actor="anna")
    text = json.dumps(package.document, ensure_ascii=False) + package.html
    assert "naapuri@example.fi" not in text and "0405556677" not in text
    row = next(r for r in package.document["requests"] if r["reference"] == request.reference)
    assert [m["reason"] for m in row["messages_withheld"]] == ["sender_differs"]
    assert "1 viesti on jätetty pois: se tuli toiselta henkilöltä" in package.html
    included = build_package(
        full_customer, language="fi", settings=settings(), actor="anna", include_messages=[stray.id]
    )
    assert "0405556677" in json.dumps(included.document, ensure_ascii=False)


def test_export_includes_a_withheld_message_only_when_named(full_customer, tmp_path):
    from tests.support.mail import feed, make_mail

    request = make_request(full_customer, close=False)
    feed(
        make_mail(
            "Naapuri <naapuri@example.fi>",
            subject=f"Re: {request.reference}",
            body="Numeroni on 0405556677.",
            message_id="<naapuri-1@example.fi>",
        )
    )
    number = full_customer.customer_no
    assert main(["export", number, "--out", str(tmp_path / "a")]) == 0
    assert "0405556677" not in "".join(p.read_text() for p in (tmp_path / "a").iterdir())
    assert (
        main(
            [
                "export",
                number,
                "--out",
                str(tmp_path / "b"),
                "--include-message",
                "naapuri-1@example.fi",
            ]
        )
        == 0
    )
    assert "0405556677" in "".join(p.read_text() for p in (tmp_path / "b").iterdir())


def test_export_for_a_request_needs_the_call_that_approval_needs(
    db, frozen_clock, tmp_path, capsys
):
    """`export --request` used to write the package for a request nobody had verified: the
    same rule as the desk's approval now decides, and nothing is written before it allows."""
    customer = make_customer()
    request = lifecycle.create_request(
        kind="access", actor="@mailbot", requester_email=customer.email
    )
    out = tmp_path / "out"
    assert main(["export", "--request", request.reference, "--out", str(out)]) == 1
    assert "vahvista ensin" in capsys.readouterr().err
    lifecycle.confirm_customer(request, customer, "anna")
    assert main(["export", "--request", request.reference, "--out", str(out)]) == 1
    assert "vahvistetun tarkistussoiton" in capsys.readouterr().err
    assert not out.exists()
    lifecycle.log_call(request, "confirmed", "anna")
    other = make_customer(customer_no="100999", email="toinen@example.fi", phone="0501112222")
    assert (
        main(["export", other.customer_no, "--request", request.reference, "--out", str(out)]) == 1
    )
    assert main(["export", "--request", request.reference, "--out", str(out)]) == 0
    assert len(list(out.glob("*.json"))) == 1
    erasure = lifecycle.create_request(kind="erasure", actor="@mailbot", requester_email="x@y.fi")
    assert main(["export", "--request", erasure.reference, "--out", str(out)]) == 1
