"""per-key API request counts per minute (the rate limit without Redis)

Revision ID: sec_0003
Revises: sec_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "sec_0003"
down_revision = "sec_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sec_api_rate",
        sa.Column("key_id", sa.String(), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key_id", "minute"),
    )


def downgrade() -> None:
    op.drop_table("sec_api_rate")
