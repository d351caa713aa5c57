"""The demo org (data/demo.yml) and the conversation tests' org (tests/fixtures/sales_org.yml)
load, twice, and hold what the demo script and the cadence conversations rely on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sales.cadence_models import Cadence
from sales.data import load_fixtures
from sales.prospects import Contact, Lead, SavedList

REPO = Path(__file__).resolve().parents[2]
ORGS = [REPO / "data" / "demo.yml", REPO / "tests" / "fixtures" / "sales_org.yml"]


@pytest.mark.parametrize("path", ORGS, ids=lambda path: path.name)
def test_the_org_loads_twice_to_the_same_counts(engine: Engine, path: Path) -> None:
    first = load_fixtures(engine, path)
    assert load_fixtures(engine, path) == first
    assert {"users", "accounts", "contacts", "leads", "lists", "cadences"} <= set(first)


@pytest.mark.parametrize("path", ORGS, ids=lambda path: path.name)
def test_the_webinar_list_has_one_person_opted_out_of_email(engine: Engine, path: Path) -> None:
    # "Enroll the Dreamforce webinar list into Q4 Outbound for Sam" -> "Enrolled 3 of 4; ..."
    load_fixtures(engine, path)
    with Session(engine) as session:
        webinar = session.scalars(
            select(SavedList).where(SavedList.name == "Dreamforce webinar")
        ).one()
        emails = [member.email for member in webinar.members]
        opted_out = {
            person.email
            for model in (Lead, Contact)
            for person in session.scalars(select(model).where(model.email.in_(emails)))
            if person.email_opt_out
        }
        q4 = session.scalars(select(Cadence).where(Cadence.name == "Q4 Outbound")).one()
        step_types = [step.type for step in q4.steps]
    assert len(emails) == 4
    assert opted_out == {"cy@fabrikam.example"}
    assert q4.status == "active"
    assert step_types[:5] == ["call", "email", "call", "linkedin", "email"]


def test_the_demo_q4_outbound_email_uses_the_merge_fields(engine: Engine) -> None:
    load_fixtures(engine, ORGS[0])
    with Session(engine) as session:
        cadences = {c.name: c for c in session.scalars(select(Cadence))}
        auto = [step for step in cadences["Q4 Outbound"].steps if step.automated]
        fields = set(re.findall(r"\{\{\s*([\w.]+)\s*\}\}", auto[0].template or ""))
        branching = [step for step in cadences["Q4 Outbound"].steps if step.branches]
        statuses = {name: cadence.status for name, cadence in cadences.items()}
    assert fields == {"Recipient.FirstName", "Recipient.Company", "Sender.Name"}
    assert branching and branching[0].type == "call"
    assert statuses == {
        "Q4 Outbound": "active",
        "Inbound Follow-up": "active",
        "Renewal Nurture": "draft",
    }


@pytest.mark.parametrize("path", ORGS, ids=lambda path: path.name)
def test_every_email_is_at_an_example_domain(path: Path) -> None:
    emails = re.findall(r"[\w.+-]+@[\w.-]+", path.read_text(encoding="utf-8"))
    assert emails
    assert [email for email in emails if not email.endswith(".example")] == []
