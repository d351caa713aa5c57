"""What cadence operations answer: small records of the facts plus text a chat can say as is.

Every result carries a ``summary`` (one sentence) and, where a list helps, ``lines``. A request
that cannot be carried out at all (unknown cadence, over the 200-target limit, not allowed)
raises :class:`CadenceError` instead, and nothing has changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Self

from sales.schedule import zone

# More targets than this in one request and the chat asks before acting (issue 5).
CONFIRM_ABOVE = 10
# How many names a grouped clause spells out before "and N more".
NAMES_SHOWN = 3


class CadenceError(Exception):
    """The whole request was refused; ``message`` says why in words a rep understands.

    ``code`` names the reason for code (unknown_cadence, inactive_cadence, too_many,
    not_allowed, unknown_target, ambiguous_target, unknown_list, ambiguous_list, unknown_user,
    ambiguous_user, not_enrolled, no_call_due, ambiguous_cadence, bad_result, bad_disposition,
    bad_event, not_due, not_active, bad_schedule, no_targets, no_steps); ``suggestions`` holds
    close names the user may have meant (cadences, lists, people).
    """

    def __init__(self, code: str, message: str, suggestions: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.suggestions = list(suggestions)


class Refusal(NamedTuple):
    """One target an operation left alone: who (as the user named them), why, in words.

    ``detail`` tells apart refusals of one reason that a summary must not lump together
    (the 5-cadence limit and an assignee's daily email limit are both ``limit``); refusals
    with the same reason and detail share one clause of the summary.
    """

    target: str
    reason: str  # already_enrolled, email_opt_out, do_not_call, not_yours, not_eligible, ...
    message: str
    detail: str = ""


@dataclass(kw_only=True)
class TargetsOutcome:
    """What a request about many targets answers: who was refused and why, and the summary.

    Stored as a dict under the request's key (``to_dict``), so a retried request is answered
    from it (``from_dict``) instead of being carried out twice.
    """

    refused: list[Refusal]
    summary: str
    enrollment_ids: list[int] = field(default_factory=list)
    preview: bool = False
    replayed: bool = False  # answered from a stored request of the same key; nothing changed

    @property
    def lines(self) -> list[str]:
        return [refusal.message for refusal in self.refused]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        refused = [Refusal(*item) for item in data["refused"]]
        return cls(**{**data, "refused": refused, "replayed": True})


@dataclass(kw_only=True)
class EnrollmentOutcome(TargetsOutcome):
    """What ``enroll`` did (or, with ``preview``, would do)."""

    cadence: str
    requested: int
    enrolled: list[str]

    @property
    def needs_confirmation(self) -> bool:
        return self.requested > CONFIRM_ABOVE


@dataclass(kw_only=True)
class ChangeOutcome(TargetsOutcome):
    """What remove, pause, resume or reassign did (or, with ``preview``, would do)."""

    action: str  # removed, paused, resumed, reassigned
    changed: list[str]  # "Cy Young from Q4 Outbound"

    @property
    def needs_confirmation(self) -> bool:
        return len(self.changed) + len(self.refused) > CONFIRM_ABOVE


@dataclass
class StepOutcome:
    """A step completed or skipped, and where that left the enrollment."""

    enrollment_id: int
    target: str
    cadence: str
    step: str
    result: str | None
    state: str  # the enrollment's state afterwards: active, completed, exited
    next_step: str | None
    next_due: datetime | None
    disposition: str | None
    summary: str
    next_task_id: int | None = None


@dataclass
class EngagementOutcome:
    """An email event recorded, and what it did to the target's cadences."""

    email: str
    kind: str
    effects: list[str]  # "exited Q4 Outbound (Customer Connected)"
    summary: str


@dataclass
class MemberRow:
    enrollment_id: int
    name: str
    email: str
    state: str
    step: str | None  # the current step's name
    position: int | None
    assignee: str
    due_at: datetime | None
    disposition: str | None
    resume_at: datetime | None = None  # a pause that ends by itself


@dataclass
class Members:
    cadence: str
    counts: dict[str, int]  # state -> how many (of those the asker may see)
    rows: list[MemberRow]
    summary: str
    lines: list[str]


@dataclass
class DueItem:
    task_id: int
    enrollment_id: int
    name: str
    email: str
    score: int | None
    due_at: datetime
    overdue: bool


@dataclass
class DueGroup:
    cadence: str
    step: str
    step_type: str
    position: int
    items: list[DueItem]


@dataclass
class DueToday:
    groups: list[DueGroup]
    total: int  # every due item, also those past the display limit
    shown: int
    summary: str
    lines: list[str]


@dataclass
class StepStats:
    position: int
    name: str
    type: str
    due: int
    completed: int
    skipped: int


@dataclass
class CadenceStats:
    cadence: str
    status: str
    active: int
    paused: int
    completed: int
    exited: int
    replies: int
    meetings: int
    steps: list[StepStats]
    summary: str
    lines: list[str]


@dataclass
class EnrollmentView:
    enrollment_id: int
    cadence: str
    state: str
    step: str | None
    position: int | None
    steps: int
    assignee: str
    due_at: datetime | None
    disposition: str | None


@dataclass
class TargetEnrollments:
    target: str
    enrollments: list[EnrollmentView]
    summary: str
    lines: list[str]


# --- text -------------------------------------------------------------------------------------


def join_names(names: Sequence[str], limit: int = NAMES_SHOWN) -> str:
    """Names as a phrase: "a", "a and b", "a, b and c", "a, b, c and 4 more"."""
    if len(names) > limit:
        return f"{', '.join(names[:limit])} and {len(names) - limit} more"
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def local_day_or_time(
    moment: datetime, timezone: str, now: datetime, preposition: str = ""
) -> str:
    """A moment at local midnight as its day ("tomorrow", "Sat 5 Dec", with ``preposition``
    "on": "on Sat 5 Dec"), else ``local_time``."""
    local = moment.astimezone(zone(timezone))
    if (local.hour, local.minute) != (0, 0):
        return local_time(moment, timezone, now)
    day = local_time(moment, timezone, now).removesuffix(" 00:00")
    relative = day in ("today", "tomorrow", "yesterday")
    return day if relative or not preposition else f"{preposition} {day}"


def local_time(moment: datetime, timezone: str, now: datetime) -> str:
    """A due date as the user reads it on their own clock: "today 09:00", "Mon 13 Oct 09:00"."""
    tz = zone(timezone)
    local, today = moment.astimezone(tz), now.astimezone(tz).date()
    clock = local.strftime("%H:%M")
    if local.date() == today:
        return f"today {clock}"
    if local.date() == today + timedelta(days=1):
        return f"tomorrow {clock}"
    if local.date() == today - timedelta(days=1):
        return f"yesterday {clock}"
    return f"{local.strftime('%a')} {local.day} {local.strftime('%b')} {clock}"
