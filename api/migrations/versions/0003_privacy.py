"""Privacy and security: login failures (rate limiting), anonymised responses of erased learners.

Revision ID: 0003_privacy
Revises: 0002_learning
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003_privacy"
down_revision: Union[str, Sequence[str], None] = "0002_learning"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_login_failures_key_failed_at", "login_failures", ["key", "failed_at"])
    op.create_table(
        "anonymous_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_key", sa.String(length=32), nullable=False),
        sa.Column("item_id", sa.String(length=120), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("max_score", sa.Integer(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_anonymous_responses_learner_key", "anonymous_responses", ["learner_key"])
    op.create_index("ix_anonymous_responses_item_id", "anonymous_responses", ["item_id"])


def downgrade() -> None:
    op.drop_index("ix_anonymous_responses_item_id", table_name="anonymous_responses")
    op.drop_index("ix_anonymous_responses_learner_key", table_name="anonymous_responses")
    op.drop_table("anonymous_responses")
    op.drop_index("ix_login_failures_key_failed_at", table_name="login_failures")
    op.drop_table("login_failures")
