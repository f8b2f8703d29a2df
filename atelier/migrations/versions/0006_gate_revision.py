"""the revised version recorded after a send back

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('gate', sa.Column('revised_at', models.types.UTCDateTime(timezone=True), nullable=True))
    op.add_column('gate', sa.Column('revision_note', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('gate') as batch:
        batch.drop_column('revision_note')
        batch.drop_column('revised_at')
