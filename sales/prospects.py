"""The people and companies reps sell to: accounts, contacts, leads, and saved lists of them.

A *target* of outreach is a lead or a contact; both carry the consent flags that outreach must
respect (``email_opt_out``, ``do_not_call``). Emails are stored lower-case: they identify a
person across imports, lists and call participants.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from sales.models import Base, User, UTCDateTime, utc_now

LEAD_STATUSES = ("open", "working", "nurturing", "qualified", "unqualified", "converted")
DEFAULT_LEAD_STATUS = "open"


def _normal_email(email: str) -> str:
    return email.strip().lower()


class Account(Base):
    """A company; its people are contacts, and calls link to it through email domains."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    # The email domain of the account's people ("globex.example"); unique so a participant's
    # address points at one account.
    domain: Mapped[str | None] = mapped_column(String(253), unique=True)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    industry: Mapped[str | None] = mapped_column(String(100))
    employees: Mapped[int | None] = mapped_column(Integer)
    country: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    owner: Mapped[User | None] = relationship()
    contacts: Mapped[list[Contact]] = relationship(back_populates="account")

    @validates("domain")
    def _lowercase_domain(self, _key: str, domain: str | None) -> str | None:
        return domain.strip().lower() if domain else None

    def __repr__(self) -> str:
        return f"Account(id={self.id!r}, name={self.name!r})"


class Contact(Base):
    """A person at an account."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(50))
    email_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    do_not_call: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    account: Mapped[Account | None] = relationship(back_populates="contacts")
    owner: Mapped[User | None] = relationship()

    @validates("email")
    def _lowercase_email(self, _key: str, email: str) -> str:
        return _normal_email(email)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    @property
    def company(self) -> str | None:
        return self.account.name if self.account else None

    def __repr__(self) -> str:
        return f"Contact(id={self.id!r}, email={self.email!r})"


class Lead(Base):
    """A prospect not yet qualified into a contact at an account."""

    __tablename__ = "leads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    company: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(32), default=DEFAULT_LEAD_STATUS)
    source: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(100))
    employees: Mapped[int | None] = mapped_column(Integer)
    industry: Mapped[str | None] = mapped_column(String(100))
    score: Mapped[int | None] = mapped_column(Integer)
    email_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    do_not_call: Mapped[bool] = mapped_column(Boolean, default=False)
    converted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    owner: Mapped[User | None] = relationship()

    @validates("email")
    def _lowercase_email(self, _key: str, email: str) -> str:
        return _normal_email(email)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def __repr__(self) -> str:
        return f"Lead(id={self.id!r}, email={self.email!r})"


class SavedList(Base):
    """A named list of people ("Dreamforce webinar") that can be enrolled in one go."""

    __tablename__ = "saved_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    owner: Mapped[User | None] = relationship()
    members: Mapped[list[ListMember]] = relationship(
        back_populates="saved_list", cascade="all, delete-orphan", order_by="ListMember.position"
    )


class ListMember(Base):
    """One person on a saved list, by email: resolved to a lead or contact when it is used."""

    __tablename__ = "list_members"
    __table_args__ = (UniqueConstraint("list_id", "email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("saved_lists.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    position: Mapped[int] = mapped_column(Integer, default=0)

    saved_list: Mapped[SavedList] = relationship(back_populates="members")

    @validates("email")
    def _lowercase_email(self, _key: str, email: str) -> str:
        return _normal_email(email)
