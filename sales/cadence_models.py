"""Cadences as data: their steps, who is enrolled, each step's work item, emails and events.

Vocabulary follows the incumbent (../shared/spec/se.md): a *cadence* is an ordered list of
*steps*; an *enrollment* (their "cadence tracker") is one target (a lead or a contact) in one
cadence, worked by an *assignee*; a *step task* (their "step tracker") is one step of one
enrollment: due, then completed, skipped or cancelled. Engagement events (call results, email
replies, opens, clicks, bounces, opt-outs) drive branches, exits and dispositions.

Times are UTC; the assignee's time zone and working hours apply when a due date is computed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sales.models import Base, User, UTCDateTime, utc_now
from sales.prospects import Contact, Lead


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


CADENCE_STATUSES = ("draft", "active", "inactive")
STEP_TYPES = ("call", "email", "task", "linkedin", "sms")
ENROLLMENT_STATES = ("active", "paused", "completed", "exited")
TASK_STATES = ("due", "completed", "skipped", "cancelled")
OUTBOX_STATES = ("queued", "sent", "failed", "cancelled")

CALL_RESULTS = (
    "meaningful_connect", "left_voicemail", "call_back_later", "not_interested", "disqualified",
)  # fmt: skip
EMAIL_EVENTS = ("reply", "open", "click", "bounce", "opt_out", "out_of_office")
DISPOSITIONS = (
    "Success", "Customer Engaged", "Customer Connected", "Contact Later", "No Response",
    "Not Interested", "Disqualified", "Bad Data", "Duplicate",
)  # fmt: skip


class Cadence(Base):
    __tablename__ = "cadences"
    __table_args__ = (CheckConstraint(_one_of("status", CADENCE_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="draft")
    skip_weekends: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    owner: Mapped[User | None] = relationship()
    steps: Mapped[list[CadenceStep]] = relationship(
        back_populates="cadence", cascade="all, delete-orphan", order_by="CadenceStep.position"
    )

    def __repr__(self) -> str:
        return f"Cadence(id={self.id!r}, name={self.name!r}, status={self.status!r})"


class CadenceStep(Base):
    __tablename__ = "cadence_steps"
    __table_args__ = (
        UniqueConstraint("cadence_id", "position"),
        CheckConstraint(_one_of("type", STEP_TYPES), name="type"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cadence_id: Mapped[int] = mapped_column(ForeignKey("cadences.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # 1-based order within the cadence
    type: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    # Wait after the previous step completes (after enrolment for the first step).
    delay_minutes: Mapped[int] = mapped_column(Integer, default=0)
    # An automated email is sent by the system from its template; other steps are rep work.
    automated: Mapped[bool] = mapped_column(Boolean, default=False)
    subject: Mapped[str | None] = mapped_column(String(300))
    template: Mapped[str | None] = mapped_column(Text)
    # Branches: event (a call result or email event) -> "next", "exit", or a step name.
    branches: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    cadence: Mapped[Cadence] = relationship(back_populates="steps")


class Enrollment(Base):
    """One target in one cadence (the incumbent's cadence tracker)."""

    __tablename__ = "enrollments"
    __table_args__ = (
        CheckConstraint(_one_of("state", ENROLLMENT_STATES), name="state"),
        CheckConstraint("(lead_id IS NULL) <> (contact_id IS NULL)", name="one_target"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cadence_id: Mapped[int] = mapped_column(
        ForeignKey("cadences.id", ondelete="CASCADE"), index=True
    )
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("leads.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(16), default="active")
    current_step_id: Mapped[int | None] = mapped_column(
        ForeignKey("cadence_steps.id", ondelete="SET NULL")
    )
    disposition: Mapped[str | None] = mapped_column(String(32))
    # Why it ended: completed, removed, replied, opted_out, bounced, converted, ...
    end_reason: Mapped[str | None] = mapped_column(String(32))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resume_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # a pause that ends itself
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    cadence: Mapped[Cadence] = relationship()
    lead: Mapped[Lead | None] = relationship()
    contact: Mapped[Contact | None] = relationship()
    assignee: Mapped[User] = relationship(foreign_keys=[assignee_id])
    added_by: Mapped[User | None] = relationship(foreign_keys=[added_by_id])
    current_step: Mapped[CadenceStep | None] = relationship()
    tasks: Mapped[list[StepTask]] = relationship(
        back_populates="enrollment", cascade="all, delete-orphan", order_by="StepTask.id"
    )

    @property
    def target(self) -> Lead | Contact:
        target = self.lead or self.contact
        assert target is not None  # the one_target constraint
        return target


class StepTask(Base):
    """One step of one enrollment: the item in the assignee's "what's due" list."""

    __tablename__ = "step_tasks"
    __table_args__ = (CheckConstraint(_one_of("state", TASK_STATES), name="state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), index=True
    )
    step_id: Mapped[int] = mapped_column(ForeignKey("cadence_steps.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default="due")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    result: Mapped[str | None] = mapped_column(String(32))  # call result or email event
    notes: Mapped[str | None] = mapped_column(Text)

    enrollment: Mapped[Enrollment] = relationship(back_populates="tasks")
    step: Mapped[CadenceStep] = relationship()


class EngagementEvent(Base):
    """Something the target did or that happened to an email: reply, open, bounce, ..."""

    __tablename__ = "engagement_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enrollment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), index=True)  # the target's address
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))


class OutboxEmail(Base):
    """An automated email, rendered when its step came due, sent when SMTP is configured."""

    __tablename__ = "outbox"
    __table_args__ = (CheckConstraint(_one_of("status", OUTBOX_STATES), name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int | None] = mapped_column(
        ForeignKey("step_tasks.id", ondelete="SET NULL"), unique=True
    )
    sender_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    to_email: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(300))

    sender: Mapped[User] = relationship()


class CadenceOperation(Base):
    """A chat request that changed cadences, kept by its request key so a retry is answered
    from here instead of acting twice."""

    __tablename__ = "cadence_operations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_key: Mapped[str] = mapped_column(String(200), unique=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
