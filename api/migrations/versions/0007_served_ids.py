"""Served ids that say nothing about the key; placement retakes a teacher allows.

- ``users.placement_retakes``: placement tests a teacher allowed before the
  retake interval is over.
- Every session's state gets a random ``key`` (the HMAC key of the ids and
  order it serves; see ``api.services.served_items``) and a random ``seed``
  in place of the one derived from its id. A session open during the upgrade
  shows new ids from then on: its client fetches ``next`` again (an answer
  sent with an id from before is a 409, nothing is stored).

Revision ID: 0007_served_ids
Revises: 0006_growth_catch_up
"""
import secrets
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0007_served_ids"
down_revision: Union[str, Sequence[str], None] = "0006_growth_catch_up"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

KEY_BYTES = 16
SEED_BITS = 63


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("placement_retakes", sa.Integer(), nullable=False,
                                      server_default="0"))
    sessions = sa.table("sessions", sa.column("id", sa.String), sa.column("state", sa.JSON))
    connection = op.get_bind()
    for session_id, state in connection.execute(sa.select(sessions.c.id, sessions.c.state)).all():
        state = dict(state or {})
        if "key" in state:
            continue
        state["key"] = secrets.token_hex(KEY_BYTES)
        state["seed"] = secrets.randbits(SEED_BITS)
        connection.execute(sessions.update().where(sessions.c.id == session_id).values(state=state))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("placement_retakes")
