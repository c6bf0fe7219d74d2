"""exchange rates

Revision ID: rates_0001
Revises: 0001
Create Date: 2026-11-23 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import kontera.store.types

revision = "rates_0001"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_rate",
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("rate", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("rate_date", sa.Date(), nullable=False),
        sa.Column("fetched_at", kontera.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source", "currency", "day"),
    )


def downgrade() -> None:
    op.drop_table("exchange_rate")
