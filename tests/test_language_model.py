"""The language model cut to the EU's languages and kept in the cache folder names the
same language as py3langid's whole model restricted to them, on every cited mail."""

import json
from pathlib import Path

from tests.support.processes import ROOT, python_output

CITED = ROOT / "tests" / "corpus" / "cited"

_SCORES = """
import json, sys
from email import message_from_bytes, policy
from pathlib import Path
from mailbot import classify
texts = []
for path in sorted(Path(sys.argv[1]).glob("*.eml")):
    body = message_from_bytes(path.read_bytes(), policy=policy.default).get_body(("plain", "html"))
    texts.append(body.get_content() if body is not None else "")
identifier = classify._identifier()
if sys.argv[2] == "whole":
    from py3langid.langid import MODEL_FILE, LanguageIdentifier
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages([c for c in classify.EU_LANGUAGES if c in identifier.nb_classes])
answers = [identifier.classify(text[:2000]) for text in texts]
print(json.dumps([[str(code), round(float(p), 4)] for code, p in answers]))
"""


def _answers(cache: Path, model: str) -> list[list[object]]:
    environment = {"XDG_CACHE_HOME": str(cache), "PATH": "/usr/bin:/bin"}
    return json.loads(python_output(_SCORES, str(CITED), model, env=environment).stdout)


def test_the_cut_model_names_the_same_languages_as_the_whole_one(tmp_path):
    whole = _answers(tmp_path / "other", "whole")
    cut = _answers(tmp_path, "cut")
    (kept,) = (tmp_path / "rekisteri").glob("py3langid-*.npz.xz")
    assert kept.stat().st_mode & 0o777 == 0o600
    assert len(cut) == len(whole) > 200
    assert cut == whole
    assert _answers(tmp_path, "cut") == whole  # read from the kept copy


def test_a_damaged_copy_is_made_again(tmp_path):
    _answers(tmp_path, "cut")
    (kept,) = (tmp_path / "rekisteri").glob("py3langid-*.npz.xz")
    kept.write_bytes(kept.read_bytes()[:5000])
    whole = _answers(tmp_path / "other", "whole")
    assert _answers(tmp_path, "cut") == whole
    (again,) = (tmp_path / "rekisteri").glob("py3langid-*.npz.xz")
    assert again.stat().st_size > 100_000  # made again, not given up on


def test_a_cut_transition_table_is_made_again(tmp_path):
    """The tokenizer's table is mapped, not unpacked: a kept one that is cut short would
    send the walk off its end, so it is checked against its rows and made again."""
    _answers(tmp_path, "cut")
    (table,) = (tmp_path / "rekisteri").glob("py3langid-transitions-*.bin")
    assert table.stat().st_mode & 0o777 == 0o600
    table.write_bytes(table.read_bytes()[: 1024 * 1000])  # whole rows, too few of them
    whole = _answers(tmp_path / "other", "whole")
    assert _answers(tmp_path, "cut") == whole
    (again,) = (tmp_path / "rekisteri").glob("py3langid-transitions-*.bin")
    assert again.stat().st_size > 1024 * 1000
