"""inbox: invoices found in ledger inboxes and watched folders; claims on folder files

Revision ID: inbox_0001
Revises: 0004
Create Date: 2026-12-06 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import kontera.store.types

revision = "inbox_0001"
down_revision = "0004"
branch_labels = None
depends_on = None

_TEXT = sqlmodel.sql.sqltypes.AutoString
_TS = kontera.store.types.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "inbox_item",
        sa.Column("id", _TEXT(), nullable=False),
        sa.Column("company_id", _TEXT(), nullable=False),
        sa.Column("origin", _TEXT(), nullable=False),
        sa.Column("external_id", _TEXT(), nullable=False),
        sa.Column("kind", _TEXT(), nullable=False),
        sa.Column("document_id", _TEXT(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("state", _TEXT(), nullable=False),
        sa.Column("voucher_id", _TEXT(), nullable=True),
        sa.Column("received_at", _TS(timezone=True), nullable=False),
        sa.Column("completed_at", _TS(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.ForeignKeyConstraint(["voucher_id"], ["voucher.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("company_id", "origin", "external_id", name="uq_inbox_item_origin"),
    )
    with op.batch_alter_table("inbox_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbox_item_company_id"), ["company_id"])
        batch_op.create_index(batch_op.f("ix_inbox_item_document_id"), ["document_id"])
        batch_op.create_index(batch_op.f("ix_inbox_item_voucher_id"), ["voucher_id"])
    op.create_table(
        "inbox_folder_claim",
        sa.Column("key", _TEXT(), nullable=False),
        sa.Column("owner", _TEXT(), nullable=False),
        sa.Column("claimed_at", _TS(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("inbox_folder_claim")
    with op.batch_alter_table("inbox_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_item_voucher_id"))
        batch_op.drop_index(batch_op.f("ix_inbox_item_document_id"))
        batch_op.drop_index(batch_op.f("ix_inbox_item_company_id"))
    op.drop_table("inbox_item")
