"""The configuration file: every wrong value is one clear line naming the setting.

The cases are what a person editing ``rekisteri.toml`` by hand gets wrong: a TOML
``true`` where a number belongs, a negative or zero duration, a typo in a key, a number in
quotes, a URL without its scheme.
"""

import os
import subprocess
import sys

import pytest

from store.config import load_settings
from store.errors import ConfigError


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        (
            "[mail]\npoll_seconds = true\n",
            "setting mail.poll_seconds: must be a whole number, not true",
        ),
        (
            "[mail]\nidle_renew_seconds = -5\n",
            "setting mail.idle_renew_seconds: must be a whole number of at least 1, not -5",
        ),
        (
            "[mail]\nidle_renew_seconds = 3600\n",
            "setting mail.idle_renew_seconds: must be a whole number of at most 1740, not 3600",
        ),
        (
            "[ui]\nidle_logout_minutes = 0\n",
            "setting ui.idle_logout_minutes: must be a whole number of at least 1, not 0",
        ),
        ('[mail]\nsmtp_timeout_seconds = "30"\n', 'must be a whole number, not "30"'),
        ('[ui]\nlanguage = "sv"\n', 'setting ui.language: must be fi or en, not "sv"'),
        ("[mail]\npol_seconds = 30\n", "unknown setting 'mail.pol_seconds'"),
        ('[mail]\nwebsite_form_senders = "lomake@example.fi"\n', "must be a list"),
        ("[mail]\nsend_rate_per_second = -1\n", "must be a number of at least 0"),
        (
            '[database]\nurl = "mysql://root:salasana@db/rekisteri"\n',
            "setting database.url: unknown URL scheme 'mysql'; use sqlite://, postgresql://",
        ),
        (
            '[mail]\ninbox = "/var/mail/tietosuoja"\n',
            "setting mail.inbox: not a URL; use maildir://",
        ),
        (
            '[mail]\nsmtp = "smpt://mail.example.fi"\n',
            "setting mail.smtp: unknown URL scheme 'smpt'",
        ),
        (
            "[[notice.purposes]]\npurpose = 3\n",
            "setting notice.purposes[0].purpose: must be a table",
        ),
    ],
)
def test_a_wrong_setting_is_named_with_what_it_must_be(tmp_path, toml, expected):
    config = tmp_path / "rekisteri.toml"
    config.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_settings(config, environ={})
    assert expected in str(raised.value)
    assert "salasana" not in str(raised.value)


def test_right_values_load_as_their_types(tmp_path):
    config = tmp_path / "rekisteri.toml"
    config.write_text(
        '[mail]\nsend_rate_per_second = 2\npoll_seconds = 5\n[controller]\naddress = "Kotka"\n',
        encoding="utf-8",
    )
    settings = load_settings(config, environ={})
    assert settings.mail.send_rate_per_second == 2.0
    assert settings.mail.poll_seconds == 5
    assert settings.controller.address == {"fi": "Kotka", "sv": "Kotka", "en": "Kotka"}


def test_the_command_line_prints_one_line_and_exits_1(tmp_path):
    config = tmp_path / "rekisteri.toml"
    config.write_text("[mail]\npoll_seconds = true\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "requests", "list"],
        capture_output=True,
        text=True,
        env={**os.environ, "REKISTERI_CONFIG": str(config)},
        timeout=60,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "mail.poll_seconds" in lines[0] and "Traceback" not in result.stderr


FINNISH_ERRORS = [
    (
        "[mail]\npoll_seconds = true\n",
        {},
        "rekisteri: asetus mail.poll_seconds: arvon pitää olla kokonaisluku, ei true",
    ),
    (
        "[mail]\nidle_renew_seconds = -5\n",
        {},
        "rekisteri: asetus mail.idle_renew_seconds: arvon pitää olla kokonaisluku ja vähintään 1, "
        "ei -5",
    ),
    (
        '[mail]\nsmtp_timeout_seconds = "30"\n',
        {},
        'rekisteri: asetus mail.smtp_timeout_seconds: arvon pitää olla kokonaisluku, ei "30"',
    ),
    (
        '[mail]\nwebsite_form_senders = "x@example.fi"\n',
        {},
        'asetus mail.website_form_senders: arvon pitää olla luettelo ([…]), ei "x@example.fi"',
    ),
    ("[mail]\npol_seconds = 30\n", {}, "rekisteri: tuntematon asetus mail.pol_seconds"),
    (
        '[database]\nurl = "mysql://root:salasana@db/rekisteri"\n',
        {},
        "rekisteri: asetus database.url: tuntematon osoitetyyppi 'mysql'; käytä jotakin näistä: "
        "sqlite://, postgresql://, postgres:// (paikallinen polku muodossa tyyppi:///koko/polku)",
    ),
    (
        "",
        {"REKISTERI_SMTP": "smpt://mail.example.fi"},
        "rekisteri: REKISTERI_SMTP (mail.smtp): tuntematon osoitetyyppi 'smpt'",
    ),
    ('[mail]\ninbox = "/var/mail/tietosuoja"\n', {}, "asetus mail.inbox: ei ole URL-osoite"),
    (
        '[notice.breaches]\nfi = "{controller.dpo} ilmoittaa."\n',
        {},
        "rekisteri: asetus notice.breaches.fi: tuntematon paikkamerkki {controller.dpo}",
    ),
    ("[mail\npoll_seconds = 5\n", {}, "on kirjoitusvirhe rivillä 1, sarakkeessa"),
]


@pytest.mark.parametrize(("toml", "environment", "expected"), FINNISH_ERRORS)
def test_every_configuration_error_is_one_finnish_line_naming_the_setting(
    tmp_path, toml, environment, expected
):
    config = tmp_path / "rekisteri.toml"
    config.write_text(toml, encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("REKISTERI_")}
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "customers", "list"],
        capture_output=True,
        text=True,
        env={**env, "REKISTERI_CONFIG": str(config), **environment},
        timeout=60,
    )
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("rekisteri: ") and expected in line, line
    assert "salasana" not in line
    for english in ("setting", "must be", "unknown", "not a URL", "Expected"):
        assert english not in line, line


def test_a_configuration_error_is_in_english_when_the_run_is(tmp_path):
    config = tmp_path / "rekisteri.toml"
    config.write_text("[mail]\nidle_renew_seconds = -5\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_settings(config, environ={})
    assert raised.value.translated("en") == (
        "setting mail.idle_renew_seconds: must be a whole number of at least 1, not -5"
    )
    assert raised.value.translated("fi") == (
        "asetus mail.idle_renew_seconds: arvon pitää olla kokonaisluku ja vähintään 1, ei -5"
    )
