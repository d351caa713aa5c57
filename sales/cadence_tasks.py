"""The step a rep means by "complete Cy's step", "skip it" or "log a call with Cy: voicemail".

A rep names a person, perhaps a cadence; the step meant is the one due for that person in
their active cadences (a paused target has nothing to work). Nothing due, steps due in several
cadences, or only steps the rep may not work: each gets a :class:`CadenceError` that says so,
rather than a guess that ticks off the wrong step.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from sales.cadence_access import Access
from sales.cadence_changes import live_enrollments
from sales.cadence_flow import due_tasks
from sales.cadence_models import StepTask
from sales.cadence_results import CadenceError, join_names
from sales.cadence_targets import TargetResolver, find_cadence
from sales.models import User


def due_task(
    session: Session,
    *,
    actor: User,
    target: str,
    cadence_name: str | None = None,
    call: bool = False,
) -> StepTask:
    """The one step due for ``target`` (in ``cadence_name`` when given) that ``actor`` may
    work; with ``call`` only a call step (for logging a call's result)."""
    found = TargetResolver(session).one(target)
    cadence = find_cadence(session, cadence_name) if cadence_name else None
    tasks = [
        task
        for enrollment in live_enrollments(session, found, cadence)
        if enrollment.state == "active"
        for task in due_tasks(enrollment)
        if not call or task.step.type == "call"
    ]
    access = Access.of(session, actor)
    workable = [task for task in tasks if access.may_work(task.enrollment)]
    kind = "call step" if call else "step"
    where = f" in {cadence.name}" if cadence else ""
    if not tasks:
        code = "no_call_due" if call else "not_due"
        raise CadenceError(code, f"No {kind} is due for {found.label}{where}.")
    if not workable:
        raise CadenceError("not_allowed", f"{found.label}'s {kind}{where} is not yours to work.")
    if len(workable) > 1:
        names = [task.enrollment.cadence.name for task in workable]
        raise CadenceError(
            "ambiguous_cadence",
            f"{found.label} has {kind}s due in {join_names(names, 5)}: which cadence? "
            f'Say, for example, "{found.label} in {names[0]}".',
            names,
        )
    return workable[0]
