"""Text helpers for tips: priority keywords, search words, previews."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_WORD = re.compile(r"\w+", re.UNICODE)

PREVIEW_CHARS = 140
MAX_SEARCH_WORDS_PER_MESSAGE = 200


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def find_keywords(text: str, keywords: Iterable[str]) -> set[str]:
    """Configured keywords or phrases present in `text` as whole words, case-insensitive,
    in any script ('gun' matches 'GUN!' but not 'begun')."""
    folded = _fold(text)
    found = set()
    for keyword in keywords:
        phrase = _fold(keyword).strip()
        if not phrase:
            continue
        words = [re.escape(w) for w in phrase.split()]
        if re.search(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", folded):
            found.add(phrase)
    return found


def search_words(text: str) -> set[str]:
    """Words an officer can search by: casefolded, 2 to 40 characters, capped per message
    so one long message cannot push a tip towards the item size limit."""
    words: set[str] = set()
    for match in _WORD.finditer(_fold(text)):
        word = match.group(0)
        if 2 <= len(word) <= 40:
            words.add(word)
            if len(words) >= MAX_SEARCH_WORDS_PER_MESSAGE:
                break
    return words


def query_words(query: str) -> list[str]:
    return sorted(w for w in (_fold(m.group(0)) for m in _WORD.finditer(query)) if len(w) >= 2)


def preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1] + "…"
