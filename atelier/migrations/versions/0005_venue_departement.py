"""the venue's département, for its public and school holidays

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN: ateliers created before it keep their plan; their weekends say that
    # school holidays were not checked until the team gives the département.
    op.add_column(
        'atelier', sa.Column('venue_departement', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table('atelier') as batch:
        batch.drop_column('venue_departement')
