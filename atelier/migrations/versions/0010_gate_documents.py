"""documents under decision, per gate and round; decisions taken in the workspace

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'gate_document',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('gate_id', sa.Integer(), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('uploaded_by', sa.Integer(), nullable=False),
        sa.Column('uploaded_at', models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['gate_id'], ['gate.id']),
        sa.ForeignKeyConstraint(['uploaded_by'], ['person.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_gate_document_gate_id', 'gate_document', ['gate_id'], unique=False)
    # The decision channel is a native enum type on PostgreSQL; SQLite stores plain text.
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TYPE decisionchannel ADD VALUE IF NOT EXISTS 'WORKSPACE'")


def downgrade() -> None:
    op.drop_index('ix_gate_document_gate_id', table_name='gate_document')
    op.drop_table('gate_document')
