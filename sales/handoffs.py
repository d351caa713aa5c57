"""Requests to talk to a person, left in chat for the sales team."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from sales.models import Base, User, UTCDateTime, utc_now


class HandoffRequest(Base):
    __tablename__ = "handoff_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    message: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


def record_handoff_request(
    session: Session, *, email: str, message: str, channel: str, conversation_id: str
) -> HandoffRequest:
    request = HandoffRequest(
        email=email.strip().lower(),
        message=message.strip(),
        channel=channel,
        conversation_id=conversation_id,
    )
    session.add(request)
    session.flush()
    return request


def open_handoff_requests(session: Session) -> list[HandoffRequest]:
    query = select(HandoffRequest).where(HandoffRequest.status == "open")
    return list(session.scalars(query.order_by(HandoffRequest.id)))


def find_user(session: Session, email: str | None) -> User | None:
    if not email:
        return None
    return session.scalars(select(User).where(User.email == email.strip().lower())).first()
