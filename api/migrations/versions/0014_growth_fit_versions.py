"""Growth fits kept as versions: ``growth_fit_versions`` holds every fit (who, when, the
version it replaced), so a fit can be listed, shown and rolled back; ``growth_fits`` keeps
the live values (read by every growth state; its changes bump the items' version, 0005).

The fits stored before this revision become versions whose previous values were not kept
(``replaced_kept`` false): they cannot be rolled back.

Revision ID: 0014_growth_fit_versions
Revises: 0013_lti
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0014_growth_fit_versions"
down_revision: Union[str, Sequence[str], None] = "0013_lti"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "growth_fit_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("learners", sa.Integer(), nullable=False),
        sa.Column("responses", sa.Integer(), nullable=False),
        sa.Column("log_likelihood", sa.Float(), nullable=False),
        sa.Column("fitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fitted_by", sa.String(length=64), nullable=True),
        sa.Column("replaces", sa.Integer(), nullable=True),
        sa.Column("replaced_kept", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("rolled_back_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rolled_back_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["replaces"], ["growth_fit_versions.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_growth_fit_versions_language", "growth_fit_versions", ["language"])
    op.execute("INSERT INTO growth_fit_versions (language, params, learners, responses, log_likelihood, "
               "fitted_at, replaced_kept) SELECT language, params, learners, responses, log_likelihood, "
               "fitted_at, false FROM growth_fits ORDER BY fitted_at")


def downgrade() -> None:
    op.drop_index("ix_growth_fit_versions_language", table_name="growth_fit_versions")
    op.drop_table("growth_fit_versions")
