"""the date the team moved an event to

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NULL: the event is where the plan and its dependencies put it.
    op.add_column(
        'step', sa.Column('rescheduled_start', models.types.UTCDateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table('step') as batch:
        batch.drop_column('rescheduled_start')
