"""Items built from one sentence share a family (a typed cloze and its choice twin).

``items.family``: filled when the bank is next loaded (the content changed, so
every generated item is updated) or a vocabulary set is published; a session
never serves two items of one family.

Revision ID: 0008_item_family
Revises: 0007_served_ids
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0008_item_family"
down_revision: Union[str, Sequence[str], None] = "0007_served_ids"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("family", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_column("family")
