"""Small text tools the call analysis shares: sentences, words, whole-word term matching.

Transcripts are spoken language written down by an ASR engine or a meeting tool: sentences are
short, punctuation is sometimes missing, and numbers come as "$45" or "forty five". These helpers
stay deliberately simple and predictable; they are rules a user can read, not a model.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

# Abbreviations whose full stop does not end a sentence.
_ABBREVIATIONS = ("mr", "mrs", "ms", "dr", "st", "vs", "etc", "e.g", "i.e", "approx", "inc", "ltd")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9$£€])")
_WORD = re.compile(r"[a-z0-9]+(?:['\u2019][a-z]+)?(?:\.[0-9]+)?", re.IGNORECASE)


# Where a clause ends: a negation before it says nothing about the words after it.
CLAUSE_BREAK = re.compile(
    r"[,;:\u2014\u2013]|\s-\s|\b(?:but|and|so|because|although|though)\b", re.IGNORECASE
)


def straight(text: str) -> str:
    """Curly apostrophes made straight, as the rules are written ("don't")."""
    return text.replace("\u2019", "'")


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``; an unpunctuated turn is one sentence."""
    text = " ".join(text.split())
    if not text:
        return []
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        candidate = text[start : match.start()].rstrip()
        last_word = candidate.rsplit(" ", 1)[-1].rstrip(".").lower()
        if candidate.endswith(".") and last_word in _ABBREVIATIONS:
            continue
        pieces.append(candidate)
        start = match.end()
    pieces.append(text[start:].strip())
    return [piece for piece in pieces if piece]


def words(text: str) -> list[str]:
    """Lower-case words, apostrophes kept ("don't"), curly quotes made straight."""
    return [word.lower().replace("\u2019", "'") for word in _WORD.findall(text)]


@lru_cache(maxsize=4096)
def term_pattern(term: str) -> re.Pattern[str]:
    """A case-insensitive, whole-word pattern for ``term``; any run of spaces matches a space.

    Whole word so that "Gong" does not match "ongoing" nor "Gonguru", and a hyphen or full stop
    in the term is taken literally ("Salesforce.com", "Chorus-AI").
    """
    parts = [re.escape(part) for part in term.split()]
    return re.compile(r"(?<![\w])" + r"\s+".join(parts) + r"(?![\w])", re.IGNORECASE)


def find_term(text: str, term: str) -> Iterator[re.Match[str]]:
    return term_pattern(term).finditer(text)


def clock(seconds: float) -> str:
    """mm:ss (h:mm:ss past an hour), the way a player shows a position in a call."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def duration(seconds: float) -> str:
    """A length people read at a glance: "45 s", "4 min", "1 h 05 min"."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole} s"
    minutes = round(whole / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def shorten(text: str, limit: int = 240) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"
