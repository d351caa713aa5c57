"""A call's turns as the analysis reads them: who spoke, on which side, when, and what.

Which side a speaker is on (internal: our rep or a colleague; external: the customer) comes from
the participant the ingest matched the speaker to. A speaker with no participant is judged by name:
the call owner's name (or first name) and labels such as "Rep" are internal; "Customer" and the
like are external; anyone else is external when some internal speaker is known (a call has our rep
on it), and unknown otherwise ("Speaker 1", "Speaker 2" of a mono recording): then ``sides_known``
is false and the talk ratio says so rather than guessing.
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.models import Call, CallSegment

INTERNAL_LABELS = frozenset({"rep", "agent", "sales", "salesperson", "me", "host", "ae", "sdr"})
EXTERNAL_LABELS = frozenset({"customer", "client", "prospect", "caller", "buyer", "guest"})


@dataclass(frozen=True)
class Turn:
    position: int
    speaker: str
    internal: bool
    start: float
    end: float
    text: str
    company: str | None = None  # the external speaker's company, for citations

    @property
    def seconds(self) -> float:
        return max(0.0, self.end - self.start)


@dataclass(frozen=True)
class CallTurns:
    turns: list[Turn]
    sides_known: bool
    duration: float


def turns_of(call: Call) -> CallTurns:
    segments = list(call.segments)
    verdict = _sides(call, segments)
    # Unknown speakers are the customer once our side is known; with no side known at all
    # ("Speaker 1", "Speaker 2") nobody counts as internal and the ratio is marked unknown.
    known = any(value is True for value in verdict.values()) or all(
        value is not None for value in verdict.values()
    )
    company = call.account.name if call.account is not None else None
    turns = []
    for segment in segments:
        internal = verdict[segment.speaker] is True
        turns.append(
            Turn(
                position=segment.position,
                speaker=segment.speaker,
                internal=internal,
                start=float(segment.start),
                end=float(segment.end),
                text=segment.text,
                company=None if internal else _company(segment) or company,
            )
        )
    end = max((turn.end for turn in turns), default=0.0)
    return CallTurns(turns, known, max(float(call.duration_seconds or 0.0), end))


def _sides(call: Call, segments: list[CallSegment]) -> dict[str, bool | None]:
    """Each speaker's side: True internal, False external, None unknown."""
    owner_names = _name_forms(call.owner.name if call.owner is not None else "")
    verdict: dict[str, bool | None] = {}
    for segment in segments:
        if verdict.get(segment.speaker) is not None:
            continue
        label = " ".join(segment.speaker.lower().split())
        if segment.participant is not None:
            verdict[segment.speaker] = bool(segment.participant.internal)
        elif label in owner_names or label in INTERNAL_LABELS:
            verdict[segment.speaker] = True
        elif label in EXTERNAL_LABELS:
            verdict[segment.speaker] = False
        else:
            verdict[segment.speaker] = None
    return verdict


def _name_forms(name: str) -> set[str]:
    name = " ".join(name.lower().split())
    return {name, name.split(" ")[0]} if name else set()


def _company(segment: CallSegment) -> str | None:
    participant = segment.participant
    if participant is None:
        return None
    if participant.contact is not None and participant.contact.account is not None:
        return participant.contact.account.name
    if participant.lead is not None:
        return participant.lead.company
    return None
