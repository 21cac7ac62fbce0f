"""The project's own checks: imports point one way, ruff is clean, mypy is clean."""

import functools
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.processes import python_output

ROOT = Path(__file__).resolve().parents[1]


def modules_loaded_by(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sorted(sys.modules)))"
    return set(python_output(code, timeout=60).stdout.split())


def ours(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules} & {"store", "mailbot", "tui", "textual"}


def test_store_imports_nothing_of_ours():
    statement = (
        "import importlib, pkgutil, store; "
        "[importlib.import_module(m.name) for m in "
        "pkgutil.walk_packages(store.__path__, 'store.')]"
    )
    assert ours(modules_loaded_by(statement)) == {"store"}


def test_mailbot_imports_store_only_and_never_textual():
    statement = (
        "import importlib, pkgutil, mailbot; "
        "[importlib.import_module(m.name) for m in "
        "pkgutil.walk_packages(mailbot.__path__, 'mailbot.')]"
    )
    assert ours(modules_loaded_by(statement)) == {"store", "mailbot"}


def test_every_command_but_the_tui_and_the_demo_runs_without_textual():
    loaded = modules_loaded_by(
        "import cli.main as m; "
        "[m.build_parser(name) for name in m.COMMANDS if name not in ('tui', 'demo')]"
    )
    assert not {"textual", "tui"} & ours(loaded)


def test_the_list_of_commands_imports_none_of_them():
    """``rekisteri --help`` names every command without loading any: it starts at once."""
    loaded = modules_loaded_by("import cli.main as m; m.build_parser()")
    assert not {name for name in loaded if name.startswith("cli.") and name != "cli.main"}
    assert not {"mailbot", "textual", "tui"} & ours(loaded)


def test_a_listing_on_sqlite_loads_no_postgresql_driver_no_validator_and_no_key(tmp_path):
    """``rekisteri requests list`` starts in a fraction of a second: on SQLite it loads
    neither the PostgreSQL driver (which peewee would import at once), nor phonenumbers and
    email-validator (~150 patterns compiled), nor the backup key's cryptography."""
    environment = {**os.environ, "REKISTERI_DB": f"sqlite:///{tmp_path / 'rekisteri.db'}"}
    environment.pop("REKISTERI_CONFIG", None)
    run = functools.partial(
        subprocess.run, capture_output=True, text=True, check=True, cwd=ROOT, env=environment
    )
    run([sys.executable, "-m", "cli.main", "init"], timeout=60)
    code = (
        "import sys, cli.main; cli.main.main(['requests', 'list']); "
        "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)"
    )
    result = run([sys.executable, "-c", code], timeout=60)
    assert "Viite" in result.stdout  # it did list
    loaded = {name.split(".")[0] for name in result.stderr.split()}
    assert not {"psycopg", "phonenumbers", "email_validator", "cryptography"} & loaded


def test_every_command_in_the_list_is_built_by_its_modules():
    loaded = modules_loaded_by(
        "import cli.main as m; "
        "missing = [n for n in m.COMMANDS if n not in "
        "m.build_parser(n)._subparsers._group_actions[0].choices]; "
        "assert not missing, missing"
    )
    assert "cli.main" in loaded


@pytest.mark.skipif(
    shutil.which("ruff") is None and not (Path(sys.executable).parent / "ruff").exists(),
    reason="ruff is in the [test] extra",
)
def test_ruff_is_clean():
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    result = subprocess.run(
        [ruff, "check", "."], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(
    shutil.which("ruff") is None and not (Path(sys.executable).parent / "ruff").exists(),
    reason="ruff is in the [test] extra",
)
def test_ruff_format_is_clean():
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    result = subprocess.run(
        [ruff, "format", "--check", "."], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, "run `ruff format .`:\n" + result.stdout + result.stderr


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is in the [test] extra")
def test_mypy_is_clean():
    """Strict on store/ and mailbot/, every module, and tui/ and cli/ checked with
    ``check_untyped_defs`` (``[tool.mypy]`` in pyproject.toml); a new module is checked
    from its first line."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy"], capture_output=True, text=True, cwd=ROOT, timeout=600
    )
    assert result.returncode == 0, "mypy:\n" + result.stdout + result.stderr


@pytest.mark.skipif(
    importlib.util.find_spec("importlinter") is None, reason="import-linter is in the [test] extra"
)
def test_the_layers_hold_over_every_import():
    """``[tool.importlinter]`` in pyproject.toml: cli, tui, mailbot, store, each importing
    only those below it, and neither the mailbot nor the store loading Textual or Rich
    (a static check of every import, beside the run-time ones above)."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    command = [str(lint_imports)] if lint_imports.exists() else ["lint-imports"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout
