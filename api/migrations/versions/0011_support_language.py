"""A learner's support language: the language they read best, for glosses, hints, instructions
and what their level means (``content.support``). None: none chosen.

Revision ID: 0011_support_language
Revises: 0010_accounts
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0011_support_language"
down_revision: Union[str, Sequence[str], None] = "0010_accounts"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("support_language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("support_language")
