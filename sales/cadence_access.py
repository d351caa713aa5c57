"""Who may do what with cadence targets (spec/se.md §1.10, issue 5).

- An admin may do anything.
- A manager acts for their team: themselves, the members of the teams they manage and everyone
  who reports to them, directly or through another manager. They enrol records owned by their
  team and may name any team member as the assignee.
- A rep enrols only records they own, for themselves.
- Removing, pausing, resuming, completing a step: the target's assignee, the record's owner,
  the cadence's owner (its creator), a manager of the assignee or owner, or an admin.
- Reassigning: a manager (for their team) or an admin.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from sales.cadence_models import Enrollment
from sales.models import Team, User
from sales.prospects import Contact, Lead


def team_user_ids(session: Session, manager: User) -> set[int]:
    """The manager, the members of the teams they manage, and their reports at any depth."""
    managed_teams = select(Team.id).where(Team.manager_id == manager.id)
    ids = {manager.id, *session.scalars(select(User.id).where(User.team_id.in_(managed_teams)))}
    frontier = {manager.id}
    while frontier:
        reports = set(session.scalars(select(User.id).where(User.manager_id.in_(frontier))))
        frontier = reports - ids
        ids |= reports
    return ids


@dataclass
class Access:
    actor: User
    team: set[int] = field(default_factory=set)  # for a manager: the users they act for

    @classmethod
    def of(cls, session: Session, actor: User) -> Access:
        team = team_user_ids(session, actor) if actor.role == "manager" else {actor.id}
        return cls(actor, team)

    @property
    def is_admin(self) -> bool:
        return self.actor.role == "admin"

    @property
    def is_manager(self) -> bool:
        return self.actor.role == "manager"

    def owns(self, record: Lead | Contact) -> bool:
        """May enrol this record: it belongs to the actor (or, for a manager, their team)."""
        return self.is_admin or (record.owner_id is not None and record.owner_id in self.team)

    def may_assign(self, user: User) -> bool:
        return self.is_admin or user.id in self.team

    def may_work(self, enrollment: Enrollment) -> bool:
        """May remove, pause, resume the enrollment or complete its steps."""
        if self.is_admin:
            return True
        target = enrollment.target
        people = {enrollment.assignee_id, target.owner_id}
        if enrollment.cadence.owner_id == self.actor.id:
            return True
        return bool(people & self.team)

    def may_reassign(self, enrollment: Enrollment) -> bool:
        if self.is_admin:
            return True
        people = {enrollment.assignee_id, enrollment.target.owner_id}
        return self.is_manager and bool(people & self.team)

    def sees(self, enrollment: Enrollment) -> bool:
        return self.may_work(enrollment)
