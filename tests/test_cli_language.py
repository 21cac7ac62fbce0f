"""One language a run: ``REKISTERI_LANG`` (Finnish by default) decides every line a command
prints, its errors included, and every error line has one form (issue 16)."""

from __future__ import annotations

import argparse
import importlib
import os
import re
import subprocess
import sys

import pytest

from cli.main import COMMANDS, Parser, build_parser, error_line, help_key, main
from store.i18n import catalog

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


# ---------------------------------------------------------------- --help


def _help(*words: str, language: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "REKISTERI_LANG"}
    if language:
        env["REKISTERI_LANG"] = language
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *words, "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )


ARGPARSE_ENGLISH = ("usage:", "options:", "positional arguments", "show this help message")


def test_the_help_is_in_finnish_by_default_argparses_own_words_included():
    top = _help().stdout
    assert top.startswith("käyttö: rekisteri ")
    assert "valitsimet:" in top and "näytä tämä ohje ja lopeta" in top
    assert "luettele pyynnöt; kirjaa puhelimitse" in top  # a command's line
    assert "TOML-asetustiedosto" in top  # an option's
    for english in ARGPARSE_ENGLISH:
        assert english not in top, english
    sub = _help("outbox", "send").stdout
    assert sub.startswith("käyttö: rekisteri outbox send")
    assert "lähetä enintään N viestiä" in sub
    assert "--limit N" in sub  # the option's name stays


def test_the_help_is_in_english_when_the_run_is():
    top = _help(language="en").stdout
    assert top.startswith("usage: rekisteri ") and "show this help message and exit" in top
    assert "list requests; record one made by phone" in top
    assert "send at most N mails" in _help("outbox", "send", language="en").stdout


def _parsers(parser: argparse.ArgumentParser, words: tuple[str, ...] = ()):
    yield words, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, subparser in action.choices.items():
                yield from _parsers(subparser, (*words, name))


def _texts(parser: argparse.ArgumentParser):
    """Every help text a parser shows: its description, its commands' lines, its options'."""
    if parser.description:
        yield parser.description
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from (pseudo.help for pseudo in action._choices_actions if pseudo.help)
        elif action.help not in (None, argparse.SUPPRESS):
            yield action.help


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_help_text_of_every_command_is_the_catalogues(command, monkeypatch):
    """In Finnish every text is the Finnish catalogue's; none is left in the code's English."""
    monkeypatch.setattr(Parser, "language", "fi")
    finnish = set(catalog("fi").values())
    english = set(catalog("en").values()) - finnish
    for words, parser in _parsers(build_parser(command)):
        parser.format_help()  # the catalogue's words are put in when its help is shown
        for text in _texts(parser):
            assert text in finnish and text not in english, (words, text)


def _raw_parser(command: str) -> argparse.ArgumentParser:
    """The command's parser as its modules build it, before the catalogue's words."""
    parser = argparse.ArgumentParser(prog="rekisteri")
    commands = parser.add_subparsers(dest="command")
    for name in dict.fromkeys(COMMANDS[command].modules):
        importlib.import_module(f"cli.{name}").register(commands)
    return parser


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_the_english_beside_the_code_is_the_english_catalogues(command):
    english = catalog("en")
    assert english[f"cli.command.{help_key((command,))}"] == COMMANDS[command].summary
    for words, parser in _parsers(_raw_parser(command)):
        key = help_key(words)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for pseudo in action._choices_actions:
                    assert english[f"cli.command.{help_key((*words, pseudo.dest))}"] == pseudo.help
            elif action.help not in (None, argparse.SUPPRESS) and action.dest != "help":
                assert english[f"cli.option.{key}.{action.dest}"] == action.help, (words, action)
