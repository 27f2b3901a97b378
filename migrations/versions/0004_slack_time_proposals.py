"""Slack-time proposals: proposals, their team, backers, volunteers, history,
check-ins and retrospectives; allowances per person and department; and
notifications that point at a proposal.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 16:49:44.691067
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slack_allowance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("department", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "(user_id IS NULL) <> (department IS NULL)", name="ck_slack_allowance_one_scope"
        ),
        sa.ForeignKeyConstraint(["updated_by"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("department"),
        sa.UniqueConstraint("user_id"),
    )
    op.create_table(
        "proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("problem", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("gain", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("time_unit", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("minutes_per_week", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("skills", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("proposer_id", sa.Integer(), nullable=False),
        sa.Column("approver_id", sa.Integer(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("origin_post_id", sa.Integer(), nullable=True),
        sa.Column("discussion_post_id", sa.Integer(), nullable=True),
        sa.Column("previous_id", sa.Integer(), nullable=True),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("submitted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("waiting_since", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("activated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("reminded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["approver_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["discussion_post_id"], ["post.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["group_id"], ["group.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["origin_post_id"], ["post.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["previous_id"], ["proposal.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["proposer_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.create_index("ix_proposal_approver_state", ["approver_id", "state"], unique=False)
        batch_op.create_index("ix_proposal_group", ["group_id"], unique=False)
        batch_op.create_index("ix_proposal_proposer", ["proposer_id"], unique=False)
        batch_op.create_index("ix_proposal_state_id", ["state", "id"], unique=False)

    op.create_table(
        "proposal_backing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("word", sqlmodel.sql.sqltypes.AutoString(length=280), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposal.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("proposal_id", "user_id"),
    )
    with op.batch_alter_table("proposal_backing", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_backing_user_id"), ["user_id"], unique=False)

    op.create_table(
        "proposal_checkin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("done", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("minutes_spent", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposal.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("proposal_checkin", schema=None) as batch_op:
        batch_op.create_index(
            "ix_proposal_checkin_proposal", ["proposal_id", "created_at", "id"], unique=False
        )

    op.create_table(
        "proposal_coproposer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposal.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("proposal_id", "user_id"),
    )
    with op.batch_alter_table("proposal_coproposer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_proposal_coproposer_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "proposal_retrospective",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("learned", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("next_step", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("follow_up_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["follow_up_id"], ["proposal.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposal.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("proposal_id"),
    )
    op.create_table(
        "proposal_skill",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposal.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("proposal_id", "key"),
    )
    with op.batch_alter_table("proposal_skill", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_skill_key"), ["key"], unique=False)

    op.create_table(
        "proposal_transition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("from_state", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("to_state", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposal.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("proposal_transition", schema=None) as batch_op:
        batch_op.create_index(
            "ix_proposal_transition_proposal", ["proposal_id", "created_at", "id"], unique=False
        )

    op.create_table(
        "proposal_volunteer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("skills", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposal.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("proposal_id", "user_id"),
    )
    with op.batch_alter_table("proposal_volunteer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_proposal_volunteer_user_id"), ["user_id"], unique=False
        )

    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("proposal_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_notification_proposal_id"), ["proposal_id"], unique=False
        )
        batch_op.create_foreign_key(
            "fk_notification_proposal_id_proposal",
            "proposal",
            ["proposal_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint("fk_notification_proposal_id_proposal", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_notification_proposal_id"))
        batch_op.drop_column("proposal_id")

    with op.batch_alter_table("proposal_volunteer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_volunteer_user_id"))

    op.drop_table("proposal_volunteer")
    with op.batch_alter_table("proposal_transition", schema=None) as batch_op:
        batch_op.drop_index("ix_proposal_transition_proposal")

    op.drop_table("proposal_transition")
    with op.batch_alter_table("proposal_skill", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_skill_key"))

    op.drop_table("proposal_skill")
    op.drop_table("proposal_retrospective")
    with op.batch_alter_table("proposal_coproposer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_coproposer_user_id"))

    op.drop_table("proposal_coproposer")
    with op.batch_alter_table("proposal_checkin", schema=None) as batch_op:
        batch_op.drop_index("ix_proposal_checkin_proposal")

    op.drop_table("proposal_checkin")
    with op.batch_alter_table("proposal_backing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_backing_user_id"))

    op.drop_table("proposal_backing")
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.drop_index("ix_proposal_state_id")
        batch_op.drop_index("ix_proposal_proposer")
        batch_op.drop_index("ix_proposal_group")
        batch_op.drop_index("ix_proposal_approver_state")

    op.drop_table("proposal")
    op.drop_table("slack_allowance")
