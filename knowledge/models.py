"""Calls as data: the call, who took part, what each speaker said when, and what was learnt.

The tables share ``sales.models.Base`` so one metadata (and one chain of migrations) describes
the whole database. Participants are matched by email to users (internal), contacts and leads
(external); the call's account comes from the external participants' email domains.

A call is identified by a hash of its content, so ingesting the same recording or transcript
twice finds the call that exists instead of making a second one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sales.models import Base, User, UTCDateTime, utc_now
from sales.prospects import Account, Contact, Lead

SOURCE_KINDS = ("audio", "vtt", "srt", "json", "text")


class Call(Base):
    __tablename__ = "calls"
    __table_args__ = (
        CheckConstraint(
            f"source_kind IN ({', '.join(repr(kind) for kind in SOURCE_KINDS)})",
            name="source_kind",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    duration_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    source_kind: Mapped[str] = mapped_column(String(16))
    source_name: Mapped[str] = mapped_column(String(500))  # the file name it came from
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the bytes
    language: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    owner: Mapped[User] = relationship()
    account: Mapped[Account | None] = relationship()
    participants: Mapped[list[CallParticipant]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="CallParticipant.id"
    )
    segments: Mapped[list[CallSegment]] = relationship(
        back_populates="call", cascade="all, delete-orphan", order_by="CallSegment.position"
    )
    analysis: Mapped[CallAnalysis | None] = relationship(
        back_populates="call", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"Call(id={self.id!r}, title={self.title!r})"


class CallParticipant(Base):
    __tablename__ = "call_participants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))  # as the transcript names the speaker
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"))

    call: Mapped[Call] = relationship(back_populates="participants")
    user: Mapped[User | None] = relationship()
    contact: Mapped[Contact | None] = relationship()
    lead: Mapped[Lead | None] = relationship()


class CallSegment(Base):
    """One turn: a speaker's words between two times (seconds from the start of the call)."""

    __tablename__ = "call_segments"
    __table_args__ = (UniqueConstraint("call_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[str] = mapped_column(String(200))
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("call_participants.id", ondelete="SET NULL")
    )
    start: Mapped[float] = mapped_column(Float)
    end: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)

    call: Mapped[Call] = relationship(back_populates="segments")
    participant: Mapped[CallParticipant | None] = relationship()


class CallAnalysis(Base):
    """What was computed once per call: summary, insights and talk statistics.

    JSON documents rather than many tables: they are read whole (``salesbot calls show``, a
    summary in chat) and written whole when a call is (re)analysed; ``version`` says which
    analyser made them, so a newer one can recompute old calls.
    """

    __tablename__ = "call_analyses"

    call_id: Mapped[int] = mapped_column(
        ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[str] = mapped_column(String(32))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    insights: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    call: Mapped[Call] = relationship(back_populates="analysis")
