"""Calls: the call, its participants, its turns (speaker, start, end, text) and its analysis.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOURCE_KINDS = ("audio", "vtt", "srt", "json", "text")


def _key(table: str, column: str, target: str, ondelete: str | None) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    kinds = ", ".join(repr(kind) for kind in SOURCE_KINDS)
    op.create_table(
        "calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_seconds", sa.Float(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("source_kind", sa.String(length=16), nullable=False),
        sa.Column("source_name", sa.String(length=500), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"source_kind IN ({kinds})", name=op.f("ck_calls_source_kind")),
        _key("calls", "account_id", "accounts", "SET NULL"),
        _key("calls", "owner_id", "users", None),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
        sa.UniqueConstraint("content_hash", name=op.f("uq_calls_content_hash")),
    )
    for column in ("account_id", "owner_id", "started_at"):
        op.create_index(op.f(f"ix_calls_{column}"), "calls", [column])
    op.create_table(
        "call_analyses",
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("insights", sa.JSON(), nullable=False),
        sa.Column("stats", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        _key("call_analyses", "call_id", "calls", "CASCADE"),
        sa.PrimaryKeyConstraint("call_id", name=op.f("pk_call_analyses")),
    )
    op.create_table(
        "call_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        _key("call_participants", "call_id", "calls", "CASCADE"),
        _key("call_participants", "contact_id", "contacts", "SET NULL"),
        _key("call_participants", "lead_id", "leads", "SET NULL"),
        _key("call_participants", "user_id", "users", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_participants")),
    )
    op.create_index(op.f("ix_call_participants_call_id"), "call_participants", ["call_id"])
    op.create_index(op.f("ix_call_participants_email"), "call_participants", ["email"])
    op.create_table(
        "call_segments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("speaker", sa.String(length=200), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("start", sa.Float(), nullable=False),
        sa.Column("end", sa.Float(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _key("call_segments", "call_id", "calls", "CASCADE"),
        _key("call_segments", "participant_id", "call_participants", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_segments")),
        sa.UniqueConstraint("call_id", "position", name=op.f("uq_call_segments_call_id")),
    )
    op.create_index(op.f("ix_call_segments_call_id"), "call_segments", ["call_id"])


def downgrade() -> None:
    # Dependents first; dropping a table drops its indexes.
    for table in ("call_segments", "call_participants", "call_analyses", "calls"):
        op.drop_table(table)
