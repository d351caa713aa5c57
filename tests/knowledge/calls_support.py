"""A small sales org with calls, built directly in SQL for the analysis and answer tests.

Calls come from the transcripts in tests/fixtures/calls/ through the real transcript parser;
participants are named by the speakers (internal when the speaker is a user), so these tests do
not depend on the ingest pipeline's matching rules (tested on their own).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

import sales.data  # noqa: F401  (registers every sales model on the shared metadata)
from knowledge.models import Call, CallParticipant, CallSegment
from knowledge.transcripts import parse_transcript_file
from sales.models import Team, User
from sales.prospects import Account, Contact

CALLS = Path(__file__).resolve().parents[1] / "fixtures" / "calls"

PEOPLE = {
    # email: (name, role, manager, team, timezone)
    "maria@acme.example": ("Maria Lopez", "manager", None, "West", "America/Los_Angeles"),
    "sam@acme.example": ("Sam Patel", "rep", "maria@acme.example", "West", "America/Los_Angeles"),
    "jane@acme.example": ("Jane Kim", "rep", "maria@acme.example", "West", "America/Denver"),
    "omar@acme.example": ("Omar Haddad", "manager", None, "East", "America/New_York"),
    "lee@acme.example": ("Lee Chen", "rep", "omar@acme.example", "East", "Europe/London"),
    "admin@acme.example": ("Alex Admin", "admin", None, None, "UTC"),
}
ACCOUNTS = {"Globex": "globex.example", "Initech": "initech.example",
            "Contoso": "contoso.example", "Fabrikam": "fabrikam.example"}  # fmt: skip
CONTACTS = {
    "Ana Ruiz": ("ana.ruiz@globex.example", "Globex"),
    "Hank Scorpio": ("hank.scorpio@globex.example", "Globex"),
    "Bill Lumbergh": ("bill.lumbergh@initech.example", "Initech"),
    "Olivia Hart": ("olivia.hart@contoso.example", "Contoso"),
    "Dana Ortiz": ("dana.ortiz@fabrikam.example", "Fabrikam"),
}


def make_org(session: Session) -> dict[str, User]:
    teams = {name: Team(name=name) for name in ("West", "East")}
    session.add_all(teams.values())
    users: dict[str, User] = {}
    for email, (name, role, _manager, team, zone) in PEOPLE.items():
        users[email] = User(email=email, name=name, role=role, timezone=zone,
                            team=teams[team] if team else None)  # fmt: skip
        session.add(users[email])
    for email, (_name, _role, manager, _team, _zone) in PEOPLE.items():
        if manager:
            users[email].manager = users[manager]
    teams["West"].manager = users["maria@acme.example"]
    teams["East"].manager = users["omar@acme.example"]
    accounts = {name: Account(name=name, domain=domain) for name, domain in ACCOUNTS.items()}
    session.add_all(accounts.values())
    for name, (email, account) in CONTACTS.items():
        first, last = name.split(" ", 1)
        session.add(Contact(email=email, first_name=first, last_name=last,
                            account=accounts[account]))  # fmt: skip
    session.flush()
    return users


def add_call(
    session: Session,
    file: str,
    *,
    owner: str,
    title: str,
    started_at: datetime,
    account: str | None = None,
    rename: dict[str, str] | None = None,
) -> Call:
    """The transcript ``file`` as a call; ``rename`` gives speakers other names."""
    transcript = parse_transcript_file(CALLS / file)
    names = rename or {}
    owner_user = session.scalars(select(User).where(User.email == owner)).one()
    call = Call(
        owner=owner_user, title=title, started_at=started_at.astimezone(UTC),
        duration_seconds=max(segment.end for segment in transcript.segments),
        source_kind=transcript.kind, source_name=file, content_hash=f"{file}:{started_at}:{title}",
        account=session.scalars(select(Account).where(Account.name == account)).first(),
    )  # fmt: skip
    session.add(call)
    participants: dict[str, CallParticipant] = {}
    for position, segment in enumerate(transcript.segments):
        speaker = names.get(segment.speaker, segment.speaker)
        if speaker not in participants:
            participants[speaker] = _participant(session, call, speaker)
        session.add(CallSegment(
            call=call, position=position, speaker=speaker, participant=participants[speaker],
            start=segment.start, end=segment.end, text=segment.text,
        ))  # fmt: skip
    session.flush()
    session.refresh(call)
    return call


def _participant(session: Session, call: Call, speaker: str) -> CallParticipant:
    user = session.scalars(select(User).where(User.name == speaker)).first()
    if user is not None:
        participant = CallParticipant(call=call, name=speaker, email=user.email, internal=True,
                                      user=user)  # fmt: skip
    else:
        email = CONTACTS[speaker][0] if speaker in CONTACTS else None
        contact = session.scalars(select(Contact).where(Contact.email == email)).first()
        participant = CallParticipant(call=call, name=speaker, email=email, internal=False,
                                      contact=contact)  # fmt: skip
    session.add(participant)
    return participant
