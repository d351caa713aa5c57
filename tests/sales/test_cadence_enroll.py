"""Enrolling targets: who may, what is refused and why, limits, and retried requests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.db import make_engine
from sales.cadence_models import CadenceOperation, Enrollment, StepTask
from sales.cadences import CadenceError, EnrollmentOutcome, Refusal, enroll, preview_enroll
from sales.models import Base, User
from tests.sales.cadence_org import NOW, Org, build_org, enrollments, org_on, sqlite_engine


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    with sqlite_engine(tmp_path) as engine, org_on(engine) as org:
        yield org


@pytest.fixture
def any_org(engine: Engine) -> Iterator[Org]:
    """The org on SQLite and on PostgreSQL."""
    with org_on(engine) as org:
        yield org


def test_enrolls_by_email_name_and_list_with_the_record_owner_as_assignee(any_org: Org) -> None:
    org = any_org
    cadence = org.cadence()
    ann = org.lead("ann@globex.example", org.sam, name="Ann Lee")
    bob = org.contact("bob@fabrikam.example", org.sam, name="Bob Stone")
    cy = org.lead("cy@initech.example", org.jane, name="Cy Young")
    org.saved_list("Dreamforce webinar", [cy.email])

    outcome = enroll(
        org.session,
        actor=org.maria,
        cadence_name="q4 outbound",
        targets=["ann@globex.example", "Bob Stone"],
        list_name="the Dreamforce webinar list",
        now=NOW,
    )

    assert outcome.summary == "Enrolled all 3 in Q4 Outbound."
    assert outcome.enrolled == ["ann@globex.example", "Bob Stone", "cy@initech.example"]
    assigned = {(e.target.email, e.assignee.email) for e in enrollments(org.session)}
    assert assigned == {
        (ann.email, "sam@acme.example"),
        (bob.email, "sam@acme.example"),
        (cy.email, "jane@acme.example"),
    }
    tasks = list(org.session.scalars(select(StepTask)))
    assert {task.step.name for task in tasks} == {"Day 1: Call"}
    assert {task.due_at for task in tasks} == {NOW}  # Monday 10:00, inside working hours
    assert all(
        e.cadence_id == cadence.id and e.added_by_id == org.maria.id
        for e in enrollments(org.session)
    )


def test_a_partial_enrolment_names_each_refused_target_and_why(any_org: Org) -> None:
    org = any_org
    org.cadence()
    for name in ("ann", "bob", "dee"):
        org.lead(f"{name}@fabrikam.example", org.sam)
    org.lead("cy@fabrikam.example", org.sam, email_opt_out=True)

    outcome = enroll(
        org.session,
        actor=org.sam,
        cadence_name="Q4 Outbound",
        targets=[
            "ann@fabrikam.example",
            "bob@fabrikam.example",
            "cy@fabrikam.example",
            "dee@fabrikam.example",
        ],
        now=NOW,
    )

    assert (
        outcome.summary == "Enrolled 3 of 4 in Q4 Outbound; cy@fabrikam.example opted out of email."
    )
    assert outcome.refused == [
        Refusal("cy@fabrikam.example", "email_opt_out", "cy@fabrikam.example opted out of email")
    ]
    assert len(enrollments(org.session)) == 3


def test_every_refusal_reason_is_reported_in_one_summary(org: Org) -> None:
    org.cadence()
    for other in ("A", "B", "C", "D", "E"):
        org.cadence(f"Cadence {other}")
    org.lead("in@x.example", org.sam)
    org.lead("busy@x.example", org.sam)
    org.lead("optout@x.example", org.sam, email_opt_out=True)
    org.lead("dnc@x.example", org.sam, do_not_call=True)
    org.lead("lees@x.example", org.lee)
    org.lead("cy1@x.example", org.sam, name="Cy Young")
    org.lead("cy2@x.example", org.sam, name="Cy Twombly")
    enroll(
        org.session, actor=org.sam, cadence_name="Q4 Outbound", targets=["in@x.example"], now=NOW
    )
    for other in ("A", "B", "C", "D", "E"):
        enroll(
            org.session,
            actor=org.sam,
            cadence_name=f"Cadence {other}",
            targets=["busy@x.example"],
            now=NOW,
        )

    outcome = enroll(
        org.session,
        actor=org.sam,
        cadence_name="Q4 Outbound",
        targets=[
            "in@x.example",
            "busy@x.example",
            "optout@x.example",
            "dnc@x.example",
            "lees@x.example",
            "nobody@x.example",
            "Cy",
        ],
        now=NOW,
    )

    reasons = {refusal.target: refusal.reason for refusal in outcome.refused}
    assert reasons == {
        "in@x.example": "already_enrolled",
        "busy@x.example": "limit",
        "optout@x.example": "email_opt_out",
        "dnc@x.example": "do_not_call",
        "lees@x.example": "not_yours",
        "nobody@x.example": "unknown",
        "Cy": "ambiguous",
    }
    assert outcome.enrolled == []
    assert outcome.summary.startswith("Enrolled 0 of 7 in Q4 Outbound; ")
    for clause in (
        "in@x.example is already in Q4 Outbound",
        "busy@x.example is already in 5 cadences",
        "optout@x.example opted out of email",
        "dnc@x.example is on the do-not-call list",
        "lees@x.example is not yours",
        "I found no lead or contact for nobody@x.example",
        "'Cy' is ambiguous: matches Cy Young (cy1@x.example) and Cy Twombly (cy2@x.example)",
    ):
        assert clause in outcome.summary


def test_refusals_of_one_reason_are_grouped_into_one_clause(org: Org) -> None:
    org.cadence()
    for name in ("a", "b", "c", "d", "e"):
        org.lead(f"{name}@x.example", org.sam, email_opt_out=True)
    org.lead("ok@x.example", org.sam)
    targets = [f"{name}@x.example" for name in ("a", "b", "c", "d", "e", "ok")]

    outcome = enroll(
        org.session, actor=org.sam, cadence_name="Q4 Outbound", targets=targets, now=NOW
    )

    assert outcome.summary == (
        "Enrolled 1 of 6 in Q4 Outbound; a@x.example, b@x.example, c@x.example and 2 more "
        "opted out of email."
    )
    assert len(outcome.lines) == 5


def test_consent_flags_refuse_only_the_channels_the_cadence_uses(org: Org) -> None:
    org.cadence("Calls only", [("call", "Call", 0, {})])
    org.cadence("Emails only", [("email", "Email", 0, {}, True)])
    org.lead("optout@x.example", org.sam, email_opt_out=True)
    org.lead("dnc@x.example", org.sam, do_not_call=True)
    both = ["optout@x.example", "dnc@x.example"]

    calls = enroll(org.session, actor=org.sam, cadence_name="Calls only", targets=both, now=NOW)
    emails = enroll(org.session, actor=org.sam, cadence_name="Emails only", targets=both, now=NOW)

    assert calls.enrolled == ["optout@x.example"]
    assert [r.reason for r in calls.refused] == ["do_not_call"]
    assert emails.enrolled == ["dnc@x.example"]
    assert [r.reason for r in emails.refused] == ["email_opt_out"]


def test_names_resolve_by_full_name_first_name_and_typo(org: Org) -> None:
    org.cadence()
    org.lead("cy@x.example", org.sam, name="Cy Young")
    org.contact("dora@x.example", org.sam, name="Dora Marquez")
    org.lead("ed@x.example", org.sam, name="Edmund Hillary")

    outcome = enroll(
        org.session,
        actor=org.sam,
        cadence_name="Q4 Outbound",
        targets=["cy young", "Dora", "Edmund Hilary"],
        now=NOW,
    )

    assert outcome.enrolled == ["Cy Young", "Dora Marquez", "Edmund Hillary"]
    assert outcome.summary == "Enrolled all 3 in Q4 Outbound."


def test_one_target_enrolled_says_when_the_first_step_is_due(org: Org) -> None:
    org.cadence()
    org.lead("cy@x.example", org.sam, name="Cy Young")
    evening = NOW.replace(hour=18)  # after Sam's working hours

    outcome = enroll(
        org.session, actor=org.sam, cadence_name="Q4 Outbound", targets=["Cy Young"], now=evening
    )

    assert outcome.summary == (
        "Enrolled Cy Young in Q4 Outbound; the first step, Day 1: Call, is due tomorrow 09:00."
    )


# --- who may enroll ---------------------------------------------------------------------------


def test_a_rep_enrolls_only_records_they_own_and_only_for_themselves(org: Org) -> None:
    org.cadence()
    org.lead("mine@x.example", org.sam)
    org.lead("janes@x.example", org.jane)

    outcome = enroll(
        org.session,
        actor=org.sam,
        cadence_name="Q4 Outbound",
        targets=["mine@x.example", "janes@x.example"],
        now=NOW,
    )
    assert outcome.enrolled == ["mine@x.example"]
    assert outcome.refused[0].message == "janes@x.example is not yours (owned by Jane Kim)"

    with pytest.raises(CadenceError) as refused:
        enroll(
            org.session,
            actor=org.sam,
            cadence_name="Q4 Outbound",
            targets=["mine@x.example"],
            assignee=org.jane,
            now=NOW,
        )
    assert refused.value.code == "not_allowed"
    assert "only for yourself" in refused.value.message


def test_a_manager_enrolls_for_their_team_and_may_name_a_team_assignee(org: Org) -> None:
    org.cadence()
    org.lead("sams@x.example", org.sam)
    org.lead("lees@x.example", org.lee)

    outcome = enroll(
        org.session,
        actor=org.maria,
        cadence_name="Q4 Outbound",
        targets=["sams@x.example", "lees@x.example"],
        assignee=org.jane,
        now=NOW,
    )

    assert outcome.summary == (
        "Enrolled 1 of 2 in Q4 Outbound for Jane Kim; lees@x.example is not yours."
    )
    assert [e.assignee.email for e in enrollments(org.session)] == ["jane@acme.example"]
    with pytest.raises(CadenceError, match="Lee Chen is not on your team") as refused:
        enroll(
            org.session,
            actor=org.maria,
            cadence_name="Q4 Outbound",
            targets=["sams@x.example"],
            assignee=org.lee,
            now=NOW,
        )
    assert refused.value.code == "not_allowed"


def test_an_admin_enrolls_anyone_for_anyone(org: Org) -> None:
    org.cadence()
    org.lead("lees@x.example", org.lee)
    org.lead("nobodys@x.example", None)

    outcome = enroll(
        org.session,
        actor=org.admin,
        cadence_name="Q4 Outbound",
        targets=["lees@x.example", "nobodys@x.example"],
        now=NOW,
    )

    assert outcome.summary == "Enrolled all 2 in Q4 Outbound."
    assignees = [e.assignee.email for e in enrollments(org.session)]
    assert assignees == ["lee@acme.example", "admin@acme.example"]  # unowned: the admin


# --- whole-request refusals -------------------------------------------------------------------


@pytest.mark.parametrize(("status", "said"), [("draft", "a draft"), ("inactive", "inactive")])
def test_only_active_cadences_take_targets(org: Org, status: str, said: str) -> None:
    org.cadence(status=status)
    org.lead("a@x.example", org.sam)

    with pytest.raises(CadenceError) as refused:
        enroll(
            org.session, actor=org.sam, cadence_name="Q4 Outbound", targets=["a@x.example"], now=NOW
        )

    assert refused.value.code == "inactive_cadence"
    assert refused.value.message == (
        f"Q4 Outbound is {said}; only active cadences take new targets."
    )
    assert enrollments(org.session) == []


def test_an_unknown_cadence_is_refused_with_close_names(org: Org) -> None:
    org.cadence()
    org.cadence("Q3 Renewal")
    org.lead("a@x.example", org.sam)

    with pytest.raises(CadenceError) as refused:
        enroll(
            org.session, actor=org.sam, cadence_name="Q4 Outbond", targets=["a@x.example"], now=NOW
        )

    assert refused.value.code == "unknown_cadence"
    assert refused.value.suggestions[0] == "Q4 Outbound"
    assert refused.value.message.startswith(
        "There is no cadence called 'Q4 Outbond'. Did you mean Q4 Outbound"
    )


@pytest.mark.parametrize(
    "typed", ["inbound followup", "Inbound Follow Up", "the inbound-follow-up cadence"]
)
def test_a_name_written_with_other_spaces_or_hyphens_is_the_same_cadence(
    org: Org, typed: str
) -> None:
    org.cadence("Inbound Follow-up")
    org.lead("a@x.example", org.sam)

    outcome = enroll(org.session, actor=org.sam, cadence_name=typed, targets=["a@x.example"],
                     now=NOW)  # fmt: skip

    assert outcome.summary.startswith("Enrolled a@x.example in Inbound Follow-up;")


def test_200_targets_are_enrolled_and_201_refuse_the_whole_request(org: Org) -> None:
    org.cadence()
    emails = [f"lead{number}@x.example" for number in range(201)]
    for email in emails:
        org.lead(email, org.sam)

    with pytest.raises(CadenceError) as refused:
        enroll(org.session, actor=org.sam, cadence_name="Q4 Outbound", targets=emails, now=NOW)
    assert refused.value.code == "too_many"
    assert "201 targets; I can enroll at most 200" in refused.value.message
    assert enrollments(org.session) == []

    outcome = enroll(
        org.session, actor=org.sam, cadence_name="Q4 Outbound", targets=emails[:200], now=NOW
    )
    assert outcome.summary == "Enrolled all 200 in Q4 Outbound."
    assert len(enrollments(org.session)) == 200


def test_a_list_counts_towards_the_200_limit(org: Org) -> None:
    org.cadence()
    org.saved_list("Big", [f"lead{number}@x.example" for number in range(200)])
    org.lead("extra@x.example", org.sam)

    with pytest.raises(CadenceError, match="201 targets"):
        enroll(
            org.session,
            actor=org.sam,
            cadence_name="Q4 Outbound",
            targets=["extra@x.example"],
            list_name="Big",
            now=NOW,
        )


def test_an_unknown_list_is_refused_with_suggestions(org: Org) -> None:
    org.cadence()
    org.saved_list("Dreamforce webinar", [])

    with pytest.raises(CadenceError) as refused:
        enroll(
            org.session,
            actor=org.sam,
            cadence_name="Q4 Outbound",
            targets=[],
            list_name="Dremforce",
            now=NOW,
        )

    assert refused.value.code == "unknown_list"
    assert refused.value.suggestions == ["Dreamforce webinar"]


# --- confirmation and retries -----------------------------------------------------------------


def test_a_preview_counts_and_refuses_without_changing_anything(org: Org) -> None:
    org.cadence()
    emails = [f"lead{number}@x.example" for number in range(12)]
    for email in emails:
        org.lead(email, org.sam)
    org.lead("cy@x.example", org.sam, email_opt_out=True)

    preview = preview_enroll(
        org.session,
        actor=org.sam,
        cadence_name="Q4 Outbound",
        targets=[*emails, "cy@x.example"],
        now=NOW,
    )

    assert preview.needs_confirmation
    assert preview.preview
    assert len(preview.enrolled) == 12
    assert preview.summary == (
        "I will enroll 12 of 13 in Q4 Outbound; cy@x.example opted out of email. Go ahead?"
    )
    assert enrollments(org.session) == []


def test_a_retried_request_is_answered_from_the_first_and_enrolls_nobody_twice(
    tmp_path: Path,
) -> None:
    with sqlite_engine(tmp_path) as engine:
        with Session(engine) as session, session.begin():
            _org_with_leads(session, 3)
        first = _enroll_in_new_session(engine, "slack:U0MARIA:1700000000.000100", NOW)
        # A platform retry a minute later, after one more lead was enrolled by someone else.
        again = _enroll_in_new_session(
            engine, "slack:U0MARIA:1700000000.000100", NOW + timedelta(minutes=1)
        )

        assert first.summary == "Enrolled all 3 in Q4 Outbound."
        assert again.summary == first.summary
        assert again.replayed and not first.replayed
        assert again.enrollment_ids == first.enrollment_ids
        with Session(engine) as session:
            assert session.scalar(select(func.count()).select_from(Enrollment)) == 3
            assert session.scalar(select(func.count()).select_from(CadenceOperation)) == 1
        other = _enroll_in_new_session(engine, "slack:U0MARIA:1700000000.000200", NOW)
        assert other.summary.startswith("Enrolled 0 of 3")  # a new request is judged afresh


def test_a_refused_request_leaves_no_stored_answer(org: Org) -> None:
    org.cadence(status="draft")
    org.lead("a@x.example", org.sam)
    for _ in range(2):
        with pytest.raises(CadenceError):
            enroll(
                org.session,
                actor=org.sam,
                cadence_name="Q4 Outbound",
                targets=["a@x.example"],
                request_key="k1",
                now=NOW,
            )
    assert org.session.scalar(select(func.count()).select_from(CadenceOperation)) == 0


def _org_with_leads(session: Session, count: int) -> Org:
    org = build_org(session)
    org.cadence()
    for number in range(count):
        org.lead(f"lead{number}@x.example", org.sam)
    return org


def _enroll_in_new_session(engine: Engine, key: str, now: datetime) -> EnrollmentOutcome:
    with Session(engine) as session, session.begin():
        maria = session.scalars(select(User).where(User.email == "maria@acme.example")).one()
        targets = [f"lead{number}@x.example" for number in range(3)]
        return enroll(
            session,
            actor=maria,
            cadence_name="Q4 Outbound",
            targets=targets,
            request_key=key,
            now=now,
        )


@pytest.mark.postgres
def test_two_deliveries_of_one_request_at_once_enroll_once_on_postgres(pg_url: str) -> None:
    """The retry arrives while the first is still in its transaction: it waits, then answers
    with the first one's outcome."""
    engine = make_engine(pg_url)
    Base.metadata.create_all(engine)
    try:
        with Session(engine) as session, session.begin():
            _org_with_leads(session, 3)
        results: list[str] = []
        first = Session(engine)
        maria = first.scalars(select(User).where(User.email == "maria@acme.example")).one()
        targets = [f"lead{number}@x.example" for number in range(3)]
        enroll(
            first,
            actor=maria,
            cadence_name="Q4 Outbound",
            targets=targets,
            request_key="k",
            now=NOW,
        )
        retry = threading.Thread(
            target=lambda: results.append(_enroll_in_new_session(engine, "k", NOW).summary)
        )
        retry.start()
        retry.join(timeout=1.0)
        assert retry.is_alive()  # waiting on the first request's key
        first.commit()
        first.close()
        retry.join(timeout=30)
        assert results == ["Enrolled all 3 in Q4 Outbound."]
        with Session(engine) as session:
            assert session.scalar(select(func.count()).select_from(Enrollment)) == 3
    finally:
        engine.dispose()
