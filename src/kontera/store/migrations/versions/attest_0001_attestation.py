"""attestation: rules, limits and requests; the buyer's and order reference on history lines

Revision ID: attest_0001
Revises: sync_0001
Create Date: 2026-12-06 18:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import kontera.store.types

revision = "attest_0001"
down_revision = "sync_0001"
branch_labels = None
depends_on = None

_TEXT = sqlmodel.sql.sqltypes.AutoString
_TS = kontera.store.types.UtcDateTime
_MONEY = kontera.store.types.MinorUnits


def upgrade() -> None:
    op.create_table(
        "attest_rule",
        sa.Column("id", _TEXT(), nullable=False),
        sa.Column("company_id", _TEXT(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", _TEXT(), nullable=False),
        sa.Column("value", _TEXT(), nullable=False),
        sa.Column("min_amount", _MONEY(), nullable=True),
        sa.Column("attestant_id", _TEXT(), nullable=False),
        sa.Column("created_at", _TS(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.ForeignKeyConstraint(["attestant_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("attest_rule") as batch_op:
        batch_op.create_index(batch_op.f("ix_attest_rule_company_id"), ["company_id"])
    op.create_table(
        "attest_limit",
        sa.Column("company_id", _TEXT(), nullable=False),
        sa.Column("user_id", _TEXT(), nullable=False),
        sa.Column("max_amount", _MONEY(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("company_id", "user_id"),
    )
    op.create_table(
        "attest_request",
        sa.Column("id", _TEXT(), nullable=False),
        sa.Column("company_id", _TEXT(), nullable=False),
        sa.Column("document_id", _TEXT(), nullable=False),
        sa.Column("attestant_id", _TEXT(), nullable=True),
        sa.Column("rule_id", _TEXT(), nullable=True),
        sa.Column("why", _TEXT(), nullable=False),
        sa.Column("why_text", sa.JSON(), nullable=False),
        sa.Column("state", _TEXT(), nullable=False),
        sa.Column("requested_at", _TS(timezone=True), nullable=False),
        sa.Column("requested_by", _TEXT(), nullable=False),
        sa.Column("acted_by", _TEXT(), nullable=True),
        sa.Column("acted_by_user_id", _TEXT(), nullable=True),
        sa.Column("acted_at", _TS(timezone=True), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("notified_at", _TS(timezone=True), nullable=True),
        sa.Column("reminded_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.ForeignKeyConstraint(["attestant_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("attest_request") as batch_op:
        batch_op.create_index(batch_op.f("ix_attest_request_company_id"), ["company_id"])
        batch_op.create_index(batch_op.f("ix_attest_request_document_id"), ["document_id"])
        batch_op.create_index(batch_op.f("ix_attest_request_attestant_id"), ["attestant_id"])
        batch_op.create_index(batch_op.f("ix_attest_request_state"), ["state"])
    with op.batch_alter_table("postinghistory") as batch_op:
        batch_op.add_column(sa.Column("buyer_reference", _TEXT(), nullable=True))
        batch_op.add_column(sa.Column("order_reference", _TEXT(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("postinghistory") as batch_op:
        batch_op.drop_column("order_reference")
        batch_op.drop_column("buyer_reference")
    op.drop_table("attest_request")
    op.drop_table("attest_limit")
    op.drop_table("attest_rule")
