"""webhook outbox: one delivery row per event per endpoint; endpoints subscribed to all events

Endpoints created with every event of the time (received, needs_review, posted, failed) now
subscribe to "*", so they also hear every status added since and later.

Revision ID: sec_0002
Revises: sec_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kontera.store.types

revision = "sec_0002"
down_revision = "sec_0001"
branch_labels = None
depends_on = "0003"

OLD_DEFAULT = {"document.received", "document.needs_review", "document.posted", "document.failed"}


def upgrade() -> None:
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("endpoint_id", sa.String(), nullable=False),
        sa.Column("company_id", sa.String(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("event_type", sa.String(), nullable=False),
        sa.Column("document_id", sa.String(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("created_at", kontera.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", kontera.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", kontera.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", kontera.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", kontera.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        for column in ("endpoint_id", "company_id", "document_id", "state"):
            batch_op.create_index(batch_op.f(f"ix_webhook_delivery_{column}"), [column])
    _subscribe_old_defaults_to_everything()


def _subscribe_old_defaults_to_everything() -> None:
    endpoints = sa.table(
        "webhookendpoint", sa.column("id", sa.String()), sa.column("events", sa.JSON())
    )
    bind = op.get_bind()
    for row in bind.execute(sa.select(endpoints)).mappings().all():
        if set(row["events"] or []) >= OLD_DEFAULT:
            bind.execute(endpoints.update().where(endpoints.c.id == row["id"]).values(events=["*"]))


def downgrade() -> None:
    op.drop_table("webhook_delivery")
