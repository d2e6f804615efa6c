"""LTI 1.3: platform registrations, the tool's keys, launches in flight, the platforms'
users, courses and activities mapped to accounts and classes, and the grade outbox.

Revision ID: 0013_lti
Revises: 0012_calibration_versions
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0013_lti"
down_revision: Union[str, Sequence[str], None] = "0012_calibration_versions"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "lti_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("auth_login_url", sa.String(length=1000), nullable=False),
        sa.Column("auth_token_url", sa.String(length=1000), nullable=False),
        sa.Column("jwks_url", sa.String(length=1000), nullable=False),
        _time("created_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("issuer", "client_id", name="uq_lti_registrations_issuer_client"),
    )
    op.create_table(
        "lti_deployments",
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(["registration_id"], ["lti_registrations.id"]),
        sa.PrimaryKeyConstraint("registration_id", "deployment_id"),
    )
    op.create_table(
        "lti_keys",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("private_pem", sa.Text(), nullable=False),
        sa.Column("public_jwk", sa.JSON(), nullable=False),
        _time("created_at"),
        _time("retired_at", nullable=True),
        sa.PrimaryKeyConstraint("kid"),
    )
    op.create_table(
        "lti_launch_states",
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        _time("expires_at"),
        sa.ForeignKeyConstraint(["registration_id"], ["lti_registrations.id"]),
        sa.PrimaryKeyConstraint("state"),
    )
    op.create_index("ix_lti_launch_states_registration_id", "lti_launch_states", ["registration_id"])
    op.create_index("ix_lti_launch_states_expires_at", "lti_launch_states", ["expires_at"])
    op.create_table(
        "lti_accounts",
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("issuer", "subject"),
    )
    op.create_index("ix_lti_accounts_user_id", "lti_accounts", ["user_id"])
    op.create_table(
        "lti_contexts",
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.String(length=255), nullable=False),
        sa.Column("context_id", sa.String(length=255), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("memberships_url", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(["registration_id"], ["lti_registrations.id"]),
        sa.ForeignKeyConstraint(["class_id"], ["classes.id"]),
        sa.PrimaryKeyConstraint("registration_id", "deployment_id", "context_id"),
    )
    op.create_index("ix_lti_contexts_class_id", "lti_contexts", ["class_id"])
    op.create_table(
        "lti_resource_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.String(length=255), nullable=False),
        sa.Column("resource_link_id", sa.String(length=255), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("track", sa.String(length=8), nullable=False),
        sa.Column("trade", sa.String(length=32), nullable=True),
        sa.Column("lineitem_url", sa.String(length=1000), nullable=True),
        sa.Column("lineitems_url", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(["registration_id"], ["lti_registrations.id"]),
        sa.ForeignKeyConstraint(["class_id"], ["classes.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("registration_id", "deployment_id", "resource_link_id",
                            name="uq_lti_resource_links_link"),
    )
    op.create_index("ix_lti_resource_links_class_id", "lti_resource_links", ["class_id"])
    op.create_table(
        "lti_link_learners",
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["link_id"], ["lti_resource_links.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("link_id", "user_id"),
    )
    op.create_index("ix_lti_link_learners_user_id", "lti_link_learners", ["user_id"])
    op.create_table(
        "lti_grade_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.String(length=36), nullable=False),
        sa.Column("score_given", sa.Float(), nullable=False),
        sa.Column("score_maximum", sa.Float(), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=False),
        sa.Column("activity_progress", sa.String(length=16), nullable=False),
        sa.Column("grading_progress", sa.String(length=16), nullable=False),
        _time("scored_at"),
        _time("created_at"),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        _time("next_attempt_at"),
        _time("delivered_at", nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["link_id"], ["lti_resource_links.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("link_id", "session_id", name="uq_lti_grade_outbox_session"),
    )
    op.create_index("ix_lti_grade_outbox_link_id", "lti_grade_outbox", ["link_id"])
    op.create_index("ix_lti_grade_outbox_user_id", "lti_grade_outbox", ["user_id"])
    op.create_index("ix_lti_grade_outbox_next_attempt_at", "lti_grade_outbox", ["next_attempt_at"])


def downgrade() -> None:
    for table in ("lti_grade_outbox", "lti_link_learners", "lti_resource_links", "lti_contexts",
                  "lti_accounts", "lti_launch_states", "lti_keys", "lti_deployments", "lti_registrations"):
        op.drop_table(table)
