"""unattended running: worker_heartbeat (per job), web_session (server-side sign-in
sessions, revocable), login_failure (failed sign-ins shared across web processes)

Written by hand from schema.py (tests/store/test_migrations.py checks that both backends
end up with schema.py's metadata).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('worker_heartbeat',
    sa.Column('job', sa.String(length=96), nullable=False),
    sa.Column('worker', sa.Text(), nullable=False),
    sa.Column('last_start', sa.DateTime(), nullable=True),
    sa.Column('last_success', sa.DateTime(), nullable=True),
    sa.Column('last_error_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('job', name=op.f('pk_worker_heartbeat'))
    )
    op.create_table('web_session',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id_hash', name=op.f('pk_web_session'))
    )
    op.create_index('ix_web_session_user', 'web_session', ['user_id'])
    op.create_index('ix_web_session_expires', 'web_session', ['expires_at'])
    op.create_table('login_failure',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failure'))
    )
    op.create_index('ix_login_failure_key_at', 'login_failure', ['key', 'at'])


def downgrade() -> None:
    op.drop_index('ix_login_failure_key_at', table_name='login_failure')
    op.drop_table('login_failure')
    op.drop_index('ix_web_session_expires', table_name='web_session')
    op.drop_index('ix_web_session_user', table_name='web_session')
    op.drop_table('web_session')
    op.drop_table('worker_heartbeat')
