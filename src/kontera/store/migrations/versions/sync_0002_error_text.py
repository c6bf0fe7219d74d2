"""sync_run.error_text: why a run failed as a catalogue message (msgid + params)

Revision ID: sync_0002
Revises: sync_0001
Create Date: 2026-12-04 18:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "sync_0002"
down_revision = "sync_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_run") as batch:
        batch.add_column(sa.Column("error_text", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_run") as batch:
        batch.drop_column("error_text")
