"""community animation

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 19:42:20.147950

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "queue_item_handled",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("handled_by", sa.Integer(), nullable=True),
        sa.Column("handled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["handled_by"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "object_id"),
    )
    op.create_table(
        "spotlight",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("drafted_by", sa.Integer(), nullable=True),
        sa.Column("works_on", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("can_help_with", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("looking_for", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("why_now", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("starts_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("ends_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["drafted_by"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["member_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("spotlight", schema=None) as batch_op:
        batch_op.create_index("ix_spotlight_member", ["member_id", "created_at"], unique=False)
        batch_op.create_index(
            "ix_spotlight_state_period", ["state", "starts_at", "ends_at"], unique=False
        )

    op.create_table(
        "charter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("reviewed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["group_id"], ["group.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("charter", schema=None) as batch_op:
        batch_op.create_index("ix_charter_group_version", ["group_id", "version"], unique=False)

    op.create_table(
        "charter_acceptance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("charter_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("accepted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["charter_id"], ["charter.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("charter_id", "user_id"),
    )
    with op.batch_alter_table("charter_acceptance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_charter_acceptance_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "featured_post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("featured_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("ended_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["featured_by"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["group_id"], ["group.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("featured_post", schema=None) as batch_op:
        batch_op.create_index("ix_featured_post_expires", ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_featured_post_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_featured_post_post_id"), ["post_id"], unique=False)

    op.create_table(
        "impact_story",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("tagged_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tagged_by"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("post_id", "outcome"),
    )
    with op.batch_alter_table("impact_story", schema=None) as batch_op:
        batch_op.create_index("ix_impact_story_created", ["created_at"], unique=False)

    op.create_table(
        "content_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("reporter_id", sa.Integer(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("handled_by", sa.Integer(), nullable=True),
        sa.Column("handled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["comment_id"], ["comment.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["handled_by"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reporter_id"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("content_report", schema=None) as batch_op:
        batch_op.create_index("ix_content_report_post", ["post_id"], unique=False)
        batch_op.create_index(
            "ix_content_report_state_created", ["state", "created_at"], unique=False
        )

    op.create_table(
        "featured_post_seen",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("featured_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["featured_id"], ["featured_post.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("featured_id", "user_id"),
    )
    with op.batch_alter_table("featured_post_seen", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_featured_post_seen_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "moderation_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["comment_id"], ["comment.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["report_id"], ["content_report.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("moderation_action", schema=None) as batch_op:
        batch_op.create_index("ix_moderation_action_post", ["post_id", "created_at"], unique=False)

    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hidden_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("hidden_by", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "hidden_reason",
                sqlmodel.sql.sqltypes.AutoString(length=1000),
                nullable=False,
                server_default="",
            )
        )
        batch_op.create_foreign_key(
            "fk_comment_hidden_by_user", "user", ["hidden_by"], ["id"], ondelete="SET NULL"
        )

    with op.batch_alter_table("group", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("archived_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("archived_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("featured_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_group_merged_into_id"), ["merged_into_id"], unique=False
        )
        batch_op.create_foreign_key(
            "fk_group_merged_into_id_group",
            "group",
            ["merged_into_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            "fk_group_archived_by_user", "user", ["archived_by"], ["id"], ondelete="SET NULL"
        )

    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("spotlight_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_notification_spotlight_id_spotlight",
            "spotlight",
            ["spotlight_id"],
            ["id"],
            ondelete="CASCADE",
        )

    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hidden_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("hidden_by", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "hidden_reason",
                sqlmodel.sql.sqltypes.AutoString(length=1000),
                nullable=False,
                server_default="",
            )
        )
        batch_op.create_foreign_key(
            "fk_post_hidden_by_user", "user", ["hidden_by"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.drop_constraint("fk_post_hidden_by_user", type_="foreignkey")
        batch_op.drop_column("hidden_reason")
        batch_op.drop_column("hidden_by")
        batch_op.drop_column("hidden_at")

    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint("fk_notification_spotlight_id_spotlight", type_="foreignkey")
        batch_op.drop_column("spotlight_id")

    with op.batch_alter_table("group", schema=None) as batch_op:
        batch_op.drop_constraint("fk_group_merged_into_id_group", type_="foreignkey")
        batch_op.drop_constraint("fk_group_archived_by_user", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_group_merged_into_id"))
        batch_op.drop_column("featured_until")
        batch_op.drop_column("merged_into_id")
        batch_op.drop_column("archived_by")
        batch_op.drop_column("archived_at")

    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_constraint("fk_comment_hidden_by_user", type_="foreignkey")
        batch_op.drop_column("hidden_reason")
        batch_op.drop_column("hidden_by")
        batch_op.drop_column("hidden_at")

    with op.batch_alter_table("moderation_action", schema=None) as batch_op:
        batch_op.drop_index("ix_moderation_action_post")

    op.drop_table("moderation_action")
    with op.batch_alter_table("featured_post_seen", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_featured_post_seen_user_id"))

    op.drop_table("featured_post_seen")
    with op.batch_alter_table("content_report", schema=None) as batch_op:
        batch_op.drop_index("ix_content_report_state_created")
        batch_op.drop_index("ix_content_report_post")

    op.drop_table("content_report")
    with op.batch_alter_table("impact_story", schema=None) as batch_op:
        batch_op.drop_index("ix_impact_story_created")

    op.drop_table("impact_story")
    with op.batch_alter_table("featured_post", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_featured_post_post_id"))
        batch_op.drop_index(batch_op.f("ix_featured_post_group_id"))
        batch_op.drop_index("ix_featured_post_expires")

    op.drop_table("featured_post")
    with op.batch_alter_table("charter_acceptance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_charter_acceptance_user_id"))

    op.drop_table("charter_acceptance")
    with op.batch_alter_table("charter", schema=None) as batch_op:
        batch_op.drop_index("ix_charter_group_version")

    op.drop_table("charter")
    with op.batch_alter_table("spotlight", schema=None) as batch_op:
        batch_op.drop_index("ix_spotlight_state_period")
        batch_op.drop_index("ix_spotlight_member")

    op.drop_table("spotlight")
    op.drop_table("queue_item_handled")
