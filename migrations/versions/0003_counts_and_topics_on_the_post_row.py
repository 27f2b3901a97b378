"""Counts per reaction kind, attachments and topics kept on the post row.

A stream page then reads its posts without counting queries. Existing posts
get their figures computed from the rows they have.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REACTION_KINDS = ("like", "celebrate", "insightful", "support")


def upgrade() -> None:
    with op.batch_alter_table("post", schema=None) as batch_op:
        for kind in REACTION_KINDS:
            batch_op.add_column(
                sa.Column(f"{kind}_count", sa.Integer(), nullable=False, server_default="0")
            )
        batch_op.add_column(
            sa.Column("attachment_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("topic_tags", sa.Text(), nullable=False, server_default=""))
    op.create_index("ix_post_created", "post", ["created_at", "id"])
    for kind in REACTION_KINDS:
        op.execute(
            sa.text(
                f"UPDATE post SET {kind}_count = (SELECT count(*) FROM reaction"
                f" WHERE reaction.post_id = post.id AND reaction.kind = '{kind}')"
            )
        )
    op.execute(
        "UPDATE post SET attachment_count = "
        "(SELECT count(*) FROM attachment WHERE attachment.post_id = post.id)"
    )
    connection = op.get_bind()
    tags: dict[int, list[str]] = {}
    for post_id, tag in connection.execute(
        sa.text("SELECT post_id, tag FROM post_topic ORDER BY post_id, tag")
    ):
        tags.setdefault(post_id, []).append(tag)
    for post_id, post_tags in tags.items():
        connection.execute(
            sa.text("UPDATE post SET topic_tags = :tags WHERE id = :id"),
            {"tags": " ".join(post_tags), "id": post_id},
        )


def downgrade() -> None:
    op.drop_index("ix_post_created", table_name="post")
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.drop_column("topic_tags")
        batch_op.drop_column("attachment_count")
        for kind in reversed(REACTION_KINDS):
            batch_op.drop_column(f"{kind}_count")
