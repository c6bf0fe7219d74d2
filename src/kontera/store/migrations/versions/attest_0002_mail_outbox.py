"""attestation: the outbox of e-mails to attestants (requests and reminders)

Revision ID: attest_mail_0001
Revises: attest_0001
Create Date: 2026-12-05 08:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import kontera.store.types

revision = "attest_mail_0001"
down_revision = "attest_0001"
branch_labels = None
depends_on = None

_TEXT = sqlmodel.sql.sqltypes.AutoString
_TS = kontera.store.types.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "attest_mail",
        sa.Column("id", _TEXT(), nullable=False),
        sa.Column("company_id", _TEXT(), nullable=False),
        sa.Column("request_id", _TEXT(), nullable=False),
        sa.Column("kind", _TEXT(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("recipient", _TEXT(), nullable=False),
        sa.Column("state", _TEXT(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _TS(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", _TS(timezone=True), nullable=True),
        sa.Column("created_at", _TS(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.ForeignKeyConstraint(["request_id"], ["attest_request.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id", "kind", "day", name="uq_attest_mail_once"),
    )
    with op.batch_alter_table("attest_mail") as batch_op:
        batch_op.create_index(batch_op.f("ix_attest_mail_company_id"), ["company_id"])
        batch_op.create_index(batch_op.f("ix_attest_mail_request_id"), ["request_id"])
        batch_op.create_index(batch_op.f("ix_attest_mail_state"), ["state"])


def downgrade() -> None:
    op.drop_table("attest_mail")
