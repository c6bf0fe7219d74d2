"""finishing invoices: duplicate dismissals, notes on documents, page turns, archive search
text, notifications seen (kontera.store.tables_finish); search text filled for documents
that exist already

Revision ID: finish_0001
Revises: 0001
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

import kontera.store.types

revision = "finish_0001"
down_revision = "0001"
branch_labels = None
depends_on = None

_AUTO = sqlmodel.sql.sqltypes.AutoString
_TS = kontera.store.types.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "finish_duplicate_dismissal",
        sa.Column("id", _AUTO(), nullable=False),
        sa.Column("company_id", _AUTO(), nullable=False),
        sa.Column("document_id", _AUTO(), nullable=False),
        sa.Column("other_id", _AUTO(), nullable=False),
        sa.Column("actor", _AUTO(), nullable=False),
        sa.Column("at", _TS(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.ForeignKeyConstraint(["other_id"], ["document.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_id", "other_id", name="uq_finish_dismissal"),
    )
    with op.batch_alter_table("finish_duplicate_dismissal") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_finish_duplicate_dismissal_company_id"), ["company_id"]
        )
        batch_op.create_index(
            batch_op.f("ix_finish_duplicate_dismissal_document_id"), ["document_id"]
        )
    op.create_table(
        "finish_document_comment",
        sa.Column("id", _AUTO(), nullable=False),
        sa.Column("company_id", _AUTO(), nullable=False),
        sa.Column("document_id", _AUTO(), nullable=False),
        sa.Column("author", _AUTO(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", _TS(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("finish_document_comment") as batch_op:
        batch_op.create_index(batch_op.f("ix_finish_document_comment_company_id"), ["company_id"])
        batch_op.create_index(batch_op.f("ix_finish_document_comment_document_id"), ["document_id"])
    op.create_table(
        "finish_page_turn",
        sa.Column("document_id", _AUTO(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("reader_turns", sa.Integer(), nullable=False),
        sa.Column("person_turns", sa.Integer(), nullable=False),
        sa.Column("updated_at", _TS(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.PrimaryKeyConstraint("document_id", "page"),
    )
    op.create_table(
        "finish_search_text",
        sa.Column("document_id", _AUTO(), nullable=False),
        sa.Column("company_id", _AUTO(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.PrimaryKeyConstraint("document_id"),
    )
    with op.batch_alter_table("finish_search_text") as batch_op:
        batch_op.create_index(batch_op.f("ix_finish_search_text_company_id"), ["company_id"])
    op.create_table(
        "finish_notifications_seen",
        sa.Column("user_id", _AUTO(), nullable=False),
        sa.Column("seen_at", _TS(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )
    _fill_search_text()


def _fill_search_text() -> None:
    """Documents interpreted before this migration get their search text from their newest
    interpretation (the same words `kontera.services.review.archive_text` keeps for new ones)."""
    bind = op.get_bind()
    documents = bind.execute(
        sa.text("SELECT id, company_id, filename, sender FROM document")
    ).fetchall()
    table = sa.table(
        "finish_search_text",
        sa.column("document_id", sa.String),
        sa.column("company_id", sa.String),
        sa.column("text", sa.Text),
    )
    newest = sa.text(
        "SELECT payload FROM interpretation WHERE document_id = :id "
        "ORDER BY created_at DESC LIMIT 1"
    )
    rows = []
    for document_id, company_id, filename, sender in documents:
        payload = bind.execute(newest, {"id": document_id}).scalar()
        words = [filename, sender, *_invoice_words(_as_dict(payload))]
        text = " ".join(" ".join(str(w).split()) for w in words if w).casefold()
        rows.append({"document_id": document_id, "company_id": company_id, "text": text})
    if rows:
        op.bulk_insert(table, rows)


def _as_dict(payload: Any) -> dict[str, Any]:
    if isinstance(payload, str):
        payload = json.loads(payload)
    return payload if isinstance(payload, dict) else {}


def _invoice_words(invoice: dict[str, Any]) -> list[Any]:
    seller = invoice.get("seller") or {}
    refs = invoice.get("references") or {}
    pay = invoice.get("payment") or {}
    lines = invoice.get("lines") or []
    return [
        seller.get("name"),
        seller.get("org_number"),
        seller.get("vat_id"),
        invoice.get("invoice_number"),
        pay.get("kid"),
        pay.get("bank_account"),
        pay.get("iban"),
        refs.get("order"),
        refs.get("buyer_reference"),
        refs.get("contract"),
        refs.get("project"),
        invoice.get("note"),
        *[(line or {}).get("description") or (line or {}).get("item_name") for line in lines],
    ]


def downgrade() -> None:
    op.drop_table("finish_notifications_seen")
    op.drop_table("finish_search_text")
    op.drop_table("finish_page_turn")
    op.drop_table("finish_document_comment")
    op.drop_table("finish_duplicate_dismissal")
