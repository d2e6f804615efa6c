"""Calibration versions and an honest history.

- ``calibrations``: ``applied_at`` (a run that wrote parameters is a version),
  ``rolled_back_at``, ``rolled_back_by``.
- ``calibration_item_changes``: each item a run changed (a dry run: would change),
  its parameters before and after, so a rollback restores them exactly.
- ``calibration_level_changes``: each learner whose level a run changed (would change).
- ``reported_estimates``: each ability estimate as it was reported to a learner
  (a drill's answer, a placement test's end), with the parameter version then live.

Runs from before this revision keep their rows; they are not versions (their
previous parameters were not kept) and cannot be rolled back.

Revision ID: 0012_calibration_versions
Revises: 0011_support_language
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0012_calibration_versions"
# The head of the chain when this revision was written (0012 and 0013 were written beside
# it, on 0009): one head, whatever order the revisions were numbered in.
down_revision: Union[str, Sequence[str], None] = "0011_support_language"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("calibrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("rolled_back_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("rolled_back_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_calibrations_rolled_back_by_users", "users", ["rolled_back_by"], ["id"])
    op.create_table(
        "calibration_item_changes",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("item_id", sa.String(length=120), nullable=False),
        sa.Column("learners", sa.Integer(), nullable=False),
        sa.Column("a_before", sa.Float(), nullable=False),
        sa.Column("b_before", sa.Float(), nullable=False),
        sa.Column("c_before", sa.Float(), nullable=False),
        sa.Column("status_before", sa.String(length=16), nullable=False),
        sa.Column("calibration_before", sa.String(length=36), nullable=True),
        sa.Column("a_after", sa.Float(), nullable=False),
        sa.Column("b_after", sa.Float(), nullable=False),
        sa.Column("c_after", sa.Float(), nullable=False),
        sa.Column("se_a", sa.Float(), nullable=False),
        sa.Column("se_b", sa.Float(), nullable=False),
        sa.Column("p_value", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["calibrations.id"]),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"]),
        sa.PrimaryKeyConstraint("run_id", "item_id"),
    )
    op.create_table(
        "calibration_level_changes",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("theta_before", sa.Float(), nullable=False),
        sa.Column("theta_after", sa.Float(), nullable=False),
        sa.Column("level_before", sa.String(length=2), nullable=False),
        sa.Column("level_after", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["calibrations.id"]),
        sa.ForeignKeyConstraint(["learner_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("run_id", "learner_id", "language"),
    )
    op.create_index("ix_calibration_level_changes_learner_id", "calibration_level_changes", ["learner_id"])
    op.create_table(
        "reported_estimates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("theta", sa.Float(), nullable=False),
        sa.Column("se", sa.Float(), nullable=False),
        sa.Column("level", sa.String(length=2), nullable=False),
        sa.Column("parameters", sa.String(length=36), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["learner_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_reported_estimates_learner_language", "reported_estimates",
                    ["learner_id", "language", "reported_at"])


def downgrade() -> None:
    op.drop_index("ix_reported_estimates_learner_language", table_name="reported_estimates")
    op.drop_table("reported_estimates")
    op.drop_index("ix_calibration_level_changes_learner_id", table_name="calibration_level_changes")
    op.drop_table("calibration_level_changes")
    op.drop_table("calibration_item_changes")
    with op.batch_alter_table("calibrations", schema=None) as batch_op:
        batch_op.drop_constraint("fk_calibrations_rolled_back_by_users", type_="foreignkey")
        batch_op.drop_column("rolled_back_by")
        batch_op.drop_column("rolled_back_at")
        batch_op.drop_column("applied_at")
