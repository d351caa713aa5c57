"""Importing cadences: name, owner, status, skip_weekends and their steps (sales/import_steps.py).

A record gives a cadence's steps as ``steps`` (a YAML list, or in CSV a cell holding a JSON or
YAML list), or is itself one step: in CSV, one row per step with the columns ``step`` (the
step's name), ``type``, ``after_days``, ``after_hours``, ``template``, ``subject``,
``automated`` and ``on``, the cadence's columns repeated or left blank. Records with the same
name add up, in file order.

Re-importing a cadence (by name) updates it; given steps replace its steps, matched by name so
that people on a step stay on it. A step that people are on cannot be removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sales.cadence_models import CADENCE_STATUSES, Cadence, CadenceStep, Enrollment, StepTask
from sales.import_run import ImportRun, optional_user
from sales.import_steps import StepSpec, check_steps, parse_step, step_records
from sales.importing import Fields, SourceRecord

_CADENCE_FIELDS = ("name", "owner", "status", "skip_weekends", "steps")
# A record that is one step itself names the step `step`: `name` is the cadence's.
_INLINE_STEP_FIELDS = (
    "step", "type", "after_days", "after_hours", "template", "subject", "automated", "on",
)  # fmt: skip
_SETTINGS = ("owner", "status", "skip_weekends")
_OPEN_STATES = ("active", "paused")


@dataclass
class _CadenceRows:
    """One cadence as the file gives it, maybe over several records."""

    name: str
    first: SourceRecord
    settings: dict[str, tuple[Any, SourceRecord]] = field(default_factory=dict)
    steps: list[StepSpec] | None = None  # None: the file leaves the steps as they are
    steps_from: SourceRecord | None = None  # the record whose `steps` gave them all


def import_cadences(run: ImportRun, records: list[SourceRecord]) -> int:
    cadences: dict[str, _CadenceRows] = {}
    for record in records:
        _read_record(run, record, cadences)
    for rows in cadences.values():
        if rows.steps is not None:
            check_steps(rows.first, rows.steps)
        _store(run.session, rows)
    return len(cadences)


def _read_record(run: ImportRun, record: SourceRecord, cadences: dict[str, _CadenceRows]) -> None:
    fields = Fields(record, _CADENCE_FIELDS + _INLINE_STEP_FIELDS)
    name = fields.required_text("name")
    rows = cadences.setdefault(name.casefold(), _CadenceRows(name, record))
    owner = optional_user(run, fields.email("owner"), record, "owner")
    _merge_setting(rows, record, "owner", owner)
    _merge_setting(rows, record, "status", fields.choice("status", CADENCE_STATUSES))
    _merge_setting(rows, record, "skip_weekends", fields.boolean("skip_weekends"))
    inline = {
        key: value
        for key, value in record.values.items()
        if key in _INLINE_STEP_FIELDS and not _blank(value)
    }
    listed = record.values.get("steps")
    if not _blank(listed) and inline:
        raise record.error("steps", f"give steps as a list or as {', '.join(inline)}, not both")
    if rows.steps_from is not None and (inline or not _blank(listed)):
        given = rows.steps_from.where
        raise record.error("steps", f"the steps of {name!r} were all given on {given}")
    if not _blank(listed):
        if rows.steps:
            raise record.error("steps", f"{name!r} already has steps from earlier records")
        rows.steps_from = record
        rows.steps = [
            parse_step(step, position)
            for position, step in enumerate(step_records(listed, record, "steps"), 1)
        ]
    elif inline:
        rows.steps = rows.steps or []
        step = SourceRecord(record.where, inline)
        rows.steps.append(parse_step(step, len(rows.steps) + 1, name_field="step"))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _merge_setting(rows: _CadenceRows, record: SourceRecord, name: str, value: Any) -> None:
    """A cadence's setting may be repeated on each of its rows, but must say the same."""
    if value is None:
        return
    if name in rows.settings:
        earlier, where = rows.settings[name]
        if earlier != value:
            shown = earlier.email if name == "owner" else earlier
            raise record.error(name, f"{rows.name!r} has {name} {shown} on {where.where}")
        return
    rows.settings[name] = (value, record)


def _store(session: Session, rows: _CadenceRows) -> None:
    cadence = session.scalars(
        select(Cadence).where(func.lower(Cadence.name) == rows.name.lower())
    ).first()
    if cadence is None:
        cadence = Cadence(name=rows.name, status="draft", skip_weekends=True)
        session.add(cadence)
    for name in _SETTINGS:
        if name in rows.settings:
            setattr(cadence, name, rows.settings[name][0])
    if rows.steps is not None:
        _replace_steps(session, cadence, rows.steps, rows.steps_from or rows.first)
    if cadence.status == "active" and not cadence.steps:
        where = rows.settings["status"][1] if "status" in rows.settings else rows.first
        raise where.error("status", "an active cadence needs at least one step")
    session.flush()


def _replace_steps(
    session: Session, cadence: Cadence, specs: list[StepSpec], record: SourceRecord
) -> None:
    by_name = {step.name.casefold(): step for step in cadence.steps}
    wanted = {spec.name.casefold() for spec in specs}
    removed = [step for key, step in by_name.items() if key not in wanted]
    _refuse_removing_occupied(session, cadence, removed, record)
    for step in removed:
        cadence.steps.remove(step)  # delete-orphan deletes it
    kept = list(cadence.steps)
    for offset, step in enumerate(kept, 1):
        step.position = -offset  # clear of the final positions: (cadence, position) is unique
    session.flush()
    steps = []
    for position, spec in enumerate(specs, 1):
        step = by_name.get(spec.name.casefold()) or CadenceStep()
        step.position = position
        step.name = spec.name
        step.type = spec.type
        step.delay_minutes = spec.delay_minutes
        step.automated = spec.automated
        step.subject = spec.subject
        step.template = spec.template
        step.branches = dict(spec.branches)
        steps.append(step)
    cadence.steps = steps


def _refuse_removing_occupied(
    session: Session, cadence: Cadence, removed: list[CadenceStep], record: SourceRecord
) -> None:
    """People on a step (current, or with the step's task due) would lose their place."""
    if not removed or cadence.id is None:
        return
    ids = [step.id for step in removed]
    on_step = select(Enrollment.id, Enrollment.current_step_id).where(
        Enrollment.current_step_id.in_(ids), Enrollment.state.in_(_OPEN_STATES)
    )
    with_task_due = (
        select(Enrollment.id, StepTask.step_id)
        .join(StepTask, StepTask.enrollment_id == Enrollment.id)
        .where(StepTask.step_id.in_(ids), StepTask.state == "due")
        .where(Enrollment.state.in_(_OPEN_STATES))
    )
    people: dict[int | None, set[int]] = {}
    for query in (on_step, with_task_due):
        for enrollment_id, step_id in session.execute(query).tuples():
            people.setdefault(step_id, set()).add(enrollment_id)
    for step in removed:
        if step.id in people:
            count = len(people[step.id])
            who = "1 person is" if count == 1 else f"{count} people are"
            raise record.error(
                "steps",
                f"step {step.name!r} of {cadence.name!r} would be removed, but {who} on it; "
                "keep the step, or remove them from the cadence first",
            )
