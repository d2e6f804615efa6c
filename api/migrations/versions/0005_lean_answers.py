"""Lean answers: no per-answer ability snapshots; growth fits share the cache version.

- ``ability_snapshots`` is dropped. Every answer wrote two rows there that
  nothing read: curves, histories and alerts are the growth model smoothed over
  the stored answers (``api.services.ability.series``), and the current
  estimate is in ``learner_abilities``. Keeping an unread copy of a learner's
  ability after every answer is data stored for nothing.
- ``items_version`` becomes the version of everything a worker caches: a change
  to ``growth_fits`` bumps it as a change to ``items`` does, so the fitted growth
  parameters are read with the item pool instead of once per answer.

Revision ID: 0005_lean_answers
Revises: 0004_items_version
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0005_lean_answers"
down_revision: Union[str, Sequence[str], None] = "0004_items_version"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SQLITE_EVENTS = ("INSERT", "UPDATE", "DELETE")


def upgrade() -> None:
    with op.batch_alter_table("ability_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ability_snapshots_taken_at"))
        batch_op.drop_index(batch_op.f("ix_ability_snapshots_learner_id"))
    op.drop_table("ability_snapshots")
    if op.get_bind().dialect.name == "postgresql":
        # The function of migration 0004; statement-level and BEFORE, as for items.
        op.execute("""
            CREATE TRIGGER growth_fits_version_bump
            BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON growth_fits
            FOR EACH STATEMENT EXECUTE FUNCTION bump_items_version()""")
    else:
        for event in SQLITE_EVENTS:
            op.execute(f"""
                CREATE TRIGGER growth_fits_version_{event.lower()} AFTER {event} ON growth_fits
                BEGIN
                    UPDATE items_version SET version = version + 1 WHERE id = 1;
                END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS growth_fits_version_bump ON growth_fits")
    else:
        for event in SQLITE_EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS growth_fits_version_{event.lower()}")
    op.create_table(
        "ability_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("theta", sa.Float(), nullable=False),
        sa.Column("se", sa.Float(), nullable=False),
        sa.Column("level", sa.String(length=2), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["learner_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["response_id"], ["responses.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ability_snapshots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ability_snapshots_learner_id"), ["learner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ability_snapshots_taken_at"), ["taken_at"], unique=False)
