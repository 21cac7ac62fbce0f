"""The Finnish dictionary read through its kept stream and index gives simplemma's own
answers, and a kept copy that does not fit is built again (never a wrong lemma)."""

from pathlib import Path

import pytest

from tests.support.processes import python_output

WORDS = (
    "tiedoistani",
    "henkilötietoni",
    "hävittäkää",
    "poistakaa",
    "uutiskirjeen",
    "tilaukseni",
    "osoitteeni",
    "sähköpostiin",
    "tietojani",
    "oikaisemaan",
    "xyzzyqq",  # no such word: the word itself
    "aaaa",  # before every key of its block
    "öööö",  # after the last
)


def _lemmas_in_a_new_process(cache: Path) -> list[str]:
    """The lemmas of :data:`WORDS` and the umlauts of "tietaa", as a new mailbot process
    (which reads or builds the kept copies in ``cache``) gives them."""
    code = (
        "from mailbot import lemmas; "
        f"print('\\n'.join([lemmas.lemma(w) for w in {WORDS!r}] + [lemmas.with_umlauts('tietaa')]))"
    )
    environment = {"XDG_CACHE_HOME": str(cache), "PATH": "/usr/bin:/bin"}
    return python_output(code, env=environment).stdout.split()


@pytest.fixture(scope="module")
def simplemmas_own() -> list[str]:
    from simplemma import Lemmatizer
    from simplemma.strategies import DefaultStrategy

    lemmatizer = Lemmatizer(lemmatization_strategy=DefaultStrategy(low_memory=True))
    lookup = lemmatizer._lemmatization_strategy._dictionary_lookup
    own = [str(lemmatizer.lemmatize(word, lang="fi")).casefold() for word in WORDS]
    umlauts = "tietää" if lookup.is_dictionary_member("tietää", "fi") else "tietaa"
    return [*own, umlauts]


def test_the_kept_dictionary_answers_as_simplemma_does(tmp_path, simplemmas_own):
    built = _lemmas_in_a_new_process(tmp_path)  # builds and keeps the copies
    kept = sorted((tmp_path / "rekisteri").glob("simplemma-fi-*"))
    assert [path.name.split("-")[2] for path in kept] == ["index", "stream"]
    assert all(path.stat().st_mode & 0o777 == 0o600 for path in kept)
    assert built == simplemmas_own
    assert _lemmas_in_a_new_process(tmp_path) == simplemmas_own  # read from the copies


def test_a_damaged_or_cut_copy_is_built_again(tmp_path, simplemmas_own):
    _lemmas_in_a_new_process(tmp_path)
    (index,) = (tmp_path / "rekisteri").glob("simplemma-fi-index-*")
    (stream,) = (tmp_path / "rekisteri").glob("simplemma-fi-stream-*")
    index.write_bytes(index.read_bytes()[:1000])
    assert _lemmas_in_a_new_process(tmp_path) == simplemmas_own
    stream.write_bytes(b"")
    assert _lemmas_in_a_new_process(tmp_path) == simplemmas_own
    stream.write_bytes(b"not a stream at all")
    assert _lemmas_in_a_new_process(tmp_path) == simplemmas_own
