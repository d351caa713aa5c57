"""A lead's status and consent change, by the service or by an import: cadences follow.

TGT-8: a converted lead exits with Success. TGT-11: an unqualified one exits with
Disqualified. TGT-10: opting out of email (false to true) leaves every cadence; an import that
leaves it true does nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sales.cadence_models import EngagementEvent, Enrollment, OutboxEmail
from sales.cadences import enroll, set_lead_status
from sales.data import import_records
from sales.prospects import Lead
from tests.sales.cadence_org import NOW, Org, due, enrollments, org_on, queue_email

EMAIL_FIRST = [("email", "Renewal email", 0, {}, True), ("call", "Call", 24 * 60, {})]


@pytest.fixture
def org(engine: Engine) -> Iterator[Org]:
    """On SQLite and PostgreSQL (tests/sales/conftest.py): imports commit, as in production."""
    with org_on(engine) as org:
        yield org


def in_two_cadences(org: Org, email: str = "cy@fabrikam.example") -> list[Enrollment]:
    org.cadence()
    org.cadence("Renewal", EMAIL_FIRST)
    org.lead(email, org.sam, name="Cy Young")
    for name in ("Q4 Outbound", "Renewal"):
        enroll(org.session, actor=org.sam, cadence_name=name, targets=[email], now=NOW)
    return enrollments(org.session)


def ends(engine: Engine) -> list[tuple[str, str | None, str | None]]:
    with Session(engine) as session:
        query = select(Enrollment).order_by(Enrollment.id)
        return [(e.state, e.disposition, e.end_reason) for e in session.scalars(query)]


# --- the service ------------------------------------------------------------------------------


def test_an_unqualified_lead_leaves_every_cadence_as_disqualified(org: Org) -> None:
    outbound, renewal = in_two_cadences(org)
    (email_task,) = due(org.session, renewal)
    email = queue_email(org.session, email_task, org.sam)
    lead = org.session.scalars(select(Lead)).one()

    outcome = set_lead_status(org.session, lead, "unqualified", now=NOW)

    assert [(e.state, e.disposition, e.end_reason) for e in (outbound, renewal)] == [
        ("exited", "Disqualified", "disqualified")
    ] * 2
    assert due(org.session, outbound) == due(org.session, renewal) == []
    assert email.status == "cancelled"  # never sent after the lead was ruled out
    assert outcome.summary == (
        "Cy Young is now unqualified: left Q4 Outbound (Disqualified); left Renewal "
        "(Disqualified)."
    )


def test_a_converted_lead_leaves_with_success_and_keeps_its_first_conversion_date(
    org: Org,
) -> None:
    in_two_cadences(org)
    lead = org.session.scalars(select(Lead)).one()

    set_lead_status(org.session, lead, "converted", now=NOW)
    set_lead_status(org.session, lead, "converted", now=NOW.replace(day=20))

    assert {(e.state, e.disposition) for e in enrollments(org.session)} == {("exited", "Success")}
    assert (lead.status, lead.converted_at) == ("converted", NOW)


def test_other_statuses_leave_cadences_alone(org: Org) -> None:
    in_two_cadences(org)
    lead = org.session.scalars(select(Lead)).one()

    outcome = set_lead_status(org.session, lead, "nurturing", now=NOW)

    assert {e.state for e in enrollments(org.session)} == {"active"}
    assert (lead.status, outcome.effects) == ("nurturing", [])


# --- imports ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "disposition"), [("unqualified", "Disqualified"), ("converted", "Success")]
)
def test_an_import_that_changes_a_leads_status_ends_its_cadences(
    engine: Engine, org: Org, status: str, disposition: str
) -> None:
    in_two_cadences(org)
    org.session.commit()

    import_records(engine, "leads", [{"email": "cy@fabrikam.example", "status": status}], "crm")

    assert {(state, end) for state, end, _ in ends(engine)} == {("exited", disposition)}


def test_an_import_that_keeps_the_status_changes_no_cadence(engine: Engine, org: Org) -> None:
    in_two_cadences(org)
    org.session.commit()

    import_records(
        engine, "leads", [{"email": "cy@fabrikam.example", "status": "open", "score": 80}], "crm"
    )

    assert {state for state, _, _ in ends(engine)} == {"active"}


def test_a_new_converted_lead_is_dated_and_enrolled_nowhere(engine: Engine) -> None:
    import_records(engine, "leads", [{"email": "new@x.example", "status": "converted"}], "crm")

    with Session(engine) as session:
        lead = session.scalars(select(Lead)).one()
        assert lead.status == "converted" and lead.converted_at is not None


def test_an_import_that_opts_a_lead_out_removes_it_from_every_cadence(
    engine: Engine, org: Org
) -> None:
    in_two_cadences(org)
    org.session.commit()

    import_records(
        engine, "leads", [{"email": "cy@fabrikam.example", "email_opt_out": "true"}], "crm"
    )

    assert {(state, reason) for state, _, reason in ends(engine)} == {("exited", "opted_out")}


def test_an_import_that_opts_a_contact_out_removes_it_from_every_cadence(
    engine: Engine, org: Org
) -> None:
    org.cadence("Renewal", EMAIL_FIRST)
    org.contact("dana@fabrikam.example", org.sam, name="Dana Ortiz")
    enroll(org.session, actor=org.sam, cadence_name="Renewal", targets=["Dana"], now=NOW)
    org.session.commit()

    import_records(
        engine, "contacts", [{"email": "dana@fabrikam.example", "email_opt_out": "yes"}], "crm"
    )

    assert [(state, reason) for state, _, reason in ends(engine)] == [("exited", "opted_out")]


def test_an_import_that_leaves_an_opt_out_in_place_does_nothing_more(engine: Engine) -> None:
    record = {"email": "cy@fabrikam.example", "email_opt_out": "true"}
    import_records(engine, "leads", [record], "crm")
    import_records(engine, "leads", [record], "crm")

    with Session(engine) as session:
        assert session.scalars(select(EngagementEvent)).all() == []
        assert session.scalars(select(OutboxEmail)).all() == []
