"""Vietnamese folding: what makes "nghi quyet" find "Nghị quyết".

Both sides of every comparison go through :func:`fold`: the indexed text and the query.
Folding is NFD decomposition, removal of every combining mark (Vietnamese letters carry
up to two: "ế" is e + circumflex + acute), "đ" as "d" (a letter of its own, not a
mark), and lower case. SQLite's ``unicode61`` tokenizer with ``remove_diacritics``
removes only single marks, so it is not enough (TECH_NOTES §7).

:func:`accent_pattern` goes the other way: from a folded term to a regular expression
that finds every accented spelling of it in the original NFC text, which is how
snippets are highlighted on the text the reader sees.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import chain

WORD = re.compile(r"\w+", re.UNICODE)


def nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value or "")


COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff]")


def _fold_slow(char: str) -> str:
    decomposed = unicodedata.normalize("NFD", char.lower())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.replace("đ", "d")


@lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    """Every Latin letter with marks (and its capital) to its bare lower-case letter:
    one character to one character, so folded text keeps the original's offsets."""
    table = {}
    for start, end in ((0x0041, 0x005A), (0x00C0, 0x024F), (0x1E00, 0x1EFF)):
        for code in range(start, end + 1):
            folded = _fold_slow(chr(code))
            if len(folded) == 1 and folded != chr(code):
                table[code] = folded
    return table


def fold_aligned(value: str) -> str:
    """:func:`fold` of NFC text, character for character (offsets are preserved)."""
    return (value or "").translate(_table())


def fold(value: str) -> str:
    """Lower case, no combining marks, "đ" as "d"; NFC and NFD input alike."""
    folded = unicodedata.normalize("NFC", value or "").translate(_table()).lower()
    return COMBINING.sub("", folded)


class FoldedChunks(dict):
    """Whitespace-separated chunks of text and their folded words, filled on demand.

    One per batch of texts: a batch repeats a few tens of thousands of distinct
    chunks, so each is folded once instead of once per occurrence."""

    def __missing__(self, chunk: str) -> tuple[str, ...]:
        words = self[chunk] = tuple(WORD.findall(fold(chunk)))
        return words


def folded_word_list(value: str, chunks: FoldedChunks | None = None) -> list[str]:
    """``WORD.findall(fold(value))``, several times faster on long texts.

    Exact, because :func:`fold` works character by character once the text is NFC,
    and whitespace folds to itself, is never part of a word and ends the context
    ``lower()`` looks at (the final sigma): folding each whitespace-separated chunk
    on its own gives the same words as folding the whole text.
    """
    if chunks is None:
        chunks = FoldedChunks()
    pieces = unicodedata.normalize("NFC", value or "").split()
    return list(chain.from_iterable(map(chunks.__getitem__, pieces)))


def terms(query: str) -> list[str]:
    """The distinct folded words of a query, in order (what an OR query is made of)."""
    seen: dict[str, None] = {}
    for word in WORD.findall(fold(query)):
        seen.setdefault(word, None)
    return list(seen)


@lru_cache(maxsize=1)
def _variants() -> dict[str, str]:
    """Each folded letter and every character that folds to it (both cases)."""
    variants: dict[str, set[str]] = {}
    ranges = [(0x00C0, 0x024F), (0x1E00, 0x1EFF)]
    for start, end in ranges:
        for code in range(start, end + 1):
            char = chr(code)
            folded = fold(char)
            if len(folded) == 1 and folded.isascii() and folded != char.lower():
                variants.setdefault(folded, set()).update({char, char.lower()})
    return {
        letter: "".join(sorted(chars | {letter, letter.upper()}))
        for letter, chars in variants.items()
    }


@lru_cache(maxsize=512)
def accent_pattern(term: str) -> str:
    """A regex matching ``term`` (folded) in NFC text, whatever its marks or case."""
    variants = _variants()
    parts = []
    for char in term:
        chars = variants.get(char)
        if chars:
            parts.append("[" + re.escape(chars) + "]")
        elif char.isalpha():
            parts.append("[" + re.escape(char + char.upper()) + "]")
        else:
            parts.append(re.escape(char))
    return "".join(parts)
