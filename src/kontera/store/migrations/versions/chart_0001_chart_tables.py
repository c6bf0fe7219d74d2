"""chart of accounts and VAT codes per company (kontera.store.tables_chart)

Revision ID: chart_0001
Revises: 0001
Create Date: 2026-11-24 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import kontera.store.types

revision = "chart_0001"
down_revision = "0001"
branch_labels = None
depends_on = None

_STR = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "chart_account",
        sa.Column("id", _STR(), nullable=False),
        sa.Column("company_id", _STR(), nullable=False),
        sa.Column("number", _STR(), nullable=False),
        sa.Column("name", _STR(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("vat_codes", sa.JSON(), nullable=True),
        sa.Column("supplier_invoices", sa.Boolean(), nullable=False),
        sa.Column("standard_account", _STR(), nullable=True),
        sa.Column("sru", _STR(), nullable=True),
        sa.Column("source", _STR(), nullable=False),
        sa.Column("ledger_id", _STR(), nullable=True),
        sa.Column("updated_at", kontera.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("company_id", "number", name="uq_chart_account_number"),
    )
    with op.batch_alter_table("chart_account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chart_account_company_id"), ["company_id"])
    op.create_table(
        "chart_vat_code",
        sa.Column("id", _STR(), nullable=False),
        sa.Column("company_id", _STR(), nullable=False),
        sa.Column("code", _STR(), nullable=False),
        sa.Column("name", _STR(), nullable=False),
        sa.Column("rate", _STR(), nullable=True),
        sa.Column("direction", _STR(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("ledger_number", _STR(), nullable=True),
        sa.Column("ledger_id", _STR(), nullable=True),
        sa.Column("source", _STR(), nullable=False),
        sa.Column("updated_at", kontera.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("company_id", "code", name="uq_chart_vat_code"),
    )
    with op.batch_alter_table("chart_vat_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chart_vat_code_company_id"), ["company_id"])


def downgrade() -> None:
    op.drop_table("chart_vat_code")
    op.drop_table("chart_account")
