"""Cadences and their steps, from YAML, CSV with a steps cell, or CSV with one row per step."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sales.cadence_models import Cadence, Enrollment, StepTask
from sales.data import DataImportError, import_file, import_records
from sales.models import User, utc_now
from sales.prospects import Lead
from tests.sales.import_support import sqlite_engine

Write = Callable[[str, str], Path]

Q4_YAML = """\
cadences:
  - name: Q4 Outbound
    owner: maria@acme.example
    status: active
    skip_weekends: no
    steps:
      - {type: call, name: Intro call}
      - type: email
        name: Intro email
        after_days: 1
        subject: "{{Recipient.Company}} and Acme"
        template: "Hi {{Recipient.FirstName}}, {{Sender.Name}}"
      - type: call
        name: Follow-up call
        after_hours: 4
        on:
          Meaningful Connect: recap email
          left-voicemail: next
          not_interested: exit
      - {type: linkedin, after_days: 1}
      - {type: email, name: Recap email, subject: Thanks, template: "Hi", automated: false}
"""


@pytest.fixture
def org(engine: Engine) -> Engine:
    return with_maria(engine)


@pytest.fixture
def lite_org(tmp_path: Path) -> Iterator[Engine]:
    """For validation only: SQLite alone (see tests/sales/import_support.py)."""
    with sqlite_engine(tmp_path) as engine:
        yield with_maria(engine)


def with_maria(engine: Engine) -> Engine:
    import_records(engine, "users", [{"email": "maria@acme.example", "name": "Maria"}], "org")
    return engine


def cadences(engine: Engine) -> dict[str, dict[str, Any]]:
    with Session(engine) as session:
        return {
            cadence.name: {
                "owner": cadence.owner.email if cadence.owner else None,
                "status": cadence.status,
                "skip_weekends": cadence.skip_weekends,
                "steps": [
                    (s.position, s.name, s.type, s.delay_minutes, s.automated, s.branches)
                    for s in cadence.steps
                ],
            }
            for cadence in session.scalars(select(Cadence))
        }


def step_ids(engine: Engine, name: str) -> dict[str, int]:
    with Session(engine) as session:
        cadence = session.scalars(select(Cadence).where(Cadence.name == name)).one()
        return {step.name: step.id for step in cadence.steps}


def test_a_yaml_cadence_stores_its_steps_delays_and_branches(org: Engine, write: Write) -> None:
    assert import_file(org, "cadences", write("cadences.yml", Q4_YAML)) == 1

    assert cadences(org) == {
        "Q4 Outbound": {
            "owner": "maria@acme.example",
            "status": "active",
            "skip_weekends": False,
            "steps": [
                (1, "Intro call", "call", 0, False, {}),
                (2, "Intro email", "email", 24 * 60, True, {}),  # a template: automated
                (
                    3,
                    "Follow-up call",
                    "call",
                    4 * 60,
                    False,
                    {
                        "meaningful_connect": "Recap email",
                        "left_voicemail": "next",
                        "not_interested": "exit",
                    },
                ),
                (4, "Step 4 (LinkedIn)", "linkedin", 24 * 60, False, {}),
                (5, "Recap email", "email", 0, False, {}),
            ],
        }
    }
    with Session(org) as session:
        intro = session.scalars(select(Cadence)).one().steps[1]
        assert intro.subject == "{{Recipient.Company}} and Acme"
        assert intro.template == "Hi {{Recipient.FirstName}}, {{Sender.Name}}"


def test_csv_steps_as_a_json_cell(org: Engine, write: Write) -> None:
    steps = [
        {"type": "call", "name": "Call 1"},
        {"type": "call", "name": "Call 2", "after_days": 2, "on": {"not_interested": "exit"}},
    ]
    cell = json.dumps(steps).replace('"', '""')
    path = write(
        "cadences.csv",
        f'name,owner,status,skip_weekends,steps\nCold Calls,maria@acme.example,active,1,"{cell}"\n'
        "Renewal Nurture,,draft,,\n",
    )

    assert import_file(org, "cadences", path) == 2

    stored = cadences(org)
    assert stored["Cold Calls"]["steps"] == [
        (1, "Call 1", "call", 0, False, {}),
        (2, "Call 2", "call", 2 * 24 * 60, False, {"not_interested": "exit"}),
    ]
    assert stored["Cold Calls"]["skip_weekends"] is True
    assert stored["Renewal Nurture"] == {
        "owner": None,
        "status": "draft",
        "skip_weekends": True,
        "steps": [],
    }


CSV_ROWS = """\
name,owner,status,skip_weekends,step,type,after_days,after_hours,subject,template,automated,on
Inbound Follow-up,maria@acme.example,active,yes,Thanks,email,,,Thanks!,Hi {{Recipient.FirstName}},,
Inbound Follow-up,,,,Discovery call,call,,4,,,,"{meaningful_connect: exit, call_back_later: next}"
Inbound Follow-up,,,,Case study,task,1,,,,,
"""


def test_csv_one_row_per_step(org: Engine, write: Write) -> None:
    assert import_file(org, "cadences", write("cadences.csv", CSV_ROWS)) == 1

    assert cadences(org)["Inbound Follow-up"] == {
        "owner": "maria@acme.example",
        "status": "active",
        "skip_weekends": True,
        "steps": [
            (1, "Thanks", "email", 0, True, {}),
            (
                2,
                "Discovery call",
                "call",
                240,
                False,
                {"meaningful_connect": "exit", "call_back_later": "next"},
            ),
            (3, "Case study", "task", 24 * 60, False, {}),
        ],
    }


def test_importing_a_cadence_twice_keeps_its_steps(org: Engine, write: Write) -> None:
    path = write("cadences.yml", Q4_YAML)
    import_file(org, "cadences", path)
    before, ids = cadences(org), step_ids(org, "Q4 Outbound")

    import_file(org, "cadences", path)

    assert cadences(org) == before
    assert step_ids(org, "Q4 Outbound") == ids  # people on a step stay on the same step


def test_reimport_reorders_adds_and_removes_steps_matched_by_name(
    org: Engine, write: Write
) -> None:
    import_file(org, "cadences", write("cadences.yml", Q4_YAML))
    ids = step_ids(org, "Q4 Outbound")
    changed = write(
        "changed.yml",
        "- name: q4 outbound\n"  # any case names the same cadence
        "  steps:\n"
        "    - {type: linkedin, name: Step 4 (LinkedIn)}\n"
        "    - {type: call, name: Intro call, after_days: 1}\n"
        "    - {type: sms, name: Text}\n",
    )

    import_file(org, "cadences", changed)

    stored = cadences(org)["Q4 Outbound"]
    assert stored["status"] == "active" and stored["owner"] == "maria@acme.example"
    assert [step[:4] for step in stored["steps"]] == [
        (1, "Step 4 (LinkedIn)", "linkedin", 0),
        (2, "Intro call", "call", 24 * 60),
        (3, "Text", "sms", 0),
    ]
    now = step_ids(org, "Q4 Outbound")
    assert now["Intro call"] == ids["Intro call"]
    assert now["Step 4 (LinkedIn)"] == ids["Step 4 (LinkedIn)"]


def enroll_on_step(engine: Engine, cadence_name: str, step_name: str, *, due_task: bool) -> None:
    """Someone in the cadence, on the given step (as the cadence engine would leave them)."""
    with Session(engine) as session, session.begin():
        cadence = session.scalars(select(Cadence).where(Cadence.name == cadence_name)).one()
        step = next(step for step in cadence.steps if step.name == step_name)
        first = cadence.steps[0]
        lead = Lead(email=f"lead{step.id}@prospect.example")
        maria = session.scalars(select(User)).first()
        assert maria is not None
        enrollment = Enrollment(
            cadence=cadence,
            lead=lead,
            assignee=maria,
            current_step=first if due_task else step,
        )
        session.add(enrollment)
        if due_task:
            session.add(StepTask(enrollment=enrollment, step=step, due_at=utc_now()))


@pytest.mark.parametrize("due_task", [False, True])
def test_a_step_people_are_on_cannot_be_removed(org: Engine, write: Write, due_task: bool) -> None:
    import_file(org, "cadences", write("cadences.yml", Q4_YAML))
    enroll_on_step(org, "Q4 Outbound", "Follow-up call", due_task=due_task)
    before = cadences(org)
    without = Q4_YAML.replace("name: Follow-up call", "name: Second call")

    with pytest.raises(DataImportError) as caught:
        import_file(org, "cadences", write("without.yml", without))

    assert str(caught.value) == (
        "without.yml line 2, field 'steps': step 'Follow-up call' of 'Q4 Outbound' would be "
        "removed, but 1 person is on it; keep the step, or remove them from the cadence first"
    )
    assert cadences(org) == before


def test_a_step_nobody_is_on_any_more_can_be_removed(org: Engine, write: Write) -> None:
    import_file(org, "cadences", write("cadences.yml", Q4_YAML))
    enroll_on_step(org, "Q4 Outbound", "Follow-up call", due_task=False)
    with Session(org) as session, session.begin():
        enrollment = session.scalars(select(Enrollment)).one()
        enrollment.state = "completed"
    without = Q4_YAML.replace("name: Follow-up call", "name: Second call")

    import_file(org, "cadences", write("without.yml", without))

    assert "Second call" in step_ids(org, "Q4 Outbound")
    assert "Follow-up call" not in step_ids(org, "Q4 Outbound")


# --- errors -----------------------------------------------------------------------------------

STEP = "{type: call, name: Call}"


@pytest.mark.parametrize(
    ("cadence", "message"),
    [
        ("{name: X, status: paused}", "line 1, field 'status': expected one of draft, active"),
        ("{name: X, skip_weekends: sometimes}", "line 1, field 'skip_weekends': expected true"),
        ("{name: X, owner: ghost@acme.example}", "line 1, field 'owner': no user with email"),
        ("{status: draft}", "line 1, field 'name': required"),
        ("{name: X, status: active}", "line 1, field 'status': an active cadence needs at least"),
        ("{name: X, steps: [{name: Call}]}", "line 1, step 1, field 'type': required; one of"),
        (f"{{name: X, steps: [{STEP}, {{type: fax}}]}}", "step 2, field 'type': expected one of"),
        (
            "{name: X, steps: [{type: call, after_days: 1, after_hours: 2}]}",
            "step 1, field 'after_hours': give after_days or after_hours, not both",
        ),
        (
            "{name: X, steps: [{type: call, after_days: -1}]}",
            "step 1, field 'after_days': expected a number from 0 to 365, got -1",
        ),
        (
            "{name: X, steps: [{type: call, after_hours: soon}]}",
            "step 1, field 'after_hours': expected a whole number, got 'soon'",
        ),
        (
            f"{{name: X, steps: [{{type: call, on: {{voicemail: exit}}}}, {STEP}]}}",
            "step 1, field 'on': unknown call event 'voicemail'; expected meaningful_connect,",
        ),
        (
            f"{{name: X, steps: [{{type: call, on: {{reply: exit}}}}, {STEP}]}}",
            "step 1, field 'on': unknown call event 'reply'",
        ),
        (
            f"{{name: X, steps: [{{type: email, on: {{left_voicemail: exit}}}}, {STEP}]}}",
            "step 1, field 'on': unknown email event 'left_voicemail'; expected reply, open,",
        ),
        (
            f"{{name: X, steps: [{{type: task, on: {{reply: exit}}}}, {STEP}]}}",
            "step 1, field 'on': only call and email steps branch",
        ),
        (
            f"{{name: X, steps: [{{type: call, on: {{disqualified: Calll}}}}, {STEP}]}}",
            "step 1, field 'on': disqualified: no step named 'Calll' in this cadence",
        ),
        (
            f"{{name: X, steps: [{STEP}, {{type: call, on: {{disqualified: call}}}}]}}",
            "step 2, field 'on': disqualified: 'Call' is not after this step",
        ),
        (
            f"{{name: X, steps: [{STEP}, {{type: email, on: {{open: next}}}}]}}",
            "step 2, field 'on': open: 'next' from the last step leads nowhere; use exit",
        ),
        (
            "{name: X, steps: [{type: call, automated: true}]}",
            "step 1, field 'automated': only email steps are sent automatically",
        ),
        (
            "{name: X, steps: [{type: email, subject: Hi, automated: true}]}",
            "step 1, field 'template': required for an automated email",
        ),
        (
            "{name: X, steps: [{type: email, template: Hi there}]}",
            "step 1, field 'subject': required for an automated email",
        ),
        (
            "{name: X, steps: [{type: call, subject: Hi}]}",
            "step 1, field 'subject': only email steps have a subject",
        ),
        (f"{{name: X, steps: [{STEP}, {STEP}]}}", "step 2, field 'name': two steps are named"),
        (
            "{name: X, steps: [{type: email, subject: Hi, template: 'Hi {{Recipient.Frist}}'}]}",
            "step 1, field 'template': unknown merge field {{Recipient.Frist}} (known: ",
        ),
        (
            "{name: X, steps: [{type: email, subject: 'Hi {{Recipient.FirstName', template: x}]}",
            "step 1, field 'subject': subject line 1: unexpected end of template",
        ),
        ("{name: X, steps: [{type: call, wait: 2}]}", "step 1, field 'wait': unknown field"),
        ("{name: X, steps: call}", "line 1, field 'steps': expected a list of steps, got 'call'"),
    ],
)
def test_each_invalid_cadence_names_its_line_and_field(
    lite_org: Engine, write: Write, cadence: str, message: str
) -> None:
    path = write("cadences.yml", f"- {cadence}\n- {{name: Fine, steps: [{STEP}]}}\n")

    with pytest.raises(DataImportError) as caught:
        import_file(lite_org, "cadences", path)

    assert str(caught.value).startswith("cadences.yml line 1"), caught.value
    assert message in str(caught.value)
    assert cadences(lite_org) == {}  # not even the good cadence on line 2


def test_more_than_100_steps_is_refused(org: Engine) -> None:
    steps = [{"type": "task", "name": f"Task {n}"} for n in range(101)]
    with pytest.raises(DataImportError) as caught:
        import_records(org, "cadences", [{"name": "Long", "steps": steps}], "api")
    assert str(caught.value) == ("api row 1, field 'steps': 101 steps; a cadence has at most 100")
    import_records(org, "cadences", [{"name": "Long", "steps": steps[:100]}], "api")
    assert len(cadences(org)["Long"]["steps"]) == 100


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ('X,,,"[{type: call",,', "row 2, field 'steps': not a valid JSON or YAML list"),
        ('X,,,"[{type: call}]",Call,call', "row 2, field 'steps': give steps as a list or as"),
        ("X,,,,Call,call\nX,,draft,,Call 2,cal", "row 3, field 'type': expected one of call"),
        ("X,,draft,,Call,call\nX,,active,,Call 2,call", "row 3, field 'status': 'X' has status"),
        ("X,,,,Call,call,3,3", "row 2, field 'after_hours': give after_days or after_hours"),
        ('X,,,,Call,call,,,"{maybe: exit}"', "row 2, field 'on': unknown call event 'maybe'"),
    ],
)
def test_csv_errors_name_the_row_and_field(
    lite_org: Engine, write: Write, rows: str, message: str
) -> None:
    header = "name,owner,status,steps,step,type,after_days,after_hours,on"
    with pytest.raises(DataImportError) as caught:
        import_file(lite_org, "cadences", write("cadences.csv", f"{header}\n{rows}\n"))
    assert str(caught.value).startswith(f"cadences.csv {message}"), caught.value
    assert cadences(lite_org) == {}
