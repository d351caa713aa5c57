"""Citations: where in which call a quote was said, written the way a rep can check it.

    "We're also evaluating Gong." — Ana Ruiz (Globex), 02:03, 'Globex discovery call', Nov 18

Speaker (with their company when they are the customer's), the position in the call (mm:ss),
the call's title and its date in the reader's time zone (with the year when it is not this
year's). The quote is shortened at a word boundary when it is long.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from knowledge.models import Call, CallSegment
from knowledge.text import clock, shorten

QUOTE_LIMIT = 280


@dataclass(frozen=True)
class Citation:
    call_id: int
    call_title: str
    call_started_at: datetime
    speaker: str
    company: str | None
    start: float  # seconds into the call
    position: int  # the turn
    quote: str

    def source(self, timezone: str, now: datetime | None = None) -> str:
        """ "Ana Ruiz (Globex), 02:03, 'Globex discovery call', Nov 18" """
        who = f"{self.speaker} ({self.company})" if self.company else self.speaker
        when = call_date(self.call_started_at, timezone, now)
        return f"{who}, {clock(self.start)}, '{self.call_title}', {when}"

    def render(self, timezone: str, now: datetime | None = None) -> str:
        return f"\u201c{shorten(self.quote, QUOTE_LIMIT)}\u201d \u2014 {self.source(timezone, now)}"

    def as_json(self) -> dict[str, Any]:
        return {
            "call_id": self.call_id,
            "call_title": self.call_title,
            "call_started_at": self.call_started_at.isoformat(),
            "speaker": self.speaker,
            "company": self.company,
            "start": self.start,
            "position": self.position,
            "quote": self.quote,
        }


def cite_item(call: Call, item: dict[str, Any]) -> Citation:
    """A citation for an insight or summary item stored in ``CallAnalysis``."""
    return Citation(
        call_id=call.id,
        call_title=call.title,
        call_started_at=call.started_at,
        speaker=str(item["speaker"]),
        company=item.get("company"),
        start=float(item["start"]),
        position=int(item["position"]),
        quote=str(item["quote"]),
    )


def speaker_company(call: Call, segment: CallSegment) -> str | None:
    """The company of the customer who said ``segment`` (None for our side)."""
    participant = segment.participant
    if participant is None or participant.internal:
        return None  # our side, or a speaker the ingest could not place
    if participant.contact is not None and participant.contact.account is not None:
        return participant.contact.account.name
    if participant.lead is not None and participant.lead.company:
        return participant.lead.company
    return call.account.name if call.account is not None else None


def zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def call_date(started_at: datetime, timezone: str, now: datetime | None = None) -> str:
    """ "Nov 18" in the reader's zone; "Nov 18, 2023" when it is not the current year."""
    local = started_at.astimezone(zone(timezone))
    this_year = (now or datetime.now(local.tzinfo)).astimezone(local.tzinfo).year
    text = f"{local:%b} {local.day}"
    return text if local.year == this_year else f"{text}, {local.year}"


@dataclass
class Answer:
    """What a question about calls gets: text to show, its sources, and whether it was found.

    ``found`` is false for "I couldn't find that in your calls": the text then says so and
    names nothing outside the asker's scope.
    """

    text: str
    citations: list[Citation] = field(default_factory=list)
    found: bool = True
    call_ids: list[int] = field(default_factory=list)
    kind: str = "search"
