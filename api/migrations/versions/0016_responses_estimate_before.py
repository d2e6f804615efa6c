"""Each answer keeps the learner's estimate just before it (``theta_before``, ``se_before``).

An item's fit (a set's statistics) judges every answer against that estimate. It was read
from the learner's previous answer in the language, a window over all of the learners'
answers on every request; now it is stored with the answer, from the session's posterior
before it. Answers stored before this revision get the estimate of the learner's previous
answer in the same language, or the engine's prior N(0, 1) for a learner's first.

Revision ID: 0016_responses_estimate_before
Revises: 0015_responses_learner_item
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0016_responses_estimate_before"
down_revision: Union[str, Sequence[str], None] = "0015_responses_learner_item"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

#: What an answer without an earlier one was judged against: the engine's prior.
PRIOR_MEAN, PRIOR_SD = 0.0, 1.0


def upgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("theta_before", sa.Float(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("se_before", sa.Float(), nullable=False, server_default="1"))
    # UPDATE ... FROM: PostgreSQL, and SQLite from 3.33.
    op.execute(sa.text("""
        UPDATE responses SET theta_before = previous.theta_before, se_before = previous.se_before
        FROM (SELECT r.id AS id,
                     COALESCE(LAG(r.theta) OVER (PARTITION BY r.learner_id, i.language ORDER BY r.id),
                              :mean) AS theta_before,
                     COALESCE(LAG(r.se) OVER (PARTITION BY r.learner_id, i.language ORDER BY r.id),
                              :sd) AS se_before
              FROM responses AS r JOIN items AS i ON i.id = r.item_id) AS previous
        WHERE responses.id = previous.id""").bindparams(mean=PRIOR_MEAN, sd=PRIOR_SD))


def downgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("se_before")
        batch.drop_column("theta_before")
