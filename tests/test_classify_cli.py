"""``rekisteri classify``: what the mailbot would decide, shown to staff, without a database."""

from __future__ import annotations

import json
from pathlib import Path

from cli.main import main

CITED = Path(__file__).parent / "corpus" / "cited"


def test_classify_shows_the_decision_and_its_evidence_in_finnish(capsys, monkeypatch):
    monkeypatch.setenv("REKISTERI_LANG", "fi")
    assert (
        main(
            [
                "classify",
                str(CITED / "fi-forward-from-boxoffice.eml"),
                str(CITED / "fi-autoreply-lomalla.eml"),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Pyyntö: Tarkastuspyyntö" in out
    assert "Pyytäjä: Aila Peltonen <aila.peltonen@example.fi>" in out
    assert "«Haluan tarkastaa kaikki tietoni, joita teillä on minusta.»" in out
    assert "Ohitetaan, ei vastata: automaattinen vastaus" in out


def test_classify_json_names_every_field_and_touches_no_database(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("REKISTERI_DB", f"sqlite:///{tmp_path / 'nowhere' / 'x.db'}")
    assert main(["classify", "--json", str(CITED / "en-forward-unanswered.eml")]) == 0
    [decision] = json.loads(capsys.readouterr().out)
    assert decision["kinds"] == ["access"] and decision["acknowledged"] is True
    assert decision["requester_email"] == "lucy.baker@example.co.uk"
    assert decision["written_language"] == "en" and decision["evidence"]["access"]
    assert not (tmp_path / "nowhere").exists()


def test_an_unreadable_file_is_one_line_and_exit_1(capsys, tmp_path):
    assert main(["classify", str(tmp_path / "missing.eml")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing.eml" in err
