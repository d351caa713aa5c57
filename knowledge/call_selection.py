"""Which calls a question is about: the last one, those with an account or a person, a period.

Read from the question's words, always inside the asker's scope (``knowledge.call_scope``):

- "last / latest / most recent / previous call" or a singular "my call with Initech": the most
  recent call that matches the rest; "my last 3 calls": the three most recent;
- an account (by name or email domain, from the CRM) or a person (a participant of a call in
  scope, or a contact or lead, by full or first name): calls with them;
- a colleague in scope ("Sam's calls", "calls by Sam", for a manager): calls they own;
- "my call(s)": the asker's own calls, even for a manager ("my team's calls" keeps the team);
- a period (``knowledge.periods``): calls that started in it.

Names are only looked up among records the asker could know about (CRM accounts, contacts and
leads, and the participants of calls in their scope), so reading a question never reveals
anything about calls outside the scope.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session, selectinload

from knowledge.call_scope import Scope
from knowledge.models import Call, CallParticipant
from knowledge.periods import Period, read_period
from knowledge.text import find_term
from sales.models import User
from sales.prospects import Account, Contact, Lead

_LATEST = re.compile(
    r"\b(?:last|latest|most recent|previous|newest|recent|final)\s+(?:(\d+|two|three|four|five)"
    r"\s+)?(call|meeting|conversation|demo|discovery call)(s?)\b",
    re.IGNORECASE,
)
_SINGULAR = re.compile(r"\b(?:my|the|that|this)\s+(?:\w+\s+)?(call|meeting|conversation)\s+"
                       r"(?:with|to|from)\b", re.IGNORECASE)  # fmt: skip
_MINE = re.compile(r"\bmy\s+(?:\w+\s+){0,2}?(calls?|meetings?|conversations?)\b", re.IGNORECASE)
_TEAM = re.compile(r"\b(my team'?s?|our team'?s?|the team'?s?|team calls|our calls)\b", re.I)
_WORD_COUNTS = {"two": 2, "three": 3, "four": 4, "five": 5}
_EVERY = re.compile(
    r"\b(?:all|any|every|across)\s+(?:of\s+)?(?:my\s+|our\s+|the\s+)?(?:calls?|meetings?)\b"
    r"|\bon any call\b|\bacross calls\b",
    re.IGNORECASE,
)
# Where a question names whose calls or who said something: "Jane's last call", "what did Zelda
# say", "my call with Zelda". A capitalised name there that nobody in scope has selects no call
# (rather than being ignored and answering about everyone).
_NAMED_SLOTS = re.compile(
    r"\b(?P<possessive>[A-Z][a-z]+)'s\s+(?:\w+\s+){0,2}?(?:calls?|meetings?|customers?)\b"
    r"|\b(?:did|does|has|have)\s+(?P<speaker>[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)\s+"
    r"(?:say|said|ask|asked|mention|think|tell|want|feel|bring)\b"
    r"|\b(?:calls?|meetings?|conversations?|spoke|talked)\s+(?:with|to)\s+"
    r"(?P<with>[A-Z][\w.&-]*(?:\s[A-Z][\w.&-]*)?)"
)
_NOT_NAMES = frozenset(
    {"I", "We", "You", "They", "He", "She", "It", "Anyone", "Someone", "Everyone", "Anybody",
     "Somebody", "The", "My", "Our", "Their"}
)  # fmt: skip


@dataclass
class CallQuery:
    period: Period | None = None
    latest: int | None = None  # how many of the most recent calls; None: all that match
    mine: bool = False
    accounts: list[Account] = field(default_factory=list)
    people: list[str] = field(default_factory=list)  # lower-case names
    owners: list[User] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)  # the words that chose the calls
    unknown: list[str] = field(default_factory=list)  # names of no one the asker may know
    every: bool = False  # "all my calls", "any call", "across calls": not just the last one

    @property
    def narrowed(self) -> bool:
        return bool(self.period or self.accounts or self.people or self.owners or self.unknown)


def read_call_query(
    session: Session, scope: Scope, question: str, now: datetime, timezone: str
) -> CallQuery:
    query = CallQuery(period=read_period(question, now, timezone))
    if query.period is not None:
        query.phrases.append(query.period.phrase)
    latest = _LATEST.search(question)
    if latest:
        count = latest.group(1)
        query.latest = (
            (int(count) if count.isdigit() else _WORD_COUNTS[count.lower()])
            if (count)
            else (1 if not latest.group(3) else 5)
        )
        query.phrases.append(latest.group(0))
    elif _SINGULAR.search(question):
        query.latest = 1
    query.mine = bool(_MINE.search(question)) and not _TEAM.search(question)
    query.every = bool(_EVERY.search(question)) or bool(_TEAM.search(question))
    _read_names(session, scope, question, query)
    query.unknown = _unknown_names(question, query)
    return query


def _unknown_names(question: str, query: CallQuery) -> list[str]:
    known = " ".join(query.phrases).lower()
    unknown = []
    for match in _NAMED_SLOTS.finditer(question):
        name = next(group for group in match.groups() if group)
        if name.split()[0] in _NOT_NAMES or name.split()[0].lower() in known:
            continue
        unknown.append(name)
    return unknown


def _read_names(session: Session, scope: Scope, question: str, query: CallQuery) -> None:
    taken: list[tuple[int, int]] = []

    def claim(term: str, *, exact_case: bool = False) -> bool:
        """Whether ``term`` is in the question, in words no longer name found yet.

        A first name alone must be capitalised ("Bill", not "the bill") to count.
        """
        for match in find_term(question, term):
            span = (match.start(), match.end())
            if exact_case and match.group(0) != term:
                continue
            if not any(a < span[1] and span[0] < b for a, b in taken):
                taken.append(span)
                query.phrases.append(match.group(0))
                return True
        return False

    accounts = sorted(session.scalars(select(Account)), key=lambda a: -len(a.name))
    for account in accounts:
        if claim(account.name) or (account.domain is not None and claim(account.domain)):
            query.accounts.append(account)
    for user in sorted(_colleagues(session, scope), key=lambda u: -len(u.name)):
        if user.id != scope.user.id and (
            claim(user.name) or claim(_first(user.name), exact_case=True)
        ):
            query.owners.append(user)
    for name in sorted(_people(session, scope), key=len, reverse=True):
        if claim(name, exact_case=" " not in name):
            query.people.append(name.lower())


def _colleagues(session: Session, scope: Scope) -> list[User]:
    if scope.owner_ids is None:
        return list(session.scalars(select(User)))
    return list(session.scalars(select(User).where(User.id.in_(scope.owner_ids))))


def _people(session: Session, scope: Scope) -> set[str]:
    """Names a question may use for a person: participants in scope, contacts and leads."""
    names: set[str] = set()
    in_scope = scope.calls().with_only_columns(Call.id)
    participants = session.scalars(
        select(CallParticipant.name).where(
            CallParticipant.call_id.in_(in_scope), CallParticipant.internal.is_(False)
        )
    )
    for name in participants:
        names |= _name_forms(name)
    for model in (Contact, Lead):
        for first, last in session.execute(select(model.first_name, model.last_name)):
            names |= _name_forms(f"{first or ''} {last or ''}")
    return {name for name in names if len(name) >= 3}


def _name_forms(name: str) -> set[str]:
    name = " ".join(name.split())
    if not name or "@" in name or re.fullmatch(r"(speaker|customer|rep)\s*\d*", name, re.I):
        return set()
    return {name, _first(name)}


def _first(name: str) -> str:
    return name.split(" ")[0] if name else name


def select_calls(session: Session, scope: Scope, query: CallQuery) -> list[Call]:
    """The calls in scope that ``query`` names, most recent first."""
    if query.unknown:
        return []  # a name no one in scope has: no call, the same answer whoever it is
    statement = scope.calls().options(selectinload(Call.participants))
    if query.mine:
        statement = statement.where(Call.owner_id == scope.user.id)
    if query.owners:
        statement = statement.where(Call.owner_id.in_([user.id for user in query.owners]))
    if query.period is not None:
        statement = statement.where(
            Call.started_at >= query.period.start, Call.started_at < query.period.end
        )
    for account in query.accounts:
        statement = statement.where(_with_account(account))
    if query.people:
        statement = statement.where(or_(*(_with_person(name) for name in query.people)))
    statement = statement.order_by(Call.started_at.desc(), Call.id.desc())
    if query.latest:
        statement = statement.limit(query.latest)
    return list(session.scalars(statement).unique())


def _with_account(account: Account) -> ColumnElement[bool]:
    conditions = [
        Call.account_id == account.id,
        Call.participants.any(CallParticipant.contact.has(Contact.account_id == account.id)),
    ]
    if account.domain:
        conditions.append(Call.participants.any(CallParticipant.email.ilike(f"%@{account.domain}")))
    return or_(*conditions)


def _with_person(name: str) -> ColumnElement[bool]:
    """A participant called ``name``, or whose first name it is."""
    named = or_(CallParticipant.name.ilike(name), CallParticipant.name.ilike(f"{name} %"))
    return Call.participants.any(and_(CallParticipant.internal.is_(False), named))
