"""Read back what an import stored, the way a user would look it up."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from sales.models import Team, User


def users(engine: Engine) -> dict[str, dict[str, Any]]:
    with Session(engine) as session:
        return {
            user.email: {
                "name": user.name,
                "role": user.role,
                "timezone": user.timezone,
                "team": user.team.name if user.team else None,
                "manager": user.manager.email if user.manager else None,
                "slack_id": user.slack_id,
                "teams_id": user.teams_id,
            }
            for user in session.scalars(select(User))
        }


def teams(engine: Engine) -> dict[str, str | None]:
    """Team name -> its manager's email."""
    with Session(engine) as session:
        return {
            team.name: team.manager.email if team.manager else None
            for team in session.scalars(select(Team))
        }


def count(engine: Engine, model: type[User] | type[Team]) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0
