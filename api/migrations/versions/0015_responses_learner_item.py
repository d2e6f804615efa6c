"""The items a learner has met read from an index: ``responses (learner_id, item_id)``
replaces the index on ``learner_id`` alone, which it also serves.

Every answer reads the distinct items its learner answered before (the placement test asks
unmet items first; a drill's new items are new). With the learner's index alone that read
visited every answer the learner ever gave; from the pair it reads the index only.

Revision ID: 0015_responses_learner_item
Revises: 0014_growth_fit_versions
"""
from typing import Sequence, Union

from alembic import op

revision: str = "0015_responses_learner_item"
down_revision: Union[str, Sequence[str], None] = "0014_growth_fit_versions"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index("ix_responses_learner_item", "responses", ["learner_id", "item_id"])
    op.drop_index("ix_responses_learner_id", table_name="responses")


def downgrade() -> None:
    op.create_index("ix_responses_learner_id", "responses", ["learner_id"])
    op.drop_index("ix_responses_learner_item", table_name="responses")
