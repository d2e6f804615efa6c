"""Request counts per minute for the rate limits shared by all workers.

Revision ID: 0009_rate_counts
Revises: 0008_item_family
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0009_rate_counts"
down_revision: Union[str, Sequence[str], None] = "0008_item_family"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table("rate_counts",
                    sa.Column("key", sa.String(length=64), nullable=False),
                    sa.Column("minute", sa.Integer(), nullable=False),
                    sa.Column("count", sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint("key", "minute"))


def downgrade() -> None:
    op.drop_table("rate_counts")
