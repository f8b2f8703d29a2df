"""person keys per atelier

A person's planned messages had keys such as ``p12|gate_decision_request|copil_1|g1``, unique across
the whole outbox, while a person may take part in several ateliers: a COPIL member of two ateliers
made the second one's every advance fail on that key, and its COPIL was never asked. They become
``a<atelier id>|p12|…``; rows already queued or sent are renamed in place, so that nothing already
sent is sent again after the upgrade.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 20:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

outbox = sa.table(
    'outbox_message',
    sa.column('id', sa.Integer),
    sa.column('key', sa.String),
    sa.column('atelier_id', sa.Integer),
    sa.column('context', sa.JSON),
)


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(outbox.c.id, outbox.c.key, outbox.c.atelier_id, outbox.c.context).where(
            outbox.c.key.like('p%'), outbox.c.atelier_id.is_not(None)
        )
    ).all()
    for row_id, key, atelier_id, context in rows:
        # Only the planner's messages (they name their rule and start with p<person id>|).
        head = key.split('|', 1)[0]
        if not (context or {}).get('rule') or not head[1:].isdigit():
            continue
        bind.execute(sa.update(outbox).where(outbox.c.id == row_id).values(key=f'a{atelier_id}|{key}'))


def downgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(outbox.c.id, outbox.c.key, outbox.c.atelier_id).where(outbox.c.key.like('a%|p%'))
    ).all()
    for row_id, key, atelier_id in rows:
        prefix = f'a{atelier_id}|p'
        if key.startswith(prefix):
            bind.execute(sa.update(outbox).where(outbox.c.id == row_id).values(key=key[len(prefix) - 1:]))
