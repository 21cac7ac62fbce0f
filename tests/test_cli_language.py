"""One language a run: ``REKISTERI_LANG`` (Finnish by default) decides every line a command
prints, its errors included, and every error line has one form (issue 16)."""

from __future__ import annotations

import re

from cli.main import error_line, main

ERROR_LINE = re.compile(r"rekisteri: (?![A-ZÅÄÖ][a-zåäö])\S.*[^.]")


def _error(capsys, argv: list[str], code: int = 1) -> str:
    capsys.readouterr()
    try:
        assert main(argv) == code
    except SystemExit as stopped:  # argparse
        assert stopped.code == code
    err = capsys.readouterr().err
    last = err.splitlines()[-1]
    assert ERROR_LINE.fullmatch(last), last
    return err


def test_database_and_configuration_errors_speak_the_runs_language(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("REKISTERI_DB", f"sqlite://{tmp_path}/none.db")
    finnish = _error(capsys, ["customers", "list"])
    assert (
        finnish == f"rekisteri: tietokantaa {tmp_path}/none.db ei ole: aja ensin `rekisteri init`\n"
    )
    monkeypatch.setenv("REKISTERI_LANG", "en")
    english = _error(capsys, ["customers", "list"])
    assert english.startswith(f"rekisteri: no database at {tmp_path}/none.db")

    monkeypatch.delenv("REKISTERI_LANG")
    monkeypatch.setenv("REKISTERI_CONFIG", str(tmp_path / "missing.toml"))
    assert _error(capsys, ["customers", "list"]) == (
        f"rekisteri: asetustiedostoa ei löydy: {tmp_path}/missing.toml\n"
    )
    monkeypatch.delenv("REKISTERI_CONFIG")
    monkeypatch.setenv("REKISTERI_LANG", "sv")  # not a staff language: said in Finnish
    assert "asetus ui.language: arvon pitää olla fi / en" in _error(capsys, ["customers", "list"])


def test_an_empty_database_is_refused_in_finnish(db, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("REKISTERI_DB", f"sqlite://{tmp_path}/empty.db")
    (tmp_path / "empty.db").touch(mode=0o600)
    assert "tietokantaa ei ole vielä alustettu" in _error(capsys, ["customers", "list"])


def test_argparse_errors_are_in_the_runs_language_and_form(monkeypatch, capsys):
    err = _error(capsys, ["consent", "show"], code=2)
    assert err.startswith("käyttö: rekisteri consent show")
    assert err.splitlines()[-1] == "rekisteri: anna myös CUSTOMER_NO"
    err = _error(capsys, ["staff", "add", "x", "--role", "boss"], code=2)
    assert err.splitlines()[-1] == (
        "rekisteri: --role: 'boss' ei käy; vaihtoehdot: 'admin', 'handler'"
    )
    assert "usage" not in err and "error:" not in err
    err = _error(capsys, ["customers", "list", "999"], code=2)
    assert err.splitlines()[-1] == "rekisteri: ylimääräinen tai tuntematon: 999"
    monkeypatch.setenv("REKISTERI_LANG", "en")
    err = _error(capsys, ["consent", "show"], code=2)
    assert err.startswith("usage: rekisteri consent show")
    assert err.splitlines()[-1] == ("rekisteri: the following arguments are required: CUSTOMER_NO")


def test_errors_our_code_raises_have_one_form(db, capsys):
    assert _error(capsys, ["erase", "999999"]) == "rekisteri: asiakasta 999999 ei ole\n"
    assert _error(capsys, ["outbox", "retry", "<x@example.fi>"]).startswith(
        "rekisteri: lähtevää viestiä, jonka Message-ID on"
    )


def test_the_error_line_form():
    assert error_line("Ei poistettu: vahvista, --confirm 100003.") == (
        "rekisteri: ei poistettu: vahvista, --confirm 100003"
    )
    assert (
        error_line("Message-ID <x> on jo käytössä.") == "rekisteri: Message-ID <x> on jo käytössä"
    )
    assert error_line("TP-2026-0001 on suljettu.") == "rekisteri: TP-2026-0001 on suljettu"
    two = "Tietokanta on varattu. Yritä hetken päästä uudelleen."
    assert error_line(two) == "rekisteri: tietokanta on varattu. Yritä hetken päästä uudelleen."
