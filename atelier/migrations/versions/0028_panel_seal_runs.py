"""panel seal runs

The seal ran in the web request that asked for it, for as long as the search took (minutes on a
large pool). It is now asked for, then run as a flow run of its own: the lottery row keeps the
request, the run that claimed it, its last beat and progress, and why it failed, if it did.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision: str = '0028'
down_revision: str | None = '0027'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMES = ('seal_requested_at', 'seal_started_at', 'seal_beat_at')


def upgrade() -> None:
    with op.batch_alter_table('panel_lottery') as batch:
        for name in TIMES:
            batch.add_column(sa.Column(name, models.types.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('seal_requested_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True))
        batch.add_column(sa.Column('seal_run', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch.add_column(sa.Column('seal_max_seconds', sa.Float(), nullable=True))
        batch.add_column(sa.Column('seal_progress', sa.Text(), nullable=True))
        batch.add_column(sa.Column('seal_failure', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('panel_lottery') as batch:
        for name in ('seal_failure', 'seal_progress', 'seal_max_seconds', 'seal_run', 'seal_requested_by', *TIMES):
            batch.drop_column(name)
