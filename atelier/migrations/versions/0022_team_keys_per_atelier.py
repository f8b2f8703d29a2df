"""team keys per atelier

The team's planned messages had keys such as ``team|team_risk_alert|2027-05-23``, unique across
the whole outbox: a second atelier with the same risk date, gate or round could not queue its own,
and its every advance failed. They become ``team|a<atelier id>|…``; rows already queued or sent are
renamed in place, so that nothing is queued again after the upgrade.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-24 02:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022'
down_revision: str | None = '0021'
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
            outbox.c.key.like('team|%'), outbox.c.atelier_id.is_not(None)
        )
    ).all()
    for row_id, key, atelier_id, context in rows:
        # Only the planner's messages (they name their rule); alerts outside the plan keep theirs.
        if not (context or {}).get('rule') or key.startswith(f'team|a{atelier_id}|'):
            continue
        new_key = f"team|a{atelier_id}|{key.removeprefix('team|')}"
        bind.execute(sa.update(outbox).where(outbox.c.id == row_id).values(key=new_key))


def downgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(outbox.c.id, outbox.c.key, outbox.c.atelier_id).where(outbox.c.key.like('team|a%'))
    ).all()
    for row_id, key, atelier_id in rows:
        prefix = f'team|a{atelier_id}|'
        if key.startswith(prefix):
            bind.execute(sa.update(outbox).where(outbox.c.id == row_id).values(key='team|' + key[len(prefix):]))
