"""avis published at

A recorded avis was public at once, without a preview: a version is now a draft until the team
publishes it. The versions recorded before were public already: they are published when recorded.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = '0027'
down_revision: str | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        'avis_version', sa.Column('published_at', models.types.UTCDateTime(timezone=True), nullable=True)
    )
    op.execute('UPDATE avis_version SET published_at = recorded_at')


def downgrade() -> None:
    op.drop_column('avis_version', 'published_at')
