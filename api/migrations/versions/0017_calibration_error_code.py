"""A failed calibration run's cause by name, ``calibrations.error_code``: the admin page says it
in the admin's language (``error`` keeps the server's English words).

Runs that failed before it have none: the page shows their English words.

Revision ID: 0017_calibration_error_code
Revises: 0016_responses_estimate_before
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0017_calibration_error_code"
down_revision: Union[str, Sequence[str], None] = "0016_responses_estimate_before"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("calibrations") as batch:
        batch.add_column(sa.Column("error_code", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calibrations") as batch:
        batch.drop_column("error_code")
