"""Enrolment refusals beyond ownership and consent: the assignee's daily email limit (TGT-5)
and leads that are converted or unqualified (TGT-8, TGT-11)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from sales.cadence_models import OutboxEmail
from sales.cadences import enroll, preview_enroll
from sales.models import User
from tests.sales.cadence_org import NOW, Org, enrollments, org_on, sqlite_engine

AUTOMATED_FIRST = [
    ("email", "Welcome email", 0, {}, True),
    ("call", "Follow-up call", 2 * 24 * 60, {}),
]


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    with sqlite_engine(tmp_path) as engine, org_on(engine) as org:
        yield org


def sent(org: Org, sender: User, count: int, *, at: datetime = NOW) -> None:
    """``count`` automated emails ``sender`` sent at ``at`` (by the email job)."""
    for number in range(count):
        org.session.add(OutboxEmail(
            sender=sender, to_email=f"earlier{number}@x.example", subject="Hi", body="Hi",
            status="sent", created_at=at, sent_at=at,
        ))  # fmt: skip
    org.session.flush()


# --- the daily limit of automated emails ------------------------------------------------------


def test_a_batch_over_an_assignees_daily_email_limit_is_refused_for_that_assignee(
    org: Org,
) -> None:
    org.cadence("Welcome", AUTOMATED_FIRST)
    sams = [org.lead(f"{name}@x.example", org.sam).email for name in ("a", "b", "c")]
    janes = org.lead("jo@x.example", org.jane).email
    sent(org, org.sam, 3, at=NOW - timedelta(hours=1))
    sent(org, org.sam, 4, at=NOW - timedelta(days=1))  # yesterday's do not count

    outcome = enroll(
        org.session, actor=org.maria, cadence_name="Welcome", targets=[*sams, janes], now=NOW,
        daily_limit=5,
    )  # fmt: skip

    assert outcome.enrolled == ["jo@x.example"]
    assert [(r.target, r.reason) for r in outcome.refused] == [(e, "limit") for e in sams]
    assert outcome.summary == (
        "Enrolled 1 of 4 in Welcome; a@x.example, b@x.example and c@x.example would take "
        "Sam Patel over the daily limit of 5 automated emails (2 left today)."
    )
    assert [e.target.email for e in enrollments(org.session)] == ["jo@x.example"]


def test_a_batch_that_fits_what_is_left_today_is_enrolled(org: Org) -> None:
    org.cadence("Welcome", AUTOMATED_FIRST)
    targets = [org.lead(f"{name}@x.example", org.sam).email for name in ("a", "b")]
    sent(org, org.sam, 3)

    outcome = enroll(
        org.session, actor=org.sam, cadence_name="Welcome", targets=targets, now=NOW,
        daily_limit=5,
    )  # fmt: skip

    assert outcome.enrolled == targets
    assert outcome.refused == []


def test_the_preview_refuses_as_the_enrolment_would(org: Org) -> None:
    org.cadence("Welcome", AUTOMATED_FIRST)
    targets = [org.lead(f"{name}@x.example", org.sam).email for name in ("a", "b")]

    preview = preview_enroll(
        org.session, actor=org.sam, cadence_name="Welcome", targets=targets, now=NOW,
        daily_limit=1,
    )  # fmt: skip

    assert preview.summary == (
        "I will enroll 0 of 2 in Welcome; a@x.example and b@x.example would take Sam Patel "
        "over the daily limit of 1 automated email (1 left today)."
    )
    assert enrollments(org.session) == []


@pytest.mark.parametrize(
    "steps",
    [
        [("call", "Intro call", 0, {}), ("email", "Automated later", 0, {}, True)],
        [("email", "Written by the rep", 0, {}, False)],
    ],
    ids=["call first", "manual email first"],
)
def test_the_limit_counts_only_when_the_first_step_is_an_automated_email(
    org: Org, steps: list[tuple[object, ...]]
) -> None:
    org.cadence("Mixed", steps)
    targets = [org.lead(f"{name}@x.example", org.sam).email for name in ("a", "b")]

    outcome = enroll(
        org.session, actor=org.sam, cadence_name="Mixed", targets=targets, now=NOW, daily_limit=0
    )

    assert outcome.enrolled == targets


def test_the_limit_is_the_one_the_other_refusals_leave(org: Org) -> None:
    """Targets refused for another reason do not use up the assignee's emails."""
    org.cadence("Welcome", AUTOMATED_FIRST)
    org.lead("ok@x.example", org.sam)
    org.lead("optout@x.example", org.sam, email_opt_out=True)

    outcome = enroll(
        org.session, actor=org.sam, cadence_name="Welcome",
        targets=["ok@x.example", "optout@x.example"], now=NOW, daily_limit=1,
    )  # fmt: skip

    assert outcome.summary == "Enrolled 1 of 2 in Welcome; optout@x.example opted out of email."


# --- converted and unqualified leads ----------------------------------------------------------


def test_converted_and_unqualified_leads_are_refused_with_the_reason(org: Org) -> None:
    org.cadence()
    org.lead("won@x.example", org.sam, status="converted")
    org.lead("dated@x.example", org.sam, converted_at=NOW - timedelta(days=3))
    org.lead("no@x.example", org.sam, status="unqualified")
    org.lead("open@x.example", org.sam, status="working")

    outcome = enroll(
        org.session, actor=org.sam, cadence_name="Q4 Outbound", now=NOW,
        targets=["won@x.example", "dated@x.example", "no@x.example", "open@x.example"],
    )  # fmt: skip

    assert outcome.enrolled == ["open@x.example"]
    assert {r.target: r.reason for r in outcome.refused} == {
        "won@x.example": "not_eligible",
        "dated@x.example": "not_eligible",
        "no@x.example": "not_eligible",
    }
    assert outcome.summary == (
        "Enrolled 1 of 4 in Q4 Outbound; won@x.example and dated@x.example are already "
        "converted; no@x.example is unqualified."
    )
    assert "enroll the contact instead" in outcome.lines[0]


def test_a_converted_lead_named_by_name_means_the_contact_it_became(org: Org) -> None:
    org.cadence()
    org.lead("cy@fabrikam.example", org.sam, name="Cy Young", status="converted")
    org.contact("cy@fabrikam.example", org.sam, name="Cy Young")

    outcome = enroll(
        org.session, actor=org.sam, cadence_name="Q4 Outbound", targets=["Cy Young"], now=NOW
    )

    assert outcome.enrolled == ["Cy Young"]
    assert enrollments(org.session)[0].contact is not None
