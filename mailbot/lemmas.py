"""Finnish words to their dictionary forms, so that a rule names a word once.

Finnish inflects and compounds: "tietoni", "tietojani", "tiedoistani", "henkilötiedot" are
all *tieto*; "hävitetään", "hävittäkää" are *hävittää*.  simplemma (a dictionary of
inflected forms with affix decomposition, no model to download) gives the lemma; before it,
the spoken forms people type on a phone are put back into the written ones ("mulle" →
"minulle", "musta" → "minusta", "osote" → "osoite"), since no dictionary has them.

Measured on this machine: simplemma's default dictionaries hold Finnish in 414 MB after a
2.8 s load; its low-memory front-coded stream takes 70 MB and 1.6 s, once per process and
only when a Finnish mail arrives, and ~1 µs a word after that (cached per word form).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

# Spoken Finnish and the usual phone-typed shortenings, to the written form.  Only forms
# that mean nothing else in a privacy mail ("musta" is also "black": not in these mails).
SPOKEN = {
    "moi": "moi",  # a greeting, not "möi" (sold) with its umlaut put back
    "mä": "minä",
    "mää": "minä",
    "mie": "minä",
    "mun": "minun",
    "mulle": "minulle",
    "mulla": "minulla",
    "multa": "minulta",
    "musta": "minusta",
    "mua": "minua",
    "muhun": "minuun",
    "mut": "minut",
    "meiän": "meidän",
    "teiän": "teidän",
    "teil": "teillä",
    "osote": "osoite",
    "osotteen": "osoitteen",
    "osotteeni": "osoitteeni",
    "osotetta": "osoitetta",
    "pliis": "kiitos",
    "plz": "kiitos",
    "pls": "kiitos",
    "poistetaa": "poistetaan",
    "poistakaas": "poistakaa",
}
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


@cache
def _lemmatizer() -> Any:
    from simplemma import Lemmatizer
    from simplemma.strategies import DefaultStrategy

    return Lemmatizer(lemmatization_strategy=DefaultStrategy(low_memory=True))


@cache
def warm_up() -> None:
    """Load the Finnish dictionary now (a second or two, once a process) rather than
    inside the first message's time budget."""
    _lemmatizer().lemmatize("tietosuoja", lang="fi")


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    """The dictionary form of one Finnish word (lower case)."""
    word = SPOKEN.get(word, word)
    try:
        return str(_lemmatizer().lemmatize(word, lang="fi")).casefold()
    except (ValueError, LookupError):  # pragma: no cover - a word simplemma cannot take
        return word


def words(text: str) -> list[str]:
    """The words of ``text``, lower case, spoken forms made written."""
    return [SPOKEN.get(word, word) for word in _WORD.findall(text.casefold())]


def lemmatized(text: str) -> str:
    """``text`` as its words' lemmas, one space between (for patterns over lemmas)."""
    return " ".join(lemma(word) for word in _WORD.findall(text.casefold()))


_UMLAUTS = str.maketrans("ao", "äö")


@lru_cache(maxsize=16384)
def with_umlauts(word: str) -> str:
    """``word`` (lower case) with its umlauts put back when it was typed without them.

    Vowel harmony: a Finnish word has either back vowels (a, o, u) or front ones (ä, ö, y),
    so a front-vowel word typed on a keyboard without ä and ö has *all* its ä as a and ö as
    o: "tietaa", "mita", "teilla", "sahkopostiin".  The word is changed only when the
    dictionary does not know it and knows the word with every a → ä and o → ö.
    """
    if not ("a" in word or "o" in word):
        return word
    candidate = word.translate(_UMLAUTS)
    lookup = _lemmatizer()._lemmatization_strategy._dictionary_lookup
    try:
        if lookup.is_dictionary_member(word, "fi") or not lookup.is_dictionary_member(
            candidate, "fi"
        ):
            return word
    except (ValueError, LookupError, AttributeError):  # pragma: no cover - another simplemma
        return word
    return candidate


def spoken_to_written(text: str) -> str:
    """``text`` with the spoken forms of :data:`SPOKEN` written out (case kept elsewhere),
    and, on a line with no ä or ö at all (typed without them: the phone's own signature
    line below may still have them), the umlauts put back."""

    def line_written(line: str) -> str:
        folded = line.casefold()
        no_umlauts = "ä" not in folded and "ö" not in folded

        def written(match: re.Match[str]) -> str:
            word = match.group(0)
            lower = word.casefold()
            if lower in SPOKEN:
                return SPOKEN[lower]
            if no_umlauts:
                restored = with_umlauts(lower)
                if restored != lower:
                    return restored if word.islower() else restored.capitalize()
            return word

        return _WORD.sub(written, line)

    return "\n".join(line_written(line) for line in text.split("\n"))
