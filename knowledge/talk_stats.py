"""Talk statistics of a call: talk/listen ratio, longest monologue, longest customer story.

- Talk time is the sum of a speaker's turn lengths (end - start). Overlapping speech counts for
  both speakers, as a listener hears it.
- Talk/listen ratio: the internal side's share of all talk time against the external side's
  ("63/37" = our side spoke 63% of the time), as the incumbent's player shows it.
- Longest monologue: the longest stretch of one internal speaker talking. A stretch runs from the
  speaker's first turn to their last; it survives brief interjections by others ("mm-hm",
  "right") of at most ``INTERJECTION_SECONDS`` each, because a listener's "yeah" does not end a
  pitch. Its length is the wall-clock time from the stretch's start to its end.
- Longest customer story: the same rule for the external side as a whole (any customer speaker,
  so two customer colleagues completing each other's story count as one), interrupted by rep
  interjections of at most ``INTERJECTION_SECONDS``; anything longer from the rep ends it.
- Question count: sentences that ask something (see ``knowledge.insights.is_question``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from knowledge.turns import CallTurns, Turn

INTERJECTION_SECONDS = 5.0


@dataclass(frozen=True)
class Stretch:
    speaker: str
    first: Turn
    last: Turn

    @property
    def seconds(self) -> float:
        return max(0.0, self.last.end - self.first.start)

    def as_json(self, duration: float) -> dict[str, Any]:
        return {
            "speaker": self.speaker,
            "seconds": round(self.seconds, 1),
            "start": round(self.first.start, 1),
            "end": round(self.last.end, 1),
            "first_position": self.first.position,
            "last_position": self.last.position,
            "share_of_call": round(self.seconds / duration, 3) if duration > 0 else None,
        }


def talk_stats(call: CallTurns, question_count: int) -> dict[str, Any]:
    turns = call.turns
    by_speaker: dict[str, float] = {}
    for turn in turns:
        by_speaker[turn.speaker] = by_speaker.get(turn.speaker, 0.0) + turn.seconds
    internal = sum(turn.seconds for turn in turns if turn.internal)
    external = sum(turn.seconds for turn in turns if not turn.internal)
    total = internal + external
    monologue = longest_stretch(turns, lambda turn: turn.internal, same_speaker=True)
    story = longest_stretch(turns, lambda turn: not turn.internal, same_speaker=False)
    return {
        "duration_seconds": round(call.duration, 1),
        "sides_known": call.sides_known,
        "talk_seconds": {speaker: round(secs, 1) for speaker, secs in by_speaker.items()},
        "internal_seconds": round(internal, 1),
        "external_seconds": round(external, 1),
        "talk_ratio": _ratio(internal, total) if call.sides_known else None,
        "longest_monologue": monologue.as_json(call.duration) if monologue else None,
        "longest_customer_story": story.as_json(call.duration) if story else None,
        "question_count": question_count,
        "interjection_seconds": INTERJECTION_SECONDS,
    }


def _ratio(internal: float, total: float) -> dict[str, Any] | None:
    if total <= 0:
        return None
    talk = round(100 * internal / total)
    return {"talk": talk, "listen": 100 - talk, "text": f"{talk}/{100 - talk}"}


def longest_stretch(
    turns: list[Turn], belongs: Callable[[Turn], bool], *, same_speaker: bool
) -> Stretch | None:
    """The longest run of turns that ``belong`` (see the module docstring for the rule).

    With ``same_speaker`` a run is one speaker's: a colleague taking the floor for longer than
    an interjection ends it, as any long turn by the other side does.
    """
    best: tuple[Turn, Turn] | None = None
    first: Turn | None = None
    for turn in turns:
        if belongs(turn) and (first is None or not same_speaker or turn.speaker == first.speaker):
            first = first or turn
            if best is None or turn.end - first.start > _length(best):
                best = (first, turn)
        elif first is not None and turn.seconds <= INTERJECTION_SECONDS:
            continue  # a brief interjection: the stretch goes on
        else:
            first = turn if belongs(turn) else None
            if first is not None and (best is None or first.seconds > _length(best)):
                best = (first, first)
    if best is None:
        return None
    speaker = best[0].speaker if same_speaker else _main_speaker(turns, *best)
    return Stretch(speaker, *best)


def _length(stretch: tuple[Turn, Turn]) -> float:
    return stretch[1].end - stretch[0].start


def _main_speaker(turns: list[Turn], first: Turn, last: Turn) -> str:
    """Who talked most within a customer story (the name shown for it)."""
    talk: dict[str, float] = {}
    for turn in turns:
        if first.position <= turn.position <= last.position and not turn.internal:
            talk[turn.speaker] = talk.get(turn.speaker, 0.0) + turn.seconds
    return max(talk, key=lambda speaker: talk[speaker]) if talk else first.speaker
