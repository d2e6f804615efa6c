"""Initial schema: users, classes, items, sessions, responses, abilities, authoring, calibrations.

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 14:16:17.924327

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    
    op.create_table('bank_loads',
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('item_count', sa.Integer(), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('content_hash')
    )
    op.create_table('items',
    sa.Column('id', sa.String(length=120), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('track', sa.String(length=8), nullable=False),
    sa.Column('trade', sa.String(length=32), nullable=True),
    sa.Column('theme', sa.String(length=32), nullable=True),
    sa.Column('skill', sa.String(length=16), nullable=False),
    sa.Column('type', sa.String(length=24), nullable=False),
    sa.Column('cefr', sa.String(length=2), nullable=False),
    sa.Column('max_score', sa.Integer(), nullable=False),
    sa.Column('a', sa.Float(), nullable=False),
    sa.Column('b', sa.Float(), nullable=False),
    sa.Column('c', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('live', sa.Boolean(), nullable=False),
    sa.Column('vocabulary_set_id', sa.String(length=36), nullable=True),
    sa.Column('calibration_id', sa.String(length=36), nullable=True),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_items_language'), ['language'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('calibrations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('error', sa.String(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['requested_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('classes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('teacher_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['teacher_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('classes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_classes_teacher_id'), ['teacher_id'], unique=False)

    op.create_table('learner_abilities',
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('posterior', sa.JSON(), nullable=False),
    sa.Column('theta', sa.Float(), nullable=False),
    sa.Column('se', sa.Float(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('learner_id', 'language', 'scope')
    )
    op.create_table('sessions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('track', sa.String(length=8), nullable=False),
    sa.Column('trade', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('state', sa.JSON(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sessions_learner_id'), ['learner_id'], unique=False)

    op.create_table('vocabulary_sets',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('trade', sa.String(length=32), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('vocabulary_sets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vocabulary_sets_author_id'), ['author_id'], unique=False)

    op.create_table('class_learners',
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], ),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('learner_id')
    )
    with op.batch_alter_table('class_learners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_class_learners_class_id'), ['class_id'], unique=False)

    op.create_table('responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.String(length=36), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=120), nullable=False),
    sa.Column('client_response_id', sa.String(length=128), nullable=False),
    sa.Column('answer', sa.JSON(), nullable=True),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('max_score', sa.Integer(), nullable=False),
    sa.Column('correct', sa.Boolean(), nullable=False),
    sa.Column('response_ms', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('theta', sa.Float(), nullable=False),
    sa.Column('se', sa.Float(), nullable=False),
    sa.Column('level', sa.String(length=2), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], ),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_id', 'client_response_id', name='uq_response_client_id'),
    sa.UniqueConstraint('session_id', 'item_id', name='uq_response_item')
    )
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_responses_answered_at'), ['answered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_responses_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_responses_learner_id'), ['learner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_responses_session_id'), ['session_id'], unique=False)

    op.create_table('ability_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('theta', sa.Float(), nullable=False),
    sa.Column('se', sa.Float(), nullable=False),
    sa.Column('level', sa.String(length=2), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['response_id'], ['responses.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ability_snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ability_snapshots_learner_id'), ['learner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ability_snapshots_taken_at'), ['taken_at'], unique=False)

    


def downgrade() -> None:
    """Downgrade schema."""
    
    with op.batch_alter_table('ability_snapshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ability_snapshots_taken_at'))
        batch_op.drop_index(batch_op.f('ix_ability_snapshots_learner_id'))

    op.drop_table('ability_snapshots')
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_responses_session_id'))
        batch_op.drop_index(batch_op.f('ix_responses_learner_id'))
        batch_op.drop_index(batch_op.f('ix_responses_item_id'))
        batch_op.drop_index(batch_op.f('ix_responses_answered_at'))

    op.drop_table('responses')
    with op.batch_alter_table('class_learners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_class_learners_class_id'))

    op.drop_table('class_learners')
    with op.batch_alter_table('vocabulary_sets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vocabulary_sets_author_id'))

    op.drop_table('vocabulary_sets')
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sessions_learner_id'))

    op.drop_table('sessions')
    op.drop_table('learner_abilities')
    with op.batch_alter_table('classes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_classes_teacher_id'))

    op.drop_table('classes')
    op.drop_table('calibrations')
    op.drop_table('users')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_items_language'))

    op.drop_table('items')
    op.drop_table('bank_loads')
    
