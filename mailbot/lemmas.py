"""Finnish words to their dictionary forms, so that a rule names a word once.

Finnish inflects and compounds: "tietoni", "tietojani", "tiedoistani", "henkilötiedot" are
all *tieto*; "hävitetään", "hävittäkää" are *hävittää*.  simplemma (a dictionary of
inflected forms with affix decomposition, no model to download) gives the lemma; before it,
the spoken forms people type on a phone are put back into the written ones ("mulle" →
"minulle", "musta" → "minusta", "osote" → "osoite"), since no dictionary has them.

Measured on this machine: simplemma's default dictionaries hold Finnish in 414 MB after a
2.8 s load; its low-memory front-coded stream takes 70 MB and 1.6 s, once per process and
only when a Finnish mail arrives, and ~1 µs a word after that (cached per word form).  Most
of the 1.6 s is building the stream's index, which is kept (:func:`_front_coded_dictionary`).
"""

from __future__ import annotations

import itertools
import mmap
import re
from array import array
from collections.abc import Mapping, Sequence
from contextlib import suppress
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, overload

from store import user_cache

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

    try:
        from simplemma.strategies.dictionaries import frontcode, stream_dictionary_factory
        from simplemma.strategies.dictionaries.dictionary_factory import (
            CachingDictionaryFactory,
        )

        frontcode._read_header, stream_dictionary_factory.StreamMap  # noqa: B018
        stream_dictionary_factory._BLOCK_SIZE  # noqa: B018
    except (ImportError, AttributeError):  # another simplemma than the lock file's 2.0
        return Lemmatizer(lemmatization_strategy=DefaultStrategy(low_memory=True))

    class IndexKeptFactory(CachingDictionaryFactory):
        def _get_dictionary_uncached(self, lang: str) -> Mapping[str, str]:
            return _front_coded_dictionary(lang)

    return Lemmatizer(lemmatization_strategy=DefaultStrategy(dictionary_factory=IndexKeptFactory()))


def _front_coded_dictionary(lang: str) -> Mapping[str, str]:
    """simplemma's low-memory dictionary of ``lang`` (its front-coded stream, read where a
    word is looked up), with the stream decompressed and its index of restart points kept
    in the user's cache folder (:mod:`store.user_cache`).  Building them means
    decompressing 19 MB and decoding all 3.5 million Finnish records: 1.5 s and a 70 MB
    peak at every mailbot's start.  Both kept copies are mapped into memory, so only the
    pages a lookup reads are loaded, and they are shared by every process that maps them
    (the mailbot and its read-ahead worker).  The index as Python lists held 28 MB in each
    process (110,860 strings and tuples); packed (:class:`_PackedIndex`) it holds none.  A
    kept stream or index that does not fit is built again."""
    from simplemma.strategies.dictionaries import frontcode
    from simplemma.strategies.dictionaries.dictionary_factory import DATA_FOLDER
    from simplemma.strategies.dictionaries.stream_dictionary_factory import (
        _BLOCK_SIZE,
        StreamMap,
    )

    source = DATA_FOLDER / f"{lang}.plzma"
    stream_kind, index_kind = f"simplemma-{lang}-stream", f"simplemma-{lang}-index"
    stream_copy = user_cache.copy_of(source, stream_kind, ".bin")
    index_copy = user_cache.copy_of(source, index_kind, ".packed")
    # (AttributeError: a simplemma whose StreamMap keeps its state otherwise; the lock file
    # pins 2.0, and another one still works, only without the kept copies.)
    with suppress(OSError, ValueError, EOFError, TypeError, IndexError, AttributeError):
        data, index = _mapped(stream_copy), _PackedIndex(_mapped(index_copy))
        reverse, count, position = frontcode._read_header(data)  # type: ignore[arg-type]
        if len(index) == -(-count // _BLOCK_SIZE) and index.blocks[0][0] == position:
            dictionary = StreamMap.__new__(StreamMap)
            dictionary._data, dictionary._rev = data, reverse  # type: ignore[assignment]
            dictionary._count, dictionary._pos = count, position
            dictionary._firsts = index.firsts  # type: ignore[assignment]
            dictionary._blocks = index.blocks  # type: ignore[assignment]
            return dictionary
    dictionary = StreamMap(lang)
    with suppress(AttributeError):
        user_cache.keep(stream_copy, dictionary._data, stream_kind)
        packed = _PackedIndex.pack(dictionary._firsts, dictionary._blocks)
        user_cache.keep(index_copy, packed, index_kind)
    return dictionary


def _mapped(path: Path) -> mmap.mmap:
    with open(path, "rb") as handle:
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)


class _PackedIndex:
    """A front-coded stream's restart points, as simplemma's ``StreamMap`` keeps them
    (``_firsts``: each block's first key, which a lookup bisects; ``_blocks``: where the
    block's records start, and the key and value before them, the seed to decode them
    from), packed in one buffer and read where a lookup asks.

    Layout, in native unsigned 64-bit words: a magic word and the number of blocks ``n``;
    then four arrays of ``n`` words: the record starts, and the end offsets of the first
    keys, of the seeds' keys and of their values; then those three texts, end to end.
    """

    MAGIC = int.from_bytes(b"rkidx001", "little")
    WORD = 8

    def __init__(self, buffer: mmap.mmap | bytes) -> None:
        view = memoryview(buffer)
        magic, count = view[: 2 * self.WORD].cast("Q")
        if magic != self.MAGIC or count == 0:
            raise ValueError("not a packed index")
        arrays = view[2 * self.WORD : (2 + 4 * count) * self.WORD].cast("Q")
        if len(arrays) != 4 * count:
            raise ValueError("the packed index is cut")
        starts, *ends = (arrays[part * count : (part + 1) * count] for part in range(4))
        texts, offset = [], (2 + 4 * count) * self.WORD
        for end in ends:
            texts.append(_PackedBytes(view[offset : offset + end[-1]], end))
            offset += end[-1]
        if offset != len(view):
            raise ValueError("the packed index is cut or too long")
        self.firsts = texts[0]
        self.blocks = _PackedSeeds(starts, texts[1], texts[2])

    def __len__(self) -> int:
        return len(self.firsts)

    @classmethod
    def pack(cls, firsts: list[bytes], blocks: list[tuple[int, bytes, bytes]]) -> bytes:
        """The packed form of ``StreamMap._firsts`` and ``_blocks``."""
        starts = [start for start, _, _ in blocks]
        texts = [firsts, [key for _, key, _ in blocks], [value for _, _, value in blocks]]
        arrays = array("Q", [cls.MAGIC, len(blocks), *starts])
        for text in texts:
            arrays.extend(itertools.accumulate(map(len, text)))
        return arrays.tobytes() + b"".join(b"".join(text) for text in texts)


class _PackedBytes(Sequence[bytes]):
    """Byte strings end to end in ``data``, string ``i`` ending at ``ends[i]``."""

    __slots__ = ("data", "ends")

    def __init__(self, data: memoryview, ends: memoryview) -> None:
        self.data, self.ends = data, ends

    def __len__(self) -> int:
        return len(self.ends)

    @overload
    def __getitem__(self, index: int) -> bytes: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[bytes]: ...
    def __getitem__(self, index: int | slice) -> bytes | Sequence[bytes]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self.ends)
        start = self.ends[index - 1] if index else 0
        return self.data[start : self.ends[index]].tobytes()


class _PackedSeeds(Sequence[tuple[int, bytes, bytes]]):
    """``StreamMap._blocks`` read from a :class:`_PackedIndex`."""

    __slots__ = ("keys", "starts", "values")

    def __init__(self, starts: memoryview, keys: _PackedBytes, values: _PackedBytes) -> None:
        self.starts, self.keys, self.values = starts, keys, values

    def __len__(self) -> int:
        return len(self.starts)

    @overload
    def __getitem__(self, index: int) -> tuple[int, bytes, bytes]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[tuple[int, bytes, bytes]]: ...
    def __getitem__(
        self, index: int | slice
    ) -> tuple[int, bytes, bytes] | Sequence[tuple[int, bytes, bytes]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return int(self.starts[index]), self.keys[index], self.values[index]


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
