"""Working the steps: completing, skipping, logging calls, branches, and how a cadence ends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sales.cadence_models import Enrollment, StepTask
from sales.cadences import (
    CadenceError,
    complete_task,
    enroll,
    log_call_result,
    pause,
    skip_task,
)
from tests.sales.cadence_org import NOW, Org, Step, due, enrollments, org_on, sqlite_engine

DAY = 24 * 60


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    with sqlite_engine(tmp_path) as engine, org_on(engine) as org:
        yield org


def _enrolled(
    org: Org, steps: list[Step] | None = None, *, now: datetime = NOW, skip_weekends: bool = True
) -> Enrollment:
    org.cadence(steps=steps, skip_weekends=skip_weekends)
    org.lead("cy@x.example", org.sam, name="Cy Young", score=90)
    enroll(
        org.session, actor=org.sam, cadence_name="Q4 Outbound", targets=["cy@x.example"], now=now
    )
    (enrollment,) = enrollments(org.session)
    return enrollment


def _current(org: Org, enrollment: Enrollment) -> StepTask:
    (task,) = due(org.session, enrollment)
    return task


def test_completing_a_step_schedules_the_next_after_its_delay(org: Org) -> None:
    enrollment = _enrolled(org)
    done_at = NOW + timedelta(hours=1)

    outcome = complete_task(
        org.session, _current(org, enrollment), actor=org.sam, result="left voicemail", now=done_at
    )

    task = _current(org, enrollment)
    assert task.step.name == "Day 3: Email"
    assert task.due_at == done_at + timedelta(days=2)  # Wednesday 11:00
    assert outcome.summary == (
        "Completed Day 1: Call for Cy Young in Q4 Outbound; "
        "next: Day 3: Email, due Wed 4 Mar 11:00."
    )
    assert outcome.state == "active"
    finished = next(t for t in enrollment.tasks if t.state == "completed")
    assert (finished.result, finished.completed_by_id) == ("left_voicemail", org.sam.id)


def test_a_branch_on_a_call_result_jumps_to_the_named_step(org: Org) -> None:
    steps = [
        ("call", "Day 1: Call", 0, {"left_voicemail": "Day 5: Call"}),
        ("email", "Day 3: Email", 2 * DAY, {}, True),
        ("call", "Day 5: Call", 2 * DAY, {}),
    ]
    enrollment = _enrolled(org, steps)

    complete_task(
        org.session, _current(org, enrollment), actor=org.sam, result="left_voicemail", now=NOW
    )

    task = _current(org, enrollment)
    assert task.step.name == "Day 5: Call"
    assert task.due_at == NOW + timedelta(days=2)
    assert enrollment.current_step is not None and enrollment.current_step.name == "Day 5: Call"


def test_other_results_follow_the_steps_in_order(org: Org) -> None:
    steps = [
        ("call", "Day 1: Call", 0, {"left_voicemail": "Day 5: Call"}),
        ("email", "Day 3: Email", 2 * DAY, {}, True),
        ("call", "Day 5: Call", 2 * DAY, {}),
    ]
    enrollment = _enrolled(org, steps)

    complete_task(
        org.session, _current(org, enrollment), actor=org.sam, result="call_back_later", now=NOW
    )

    assert _current(org, enrollment).step.name == "Day 3: Email"


def test_an_exit_branch_ends_the_enrollment_with_the_results_disposition(org: Org) -> None:
    steps = [("call", "Day 1: Call", 0, {"not_interested": "exit"}), ("call", "Again", DAY, {})]
    enrollment = _enrolled(org, steps)

    outcome = complete_task(
        org.session, _current(org, enrollment), actor=org.sam, result="Not Interested", now=NOW
    )

    assert (enrollment.state, enrollment.disposition) == ("exited", "Not Interested")
    assert enrollment.ended_at == NOW
    assert due(org.session, enrollment) == []
    assert outcome.summary == (
        "Completed Day 1: Call for Cy Young in Q4 Outbound; Cy Young left the cadence "
        "(disposition: Not Interested)."
    )


@pytest.mark.parametrize(
    ("result", "disposition"),
    [
        ("meaningful_connect", "Customer Connected"),
        ("left_voicemail", "Contact Later"),
        ("call_back_later", "Contact Later"),
        ("not_interested", "Not Interested"),
        ("disqualified", "Disqualified"),
        (None, None),
    ],
)
def test_a_last_call_step_sets_the_disposition_from_its_result(
    org: Org, result: str | None, disposition: str | None
) -> None:
    enrollment = _enrolled(org, [("call", "Only call", 0, {})])

    outcome = complete_task(
        org.session, _current(org, enrollment), actor=org.sam, result=result, now=NOW
    )

    assert (enrollment.state, enrollment.end_reason) == ("completed", "completed")
    assert enrollment.disposition == disposition
    assert outcome.disposition == disposition
    assert "that was the last step" in outcome.summary


def test_a_last_email_sent_by_the_system_completes_with_no_disposition(org: Org) -> None:
    enrollment = _enrolled(org, [("email", "Only email", 0, {}, True)])

    complete_task(org.session, _current(org, enrollment), actor=None, result=None, now=NOW)

    assert (enrollment.state, enrollment.disposition) == ("completed", None)


def test_skipping_a_step_moves_on_and_is_recorded_as_skipped(org: Org) -> None:
    enrollment = _enrolled(org)
    first = _current(org, enrollment)

    outcome = skip_task(org.session, first, actor=org.sam, now=NOW)

    assert first.state == "skipped"
    assert _current(org, enrollment).step.name == "Day 3: Email"
    assert outcome.summary.startswith("Skipped Day 1: Call for Cy Young in Q4 Outbound; next:")


@pytest.mark.parametrize(
    ("skip_weekends", "expected"),
    [
        (True, datetime(2026, 3, 9, 9, 0, tzinfo=UTC)),  # Monday, when the working day starts
        (False, datetime(2026, 3, 7, 10, 0, tzinfo=UTC)),  # Saturday
    ],
)
def test_a_wait_ending_on_a_weekend_comes_due_on_monday_when_weekends_are_skipped(
    org: Org, skip_weekends: bool, expected: datetime
) -> None:
    thursday = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
    steps: list[Step] = [("call", "Call", 0, {}), ("call", "Call again", 2 * DAY, {})]
    enrollment = _enrolled(org, steps, now=thursday, skip_weekends=skip_weekends)

    complete_task(org.session, _current(org, enrollment), actor=org.sam, result=None, now=thursday)

    assert _current(org, enrollment).due_at == expected


def test_someone_elses_step_cannot_be_completed(org: Org) -> None:
    enrollment = _enrolled(org)
    task = _current(org, enrollment)

    with pytest.raises(CadenceError) as refused:
        complete_task(org.session, task, actor=org.lee, result=None, now=NOW)
    assert refused.value.code == "not_allowed"

    complete_task(org.session, task, actor=org.maria, result=None, now=NOW)  # Sam's manager
    assert task.state == "completed"
    with pytest.raises(CadenceError, match="already completed"):
        complete_task(org.session, task, actor=org.sam, result=None, now=NOW)


def test_a_paused_targets_step_waits_for_resume(org: Org) -> None:
    enrollment = _enrolled(org)
    pause(org.session, actor=org.sam, target="Cy Young", now=NOW)

    with pytest.raises(CadenceError, match="Resume it first") as refused:
        complete_task(org.session, _current(org, enrollment), actor=org.sam, result=None, now=NOW)
    assert refused.value.code == "not_active"


# --- logging calls ----------------------------------------------------------------------------


def test_logging_a_call_completes_the_targets_due_call_step(org: Org) -> None:
    enrollment = _enrolled(org)

    outcome = log_call_result(
        org.session,
        actor=org.sam,
        target="Cy",
        result="Left Voicemail",
        notes="no answer, left a message",
        now=NOW,
    )

    assert outcome.result == "left_voicemail"
    assert outcome.next_step == "Day 3: Email"
    finished = next(t for t in enrollment.tasks if t.state == "completed")
    assert finished.notes == "no answer, left a message"


def test_a_call_due_in_two_cadences_asks_which_one(org: Org) -> None:
    _enrolled(org)
    org.cadence("Renewal", [("call", "Renewal call", 0, {})])
    enroll(org.session, actor=org.sam, cadence_name="Renewal", targets=["cy@x.example"], now=NOW)

    with pytest.raises(CadenceError) as asked:
        log_call_result(
            org.session, actor=org.sam, target="cy@x.example", result="meaningful connect", now=NOW
        )
    assert asked.value.code == "ambiguous_cadence"
    assert asked.value.suggestions == ["Q4 Outbound", "Renewal"]

    outcome = log_call_result(
        org.session,
        actor=org.sam,
        target="cy@x.example",
        result="meaningful connect",
        cadence_name="Renewal",
        now=NOW,
    )
    assert (outcome.cadence, outcome.state, outcome.disposition) == (
        "Renewal",
        "completed",
        "Customer Connected",
    )


def test_a_call_result_must_be_one_the_cadence_knows(org: Org) -> None:
    _enrolled(org)

    with pytest.raises(CadenceError) as refused:
        log_call_result(org.session, actor=org.sam, target="Cy Young", result="went great", now=NOW)

    assert refused.value.code == "bad_result"
    assert "meaningful connect, left voicemail" in refused.value.message


def test_no_call_due_is_said_plainly(org: Org) -> None:
    enrollment = _enrolled(org)
    skip_task(org.session, _current(org, enrollment), actor=org.sam, now=NOW)  # now an email

    with pytest.raises(CadenceError, match="No call step is due for Cy Young") as refused:
        log_call_result(
            org.session, actor=org.sam, target="Cy Young", result="left voicemail", now=NOW
        )
    assert refused.value.code == "no_call_due"
