"""Speaker-aware passages over a call's turns: what the index embeds, scores and cites.

A passage is a window of at most ``window`` consecutive turns (four: an answer in a call is
rarely a single turn, and a longer window dilutes it). Windows overlap (``stride`` < ``window``)
so an exchange that straddles two windows is whole in a third. A turn too long for one
passage (a monologue) is cut into pieces at sentence ends; each piece is a unit on its own,
so a passage never holds more than ``max_words`` words, which also keeps it within what the
embedding model reads (256 word pieces for MiniLM).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

WINDOW = 4
STRIDE = 2
MAX_WORDS = 160
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Turn:
    """One speaker's words; ``speaker`` is the label shown in passages ("Ana (Globex)")."""

    position: int
    speaker: str
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Chunk:
    """A passage: consecutive turns (or pieces of one long turn), with where it sits in the call.

    ``first_piece`` and ``last_piece`` are the piece numbers of the first and last turn (0 for
    a turn that was not cut); they tell apart passages inside one long turn. ``text`` names
    the speaker of each line, for readers and for BM25 ("what did Ana say"); ``spoken`` is
    the words alone, for the embedding: labels repeated on every line pull every passage's
    vector toward the names and away from what was said.
    """

    first_position: int
    last_position: int
    first_piece: int
    last_piece: int
    speakers: tuple[str, ...]
    start: float
    end: float
    text: str
    spoken: str

    @property
    def key(self) -> str:
        """Stable within a call: the same turns always give the same key."""
        return f"{self.first_position}.{self.first_piece}-{self.last_position}.{self.last_piece}"


@dataclass(frozen=True)
class _Unit:
    turn: Turn
    piece: int
    text: str
    words: int


def chunk_turns(
    turns: Sequence[Turn],
    *,
    window: int = WINDOW,
    stride: int = STRIDE,
    max_words: int = MAX_WORDS,
) -> list[Chunk]:
    """Overlapping passages over ``turns`` (in call order); empty turns are skipped."""
    if window < 1 or not 1 <= stride <= window or max_words < 1:
        raise ValueError(f"bad chunking: window={window} stride={stride} max_words={max_words}")
    units = [unit for turn in turns if turn.text.strip() for unit in _units(turn, max_words)]
    chunks: list[Chunk] = []
    begin = 0
    while begin < len(units):
        end = _window_end(units, begin, window, max_words)
        chunks.append(_chunk(units[begin:end]))
        if end >= len(units):
            break
        # A window cut short by the word limit keeps the same overlap, moving on at least one.
        overlap = window - stride
        begin += max(1, min(stride, end - begin - overlap))
    return chunks


def _window_end(units: Sequence[_Unit], begin: int, window: int, max_words: int) -> int:
    """One past the last unit of the window that starts at ``begin``."""
    end = begin + 1
    words = units[begin].words
    first = units[begin].turn.position
    while end < len(units):
        unit = units[end]
        # Positions, not units, bound a window: skipped empty turns still count as turns.
        if words + unit.words > max_words or unit.turn.position - first >= window:
            break
        words += unit.words
        end += 1
    return end


def _units(turn: Turn, max_words: int) -> Iterator[_Unit]:
    words = turn.text.split()
    if len(words) <= max_words:
        yield _Unit(turn, 0, " ".join(words), len(words))
        return
    for piece, text in enumerate(_split_long(turn.text, max_words)):
        yield _Unit(turn, piece, text, len(text.split()))


def _split_long(text: str, max_words: int) -> Iterator[str]:
    """Pieces of at most ``max_words`` words, cut at sentence ends where there are some."""
    current: list[str] = []
    for sentence in _SENTENCE_END.split(text.strip()):
        words = sentence.split()
        while len(words) > max_words:  # a "sentence" without stops: cut it by words
            if current:
                yield " ".join(current)
                current = []
            yield " ".join(words[:max_words])
            words = words[max_words:]
        if current and len(current) + len(words) > max_words:
            yield " ".join(current)
            current = []
        current.extend(words)
    if current:
        yield " ".join(current)


def _chunk(units: Sequence[_Unit]) -> Chunk:
    lines: list[str] = []
    last_speaker = None
    for unit in units:
        # Consecutive pieces of one speaker read as one line, as they were said.
        if unit.turn.speaker == last_speaker and lines and unit.piece > 0:
            lines[-1] += " " + unit.text
        else:
            lines.append(f"{unit.turn.speaker}: {unit.text}")
        last_speaker = unit.turn.speaker
    first, last = units[0], units[-1]
    return Chunk(
        first_position=first.turn.position,
        last_position=last.turn.position,
        first_piece=first.piece,
        last_piece=last.piece,
        speakers=tuple(dict.fromkeys(unit.turn.speaker for unit in units)),
        start=first.turn.start,
        end=last.turn.end,
        text="\n".join(lines),
        spoken=" ".join(unit.text for unit in units),
    )
