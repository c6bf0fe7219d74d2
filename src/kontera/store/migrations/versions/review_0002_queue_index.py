"""queue index: status, company, due date, arrival (kontera.store.tables_review.QUEUE_INDEX)

Revision ID: review_0002
Revises: review_0001
Create Date: 2026-11-22 00:50:53.223736
"""

from __future__ import annotations

from alembic import op

revision = "review_0002"
down_revision = "review_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_review_queue",
        "document",
        [
            "status",
            "company_id",
            "due_date",
            "received_at",
            "id",
            "warnings",
            "confidence",
            "gross",
            "supplier_name",
        ],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_review_queue", table_name="document")
