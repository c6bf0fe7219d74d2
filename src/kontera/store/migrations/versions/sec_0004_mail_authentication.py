"""mail authentication: the SPF, DKIM and DMARC verdict of each received message

Revision ID: sec_0004
Revises: sec_0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "sec_0004"
down_revision = "sec_0003"
branch_labels = None
depends_on = "mail_0001"


def upgrade() -> None:
    with op.batch_alter_table("mail_message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("authentication", sa.JSON(), nullable=False, server_default="{}")
        )


def downgrade() -> None:
    with op.batch_alter_table("mail_message", schema=None) as batch_op:
        batch_op.drop_column("authentication")
