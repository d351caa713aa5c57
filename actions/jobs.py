"""Periodic jobs the bot runs by name (config.yml ``jobs.tasks``): adapters to sales/ work.

``actions.jobs:run_cadence_jobs`` sends the cadence emails that came due. The bot's jobs runner
calls it with the loaded config; it opens that config's database (``database.url``, which
``SALESBOT_DATABASE_URL`` overrides, as for the actions) and reads config.yml's ``email``
section (sales/email_settings.py).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.config import Config
from bot.db import make_engine
from sales.cadence_jobs import run_due_work
from sales.email_settings import email_settings
from sales.models import utc_now


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    return make_engine(url)


def run_cadence_jobs(config: Config, now: datetime | None = None) -> str:
    """One pass of the cadence job; returns its summary for the jobs log."""
    settings = email_settings(config.raw.get("email"), f"{config.path.name} email")
    # A plain session, not sales_session(): run_due_work commits email by email.
    with Session(_engine(config.database_url), expire_on_commit=False) as session:
        report = run_due_work(
            session,
            now or utc_now(),
            settings.smtp,
            daily_limit=settings.daily_limit_per_user,
            organization=settings.organization,
        )
    return report.summary
