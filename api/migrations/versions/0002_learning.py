"""Learning over time: per-language growth parameters, spaced-review states, pathways.

Revision ID: 0002_learning
Revises: 0001
Create Date: 2026-11-24 12:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002_learning"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "growth_fits",
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("learners", sa.Integer(), nullable=False),
        sa.Column("responses", sa.Integer(), nullable=False),
        sa.Column("log_likelihood", sa.Float(), nullable=False),
        sa.Column("fitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("language"),
    )
    op.create_table(
        "review_states",
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("vocab_key", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("card", sa.JSON(), nullable=False),
        sa.Column("due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reviews", sa.Integer(), nullable=False),
        sa.Column("lapses", sa.Integer(), nullable=False),
        sa.Column("last_review", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["learner_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("learner_id", "vocab_key"),
    )
    with op.batch_alter_table("review_states", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_states_due"), ["due"], unique=False)
    op.create_table(
        "learner_pathways",
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("trade", sa.String(length=32), nullable=True),
        sa.Column("trade_share", sa.Float(), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["learner_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["set_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("learner_id"),
    )
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vocab_key", sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f("ix_items_vocab_key"), ["vocab_key"], unique=False)
    # Items already loaded keep their vocabulary key in the content JSON: copy it out.
    items = sa.table("items", sa.column("id", sa.String), sa.column("content", sa.JSON),
                     sa.column("vocab_key", sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(items.c.id, items.c.content)).all()
    for item_id, content in rows:
        key = (content or {}).get("vocab_key") if isinstance(content, dict) else None
        if key:
            connection.execute(items.update().where(items.c.id == item_id).values(vocab_key=key))


def downgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_items_vocab_key"))
        batch_op.drop_column("vocab_key")
    op.drop_table("learner_pathways")
    with op.batch_alter_table("review_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_states_due"))
    op.drop_table("review_states")
    op.drop_table("growth_fits")
