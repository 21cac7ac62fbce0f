"""The operating system's reasons in the run's language (issue 16): a file that is not there,
a folder where a file belongs, a file where a folder belongs.  Python's English ``strerror``
("No such file or directory") never reaches a Finnish line; the form is the one of every
error line, ``rekisteri: PATH: reason``."""

from __future__ import annotations

import errno
import os
import subprocess
import sys

import pytest

from store.i18n import catalog, os_error_text, os_reason

PYTHONS_ENGLISH = ("No such file", "Is a directory", "Not a directory", "Permission denied")


def _run(*words: str, language: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "REKISTERI_LANG"}
    if language:
        env["REKISTERI_LANG"] = language
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *words],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_a_folder_where_the_file_goes_is_said_in_finnish(tmp_path):
    result = _run("notice", "--out", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr == f"rekisteri: {tmp_path}: on kansio, ei tiedosto\n"


def test_a_file_where_a_folder_belongs_is_said_in_finnish(tmp_path):
    (tmp_path / "file").write_text("", encoding="utf-8")
    result = _run("classify", str(tmp_path / "file" / "mail.eml"))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"rekisteri: tiedostoa {tmp_path}/file/mail.eml ei voi lukea: polun osa ei ole kansio"
    ]


def test_a_missing_configuration_file_or_one_that_is_a_folder(tmp_path):
    result = _run("--config", str(tmp_path), "notice")
    assert result.stderr == (
        f"rekisteri: asetustiedostoa {tmp_path} ei voi lukea: on kansio, ei tiedosto\n"
    )
    result = _run("--config", str(tmp_path), "notice", language="en")
    assert "is a folder, not a file" in result.stderr


@pytest.mark.parametrize("language", ("fi", "en"))
def test_python_s_english_reason_never_reaches_the_line(tmp_path, language):
    for words in (
        ("notice", "--out", str(tmp_path)),
        ("classify", str(tmp_path / "none.eml")),
        ("import", "customers", str(tmp_path / "none.csv"), "--source", "ticketing"),
    ):
        result = _run(*words, language=language)
        assert result.returncode == 1, words
        (line,) = result.stderr.splitlines()
        assert line.startswith("rekisteri: "), line
        if language == "fi":
            assert not any(english in line for english in PYTHONS_ENGLISH), line


def test_the_common_errnos_have_words_in_finnish_and_english():
    for name in ("ENOENT", "EACCES", "EPERM", "EEXIST", "EISDIR", "ENOTDIR", "ENOSPC", "EROFS"):
        error = OSError(getattr(errno, name), os.strerror(getattr(errno, name)), "/srv/x")
        assert os_reason(error).key == f"os_error.{name.lower()}"
        for language in ("fi", "en"):
            assert os_error_text(error, language) == (
                f"/srv/x: {catalog(language)[f'os_error.{name.lower()}']}"
            )
    assert os_error_text(PermissionError(errno.EACCES, "Permission denied", "/srv/x"), "fi") == (
        "/srv/x: ei käyttöoikeutta"
    )
    rare = OSError(errno.ENOTSOCK, os.strerror(errno.ENOTSOCK))
    assert os_error_text(rare, "fi") == os.strerror(errno.ENOTSOCK)  # no words: Python's
