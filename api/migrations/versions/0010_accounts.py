"""Accounts: Unicode logins matched case-blind, display names, token versions, one-time
passwords, disabled accounts; login back-off in place of login-failure counts.

- ``users.login_key``: the login as it is matched (``api.services.usernames.login_key``),
  unique. Logins before this revision were ASCII letters, digits and ``. _ @ -``, whose
  key is their lower case. Two logins that differed only in case were two accounts; they
  would now be one: the upgrade refuses, naming them, before it changes anything.
- ``users.display_name`` (the login until someone sets one), ``token_version``,
  ``must_change_password``, ``disabled_at``.
- ``login_throttles`` replaces ``login_failures`` (whose counts are dropped: they were
  kept 15 minutes at most).

Revision ID: 0010_accounts
Revises: 0009_rate_counts
"""
import unicodedata
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0010_accounts"
down_revision: Union[str, Sequence[str], None] = "0009_rate_counts"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _key(username: str) -> str:
    # The rule of api.services.usernames.login_key as of this revision (a migration keeps
    # its own copy: the application's rule may change later, this step may not).
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username).casefold())
    folded = folded.replace("i\u0307", "i").replace("\u0131", "i")
    return "".join(str(unicodedata.decimal(ch)) if unicodedata.category(ch) == "Nd" else ch
                   for ch in folded)


def upgrade() -> None:
    connection = op.get_bind()
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("username", sa.String),
                     sa.column("login_key", sa.String), sa.column("display_name", sa.String))
    rows = connection.execute(sa.select(users.c.id, users.c.username)).all()
    owners: dict[str, list[str]] = {}
    for user_id, username in rows:
        owners.setdefault(_key(username), []).append(f"'{username}' (id {user_id})")
    clashes = [names for names in owners.values() if len(names) > 1]
    if clashes:
        listed = "; ".join(" and ".join(names) for names in clashes)
        raise RuntimeError(
            "logins are now matched whatever their case, and these accounts differ only in case: "
            f"{listed}. Rename all but one of each (UPDATE users SET username = '...' WHERE id = ...) "
            "and run the upgrade again; nothing was changed.")
    with op.batch_alter_table("users", schema=None) as batch_op:
        # NOT NULL with a default (SQLite adds such a column in place; making a column NOT
        # NULL later would copy the table, which other tables' foreign keys point at).
        batch_op.add_column(sa.Column("login_key", sa.String(length=256), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("display_name", sa.String(length=120), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("token_version", sa.Integer(), nullable=False, server_default="0"))
        # "0", not sa.false(): a default that is an expression would make SQLite copy the table.
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
    for user_id, username in rows:
        connection.execute(users.update().where(users.c.id == user_id)
                           .values(login_key=_key(username), display_name=username[:120]))
    op.create_index("ix_users_login_key", "users", ["login_key"], unique=True)

    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("account_key", sa.String(length=64), nullable=True),
        sa.Column("failed_at", sa.Float(), nullable=False),
        sa.Column("forgiven_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_login_throttles_account_key", "login_throttles", ["account_key"])
    op.drop_index("ix_login_failures_key_failed_at", table_name="login_failures")
    op.drop_table("login_failures")


def downgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_login_failures_key_failed_at", "login_failures", ["key", "failed_at"])
    op.drop_index("ix_login_throttles_account_key", table_name="login_throttles")
    op.drop_table("login_throttles")
    op.drop_index("ix_users_login_key", table_name="users")
    with op.batch_alter_table("users", schema=None) as batch_op:
        for column in ("disabled_at", "must_change_password", "token_version", "display_name", "login_key"):
            batch_op.drop_column(column)
