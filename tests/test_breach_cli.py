"""``rekisteri breach …`` end to end, in process, as staff would type it."""

from __future__ import annotations

import json

from cli.main import main
from store import clock
from store.models import AuditEvent, Breach
from tests.support.factories import make_customer


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["breach", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_breach_is_recorded_filled_in_decided_and_filed(db, frozen_clock, capsys):
    code, out, err = run(
        capsys,
        "new",
        "--discovered",
        "2026-03-09T09:30",
        "--occurred",
        "2026-03-08 22:00",
        "--what",
        "Varmuuskopio oli julkisesti ladattavissa.",
    )
    assert code == 0
    number = out.strip()
    assert number.isdigit()  # only the id on stdout, for scripts
    assert "12.3.2026 klo 9.30" in err  # the deadline, 72 hours on

    assert (
        run(
            capsys,
            "update",
            number,
            "--people-count",
            "1 200",
            "--natures",
            "confidentiality",
            "--consequences",
            "Huijausviestejä.",
            "--measures-taken",
            "Tiedosto poistettiin.",
        )[0]
        == 0
    )
    assert (
        run(
            capsys,
            "decide",
            number,
            "--authority",
            "yes",
            "--reason",
            "Yhteystietoja vuoti.",
            "--by",
            "tero",
        )[0]
        == 0
    )
    code, _, err = run(capsys, "filed", number, "--by", "tero")
    assert code == 0 and "ilmoitettu tietosuojavaltuutetulle" in err

    code, out, _ = run(capsys, "show", number, "--json")
    shown = json.loads(out)
    assert (shown["people_count"], shown["natures"]) == (1200, ["confidentiality"])
    assert (shown["authority_required"], shown["authority_decided_by"]) == (True, "tero")
    assert shown["authority_notified_at"] == clock.iso(clock.now())
    assert shown["occurred_at"] == "2026-03-08T22:00:00+02:00"
    code, out, _ = run(capsys, "list", "--json")
    [row] = json.loads(out)
    assert {
        "id",
        "discovered_at",
        "deadline_at",
        "authority_notified_at",
        "notices",
        "without_email",
    } <= set(row)
    assert (row["id"], row["deadline_at"]) == (int(number), "2026-03-12T09:30:00+02:00")
    assert row["authority_notified_at"] == clock.iso(clock.now())
    assert row["notices"] == {"queued": 0, "sent": 0, "failed": 0}
    actions = [event.action for event in AuditEvent.select().order_by(AuditEvent.id)]
    assert actions == [
        "breach.recorded",
        "breach.updated",
        "breach.authority_decided",
        "breach.authority_notified",
    ]


def test_mistakes_are_one_line_never_a_traceback(db, frozen_clock, capsys):
    code, _, err = run(capsys, "new", "--discovered", "eilen", "--what", "x")
    assert (
        code == 1
        and err.strip()
        == "rekisteri: ei ajankohta: eilen (esim. 2026-03-10T14:30 tai 2026-03-10 14:30)"
    )
    code, _, err = run(capsys, "show", "42")
    assert code == 1 and "rekisteri: tietoturvaloukkausta 42 ei ole" in err
    _, number, _ = run(capsys, "new", "--discovered", "2026-03-05T09:00", "--what", "x")
    assert (
        run(
            capsys,
            "decide",
            number.strip(),
            "--authority",
            "yes",
            "--reason",
            "Vuoto.",
            "--by",
            "tero",
        )[0]
        == 0
    )
    code, _, err = run(capsys, "filed", number.strip(), "--by", "tero")
    assert code == 1 and "viivästyksen syyt" in err and "\n" not in err.strip()
    assert Breach.get_by_id(int(number)).authority_notified_at is None


def test_the_notice_texts_per_language_and_the_preview(db, frozen_clock, capsys):
    _, number, _ = run(
        capsys,
        "new",
        "--discovered",
        "2026-03-10T08:00",
        "--what",
        "Asiakaslista lähti väärälle vastaanottajalle.",
    )
    number = number.strip()
    code, out, err = run(capsys, "preview", number, "--language", "en")
    assert code == 0 and "Asiakaslista lähti" in out and "suomenkielisen" in err
    assert (
        run(
            capsys,
            "notice-text",
            number,
            "--language",
            "en",
            "--what",
            "A customer list went to the wrong person.",
        )[0]
        == 0
    )
    code, out, err = run(capsys, "preview", number, "--language", "en")
    assert code == 0
    assert out.startswith("Aihe: A personal data breach affecting your data")
    assert "A customer list went to the wrong person." in out and err == ""


def test_recipients_are_listed_with_the_way_to_reach_those_without_email(db, frozen_clock, capsys):
    make_customer(
        customer_no="200001", email=None, phone="040 7654321", street_address="Satamakatu 2"
    )
    make_customer(customer_no="200002", email="liisa@example.fi")
    _, number, _ = run(capsys, "new", "--discovered", "2026-03-10T08:00", "--what", "Vuoto.")
    assert run(capsys, "notify", number.strip(), "--all", "--by", "tero")[0] == 0

    code, out, _ = run(capsys, "recipients", number.strip(), "--json")
    assert code == 0
    rows = {row["customer_no"]: row for row in json.loads(out)}
    assert rows["200001"]["status"] == "no_email"
    assert rows["200001"]["phone"] == "040 7654321"
    assert rows["200001"]["address"] == "Satamakatu 2, 48100 Kotka"
    assert rows["200002"]["status"] == "queued" and rows["200002"]["message_id"]
    assert Breach.get_by_id(int(number)).people_decided_by == "tero"
