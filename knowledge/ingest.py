"""One file -> one stored call: its turns, who took part, and the account it was with.

A call is known by the sha256 of the file's bytes: ingesting the same file again returns the
call already stored. The owner must be a user. Participants are found by email (users are
internal; contacts and leads external; an unknown address is internal when it shares the
owner's domain, else external, as a guest is). Each speaker of the transcript is matched to a
participant by name (full name, email, a first name only one participant has, or a close
spelling); a speaker no participant matches is matched to a user, contact or lead of that
exact full name when only one has it, else kept as a participant known by name only (external,
like a guest). The account is the one most external participants belong to (a contact's
account, else the account whose domain is their email domain; one who spoke counts double an
invitee who did not); ties go to the newest account.

Recordings: a stereo file's rep side is the owner and the other side is the single external
participant when there is one (else "Customer"). A mono file has no speaker separation, so
its turns are "Speaker", unless the owner is the only participant (a pitch practice).
Dates: ``started_at`` is the given time, else the date the transcript states, else now.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rapidfuzz import fuzz
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from knowledge.models import Call, CallParticipant, CallSegment
from knowledge.settings import KnowledgeSettings
from knowledge.transcribe import AUDIO_SUFFIXES, ProgressCallback, transcribe_file
from knowledge.transcripts import TRANSCRIPT_SUFFIXES, Transcript, parse_transcript_file
from sales.models import User
from sales.prospects import Account, Contact, Lead

MAX_PARTICIPANTS = 40  # spec/eci.md AT3: larger meetings are not calls
GENERIC_SPEAKER = re.compile(r"^(speaker|unknown|customer|rep|guest)(\s*\d+)?$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


class IngestError(ValueError):
    """The file cannot become a call; the message is one line saying why."""


@dataclass(frozen=True)
class CallSource:
    """A file and what the person ingesting it says about it."""

    path: Path
    owner_email: str
    title: str | None = None
    started_at: datetime | None = None
    participant_emails: Sequence[str] = ()


@dataclass
class Person:
    """A participant before it is stored: who, and how they were identified."""

    name: str
    email: str | None = None
    internal: bool = False
    user: User | None = None
    contact: Contact | None = None
    lead: Lead | None = None
    speakers: list[str] = field(default_factory=list)


def content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                digest.update(block)
    except OSError as error:
        raise IngestError(f"cannot read: {error.strerror or error}") from error
    return digest.hexdigest()


def find_call(session: Session, digest: str) -> Call | None:
    return session.scalars(select(Call).where(Call.content_hash == digest)).first()


def ingest_file(
    session: Session,
    source: CallSource,
    settings: KnowledgeSettings,
    *,
    progress: ProgressCallback | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> tuple[Call, bool]:
    """The call stored for ``source`` (flushed, not committed) and whether it is new."""
    suffix = source.path.suffix.lower()
    if suffix not in AUDIO_SUFFIXES and suffix not in TRANSCRIPT_SUFFIXES:
        raise IngestError(f"unsupported file type {suffix or '(none)'}; expected audio "
                          f"({', '.join(AUDIO_SUFFIXES)}) or a transcript "
                          f"({', '.join(TRANSCRIPT_SUFFIXES)})")
    digest = content_hash(source.path)
    if source.path.stat().st_size == 0:
        raise IngestError("empty file")
    existing = find_call(session, digest)
    if existing is not None:
        return existing, False
    owner = owner_with_email(session, source.owner_email)
    people = people_with_emails(session, owner, source.participant_emails)
    transcript, language, duration = _read(source.path, settings, owner, people, progress)
    call = Call(
        owner=owner,
        title=(source.title or transcript.title or _title_from(source.path))[:300],
        started_at=(source.started_at or transcript.started_at or now()).astimezone(UTC),
        duration_seconds=round(duration, 2),
        source_kind=transcript.kind,
        source_name=source.path.name[:500],
        content_hash=digest,
        language=language,
    )
    _add_people_and_turns(session, call, transcript, people)
    call.account = account_of(session, people)
    session.add(call)
    session.flush()
    return call, True


def owner_with_email(session: Session, email: str) -> User:
    address = email.strip().lower()
    owner = session.scalars(select(User).where(func.lower(User.email) == address)).first()
    if owner is None:
        raise IngestError(f"owner {email}: no user with this email (the owner must be a user)")
    return owner


def people_with_emails(session: Session, owner: User, emails: Sequence[str]) -> list[Person]:
    """The owner, then each other participant by email, in the order given."""
    people = [Person(owner.name, owner.email, True, user=owner)]
    seen = {owner.email.lower()}
    for raw in emails:
        email = raw.strip().lower()
        if not email or email in seen:
            continue
        if not _EMAIL.match(email):
            raise IngestError(f"participant {raw!r} is not an email address")
        seen.add(email)
        people.append(_person_with_email(session, owner, email))
    if len(people) > MAX_PARTICIPANTS:
        raise IngestError(f"{len(people)} participants: over {MAX_PARTICIPANTS} participants "
                          "is a meeting, not a call")
    return people


def _person_with_email(session: Session, owner: User, email: str) -> Person:
    user = session.scalars(select(User).where(func.lower(User.email) == email)).first()
    if user is not None:
        return Person(user.name, email, True, user=user)
    contact = session.scalars(select(Contact).where(Contact.email == email)).first()
    if contact is not None:
        return Person(contact.name, email, False, contact=contact)
    lead = session.scalars(select(Lead).where(Lead.email == email)).first()
    if lead is not None:
        return Person(_lead_name(lead), email, False, lead=lead)
    colleague = _domain(email) == _domain(owner.email)
    return Person(_name_from_email(email), email, colleague)


def _name_from_email(email: str) -> str:
    """dana.scully@x -> "Dana Scully": what a transcript is likely to call them."""
    words = re.split(r"[._+\-]+", email.split("@")[0])
    return " ".join(word.capitalize() for word in words if word) or email


def _lead_name(lead: Lead) -> str:
    return f"{lead.first_name} {lead.last_name}".strip() or lead.email


def _domain(email: str | None) -> str:
    return email.rsplit("@", 1)[-1].lower() if email and "@" in email else ""


def _read(
    path: Path, settings: KnowledgeSettings, owner: User, people: list[Person],
    progress: ProgressCallback | None,
) -> tuple[Transcript, str | None, float]:
    """The turns, their language if detected, and the call's length in seconds."""
    from knowledge.transcribe import AudioError
    from knowledge.transcripts import TranscriptError

    try:
        if path.suffix.lower() in TRANSCRIPT_SUFFIXES:
            transcript = parse_transcript_file(path)
            return transcript, None, transcript.duration
        external = [person for person in people if not person.internal]
        recorded = transcribe_file(
            path, settings.asr, rep_speaker=owner.name,
            other_speaker=external[0].name if len(external) == 1 else "Customer",
            mono_speaker=owner.name if len(people) == 1 else "Speaker",
            progress=progress,
        )
    except (TranscriptError, AudioError) as error:
        raise IngestError(str(error)) from error
    return Transcript(recorded.segments, "audio"), recorded.language, recorded.duration


def _title_from(path: Path) -> str:
    return " ".join(re.sub(r"[_]+", " ", path.stem).split()) or path.name


# --- speakers -> participants ---------------------------------------------------------------


def _add_people_and_turns(
    session: Session, call: Call, transcript: Transcript, people: list[Person]
) -> None:
    by_speaker: dict[str, Person | None] = {}
    for speaker in transcript.speakers:
        person = match_speaker(speaker, people) or _known_by_name(session, speaker, people)
        if person is None and not GENERIC_SPEAKER.match(speaker):
            person = Person(speaker[:200])  # a guest: external, known by name only
            people.append(person)
        if person is not None:
            person.speakers.append(speaker)
        by_speaker[speaker] = person
    rows = {
        id(person): CallParticipant(
            name=person.name[:200], email=person.email, internal=person.internal,
            user=person.user, contact=person.contact, lead=person.lead,
        )
        for person in people
    }
    call.participants = list(rows.values())
    call.segments = [
        CallSegment(
            position=position, speaker=segment.speaker[:200], start=segment.start,
            end=segment.end, text=segment.text,
            participant=rows[id(person)] if (person := by_speaker[segment.speaker]) else None,
        )
        for position, segment in enumerate(transcript.segments)
    ]


def match_speaker(speaker: str, people: Sequence[Person]) -> Person | None:
    """The participant a transcript's speaker name stands for, when one clearly does."""
    name = " ".join(speaker.split()).casefold()
    for person in people:
        if person.name.casefold() == name or (person.email or "").casefold() == name:
            return person
    first = name.split(" ")[0]
    with_first = [p for p in people if p.name.casefold().split(" ")[0] == first]
    if len(with_first) == 1 and (" " not in name or _initial_matches(name, with_first[0])):
        return with_first[0]
    scored = sorted(((fuzz.token_sort_ratio(name, p.name.casefold()), i)
                     for i, p in enumerate(people)), reverse=True)
    if scored and scored[0][0] >= 88 and (len(scored) == 1 or scored[1][0] < scored[0][0]):
        return people[scored[0][1]]
    return None


def _initial_matches(name: str, person: Person) -> bool:
    """"Dana S." is Dana Scully: the rest of the name is an initial of her surname."""
    rest = name.split(" ", 1)[1].strip(". ")
    surname = person.name.casefold().split(" ", 1)[1:] or [""]
    return len(rest) == 1 and surname[0].startswith(rest)


def _known_by_name(session: Session, speaker: str, people: list[Person]) -> Person | None:
    """A speaker no participant matches: the one user, contact or lead with that full name."""
    parts = speaker.split()
    if len(parts) < 2:
        return None  # a first name alone names too many people
    first, last = parts[0].lower(), " ".join(parts[1:]).lower()
    users = session.scalars(select(User).where(func.lower(User.name) == speaker.lower())).all()
    contacts = session.scalars(select(Contact).where(
        func.lower(Contact.first_name) == first, func.lower(Contact.last_name) == last)).all()
    leads = session.scalars(select(Lead).where(
        func.lower(Lead.first_name) == first, func.lower(Lead.last_name) == last)).all()
    if len(users) + len(contacts) + len(leads) != 1:
        return None
    if users:
        person = Person(users[0].name, users[0].email, True, user=users[0])
    elif contacts:
        person = Person(contacts[0].name, contacts[0].email, False, contact=contacts[0])
    else:
        person = Person(_lead_name(leads[0]), leads[0].email, False, lead=leads[0])
    if any(p.email == person.email for p in people):
        return next(p for p in people if p.email == person.email)
    people.append(person)
    return person


# --- account --------------------------------------------------------------------------------


def account_of(session: Session, people: Sequence[Person]) -> Account | None:
    """The account most external participants point to (contact's account, else domain)."""
    votes: Counter[int] = Counter()
    accounts: dict[int, Account] = {}
    domains = {_domain(p.email) for p in people if not p.internal and p.email}
    by_domain = {
        account.domain: account
        for account in session.scalars(select(Account).where(Account.domain.in_(domains)))
    } if domains else {}
    for person in people:
        if person.internal:
            continue
        account = person.contact.account if person.contact is not None else None
        account = account or by_domain.get(_domain(person.email))
        if account is not None:
            votes[account.id] += 2 if person.speakers else 1  # who spoke outweighs an invitee
            accounts[account.id] = account
    if not votes:
        return None
    best = max(votes.items(), key=lambda item: (item[1], accounts[item[0]].created_at, item[0]))
    return accounts[best[0]]
