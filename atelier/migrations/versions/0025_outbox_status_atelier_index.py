"""outbox status × atelier index

The portfolio counts each atelier's failed messages: with 100,000 messages on one instance, the
count read every failed row; this index answers it alone.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04 20:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0025'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_outbox_status_atelier', 'outbox_message', ['status', 'atelier_id'])


def downgrade() -> None:
    op.drop_index('ix_outbox_status_atelier', table_name='outbox_message')
