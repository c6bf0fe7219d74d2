"""ledger sync: cursors, runs, shared rate buckets, dimensions; ledger fields on suppliers and
history lines

Revision ID: sync_0001
Revises: 0002
Create Date: 2026-12-04 16:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import kontera.store.types

revision = "sync_0001"
down_revision = "0002"
branch_labels = None
depends_on = None

_TEXT = sqlmodel.sql.sqltypes.AutoString
_TS = kontera.store.types.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "sync_cursor",
        sa.Column("company_id", _TEXT(), nullable=False),
        sa.Column("resource", _TEXT(), nullable=False),
        sa.Column("cursor", sa.JSON(), nullable=False),
        sa.Column("updated_at", _TS(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.PrimaryKeyConstraint("company_id", "resource"),
    )
    op.create_table(
        "sync_run",
        sa.Column("id", _TEXT(), nullable=False),
        sa.Column("company_id", _TEXT(), nullable=False),
        sa.Column("system", _TEXT(), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("trigger", _TEXT(), nullable=False),
        sa.Column("state", _TEXT(), nullable=False),
        sa.Column("started_at", _TS(timezone=True), nullable=False),
        sa.Column("finished_at", _TS(timezone=True), nullable=True),
        sa.Column("heartbeat_at", _TS(timezone=True), nullable=False),
        sa.Column("owner", _TEXT(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("error", _TEXT(), nullable=True),
        sa.Column("error_code", _TEXT(), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sync_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_run_company_id"), ["company_id"], unique=False)
    op.create_table(
        "rate_bucket",
        sa.Column("key", _TEXT(), nullable=False),
        sa.Column("sent", sa.JSON(), nullable=False),
        sa.Column("paused_until", sa.Float(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "dimension",
        sa.Column("id", _TEXT(), nullable=False),
        sa.Column("company_id", _TEXT(), nullable=False),
        sa.Column("kind", _TEXT(), nullable=False),
        sa.Column("code", _TEXT(), nullable=False),
        sa.Column("name", _TEXT(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("ledger_id", _TEXT(), nullable=True),
        sa.Column("source", _TEXT(), nullable=False),
        sa.Column("updated_at", _TS(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("company_id", "kind", "code", name="uq_dimension_company_kind_code"),
    )
    with op.batch_alter_table("dimension", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dimension_company_id"), ["company_id"], unique=False)
    with op.batch_alter_table("supplier", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ledger_id", _TEXT(), nullable=True))
        batch_op.add_column(sa.Column("ledger_number", _TEXT(), nullable=True))
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("kid_required", sa.Boolean(), nullable=True))
        batch_op.add_column(
            sa.Column("source", _TEXT(), nullable=False, server_default="documents")
        )
    with op.batch_alter_table("supplierbankaccount", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", _TEXT(), nullable=False, server_default="invoice"))
    with op.batch_alter_table("postinghistory", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_id", _TEXT(), nullable=True))
        batch_op.add_column(sa.Column("department", _TEXT(), nullable=True))
        batch_op.add_column(sa.Column("project", _TEXT(), nullable=True))
        batch_op.add_column(sa.Column("cost_centre", _TEXT(), nullable=True))
        batch_op.create_unique_constraint(
            "uq_history_external", ["company_id", "source", "external_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("postinghistory", schema=None) as batch_op:
        batch_op.drop_constraint("uq_history_external", type_="unique")
        for column in ("cost_centre", "project", "department", "external_id"):
            batch_op.drop_column(column)
    with op.batch_alter_table("supplierbankaccount", schema=None) as batch_op:
        batch_op.drop_column("source")
    with op.batch_alter_table("supplier", schema=None) as batch_op:
        for column in ("source", "kid_required", "active", "ledger_number", "ledger_id"):
            batch_op.drop_column(column)
    op.drop_table("dimension")
    op.drop_table("rate_bucket")
    op.drop_table("sync_run")
    op.drop_table("sync_cursor")
