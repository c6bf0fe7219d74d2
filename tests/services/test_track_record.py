"""A supplier's track record counts what people did, not what the policy did itself."""

from __future__ import annotations

from kontera.domain.codec import invoice_to_json
from kontera.domain.fields import Source
from kontera.domain.invoice import Invoice
from kontera.services.admin import companies
from kontera.services.context import AppContext
from kontera.services.suggest.confirmed_values import confirmed_values
from kontera.services.suggest.track_record import supplier_track_record
from kontera.store import repo
from kontera.store.db import session_scope
from kontera.store.tables import Document
from kontera.store.tables import Interpretation

SUPPLIER = "org:976967631"


def _decided(ctx: AppContext, company_id: str, n: int, *, actor: str, **changes: object) -> None:
    """One of the supplier's invoices, approved by `actor`, with fields corrected first."""
    with session_scope(ctx.engine) as session:
        document = Document(
            company_id=company_id, sha256=f"{n:064d}", supplier_key=SUPPLIER, status="approved"
        )
        session.add(document)
        if changes.get("fields"):
            repo.add_event(
                session,
                company_id=company_id,
                document_id=document.id,
                actor=actor,
                action="corrected",
                detail={"before": {}, "after": changes["fields"]},
            )
    with session_scope(ctx.engine) as session:
        repo.add_event(
            session,
            company_id=company_id,
            document_id=document.id,
            actor=actor,
            action="status:approved",
            to_status="approved",
            detail={"auto": actor == "auto-approval", "edited": bool(changes.get("edited"))},
        )


def test_only_a_persons_approvals_make_the_record(ctx: AppContext) -> None:
    """GIVEN four invoices approved by a person (one with its KID corrected, one with a
    posting changed) and two the policy approved itself THEN the last three a person approved
    are the record: one unchanged, the KID named, one posting changed."""
    company = companies.create_company(ctx, name="Spor AS", org_number="923609016")
    _decided(ctx, company.id, 1, actor="api")
    _decided(ctx, company.id, 2, actor="api", fields={"payment.kid": "0001000085"})
    _decided(ctx, company.id, 3, actor="auto-approval")
    _decided(ctx, company.id, 4, actor="user:anne", edited=True)
    _decided(ctx, company.id, 5, actor="api")
    _decided(ctx, company.id, 6, actor="auto-approval")

    with session_scope(ctx.engine) as session:
        record = supplier_track_record(
            session, company_id=company.id, supplier_key=SUPPLIER, invoices=3
        )

    assert (record.reviewed, record.unchanged, record.postings_changed) == (3, 1, 1)
    assert record.corrected_fields == frozenset({"payment.kid"})
    assert not record.earned(3)


def _read_as(
    ctx: AppContext, company_id: str, n: int, name: str, org_number: str = "976967631"
) -> str:
    """An invoice of the supplier, read with this seller name and org.nr."""
    invoice = Invoice()
    invoice.set_field("seller.name", name, confidence=0.6, source=Source.OCR)
    invoice.set_field("seller.org_number", org_number, confidence=0.9, source=Source.OCR)
    with session_scope(ctx.engine) as session:
        document = Document(company_id=company_id, sha256=f"{n:064d}", supplier_key=SUPPLIER)
        session.add(document)
        session.add(
            Interpretation(
                document_id=document.id, interpreter="image_ocr", payload=invoice_to_json(invoice)
            )
        )
        return document.id


def test_the_name_and_numbers_people_approved_alike_are_confirmed(ctx: AppContext) -> None:
    """GIVEN two invoices approved with the same seller name and org.nr THEN both are
    confirmed; a third approved with the name spelt otherwise leaves only the org.nr."""
    company = companies.create_company(ctx, name="Spor AS", org_number="923609016")
    approved = [_read_as(ctx, company.id, n, "SYFT ONLINE LTD") for n in (1, 2)]
    with session_scope(ctx.engine) as session:
        assert confirmed_values(session, approved) == {
            "seller.name": "SYFT ONLINE LTD",
            "seller.org_number": "976967631",
        }
    approved.append(_read_as(ctx, company.id, 3, "SYFT ONL1NE LTD"))
    with session_scope(ctx.engine) as session:
        assert confirmed_values(session, approved) == {"seller.org_number": "976967631"}


def test_an_org_number_written_with_spaces_on_one_invoice_is_still_confirmed(
    ctx: AppContext,
) -> None:
    """GIVEN one invoice approved with org.nr 976967631 and one with "976 967 631" THEN the
    number is confirmed (as first written); another number leaves it unconfirmed."""
    company = companies.create_company(ctx, name="Spor AS", org_number="923609016")
    approved = [
        _read_as(ctx, company.id, 1, "SYFT ONLINE LTD"),
        _read_as(ctx, company.id, 2, "SYFT ONLINE LTD", "976 967 631"),
    ]
    with session_scope(ctx.engine) as session:
        assert confirmed_values(session, approved)["seller.org_number"] == "976967631"
    approved.append(_read_as(ctx, company.id, 3, "SYFT ONLINE LTD", "976967637"))
    with session_scope(ctx.engine) as session:
        assert "seller.org_number" not in confirmed_values(session, approved)
