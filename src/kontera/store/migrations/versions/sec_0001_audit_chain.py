"""audit hash chain: seq, prev_hash, hash on every audit event; one head per chain

Events written before this revision are linked here, in id order, with the same hash
function Kontera uses afterwards (kontera.store.audit_chain).

Revision ID: sec_0001
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kontera.store.types
from kontera.store.audit_chain import chain_of
from kontera.store.audit_chain import link_hash
from kontera.store.types import utcnow

revision = "sec_0001"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(), nullable=True))
    heads = op.create_table(
        "sec_audit_chain",
        sa.Column("chain", sa.String(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(), nullable=False),
        sa.Column("updated_at", kontera.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chain"),
    )
    _link_existing_events(heads)


def _link_existing_events(heads: sa.Table) -> None:
    events = sa.table(
        "auditevent",
        sa.column("id", sa.Integer()),
        sa.column("company_id", sa.String()),
        sa.column("document_id", sa.String()),
        sa.column("at", kontera.store.types.UtcDateTime()),
        sa.column("actor", sa.String()),
        sa.column("action", sa.String()),
        sa.column("from_status", sa.String()),
        sa.column("to_status", sa.String()),
        sa.column("detail", sa.JSON()),
        sa.column("seq", sa.Integer()),
        sa.column("prev_hash", sa.String()),
        sa.column("hash", sa.String()),
    )
    bind = op.get_bind()
    state: dict[str, tuple[int, str]] = {}
    rows = bind.execute(sa.select(events).order_by(events.c.id)).mappings().all()
    for row in rows:
        chain = chain_of(row["company_id"])
        seq, prev = state.get(chain, (0, ""))
        digest = link_hash(
            chain=chain,
            seq=seq + 1,
            prev_hash=prev,
            event_id=row["id"],
            at=row["at"],
            actor=row["actor"],
            action=row["action"],
            document_id=row["document_id"],
            from_status=row["from_status"],
            to_status=row["to_status"],
            detail=row["detail"] or {},
            version="v1",
        )
        bind.execute(
            events.update()
            .where(events.c.id == row["id"])
            .values(seq=seq + 1, prev_hash=prev, hash=digest)
        )
        state[chain] = (seq + 1, digest)
    if state:
        now = utcnow()
        op.bulk_insert(
            heads,
            [{"chain": c, "seq": s, "hash": h, "updated_at": now} for c, (s, h) in state.items()],
        )


def downgrade() -> None:
    op.drop_table("sec_audit_chain")
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
