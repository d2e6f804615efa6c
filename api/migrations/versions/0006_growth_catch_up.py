"""Growth states brought up to date when read, not on every answer.

- ``learner_abilities.through_response_id``: the last answer (``responses.id``)
  applied to the learner's growth states in that language. An answer is stored
  once, in ``responses``; the growth states (about 10 kB each, overall and per
  skill) are a summary of those answers, updated with all answers since this id
  when someone reads them. Rows written before this migration were updated on
  every answer, so they are current: they start at the learner's last answer in
  that language.
- The index on ``responses.session_id`` goes: the unique constraint on
  ``(session_id, client_response_id)`` starts with that column and serves the
  same look-ups, and every answer paid for both.

Revision ID: 0006_growth_catch_up
Revises: 0005_lean_answers
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006_growth_catch_up"
down_revision: Union[str, Sequence[str], None] = "0005_lean_answers"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("learner_abilities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("through_response_id", sa.Integer(), nullable=False,
                                      server_default="0"))
    op.execute("""
        UPDATE learner_abilities SET through_response_id = COALESCE((
            SELECT MAX(responses.id) FROM responses JOIN items ON items.id = responses.item_id
            WHERE responses.learner_id = learner_abilities.learner_id
              AND items.language = learner_abilities.language), 0)""")
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_responses_session_id"))


def downgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_responses_session_id"), ["session_id"], unique=False)
    with op.batch_alter_table("learner_abilities", schema=None) as batch_op:
        batch_op.drop_column("through_response_id")
