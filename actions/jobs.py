"""Periodic jobs the bot runs by name (config.yml ``jobs.tasks``): adapters to sales/ work.

``actions.jobs:run_cadence_jobs`` resumes pauses that ran out and sends the cadence emails that
came due. The bot's jobs runner calls it with the loaded config; it opens that config's database
(``database.url``, which ``SALESBOT_DATABASE_URL`` overrides, as for the actions) and reads
config.yml's ``email`` section (sales/email_settings.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from actions.database import email_settings_of, engine_for
from bot.config import Config
from sales.cadence_jobs import run_due_work
from sales.models import utc_now


def run_cadence_jobs(config: Config, now: datetime | None = None) -> str:
    """One pass of the cadence job; returns its summary for the jobs log."""
    settings = email_settings_of(config)
    # A plain session, not sales_session(): run_due_work commits email by email.
    with Session(engine_for(config.database_url), expire_on_commit=False) as session:
        report = run_due_work(
            session,
            now or utc_now(),
            settings.smtp,
            daily_limit=settings.daily_limit_per_user,
            organization=settings.organization,
        )
    return report.summary
