"""Vietnamese text helpers: accent-insensitive matching and Vietnamese alphabetical order."""

import functools
import re
import unicodedata
from typing import NamedTuple

_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    """Return text lower-cased, without accents, with đ as d and single spaces ("Đặng  Văn" -> "dang van")."""
    if not text:
        return ""
    text = str(text)
    if text.isascii():  # most codes and many names: no accent to take off (the same result, without Unicode work)
        return _SPACES.sub(" ", text).strip().lower()
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped).strip().lower()


def fold_key(text: str | None) -> str:
    """Return a header or code-list key: folded, with spaces, dashes and underscores removed."""
    return re.sub(r"[\s_\-./]+", "", fold(text))


# Vietnamese alphabet order (ă, â after a; đ after d; ê after e; ô, ơ after o; ư after u), with the
# Latin letters that appear in names of other origins slotted where Latin puts them.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_RANK = {letter: index for index, letter in enumerate(_ALPHABET)}
# Tones are a secondary difference, in the order of Vietnamese dictionaries:
# ngang, huyền, hỏi, ngã, sắc, nặng.
_TONES = {"\u0300": "2", "\u0309": "3", "\u0303": "4", "\u0301": "5", "\u0323": "6"}
_VOWEL_MARKS = {"\u0306": "ă", "\u0302": None, "\u031b": None}  # breve, circumflex, horn


def _letters_and_tones(word: str) -> tuple[str, str]:
    """Return a word's primary key (two letters per Vietnamese letter) and its tone digits."""
    primary, tones = [], []
    for cluster in _clusters(word.lower()):
        base, marks = cluster[0], cluster[1:]
        letter = base
        if base == "đ":
            letter = "đ"
        elif "\u0306" in marks and base == "a":
            letter = "ă"
        elif "\u0302" in marks and base in "aeo":
            letter = {"a": "â", "e": "ê", "o": "ô"}[base]
        elif "\u031b" in marks and base in "ou":
            letter = {"o": "ơ", "u": "ư"}[base]
        rank = _RANK.get(letter)
        if rank is None:  # digits and punctuation do not sort names
            continue
        primary.append(chr(ord("a") + rank // 26) + chr(ord("a") + rank % 26))
        if letter in "aăâeêioôơuưy":
            tones.append(next((_TONES[m] for m in marks if m in _TONES), "1"))
    return "".join(primary), "".join(tones)


def _clusters(word: str) -> list[str]:
    """Return the letters of a word, each with its combining marks (NFD)."""
    clusters: list[str] = []
    for ch in unicodedata.normalize("NFD", word):
        if unicodedata.category(ch) == "Mn" and clusters:
            clusters[-1] += ch
        else:
            clusters.append(ch)
    return clusters


def split_name(full_name: str) -> tuple[str, str, str]:
    """Return (family, middle, given) of a Vietnamese full name ("Nguyễn Văn Dũng" -> Nguyễn, Văn, Dũng)."""
    parts = _SPACES.sub(" ", (full_name or "").strip()).split(" ")
    parts = [p for p in parts if p]
    if not parts:
        return "", "", ""
    if len(parts) == 1:
        return "", "", parts[0]
    return parts[0], " ".join(parts[1:-1]), parts[-1]


class NameKeys(NamedTuple):
    """What a person's full name is listed and searched by (``name_keys``)."""

    family: str
    middle: str
    given: str
    sort_key: str
    folded: str


@functools.lru_cache(maxsize=65536)
def _word(word: str) -> tuple[str, str, str]:
    """Return a name word's sort letters, its tone digits and its folded form."""
    letters, tones = _letters_and_tones(word)
    return letters, tones, fold(word)


@functools.lru_cache(maxsize=65536)
def name_keys(full_name: str) -> NameKeys:
    """Return a full name's parts (``split_name``), its Vietnamese sort key and its folded form (``fold``).

    The sort key orders by given name, then family name, then middle name. Letters compare in the Vietnamese
    alphabet (a < ă < â < b … d < đ), tones only break ties. The key uses lower-case ASCII letters and digits,
    so byte order and every database collation agree on it, and PostgreSQL and SQLite sort lists identically.

    The one computation of these keys (a person saved by a form, the API or an import), remembered by name
    and by word: a file of 50,000 persons has a few hundred distinct name words.
    """
    family, middle, given = split_name(full_name)
    keys = []
    for part in (given, family, middle):
        words = [_word(word) for word in part.split(" ") if word]
        # Within a part: the letters, then the tones (a secondary difference, so "Dung" < "Dũng" < "Dùng"
        # only once the letters are equal). "0" separates words and parts and sorts before every letter
        # code and tone digit, so a shorter name comes first ("An" < "Anh", "Thị" < "Thị Ngọc").
        keys.append("0".join(w[0] for w in words) + "0" + "".join(w[1] for w in words))
    # fold() word by word: the same as folding the whole name, whose words repeat far more than names.
    folded = " ".join(word_folded for word in (full_name or "").split() if (word_folded := _word(word)[2]))
    return NameKeys(family, middle, given, "0".join(keys)[:255], folded)


def name_sort_key(full_name: str) -> str:
    """Return the Vietnamese sort key of a full name (that of ``name_keys``)."""
    return name_keys(full_name).sort_key
