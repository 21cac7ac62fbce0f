"""One translation mechanism: every key in Finnish and English, every used key defined."""

import re
from pathlib import Path

from store.i18n import catalog, format_date, translate, translator

ROOT = Path(__file__).resolve().parents[1]
KEY_IN_CODE = re.compile(
    r"""(?:\bkey=|\bt\(|\.say\(|translate\(|_\()\s*["']([a-z_]+(?:\.[a-z_]+)+)["']"""
)


def test_finnish_and_english_have_the_same_keys():
    assert set(catalog("fi")) == set(catalog("en"))


def test_swedish_only_translates_keys_that_exist():
    assert set(catalog("sv")) <= set(catalog("en"))


def test_every_key_the_code_uses_is_in_the_catalogs():
    used: set[str] = set()
    for folder in ("store", "mailbot", "tui"):
        for path in (ROOT / folder).rglob("*.py"):
            used.update(KEY_IN_CODE.findall(path.read_text(encoding="utf-8")))
    english = catalog("en")
    # A counted message may have only its forms (``days_one``, ``days_other``): the count picks one.
    missing = sorted(key for key in used if key not in english and f"{key}_other" not in english)
    assert missing == []


def test_placeholders_match_between_languages():
    fields = re.compile(r"{(\w+)}")
    for key, english in catalog("en").items():
        assert set(fields.findall(catalog("fi")[key])) == set(fields.findall(english)), key


def test_translation_fills_parameters_and_falls_back_to_the_key():
    t = translator("fi")
    assert t("rule.not_open", reference="TP-2026-0001") == "Pyyntö TP-2026-0001 on jo suljettu."
    assert translate("no.such.key", "fi") == "no.such.key"


def test_dates_are_written_the_way_each_language_writes_them():
    from datetime import date

    day = date(2026, 4, 10)
    assert [format_date(day, lang) for lang in ("fi", "sv", "en")] == [
        "10.4.2026",
        "10 april 2026",
        "10 April 2026",
    ]


def test_a_catalogue_is_parsed_again_when_it_changes_and_a_damaged_copy_is_ignored(
    tmp_path, monkeypatch
):
    """Commands read the catalogue from its parsed copy in the cache folder (0600), but
    never an outdated or damaged one."""
    from store.i18n import _through_cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    source = tmp_path / "fi.toml"
    source.write_text('[queue]\ntitle = "Jono"\n', encoding="utf-8")
    assert _through_cache(source) == {"queue.title": "Jono"}
    (copy,) = (tmp_path / "cache" / "rekisteri").glob("catalog-fi-*.json")
    assert copy.stat().st_mode & 0o777 == 0o600
    assert _through_cache(source) == {"queue.title": "Jono"}  # from the copy

    source.write_text('[queue]\ntitle = "Pyyntöjono"\n', encoding="utf-8")
    assert _through_cache(source) == {"queue.title": "Pyyntöjono"}
    (copy,) = (tmp_path / "cache" / "rekisteri").glob("catalog-fi-*.json")  # the old one gone

    copy.write_text('{"queue.title": ', encoding="utf-8")
    assert _through_cache(source) == {"queue.title": "Pyyntöjono"}
    copy.write_text('{"queue.title": 3}', encoding="utf-8")
    assert _through_cache(source) == {"queue.title": "Pyyntöjono"}
