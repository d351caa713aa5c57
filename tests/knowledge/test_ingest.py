"""Ingesting one file: dedupe by content, the owner, participants by email, speakers by name,
the account by the customer's domain, and the call's title and date."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.orm import Session

import knowledge.models  # noqa: F401
from knowledge.ingest import CallSource, IngestError, ingest_file
from knowledge.models import Call, CallSegment
from knowledge.settings import knowledge_settings
from sales import data

SETTINGS = knowledge_settings({}, Path("."))
NOW = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)

VTT = """WEBVTT

00:00:01.000 --> 00:00:05.000
<v Sam Patel>Thanks for making time, Dana.

00:00:06.000 --> 00:00:10.000
<v Dana>Happy to. We are evaluating Gong as well.

00:00:11.000 --> 00:00:14.000
<v Pat (guest)>I'm from their IT team.
"""


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    data.metadata.create_all(engine)
    data.import_records(engine, "users", [
        {"email": "sam@acme.example", "name": "Sam Patel"},
        {"email": "maria@acme.example", "name": "Maria Lopez"},
    ], "org")  # fmt: skip
    data.import_records(engine, "accounts", [
        {"name": "Globex", "domain": "globex.example"},
        {"name": "Initech", "domain": "initech.example"},
    ], "org")  # fmt: skip
    data.import_records(engine, "contacts", [
        {"email": "dana@globex.example", "first_name": "Dana", "last_name": "Scully",
         "account": "Globex"},
        {"email": "bill@initech.example", "first_name": "Bill", "last_name": "Lumbergh",
         "account": "Initech"},
    ], "org")  # fmt: skip
    data.import_records(engine, "leads", [
        {"email": "peter@startup.example", "first_name": "Peter", "last_name": "Gibbons",
         "company": "Startup"},
    ], "org")  # fmt: skip
    yield engine
    engine.dispose()


def ingest(engine: Engine, path: Path, **options: Any) -> tuple[int, bool]:
    source = CallSource(path, options.pop("owner", "sam@acme.example"), **options)
    with Session(engine) as session:
        call, created = ingest_file(session, source, SETTINGS, now=lambda: NOW)
        session.commit()
        return call.id, created


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_participants_speakers_and_account_are_matched(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "globex_discovery.vtt", VTT)
    call_id, created = ingest(engine, path, participant_emails=("dana@globex.example",))
    assert created
    with Session(engine) as session:
        call = session.get_one(Call, call_id)
        people = {p.name: (p.email, p.internal, p.user_id is not None, p.contact_id is not None)
                  for p in call.participants}
        assert people == {
            "Sam Patel": ("sam@acme.example", True, True, False),
            "Dana Scully": ("dana@globex.example", False, False, True),
            "Pat (guest)": (None, False, False, False),  # no email: a guest, external
        }
        # "Dana" alone is Dana Scully: the only participant of that first name.
        assert [(s.speaker, s.participant.name if s.participant else None)
                for s in call.segments] == [
            ("Sam Patel", "Sam Patel"), ("Dana", "Dana Scully"), ("Pat (guest)", "Pat (guest)"),
        ]  # fmt: skip
        assert call.account is not None and call.account.name == "Globex"
        assert call.title == "globex discovery"
        assert call.started_at == NOW  # no date given and none in the file
        assert call.source_kind == "vtt" and call.duration_seconds == 14.0


def test_the_same_content_twice_is_one_call(engine: Engine, tmp_path: Path) -> None:
    first = write(tmp_path, "a.vtt", VTT)
    renamed = write(tmp_path, "copy of a.vtt", VTT)
    call_id, created = ingest(engine, first)
    again_id, again_created = ingest(engine, renamed, title="Another title")
    assert created and not again_created
    assert again_id == call_id
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Call)) == 1
        assert session.scalar(select(func.count()).select_from(CallSegment)) == 3
        assert session.get_one(Call, call_id).title == "a"


def test_the_account_comes_from_the_email_domain_without_a_contact(
    engine: Engine, tmp_path: Path
) -> None:
    path = write(tmp_path, "c.txt", "Sam Patel: Hello.\nMilton: Hi, I have a question.\n")
    call_id, _ = ingest(engine, path, participant_emails=("milton@initech.example",))
    with Session(engine) as session:
        call = session.get_one(Call, call_id)
        milton = next(p for p in call.participants if p.email == "milton@initech.example")
        assert (milton.name, milton.internal, milton.contact_id) == ("Milton", False, None)
        assert call.segments[1].participant is milton  # named from the address
        assert call.account is not None and call.account.name == "Initech"


def test_who_spoke_decides_the_account_over_a_silent_invitee(
    engine: Engine, tmp_path: Path
) -> None:
    path = write(tmp_path, "d.txt", "Sam Patel: Hello Bill.\nBill Lumbergh: Yeah, hi.\n")
    call_id, _ = ingest(engine, path, participant_emails=(
        "dana@globex.example", "bill@initech.example"))  # fmt: skip
    with Session(engine) as session:
        account = session.get_one(Call, call_id).account
        assert account is not None and account.name == "Initech"


def test_speakers_are_found_by_full_name_without_participant_emails(
    engine: Engine, tmp_path: Path
) -> None:
    path = write(tmp_path, "e.txt", "Maria Lopez: Hi Peter.\nPeter Gibbons: Hi Maria.\n")
    call_id, _ = ingest(engine, path)
    with Session(engine) as session:
        call = session.get_one(Call, call_id)
        found = {p.name: (p.internal, p.user_id is not None, p.lead_id is not None)
                 for p in call.participants}
        assert found == {
            "Sam Patel": (True, True, False),  # the owner, who did not speak
            "Maria Lopez": (True, True, False),  # a colleague, by her user name
            "Peter Gibbons": (False, False, True),  # a lead
        }
        assert call.account is None  # a lead has no account


def test_unknown_colleague_address_is_internal(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "f.txt", "Sam Patel: Hi.\nJo Smith: Hello.\n")
    call_id, _ = ingest(engine, path, participant_emails=("jo.smith@acme.example",))
    with Session(engine) as session:
        jo = next(p for p in session.get_one(Call, call_id).participants
                  if p.email == "jo.smith@acme.example")
        assert (jo.name, jo.internal, jo.user_id) == ("Jo Smith", True, None)


def test_given_title_and_time_win_over_the_file(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "g.txt", "Title: From the file\nDate: 2026-01-05\nSam Patel: Hi.\n")
    stated_id, _ = ingest(engine, path)
    other = write(tmp_path, "h.txt", "Title: From the file\nDate: 2026-01-05\nSam Patel: Hey.\n")
    given_id, _ = ingest(engine, other, title="Kickoff",
                         started_at=datetime(2026, 2, 1, 9, 0, tzinfo=UTC))
    with Session(engine) as session:
        stated, given = session.get_one(Call, stated_id), session.get_one(Call, given_id)
        assert (stated.title, stated.started_at) == ("From the file",
                                                     datetime(2026, 1, 5, tzinfo=UTC))
        assert (given.title, given.started_at) == ("Kickoff",
                                                   datetime(2026, 2, 1, 9, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"owner": "nobody@acme.example"}, "owner nobody@acme.example: no user with this email"),
        ({"participant_emails": ("not-an-email",)}, "participant 'not-an-email' is not an email"),
        ({"participant_emails": tuple(f"p{n}@x.example" for n in range(40))},
         "over 40 participants"),
    ],
)
def test_wrong_people_are_refused(
    engine: Engine, tmp_path: Path, options: dict[str, Any], reason: str
) -> None:
    path = write(tmp_path, "call.vtt", VTT)
    with pytest.raises(IngestError, match=reason):
        ingest(engine, path, **options)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Call)) == 0


def test_unsupported_and_missing_files(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"unsupported file type \.pdf"):
        ingest(engine, write(tmp_path, "deck.pdf", "%PDF"))
    with pytest.raises(IngestError, match="cannot read"):
        ingest(engine, tmp_path / "gone.vtt")
