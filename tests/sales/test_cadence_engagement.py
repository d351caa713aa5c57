"""What targets do: replies, opt-outs, bounces, opens and clicks, and lead conversion."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from sales.cadence_models import EngagementEvent, Enrollment, OutboxEmail, StepTask
from sales.cadences import (
    CadenceError,
    complete_task,
    convert_lead,
    enroll,
    record_engagement,
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
# An email, then (listening to it) a call two days later; a click moves to the LinkedIn step.
LISTENING: list[Step] = [
    ("email", "Intro email", 0, {"open": "next", "click": "LinkedIn touch"}, True),
    ("call", "Follow-up call", 2 * DAY, {}),
    ("linkedin", "LinkedIn touch", DAY, {}),
]


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    with sqlite_engine(tmp_path) as engine, org_on(engine) as org:
        yield org


def _in_two_cadences(org: Org) -> list[Enrollment]:
    org.cadence()
    org.cadence("Renewal", [("email", "Renewal email", 0, {}, True), ("call", "Call", DAY, {})])
    org.lead("cy@fabrikam.example", org.sam, name="Cy Young")
    for name in ("Q4 Outbound", "Renewal"):
        enroll(
            org.session, actor=org.sam, cadence_name=name, targets=["cy@fabrikam.example"], now=NOW
        )
    return enrollments(org.session)


def _sent(org: Org, enrollment: Enrollment) -> StepTask:
    """Send the due email step as the email job does: outbox row, then complete the step."""
    (task,) = due(org.session, enrollment)
    email = queue_email(org.session, task, enrollment.assignee)
    email.status, email.sent_at = "sent", NOW
    complete_task(org.session, task, actor=None, result=None, now=NOW)
    return task


def test_a_reply_exits_every_cadence_as_customer_connected(org: Org) -> None:
    outbound, renewal = _in_two_cadences(org)

    outcome = record_engagement(org.session, "Cy@Fabrikam.example", "reply", now=NOW)

    for enrollment in (outbound, renewal):
        assert (enrollment.state, enrollment.disposition) == ("exited", "Customer Connected")
        assert enrollment.end_reason == "replied"
        assert due(org.session, enrollment) == []
    assert outcome.summary == (
        "Recorded reply from cy@fabrikam.example: left Q4 Outbound (Customer Connected); "
        "left Renewal (Customer Connected)."
    )
    kinds = org.session.scalars(select(EngagementEvent.kind))
    assert list(kinds) == ["reply", "reply"]


def test_a_reply_to_one_cadences_email_exits_only_that_cadence(org: Org) -> None:
    outbound, renewal = _in_two_cadences(org)
    task = _sent(org, renewal)
    email = org.session.scalars(select(OutboxEmail).where(OutboxEmail.task_id == task.id)).one()

    record_engagement(org.session, "cy@fabrikam.example", "reply", now=NOW, outbox_id=email.id)

    assert outbound.state == "active"
    assert renewal.state == "exited"


def test_an_opt_out_flags_the_person_and_removes_them_from_all_cadences(org: Org) -> None:
    outbound, renewal = _in_two_cadences(org)
    (task,) = due(org.session, renewal)
    queued = queue_email(org.session, task, org.sam)

    record_engagement(org.session, "cy@fabrikam.example", "unsubscribe", now=NOW)

    lead = outbound.target
    assert lead.email_opt_out
    assert [(e.state, e.end_reason) for e in (outbound, renewal)] == [("exited", "opted_out")] * 2
    assert queued.status == "cancelled"
    again = enroll(
        org.session, actor=org.sam, cadence_name="Renewal", targets=["cy@fabrikam.example"], now=NOW
    )
    assert [refusal.reason for refusal in again.refused] == ["email_opt_out"]


def test_a_hard_bounce_exits_with_bad_data(org: Org) -> None:
    outbound, _ = _in_two_cadences(org)

    record_engagement(org.session, "cy@fabrikam.example", "bounce", now=NOW)

    assert (outbound.state, outbound.disposition, outbound.end_reason) == (
        "exited",
        "Bad Data",
        "bounced",
    )


def test_a_click_follows_the_email_steps_branch_once(org: Org) -> None:
    org.cadence(steps=LISTENING)
    org.lead("cy@fabrikam.example", org.sam)
    enroll(
        org.session,
        actor=org.sam,
        cadence_name="Q4 Outbound",
        targets=["cy@fabrikam.example"],
        now=NOW,
    )
    (enrollment,) = enrollments(org.session)
    _sent(org, enrollment)
    (waiting,) = due(org.session, enrollment)
    assert waiting.step.name == "Follow-up call"

    outcome = record_engagement(
        org.session, "cy@fabrikam.example", "click", now=NOW + timedelta(hours=5)
    )

    (moved,) = due(org.session, enrollment)
    assert waiting.state == "cancelled"
    assert moved.step.name == "LinkedIn touch"
    # Moving never brings work forward: the new step is due when the replaced one was.
    assert moved.due_at == waiting.due_at
    assert outcome.effects == ["moved to LinkedIn touch in Q4 Outbound"]

    record_engagement(org.session, "cy@fabrikam.example", "click", now=NOW + timedelta(hours=6))
    assert due(org.session, enrollment) == [moved]


def test_an_open_without_a_branch_is_only_recorded(org: Org) -> None:
    org.cadence(steps=LISTENING)
    org.lead("cy@fabrikam.example", org.sam)
    enroll(
        org.session,
        actor=org.sam,
        cadence_name="Q4 Outbound",
        targets=["cy@fabrikam.example"],
        now=NOW,
    )
    (enrollment,) = enrollments(org.session)
    _sent(org, enrollment)

    outcome = record_engagement(org.session, "cy@fabrikam.example", "open", now=NOW)

    assert [task.step.name for task in due(org.session, enrollment)] == ["Follow-up call"]
    assert outcome.summary == "Recorded open from cy@fabrikam.example."


def test_engagement_after_a_last_email_gives_the_disposition(org: Org) -> None:
    org.cadence(steps=[("email", "Last email", 0, {}, True)])
    org.lead("cy@fabrikam.example", org.sam)
    enroll(
        org.session,
        actor=org.sam,
        cadence_name="Q4 Outbound",
        targets=["cy@fabrikam.example"],
        now=NOW,
    )
    (enrollment,) = enrollments(org.session)
    _sent(org, enrollment)
    assert (enrollment.state, enrollment.disposition) == ("completed", None)

    record_engagement(org.session, "cy@fabrikam.example", "open", now=NOW)
    assert enrollment.disposition == "Customer Engaged"
    record_engagement(org.session, "cy@fabrikam.example", "reply", now=NOW)
    assert (enrollment.state, enrollment.disposition) == ("completed", "Customer Connected")
    record_engagement(org.session, "cy@fabrikam.example", "open", now=NOW)
    assert enrollment.disposition == "Customer Connected"  # an open does not downgrade it


def test_a_converted_lead_leaves_every_cadence_with_success(org: Org) -> None:
    outbound, renewal = _in_two_cadences(org)

    outcome = convert_lead(org.session, outbound.target, now=NOW)  # type: ignore[arg-type]

    assert [(e.state, e.disposition, e.end_reason) for e in (outbound, renewal)] == [
        ("exited", "Success", "converted")
    ] * 2
    assert outbound.lead is not None and outbound.lead.status == "converted"
    assert outcome.summary == (
        "Converted Cy Young: left Q4 Outbound (Success); left Renewal (Success)."
    )


def test_an_event_for_an_address_in_no_cadence_is_still_recorded(org: Org) -> None:
    outcome = record_engagement(org.session, "stranger@x.example", "open", now=NOW)

    assert outcome.effects == []
    assert org.session.scalars(select(EngagementEvent.email)).one() == "stranger@x.example"


def test_an_unknown_event_is_refused(org: Org) -> None:
    with pytest.raises(CadenceError) as refused:
        record_engagement(org.session, "cy@fabrikam.example", "liked", now=NOW)
    assert refused.value.code == "bad_event"
