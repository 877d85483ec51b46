"""tally_day: the tally per WIB day of requested_at, filled from the stored reports; the
status_change (report_id, changed_at) index also covers id and to_status; report gets a
(kota_code, requested_at) index and loses (agency_code, status), a prefix of
ix_report_agency_status_closed

Written by hand after the autogenerate diff (tests/store/test_migrations.py checks that
both backends end up with schema.py's metadata). The backfill is the same GROUP BY as
``dashboard.store.bulk.rebuild_tally`` (kept inline: a revision must not change when that
module does).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 04:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

KEY = "COALESCE(kelurahan_code, ''), agency_code, category_code, status"


def upgrade() -> None:
    op.create_table('tally_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kelurahan_code', sa.String(length=16), nullable=False),
    sa.Column('agency_code', sa.String(length=48), nullable=False),
    sa.Column('category_code', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('n', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'kelurahan_code', 'agency_code', 'category_code', 'status',
                            name=op.f('pk_tally_day')),
    sqlite_with_rowid=False,
    )
    day = ("CAST(requested_at + interval '420 minutes' AS DATE)" if op.get_bind().dialect.name == "postgresql"
           else "date(requested_at, '+420 minutes')")  # WIB, as schema.TALLY_DAY_OFFSET
    op.execute(f"INSERT INTO tally_day (day, kelurahan_code, agency_code, category_code, status, n) "
               f"SELECT {day}, {KEY}, COUNT(*) FROM report GROUP BY {day}, {KEY}")
    op.create_index('ix_status_change_report_cov', 'status_change', ['report_id', 'changed_at', 'id', 'to_status'])
    op.drop_index('ix_status_change_report', table_name='status_change')
    op.create_index('ix_report_kota_requested', 'report', ['kota_code', 'requested_at'])
    op.drop_index('ix_report_agency', table_name='report')
    op.execute('ANALYZE')


def downgrade() -> None:
    op.create_index('ix_report_agency', 'report', ['agency_code', 'status'])
    op.drop_index('ix_report_kota_requested', table_name='report')
    op.create_index('ix_status_change_report', 'status_change', ['report_id', 'changed_at'])
    op.drop_index('ix_status_change_report_cov', table_name='status_change')
    op.drop_table('tally_day')
