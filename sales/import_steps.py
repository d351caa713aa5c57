"""A cadence's steps as an admin writes them, checked against the incumbent's rules.

A step: ``type`` (call, email, task, linkedin, sms), ``name`` (default "Step 2 (Email)"),
``after_days`` or ``after_hours`` (the wait after the previous step; neither means 0),
``template``, ``subject`` (email only), ``automated`` (email only; default true when the email
has a template) and ``on``: branches from an event to ``next``, ``exit`` or a later step's name.
Call steps branch on call results, email steps on reply, open, click or bounce. An email's
subject and template may use only the merge fields of sales/merge_fields.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from sales.cadence_models import CALL_RESULTS, STEP_TYPES
from sales.importing import Fields, SourceRecord
from sales.merge_fields import TemplateFieldError, check_template

MAX_STEPS = 100  # the incumbent's limit per cadence
MAX_DELAY_DAYS = 365
BRANCH_EVENTS: dict[str, tuple[str, ...]] = {
    "call": CALL_RESULTS,
    "email": ("reply", "open", "click", "bounce"),
}
NEXT, EXIT = "next", "exit"
_LABELS = {"call": "Call", "email": "Email", "task": "Task", "linkedin": "LinkedIn", "sms": "SMS"}

STEP_FIELDS = (
    "type", "name", "after_days", "after_hours", "template", "subject", "automated", "on",
)  # fmt: skip


@dataclass
class StepSpec:
    record: SourceRecord  # where the step was written, for errors found later
    name_field: str  # what the file calls the step's name ("name", or "step" in a CSV row)
    type: str
    name: str
    delay_minutes: int
    automated: bool
    subject: str | None
    template: str | None
    branches: dict[str, str]


def step_records(value: Any, record: SourceRecord, field: str) -> list[SourceRecord]:
    """The steps of a cadence record: a YAML list, or a CSV cell holding JSON or YAML."""
    if isinstance(value, str):
        try:
            value = yaml.safe_load(value)
        except yaml.YAMLError as error:
            reason = " ".join(str(error).split())
            raise record.error(field, f"not a valid JSON or YAML list: {reason}") from error
    if not isinstance(value, list):
        raise record.error(field, f"expected a list of steps, got {value!r}")
    steps = []
    for number, item in enumerate(value, 1):
        if not isinstance(item, dict):
            raise record.error(field, f"step {number}: expected a step (type: ...), got {item!r}")
        # YAML 1.1 reads an unquoted `on:` key as the boolean true.
        values = {"on" if key is True else str(key).strip().lower(): v for key, v in item.items()}
        steps.append(SourceRecord(f"{record.where}, step {number}", values))
    return steps


def parse_step(record: SourceRecord, position: int, *, name_field: str = "name") -> StepSpec:
    known = tuple(name_field if key == "name" else key for key in STEP_FIELDS)
    fields = Fields(record, known)
    step_type = fields.choice("type", STEP_TYPES)
    if step_type is None:
        raise record.error("type", f"required; one of {', '.join(STEP_TYPES)}")
    template = fields.text("template", max_length=20_000)
    subject = fields.text("subject", max_length=300)
    automated = fields.boolean("automated")
    if automated is None:
        automated = step_type == "email" and template is not None
    _check_email_fields(record, step_type, subject, automated, template)
    name = fields.text(name_field) or f"Step {position} ({_LABELS[step_type]})"
    return StepSpec(
        record=record,
        name_field=name_field,
        type=step_type,
        name=name,
        delay_minutes=_delay_minutes(fields),
        automated=automated,
        subject=subject,
        template=template,
        branches=_branches(record, step_type),
    )


def _check_email_fields(
    record: SourceRecord, step_type: str, subject: str | None, automated: bool, template: str | None
) -> None:
    if step_type != "email":
        if subject is not None:
            raise record.error("subject", "only email steps have a subject")
        if automated:
            raise record.error("automated", "only email steps are sent automatically")
        return
    if automated and template is None:
        raise record.error("template", "required for an automated email")
    if automated and subject is None:
        raise record.error("subject", "required for an automated email")
    for field, text in (("subject", subject), ("template", template)):
        if text is not None:
            _check_merge_fields(record, field, text)


def _check_merge_fields(record: SourceRecord, field: str, text: str) -> None:
    """An email a prospect reads must not break on a misspelt merge field when it is sent."""
    try:
        check_template(text, field)
    except TemplateFieldError as error:
        raise record.error(field, str(error).removeprefix(f"{field}: ")) from error


def _delay_minutes(fields: Fields) -> int:
    days = fields.integer("after_days", maximum=MAX_DELAY_DAYS)
    hours = fields.integer("after_hours", maximum=MAX_DELAY_DAYS * 24)
    if days is not None and hours is not None:
        raise fields.record.error("after_hours", "give after_days or after_hours, not both")
    return (days or 0) * 24 * 60 + (hours or 0) * 60


def _branches(record: SourceRecord, step_type: str) -> dict[str, str]:
    value = record.values.get("on")
    if isinstance(value, str):
        try:
            value = yaml.safe_load(value) if value.strip() else None
        except yaml.YAMLError as error:
            raise record.error("on", "not a valid JSON or YAML mapping") from error
    if value is None or value == {}:
        return {}
    if not isinstance(value, dict):
        raise record.error("on", f"expected event: next|exit|step name, got {value!r}")
    events = BRANCH_EVENTS.get(step_type)
    if events is None:
        raise record.error("on", "only call and email steps branch")
    branches = {}
    for raw_event, raw_target in value.items():
        event = str(raw_event).strip().lower().replace(" ", "_").replace("-", "_")
        if event not in events:
            raise record.error(
                "on", f"unknown {step_type} event {raw_event!r}; expected {', '.join(events)}"
            )
        if not isinstance(raw_target, str) or not raw_target.strip():
            raise record.error("on", f"{event}: expected next, exit or a step name")
        branches[event] = raw_target.strip()
    return branches


def check_steps(record: SourceRecord, steps: list[StepSpec]) -> None:
    """Rules that need every step: limits, unique names, branch targets."""
    if len(steps) > MAX_STEPS:
        raise record.error("steps", f"{len(steps)} steps; a cadence has at most {MAX_STEPS}")
    position_of: dict[str, int] = {}
    for position, step in enumerate(steps):
        key = step.name.casefold()
        if key in position_of:
            raise step.record.error(step.name_field, f"two steps are named {step.name!r}")
        position_of[key] = position
    for position, step in enumerate(steps):
        for event, target in list(step.branches.items()):
            step.branches[event] = _branch_target(step, event, target, position, steps, position_of)


def _branch_target(
    step: StepSpec,
    event: str,
    target: str,
    position: int,
    steps: list[StepSpec],
    position_of: dict[str, int],
) -> str:
    """The stored target of a branch: next, exit, or the exact name of a later step."""
    if target.lower() == EXIT:
        return EXIT
    if target.lower() == NEXT:
        if position == len(steps) - 1:
            raise step.record.error(
                "on", f"{event}: 'next' from the last step leads nowhere; use exit"
            )
        return NEXT
    found = position_of.get(target.casefold())
    if found is None:
        raise step.record.error("on", f"{event}: no step named {target!r} in this cadence")
    if found <= position:
        # Forward only: a target never loops back to a step it has already been through.
        raise step.record.error(
            "on", f"{event}: {steps[found].name!r} is not after this step; branches go forward"
        )
    return steps[found].name
