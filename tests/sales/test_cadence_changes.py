"""Removing, pausing, resuming and reassigning targets, and what it does to queued emails."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sales.cadence_jobs import run_due_work
from sales.cadence_models import CadenceOperation, Enrollment, OutboxEmail
from sales.cadences import (
    CadenceError,
    due_automated_emails,
    enroll,
    pause,
    preview_remove,
    reassign,
    remove,
    resume,
)
from tests.sales.cadence_org import (
    NOW,
    Org,
    Step,
    due,
    enrollments,
    org_on,
    queue_email,
    sqlite_engine,
)

DAY = 24 * 60
EMAIL_FIRST: list[Step] = [("email", "Intro email", 0, {}, True), ("call", "Call", 2 * DAY, {})]


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    with sqlite_engine(tmp_path) as engine, org_on(engine) as org:
        yield org


def _cy_in(org: Org, *names: str, steps: list[Step] | None = None) -> list[Enrollment]:
    org.lead("cy@x.example", org.sam, name="Cy Young")
    for name in names:
        org.cadence(name, steps)
        enroll(org.session, actor=org.sam, cadence_name=name, targets=["cy@x.example"], now=NOW)
    return enrollments(org.session)


# --- remove -----------------------------------------------------------------------------------


def test_removal_cancels_the_queued_email_so_it_is_never_sent(org: Org) -> None:
    (enrollment,) = _cy_in(org, "Q4 Outbound", steps=EMAIL_FIRST)
    (task,) = due(org.session, enrollment)
    queued = queue_email(org.session, task, org.sam)

    outcome = remove(
        org.session,
        actor=org.sam,
        targets=["Cy Young"],
        cadence_name="Q4 Outbound",
        disposition="not interested",
        now=NOW,
    )

    assert outcome.summary == "Removed Cy Young from Q4 Outbound (disposition: Not Interested)."
    assert (enrollment.state, enrollment.end_reason, enrollment.disposition) == (
        "exited",
        "removed",
        "Not Interested",
    )
    assert queued.status == "cancelled"
    assert task.state == "cancelled"
    assert due_automated_emails(org.session, NOW + timedelta(days=9)) == []


def test_remove_from_all_cadences(org: Org) -> None:
    _cy_in(org, "Q4 Outbound", "Renewal")

    outcome = remove(org.session, actor=org.sam, targets=["cy@x.example"], now=NOW)

    assert outcome.summary == "Removed cy@x.example from 2 cadences: Q4 Outbound and Renewal."
    assert {e.state for e in enrollments(org.session)} == {"exited"}


def test_only_the_assignee_owner_their_manager_or_an_admin_may_remove(org: Org) -> None:
    (enrollment,) = _cy_in(org, "Q4 Outbound")

    denied = remove(org.session, actor=org.lee, targets=["Cy Young"], now=NOW)
    assert denied.summary == "Removed nobody; Cy Young is not yours."
    assert enrollment.state == "active"
    manager = remove(org.session, actor=org.maria, targets=["Cy Young"], now=NOW)
    assert manager.changed == ["Cy Young from Q4 Outbound"]
    assert enrollment.state == "exited"


def test_a_removal_preview_changes_nothing_and_a_retry_removes_once(org: Org) -> None:
    (enrollment,) = _cy_in(org, "Q4 Outbound")
    org.lead("dee@x.example", org.sam)

    preview = preview_remove(
        org.session,
        actor=org.sam,
        targets=["Cy Young", "dee@x.example"],
        cadence_name="Q4 Outbound",
    )
    assert preview.summary == (
        "I will remove 1 of 2 from Q4 Outbound; dee@x.example is not in Q4 Outbound. Go ahead?"
    )
    assert enrollment.state == "active"

    for _ in range(2):
        outcome = remove(
            org.session,
            actor=org.sam,
            targets=["Cy Young", "dee@x.example"],
            cadence_name="Q4 Outbound",
            request_key="teams:1",
            now=NOW,
        )
    assert outcome.replayed
    assert (
        outcome.summary == "Removed 1 of 2 from Q4 Outbound; dee@x.example is not in Q4 Outbound."
    )
    assert org.session.scalar(select(func.count()).select_from(CadenceOperation)) == 1


def test_an_unknown_disposition_is_refused_with_the_choices(org: Org) -> None:
    _cy_in(org, "Q4 Outbound")

    with pytest.raises(CadenceError) as refused:
        remove(org.session, actor=org.sam, targets=["Cy Young"], disposition="meh", now=NOW)

    assert refused.value.code == "bad_disposition"
    assert "Customer Connected" in refused.value.message


# --- pause and resume -------------------------------------------------------------------------


def test_a_paused_target_leaves_the_outbox_and_an_overdue_step_is_due_again_on_resume(
    org: Org,
) -> None:
    (enrollment,) = _cy_in(org, "Q4 Outbound", steps=EMAIL_FIRST)
    (task,) = due(org.session, enrollment)
    queued = queue_email(org.session, task, org.sam)

    paused = pause(org.session, actor=org.sam, target="Cy Young", now=NOW)

    assert paused.summary == "Paused Cy Young in Q4 Outbound."
    assert enrollment.state == "paused"
    assert queued.status == "cancelled"
    assert due_automated_emails(org.session, NOW + timedelta(days=1)) == []

    wednesday = datetime(2026, 3, 4, 18, 30, tzinfo=NOW.tzinfo)  # after working hours
    resumed = resume(org.session, actor=org.sam, target="Cy Young", now=wednesday)

    (again,) = due(org.session, enrollment)
    assert again.step.name == "Intro email"
    assert again.due_at == datetime(2026, 3, 5, 9, 0, tzinfo=NOW.tzinfo)  # next working start
    assert resumed.summary == (
        "Resumed Cy Young in Q4 Outbound; Intro email in Q4 Outbound is due tomorrow 09:00."
    )
    assert due_automated_emails(org.session, again.due_at) == [again]


def test_a_step_still_in_the_future_keeps_its_date_on_resume(org: Org) -> None:
    org.lead("cy@x.example", org.sam, name="Cy Young")
    org.cadence(steps=[("call", "Later call", 3 * DAY, {})])
    enroll(org.session, actor=org.sam, cadence_name="Q4 Outbound", targets=["Cy Young"], now=NOW)
    (enrollment,) = enrollments(org.session)
    (task,) = due(org.session, enrollment)
    planned = task.due_at

    pause(org.session, actor=org.sam, target="Cy Young", now=NOW)
    resume(org.session, actor=org.sam, target="Cy Young", now=NOW + timedelta(days=1))

    assert [t.due_at for t in due(org.session, enrollment)] == [planned]


def test_a_pause_with_an_end_is_resumed_by_the_cadence_job_then(org: Org) -> None:
    (enrollment,) = _cy_in(org, "Q4 Outbound", steps=EMAIL_FIRST)
    monday = datetime(2026, 3, 9, 0, 0, tzinfo=NOW.tzinfo)  # NOW is Monday 2 March, UTC user

    paused = pause(org.session, actor=org.sam, target="Cy Young", until=monday, now=NOW)

    assert paused.summary == "Paused Cy Young in Q4 Outbound; I'll resume Cy Young on Mon 9 Mar."
    assert enrollment.resume_at == monday
    before = run_due_work(org.session, monday - timedelta(minutes=1), None)
    assert (before.resumed, enrollment.state) == (0, "paused")
    assert before.queued == 0  # the paused target's email waits

    after = run_due_work(org.session, monday, None)

    assert (after.resumed, enrollment.state, enrollment.resume_at) == (1, "active", None)
    assert "1 paused enrollment(s) resumed" in after.summary
    (task,) = due(org.session, enrollment)  # overdue while paused: due at the next working start
    assert task.due_at == monday + timedelta(hours=9)
    assert run_due_work(org.session, task.due_at, None).queued == 1


def test_a_pause_cannot_end_in_the_past(org: Org) -> None:
    (enrollment,) = _cy_in(org, "Q4 Outbound")
    with pytest.raises(CadenceError, match="A pause has to end in the future"):
        pause(org.session, actor=org.sam, target="Cy Young", until=NOW, now=NOW)
    assert enrollment.state == "active"


def test_pausing_twice_says_it_is_already_paused(org: Org) -> None:
    _cy_in(org, "Q4 Outbound")
    pause(org.session, actor=org.sam, target="Cy Young", cadence_name="Q4 Outbound", now=NOW)

    again = pause(
        org.session, actor=org.sam, target="Cy Young", cadence_name="Q4 Outbound", now=NOW
    )

    assert again.summary == "Cy Young is already paused in Q4 Outbound."
    assert again.changed == []


def test_pausing_someone_not_in_the_cadence_is_refused(org: Org) -> None:
    _cy_in(org, "Q4 Outbound")
    org.cadence("Renewal")

    with pytest.raises(CadenceError, match="Cy Young is not in Renewal") as refused:
        pause(org.session, actor=org.sam, target="Cy Young", cadence_name="Renewal", now=NOW)
    assert refused.value.code == "not_enrolled"


# --- reassign ---------------------------------------------------------------------------------


def test_reassigning_resets_the_due_date_and_cancels_the_previous_assignees_email(
    org: Org,
) -> None:
    org.jane.timezone = "America/New_York"  # 09:00-17:00 there is 14:00-22:00 UTC in March
    (enrollment,) = _cy_in(org, "Q4 Outbound", steps=EMAIL_FIRST)
    (task,) = due(org.session, enrollment)
    queued = queue_email(org.session, task, org.sam)
    later = NOW + timedelta(hours=1)

    outcome = reassign(
        org.session, actor=org.maria, target="Cy Young", new_assignee=org.jane, now=later
    )

    assert enrollment.assignee_id == org.jane.id
    assert queued.status == "cancelled"
    (fresh,) = due(org.session, enrollment)
    assert fresh.step.name == "Intro email"
    assert fresh.due_at == datetime(2026, 3, 2, 14, 0, tzinfo=NOW.tzinfo)  # Jane's 09:00
    assert outcome.summary.startswith("Reassigned Cy Young in Q4 Outbound to Jane Kim; ")
    assert due_automated_emails(org.session, fresh.due_at) == [fresh]


def test_a_rep_cannot_reassign_and_a_manager_only_within_their_team(org: Org) -> None:
    _cy_in(org, "Q4 Outbound")

    with pytest.raises(CadenceError, match="Only a manager or an admin"):
        reassign(org.session, actor=org.sam, target="Cy Young", new_assignee=org.jane, now=NOW)
    with pytest.raises(CadenceError, match="Lee Chen is not on your team"):
        reassign(org.session, actor=org.maria, target="Cy Young", new_assignee=org.lee, now=NOW)
    with pytest.raises(CadenceError) as refused:
        reassign(org.session, actor=org.omar, target="Cy Young", new_assignee=org.lee, now=NOW)
    assert refused.value.code == "not_allowed"

    reassign(org.session, actor=org.admin, target="Cy Young", new_assignee=org.lee, now=NOW)
    assert enrollments(org.session)[0].assignee_id == org.lee.id


# --- emails the job queued but could not send yet ---------------------------------------------
# The email job queues an automated email and completes its step at once; the email may wait
# in the outbox (no SMTP server, the daily limit). Nothing may go out after these changes.


def _queued_by_the_job(org: Org) -> tuple[Enrollment, OutboxEmail]:
    (enrollment,) = _cy_in(org, "Q4 Outbound", steps=EMAIL_FIRST)
    run_due_work(org.session, NOW, None)  # no SMTP: the email stays queued
    (email,) = org.session.scalars(select(OutboxEmail))
    assert email.status == "queued"
    assert [task.step.name for task in due(org.session, enrollment)] == ["Call"]
    return enrollment, email


def test_removal_cancels_an_email_the_job_already_queued(org: Org) -> None:
    enrollment, email = _queued_by_the_job(org)

    remove(org.session, actor=org.sam, targets=["Cy Young"], now=NOW)

    assert email.status == "cancelled"
    assert enrollment.state == "exited"


def test_pausing_holds_back_a_queued_email_until_resumed(org: Org) -> None:
    enrollment, email = _queued_by_the_job(org)

    pause(org.session, actor=org.sam, target="Cy Young", now=NOW)

    assert email.status == "cancelled"
    (again,) = due(org.session, enrollment)
    assert (again.step.name, again.due_at) == ("Intro email", NOW)  # the step is back
    assert due_automated_emails(org.session, NOW + timedelta(days=3)) == []

    thursday = NOW + timedelta(days=3)
    resume(org.session, actor=org.sam, target="Cy Young", now=thursday)
    run_due_work(org.session, thursday, None)

    emails = list(org.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))
    assert [e.status for e in emails] == ["cancelled", "queued"]
    assert [task.step.name for task in due(org.session, enrollment)] == ["Call"]


def test_reassigning_requeues_the_email_from_the_new_assignee(org: Org) -> None:
    enrollment, _ = _queued_by_the_job(org)
    later = NOW + timedelta(hours=2)

    reassign(org.session, actor=org.maria, target="Cy Young", new_assignee=org.jane, now=later)
    run_due_work(org.session, later, None)

    emails = list(org.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))
    assert [(e.sender_id, e.status) for e in emails] == [
        (org.sam.id, "cancelled"),
        (org.jane.id, "queued"),
    ]
    (call,) = due(org.session, enrollment)
    assert call.step.name == "Call"


def test_finishing_with_an_email_keeps_it_queued_for_sending(org: Org) -> None:
    org.lead("cy@x.example", org.sam, name="Cy Young")
    org.cadence(steps=[("email", "Only email", 0, {}, True)])
    enroll(org.session, actor=org.sam, cadence_name="Q4 Outbound", targets=["Cy Young"], now=NOW)

    run_due_work(org.session, NOW, None)

    (email,) = org.session.scalars(select(OutboxEmail))
    assert email.status == "queued"
    assert enrollments(org.session)[0].state == "completed"
