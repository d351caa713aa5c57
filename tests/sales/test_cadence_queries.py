"""What's due today, who is in a cadence, how it is doing, and a target's cadences."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from sales.cadence_models import Enrollment, OutboxEmail, StepTask
from sales.cadences import (
    WORK_QUEUE_LIMIT,
    DueWindow,
    complete_task,
    due_today,
    enroll,
    log_call_result,
    members,
    my_enrollments,
    pause,
    record_engagement,
    remove,
    skip_task,
    stats,
)
from sales.prospects import Lead
from tests.sales.cadence_org import NOW, Org, Step, due, enrollments, org_on, sqlite_engine

DAY = 24 * 60


@pytest.fixture
def org(engine: Engine) -> Iterator[Org]:
    """On SQLite and PostgreSQL: the queries are where the two dialects differ most."""
    with org_on(engine) as org:
        yield org


@pytest.fixture
def sqlite_org(tmp_path: Path) -> Iterator[Org]:
    with sqlite_engine(tmp_path) as engine, org_on(engine) as org:
        yield org


def _enroll(org: Org, cadence: str, *targets: str, now: datetime = NOW) -> None:
    enroll(org.session, actor=org.sam, cadence_name=cadence, targets=list(targets), now=now)


# --- what's due today -------------------------------------------------------------------------


def test_due_items_are_ordered_by_lead_score_then_by_name(org: Org) -> None:
    org.cadence()
    org.lead("a@x.example", org.sam, name="Al Smith", score=83)
    org.lead("b@x.example", org.sam, name="Bo Jones", score=96)
    org.lead("c@x.example", org.sam, name="Cal Brown", score=92)
    org.contact("cox@x.example", org.sam, name="Ann Cox")
    org.contact("adams@x.example", org.sam, name="Zed Adams")
    org.contact("baker@x.example", org.sam, name="Bea Baker")
    _enroll(
        org,
        "Q4 Outbound",
        "cox@x.example",
        "a@x.example",
        "adams@x.example",
        "b@x.example",
        "baker@x.example",
        "c@x.example",
    )

    queue = due_today(org.session, org.sam, NOW)

    (group,) = queue.groups
    names = [item.name for item in group.items]
    assert names == ["Bo Jones", "Cal Brown", "Al Smith", "Zed Adams", "Bea Baker", "Ann Cox"]
    assert queue.summary == "You have 6 steps due today in 1 cadence:"
    assert queue.lines[0] == "Q4 Outbound › Day 1: Call (6)"  # noqa: RUF001
    assert queue.lines[1] == "  • Bo Jones (96), due today 10:00"


def test_due_today_groups_by_cadence_then_step_and_includes_overdue(org: Org) -> None:
    steps: list[Step] = [("call", "Call", 0, {}), ("task", "Send a brochure", 0, {})]
    org.cadence("Q4 Outbound", steps, skip_weekends=False)
    org.cadence("Renewal", [("call", "Renewal call", 0, {})], skip_weekends=False)
    for name in ("ann", "bob"):
        org.lead(f"{name}@x.example", org.sam)
    yesterday = NOW - timedelta(days=1)  # Sunday
    _enroll(org, "Q4 Outbound", "ann@x.example", "bob@x.example", now=yesterday)
    _enroll(org, "Renewal", "ann@x.example")
    (ann, *_) = enrollments(org.session)
    complete_task(org.session, due(org.session, ann)[0], actor=org.sam, result=None, now=yesterday)

    queue = due_today(org.session, org.sam, NOW)

    headings = [(group.cadence, group.step, len(group.items)) for group in queue.groups]
    assert headings == [
        ("Q4 Outbound", "Call", 1),
        ("Q4 Outbound", "Send a brochure", 1),
        ("Renewal", "Renewal call", 1),
    ]
    overdue = [item.overdue for group in queue.groups for item in group.items]
    assert overdue == [True, True, False]
    assert queue.summary == "You have 3 steps due today in 2 cadences (2 overdue):"
    assert "  • Bob, overdue since yesterday 10:00" in queue.lines


def test_due_today_ends_at_midnight_on_the_users_own_clock(org: Org) -> None:
    org.sam.timezone = "America/Los_Angeles"  # UTC-8 in early March
    org.cadence(steps=[("call", "Call", 0, {})])
    org.lead("ann@x.example", org.sam)
    # Monday 16:00 in Los Angeles is Tuesday 00:00 UTC: the call comes due then.
    monday_afternoon = datetime(2026, 3, 3, 0, 0, tzinfo=NOW.tzinfo)
    _enroll(org, "Q4 Outbound", "ann@x.example", now=monday_afternoon)

    # At 23:00 UTC Monday it is 15:00 in LA: the call (16:00 LA) is due later today.
    assert due_today(org.session, org.sam, monday_afternoon - timedelta(hours=1)).total == 1
    # For a UTC user at the same instant the same time is already tomorrow.
    org.sam.timezone = "UTC"
    assert due_today(org.session, org.sam, monday_afternoon - timedelta(hours=1)).total == 0


def test_automated_emails_paused_targets_and_others_work_are_not_in_the_queue(org: Org) -> None:
    org.cadence("Emails", [("email", "Auto email", 0, {}, True)])
    org.cadence("Calls", [("call", "Call", 0, {})])
    org.lead("ann@x.example", org.sam)
    org.lead("bob@x.example", org.sam)
    org.lead("jan@x.example", org.jane)
    _enroll(org, "Emails", "ann@x.example")
    _enroll(org, "Calls", "ann@x.example", "bob@x.example")
    enroll(org.session, actor=org.jane, cadence_name="Calls", targets=["jan@x.example"], now=NOW)
    pause(org.session, actor=org.sam, target="bob@x.example", now=NOW)

    queue = due_today(org.session, org.sam, NOW)

    assert [(g.cadence, [i.email for i in g.items]) for g in queue.groups] == [
        ("Calls", ["ann@x.example"])
    ]


def test_a_named_window_holds_the_steps_due_in_it_and_overdue_ones_only_if_it_has_begun(
    org: Org,
) -> None:
    org.cadence("Q4 Outbound", [("call", "Call", 0, {})], skip_weekends=False)
    org.cadence("Later", [("call", "Later call", 3 * 24 * 60, {})], skip_weekends=False)
    org.lead("ann@x.example", org.sam, name="Ann Lee")
    org.lead("bob@x.example", org.sam, name="Bob Ray")
    _enroll(org, "Q4 Outbound", "ann@x.example", now=NOW - timedelta(days=1))  # overdue
    _enroll(org, "Later", "bob@x.example")  # due Thursday

    def names(window: DueWindow | None) -> list[str]:
        queue = due_today(org.session, org.sam, NOW, window)
        return [item.name for group in queue.groups for item in group.items]

    assert names(None) == ["Ann Lee"]
    tomorrow_on = DueWindow(NOW + timedelta(days=1), NOW + timedelta(days=7), "next week")
    assert names(tomorrow_on) == ["Bob Ray"]
    this_week = DueWindow(NOW - timedelta(hours=10), NOW + timedelta(days=6), "this week")
    assert names(this_week) == ["Bob Ray", "Ann Lee"]  # by cadence: Later, Q4 Outbound
    assert due_today(org.session, org.sam, NOW, this_week).summary == (
        "You have 2 steps due this week in 2 cadences (1 overdue):")
    later = DueWindow(NOW + timedelta(days=10), NOW + timedelta(days=11), "on Thursday, Mar 12")
    assert due_today(org.session, org.sam, NOW, later).summary == (
        "Nothing is due on Thursday, Mar 12.")


def test_nothing_due_is_said_so(org: Org) -> None:
    assert due_today(org.session, org.sam, NOW).summary == "Nothing is due today."


def test_the_work_queue_shows_at_most_2000_items(sqlite_org: Org) -> None:
    org = sqlite_org
    cadence = org.cadence(steps=[("call", "Call", 0, {})])
    step = cadence.steps[0]
    for number in range(WORK_QUEUE_LIMIT + 5):
        lead = Lead(email=f"l{number}@x.example", owner=org.sam, score=number % 100)
        enrollment = Enrollment(cadence=cadence, lead=lead, assignee=org.sam, current_step=step)
        org.session.add(StepTask(enrollment=enrollment, step=step, due_at=NOW))
    org.session.flush()

    queue = due_today(org.session, org.sam, NOW)

    assert (queue.total, queue.shown) == (2005, 2000)
    assert sum(len(group.items) for group in queue.groups) == 2000
    assert queue.summary == "You have 2005 steps due today in 1 cadence; showing the first 2000:"
    assert queue.groups[0].items[0].score == 99


# --- members, stats, a target's cadences ------------------------------------------------------


def test_members_lists_state_and_current_step_of_those_the_asker_may_see(org: Org) -> None:
    org.cadence()
    org.lead("ann@x.example", org.sam, name="Ann Lee")
    org.lead("bob@x.example", org.sam, name="Bob Stone")
    org.lead("lees@x.example", org.lee, name="Lee Lead")
    _enroll(org, "Q4 Outbound", "ann@x.example", "bob@x.example")
    enroll(
        org.session, actor=org.lee, cadence_name="Q4 Outbound", targets=["lees@x.example"], now=NOW
    )
    pause(org.session, actor=org.sam, target="Bob Stone", now=NOW)

    mine = members(org.session, "Q4 Outbound", actor=org.sam, now=NOW)
    everyone = members(org.session, "q4 outbound", actor=org.admin, now=NOW)

    assert mine.summary == "Q4 Outbound has 1 active and 1 paused:"
    assert mine.lines == [
        "• Ann Lee (ann@x.example), Sam Patel: Day 1: Call, due today 10:00",
        "• Bob Stone (bob@x.example), Sam Patel: Day 1: Call, due today 10:00 [paused]",
    ]
    assert everyone.counts == {"active": 2, "paused": 1}
    assert [row.name for row in everyone.rows] == ["Ann Lee", "Lee Lead", "Bob Stone"]


def test_stats_count_states_replies_meetings_and_steps(org: Org) -> None:
    org.cadence()
    for name in ("ann", "bob", "cy", "dee"):
        org.lead(f"{name}@x.example", org.sam)
    _enroll(org, "Q4 Outbound", "ann@x.example", "bob@x.example", "cy@x.example", "dee@x.example")
    log_call_result(
        org.session, actor=org.sam, target="ann@x.example", result="meaningful connect", now=NOW
    )
    (bob_task,) = due(org.session, enrollments(org.session)[1])
    skip_task(org.session, bob_task, actor=org.sam, now=NOW)
    record_engagement(org.session, "cy@x.example", "reply", now=NOW)
    record_engagement(org.session, "cy@x.example", "reply", now=NOW)  # one replier, once
    pause(org.session, actor=org.sam, target="dee@x.example", now=NOW)
    remove(org.session, actor=org.sam, targets=["bob@x.example"], now=NOW)

    report = stats(org.session, "Q4 Outbound")

    assert (report.active, report.paused, report.completed, report.exited) == (1, 1, 0, 2)
    assert (report.replies, report.meetings) == (1, 1)
    assert report.summary == (
        "Q4 Outbound: 1 active, 1 paused, 0 completed, 2 exited; 1 reply, 1 meeting."
    )
    assert report.lines == [
        "1. Day 1: Call: 1 due, 1 completed, 1 skipped",
        "2. Day 3: Email: 1 due, 0 completed, 0 skipped",
        "3. Day 5: Call: 0 due, 0 completed, 0 skipped",
    ]


def test_a_targets_cadences(org: Org) -> None:
    org.cadence()
    org.cadence("Renewal", [("call", "Renewal call", DAY, {})])
    org.lead("cy@x.example", org.sam, name="Cy Young")
    _enroll(org, "Q4 Outbound", "Cy Young")
    _enroll(org, "Renewal", "Cy Young")
    pause(org.session, actor=org.sam, target="Cy Young", cadence_name="Renewal", now=NOW)

    answer = my_enrollments(org.session, "cy", actor=org.sam, now=NOW)

    assert answer.summary == "Cy Young is in 2 cadences: Q4 Outbound and Renewal."
    assert answer.lines == [
        "Q4 Outbound: step 1 of 3, Day 1: Call, due today 10:00 (Sam Patel)",
        "Renewal: step 1 of 1, Renewal call, due tomorrow 10:00 (Sam Patel) [paused]",
    ]
    assert my_enrollments(org.session, "cy", actor=org.lee, now=NOW).summary == (
        "Cy Young is not in any cadence."
    )


def test_an_automated_email_that_failed_to_render_is_due_for_a_person(org: Org) -> None:
    org.cadence(steps=[("email", "Auto email", 0, {}, True)])
    org.lead("ann@x.example", org.sam)
    _enroll(org, "Q4 Outbound", "ann@x.example")
    assert due_today(org.session, org.sam, NOW).total == 0
    (task,) = due(org.session, enrollments(org.session)[0])
    org.session.add(
        OutboxEmail(
            task_id=task.id,
            sender=org.sam,
            to_email="ann@x.example",
            subject="Hello",
            body="",
            status="failed",
            error="unknown merge field {{Recipient.Nickname}}",
        )
    )

    queue = due_today(org.session, org.sam, NOW)

    assert [(g.step, [i.email for i in g.items]) for g in queue.groups] == [
        ("Auto email", ["ann@x.example"])
    ]
