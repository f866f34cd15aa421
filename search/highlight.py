"""Highlighted snippets on the original text, for any backend.

Matching is on folded text, but readers see the original. Folding NFC text letter
by letter (:func:`search.folding.fold_aligned`) keeps every offset, so the terms are
found in the folded copy and the same spans are cut and marked in the original. The
snippet is the window with the most distinct terms; everything else is HTML-escaped.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.utils.html import escape

from search.folding import fold_aligned, nfc

SNIPPET_CHARS = 240
SCAN_CHARS = 20_000  # long documents: the best window is looked for in this much


@lru_cache(maxsize=256)
def _regex(terms: tuple[str, ...]) -> re.Pattern | None:
    if not terms:
        return None
    # Longer terms first, so that "nghiep" is not cut short by "nghi"; a pair of
    # words ("hon_nhan", see search.backends.database.word_pairs) is a phrase.
    alternatives = sorted(terms, key=len, reverse=True)
    return re.compile(
        r"(?<!\w)(?:"
        + "|".join(r"\W+".join(map(re.escape, t.split("_"))) for t in alternatives)
        + r")(?!\w)"
    )


def _spans(text: str, terms: tuple[str, ...]) -> list[tuple[int, int]]:
    regex = _regex(terms)
    if regex is None:
        return []
    return [m.span() for m in regex.finditer(fold_aligned(text))]


def _marked(text: str, spans: list[tuple[int, int]]) -> str:
    out, last = [], 0
    for start, end in spans:
        out.append(escape(text[last:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        last = end
    out.append(escape(text[last:]))
    return "".join(out)


def mark(text: str, terms: tuple[str, ...]) -> str:
    """``text`` escaped, each occurrence of a (folded) term in ``<mark>``."""
    text = nfc(text)
    return _marked(text, _spans(text, terms))


def snippet(text: str, terms: tuple[str, ...], size: int = SNIPPET_CHARS) -> str:
    """The part of ``text`` richest in distinct terms, marked; the start if none."""
    text = nfc(text[:SCAN_CHARS])
    folded = fold_aligned(text)
    regex = _regex(terms)
    matches = [(m.start(), m.group()) for m in regex.finditer(folded)] if regex else []
    best_start, best_score, j = 0, 0, 0
    for i, (start, _word) in enumerate(matches):
        j = max(j, i)
        while j < len(matches) and matches[j][0] < start + size:
            j += 1
        score = len({word for _s, word in matches[i:j]})
        if score > best_score:
            best_start, best_score = start, score
    start = max(0, best_start - size // 4) if best_score else 0
    if start:  # begin on a word
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < best_start else start
    end = min(len(text), start + size)
    if end < len(text):  # end on a word
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    piece = text[start:end]
    spans = (
        [
            (s - start, e - start)
            for s, e in (m.span() for m in regex.finditer(folded, start, end))
        ]
        if regex
        else []
    )
    body = _marked(piece, spans)
    body = " ".join(body.split())
    return ("… " if start else "") + body + (" …" if end < len(text) else "")
