"""Whose calls a user may see: a rep their own, a manager their team's, an admin every call.

A manager's team is the one cadences use (``sales.cadence_access.team_user_ids``): themselves,
the members of the teams they manage and everyone who reports to them at any depth. The scope is
applied first, in SQL, before anything about a question is read, so that nothing outside it can
shape an answer, a "not found" message or a list.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from knowledge.models import Call
from sales.cadence_access import team_user_ids
from sales.models import User


@dataclass(frozen=True)
class Scope:
    user: User
    owner_ids: frozenset[int] | None  # None: every call (an admin)

    @property
    def kind(self) -> str:
        if self.owner_ids is None:
            return "all"
        return "team" if len(self.owner_ids) > 1 or self.user.role == "manager" else "own"

    @property
    def calls_phrase(self) -> str:
        """How answers name the calls searched: "your calls", "your team's calls"."""
        return {"all": "the calls", "team": "your team's calls", "own": "your calls"}[self.kind]

    def calls(self) -> Select[Call]:
        query = select(Call)
        return query if self.owner_ids is None else query.where(Call.owner_id.in_(self.owner_ids))

    def allows(self, call: Call) -> bool:
        return self.owner_ids is None or call.owner_id in self.owner_ids


def scope_of(session: Session, user: User) -> Scope:
    if user.role == "admin":
        return Scope(user, None)
    if user.role == "manager":
        return Scope(user, frozenset(team_user_ids(session, user)))
    return Scope(user, frozenset({user.id}))
