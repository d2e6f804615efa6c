"""Items version: a counter the database bumps on every change to ``items``.

Each worker keeps the item pool in memory (selection needs every live item's
parameters on every request) and checks this one-row counter instead of
reloading the items. Triggers bump it in the transaction that changes
``items`` -- whatever the writer (bank load, publishing, calibration, SQL by
hand) -- so a change committed by one worker is seen by the next request in
any other. It starts from the clock, so a database created afresh never
repeats the numbers of an earlier one.

PostgreSQL: a statement-level ``BEFORE`` trigger, so the counter's row lock is
taken before any item row's (writers of items queue on it; no lock-order
deadlock). SQLite: row-level triggers (the database has a single writer).

Revision ID: 0004_items_version
Revises: 0003_privacy
"""
import time
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0004_items_version"
down_revision: Union[str, Sequence[str], None] = "0003_privacy"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SQLITE_EVENTS = ("INSERT", "UPDATE", "DELETE")


def upgrade() -> None:
    op.create_table(
        "items_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute(sa.text("INSERT INTO items_version (id, version) VALUES (1, :start)")
               .bindparams(start=time.time_ns() // 1000))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION bump_items_version() RETURNS trigger
            LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
            BEGIN
                UPDATE items_version SET version = version + 1 WHERE id = 1;
                RETURN NULL;
            END $$""")
        op.execute("""
            CREATE TRIGGER items_version_bump
            BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON items
            FOR EACH STATEMENT EXECUTE FUNCTION bump_items_version()""")
    else:
        for event in SQLITE_EVENTS:
            op.execute(f"""
                CREATE TRIGGER items_version_{event.lower()} AFTER {event} ON items
                BEGIN
                    UPDATE items_version SET version = version + 1 WHERE id = 1;
                END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS items_version_bump ON items")
        op.execute("DROP FUNCTION IF EXISTS bump_items_version()")
    else:
        for event in SQLITE_EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS items_version_{event.lower()}")
    op.drop_table("items_version")
