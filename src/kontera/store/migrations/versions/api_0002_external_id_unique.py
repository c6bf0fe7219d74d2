"""document (company_id, external_id) unique: external_id is the API's idempotency key

Earlier versions let the same external_id name several documents. Before the constraint,
every later holder keeps its id in `provenance["external_id"]` and gives up the column, so
the first document keeps answering to it and nothing is lost.

Revision ID: api_0002
Revises: api_0001
Create Date: 2026-12-04 17:00:00
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "api_0002"
down_revision = "api_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _release_later_holders()
    op.create_index(
        "uq_document_company_external_id", "document", ["company_id", "external_id"], unique=True
    )


def _release_later_holders() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, company_id, external_id, provenance FROM document "
            "WHERE external_id IS NOT NULL ORDER BY company_id, external_id, received_at, id"
        )
    ).all()
    seen: set[tuple[str, str]] = set()
    for document_id, company_id, external_id, provenance in rows:
        key = (company_id, external_id)
        if key not in seen:
            seen.add(key)
            continue
        kept = provenance if isinstance(provenance, dict) else json.loads(provenance or "{}")
        kept["external_id"] = external_id
        value = "CAST(:p AS JSON)" if bind.dialect.name == "postgresql" else ":p"
        bind.execute(
            sa.text(f"UPDATE document SET external_id = NULL, provenance = {value} WHERE id = :id"),
            {"p": json.dumps(kept), "id": document_id},
        )


def downgrade() -> None:
    op.drop_index("uq_document_company_external_id", table_name="document")
