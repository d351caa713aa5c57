"""Sales records: accounts, contacts, leads, saved lists, cadences and their work; working hours.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_WORKING_HOURS = "09:00-17:00"


def upgrade() -> None:
    _add_working_hours()
    _create_prospect_tables()
    _create_list_tables()
    _create_cadence_tables()
    _create_enrollment_tables()
    _create_email_tables()


def _add_working_hours() -> None:
    # Existing users get the default through a server default, which is then dropped: the
    # models set it in Python, and the schema must match them.
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column(
                "working_hours",
                sa.String(length=11),
                nullable=False,
                server_default=DEFAULT_WORKING_HOURS,
            )
        )
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("working_hours", server_default=None)


def _owner(table: str) -> list[sa.schema.SchemaItem]:
    """The nullable owner column every prospect table has, with its key."""
    return [
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f(f"fk_{table}_owner_id_users"), ondelete="SET NULL"
        ),
    ]


def _created_at() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def _create_prospect_tables() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=True),
        *_owner("accounts"),
        sa.Column("industry", sa.String(length=100), nullable=True),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("country", sa.String(length=100), nullable=True),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("domain", name=op.f("uq_accounts_domain")),
    )
    op.create_index(op.f("ix_accounts_name"), "accounts", ["name"])
    op.create_index(op.f("ix_accounts_owner_id"), "accounts", ["owner_id"])
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        *_owner("contacts"),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("email_opt_out", sa.Boolean(), nullable=False),
        sa.Column("do_not_call", sa.Boolean(), nullable=False),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_contacts_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
        sa.UniqueConstraint("email", name=op.f("uq_contacts_email")),
    )
    op.create_index(op.f("ix_contacts_account_id"), "contacts", ["account_id"])
    op.create_index(op.f("ix_contacts_owner_id"), "contacts", ["owner_id"])
    op.create_table(
        "leads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=True),
        *_owner("leads"),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column("country", sa.String(length=100), nullable=True),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("industry", sa.String(length=100), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("email_opt_out", sa.Boolean(), nullable=False),
        sa.Column("do_not_call", sa.Boolean(), nullable=False),
        sa.Column("converted_at", sa.DateTime(timezone=True), nullable=True),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
        sa.UniqueConstraint("email", name=op.f("uq_leads_email")),
    )
    op.create_index(op.f("ix_leads_owner_id"), "leads", ["owner_id"])


def _create_list_tables() -> None:
    op.create_table(
        "saved_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        *_owner("saved_lists"),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_lists")),
        sa.UniqueConstraint("name", name=op.f("uq_saved_lists_name")),
    )
    op.create_index(op.f("ix_saved_lists_owner_id"), "saved_lists", ["owner_id"])
    op.create_table(
        "list_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["saved_lists.id"],
            name=op.f("fk_list_members_list_id_saved_lists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_members")),
        sa.UniqueConstraint("list_id", "email", name=op.f("uq_list_members_list_id")),
    )


def _create_cadence_tables() -> None:
    op.create_table(
        "cadences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        *_owner("cadences"),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("skip_weekends", sa.Boolean(), nullable=False),
        _created_at(),
        sa.CheckConstraint(
            "status IN ('draft', 'active', 'inactive')", name=op.f("ck_cadences_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cadences")),
        sa.UniqueConstraint("name", name=op.f("uq_cadences_name")),
    )
    op.create_index(op.f("ix_cadences_owner_id"), "cadences", ["owner_id"])
    op.create_table(
        "cadence_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cadence_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("delay_minutes", sa.Integer(), nullable=False),
        sa.Column("automated", sa.Boolean(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("template", sa.Text(), nullable=True),
        sa.Column("branches", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "type IN ('call', 'email', 'task', 'linkedin', 'sms')",
            name=op.f("ck_cadence_steps_type"),
        ),
        sa.ForeignKeyConstraint(
            ["cadence_id"],
            ["cadences.id"],
            name=op.f("fk_cadence_steps_cadence_id_cadences"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cadence_steps")),
        sa.UniqueConstraint("cadence_id", "position", name=op.f("uq_cadence_steps_cadence_id")),
    )


def _create_enrollment_tables() -> None:
    op.create_table(
        "enrollments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cadence_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("current_step_id", sa.Integer(), nullable=True),
        sa.Column("disposition", sa.String(length=32), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('active', 'paused', 'completed', 'exited')",
            name=op.f("ck_enrollments_state"),
        ),
        sa.CheckConstraint(
            "(lead_id IS NULL) <> (contact_id IS NULL)", name=op.f("ck_enrollments_one_target")
        ),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["users.id"],
            name=op.f("fk_enrollments_added_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_enrollments_assignee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["cadence_id"],
            ["cadences.id"],
            name=op.f("fk_enrollments_cadence_id_cadences"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_enrollments_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["current_step_id"],
            ["cadence_steps.id"],
            name=op.f("fk_enrollments_current_step_id_cadence_steps"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_enrollments_lead_id_leads"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollments")),
    )
    for column in ("assignee_id", "cadence_id", "contact_id", "lead_id"):
        op.create_index(op.f(f"ix_enrollments_{column}"), "enrollments", [column])
    op.create_table(
        "step_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_by_id", sa.Integer(), nullable=True),
        sa.Column("result", sa.String(length=32), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "state IN ('due', 'completed', 'skipped', 'cancelled')",
            name=op.f("ck_step_tasks_state"),
        ),
        sa.ForeignKeyConstraint(
            ["completed_by_id"],
            ["users.id"],
            name=op.f("fk_step_tasks_completed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_step_tasks_enrollment_id_enrollments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["step_id"],
            ["cadence_steps.id"],
            name=op.f("fk_step_tasks_step_id_cadence_steps"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_step_tasks")),
    )
    op.create_index(op.f("ix_step_tasks_due_at"), "step_tasks", ["due_at"])
    op.create_index(op.f("ix_step_tasks_enrollment_id"), "step_tasks", ["enrollment_id"])
    op.create_table(
        "cadence_operations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_key", sa.String(length=200), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=False),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_cadence_operations_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cadence_operations")),
        sa.UniqueConstraint("request_key", name=op.f("uq_cadence_operations_request_key")),
    )


def _create_email_tables() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("sender_id", sa.Integer(), nullable=False),
        sa.Column("to_email", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _created_at(),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("message_id", sa.String(length=300), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'sent', 'failed', 'cancelled')", name=op.f("ck_outbox_status")
        ),
        sa.ForeignKeyConstraint(["sender_id"], ["users.id"], name=op.f("fk_outbox_sender_id_users")),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["step_tasks.id"],
            name=op.f("fk_outbox_task_id_step_tasks"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("task_id", name=op.f("uq_outbox_task_id")),
    )
    op.create_index(op.f("ix_outbox_sender_id"), "outbox", ["sender_id"])
    op.create_table(
        "engagement_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_engagement_events_enrollment_id_enrollments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["outbox.id"],
            name=op.f("fk_engagement_events_outbox_id_outbox"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagement_events")),
    )
    op.create_index(op.f("ix_engagement_events_email"), "engagement_events", ["email"])
    op.create_index(
        op.f("ix_engagement_events_enrollment_id"), "engagement_events", ["enrollment_id"]
    )


def downgrade() -> None:
    # Dependents first; dropping a table drops its indexes.
    for table in (
        "engagement_events", "outbox", "cadence_operations", "step_tasks", "enrollments",
        "cadence_steps", "cadences", "list_members", "saved_lists", "contacts", "leads",
        "accounts",
    ):  # fmt: skip
        op.drop_table(table)
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("working_hours")
