"""Watched folders: a Peppol access point's inbound folder (the Oxalis layout) and scanners'
folders become documents, each file once, acknowledged by moving it.

GIVEN a company (org.nr 923609016) and e-invoices from the corpus readdressed to it, written
      as an Oxalis access point writes them (SBD-wrapped, a receipt beside each, one folder
      per receiver), one for a receiver Kontera does not know, one still being written;
      and a scanner's folder per company (slug, org.nr) holding a PDF and a JPEG scan
WHEN the folders are scanned, twice
THEN each finished file addressed to the company is one document (source `access_point` /
     `folder`, the business document unwrapped, the envelope's sender kept), moved with its
     receipt under `.kontera/taken/`; the unknown receiver's file stays, named in the report;
     the one still being written waits for the next scan; a scan after that takes nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from kontera.config import Settings
from kontera.services.admin import companies
from kontera.services.context import AppContext
from kontera.services.receive.folder_intake import scan_folders
from kontera.store.db import session_scope
from kontera.store.tables import Document
from kontera.store.tables_inbox import InboxItem
from tests.fakes.access_point import folder_name
from tests.fakes.access_point import participant
from tests.fakes.access_point import persist
from tests.fakes.inbox_documents import Party
from tests.fakes.inbox_documents import corpus_invoices

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "pdf"
BUYER = Party("Fjordinnboks AS", "923609016", "NO")
STRANGER = Party("Annen Mottaker AS", "974760673", "NO")
SELLERS = [Party("Kontorrekvisita AS", "988077917", "NO", "86011117947")]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        immediate_jobs=True,
        log_json=False,
        inbound_folder=tmp_path / "inbound",
        scan_folder=tmp_path / "scans",
    )


def documents(ctx: AppContext, company_id: str) -> list[Document]:
    with session_scope(ctx.engine) as session:
        return list(session.exec(select(Document).where(Document.company_id == company_id)).all())


def test_access_point_files_become_documents_once(ctx: AppContext, settings: Settings) -> None:
    company = companies.create_company(ctx, name=BUYER.name, org_number=BUYER.org_number)
    inbound = settings.inbound_folder
    assert inbound is not None
    invoices = corpus_invoices("NO", 4, buyer=BUYER, sellers=SELLERS)
    written = [persist(inbound, i, seller=SELLERS[0], buyer=BUYER) for i in invoices[:2]]
    unknown = persist(inbound, invoices[2], seller=SELLERS[0], buyer=STRANGER)
    being_written = persist(inbound, invoices[3], seller=SELLERS[0], buyer=BUYER, age=0)

    report = scan_folders(ctx, settle=5)
    assert (report.taken, report.waiting) == (2, 1)
    assert len(report.left) == 1 and folder_name(participant(STRANGER)) in report.left[0]

    taken = documents(ctx, company.id)
    assert len(taken) == 2
    assert {d.source for d in taken} == {"access_point"}
    for document in taken:
        content = ctx.blobs.get(document.sha256)
        assert b"StandardBusinessDocument" not in content  # unwrapped
        assert b"<Invoice" in content or b":Invoice" in content
        assert document.provenance["sender"] == participant(SELLERS[0])
        assert document.provenance["receiver"] == participant(BUYER)
        assert document.status in ("suggested", "needs_review"), document.status_reason
    for path in written:
        assert not path.exists()
        assert not path.with_name(path.name.replace(".doc.xml", ".receipt.dat")).exists()
        moved = inbound / ".kontera" / "taken" / path.relative_to(inbound)
        assert moved.exists()
        assert moved.with_name(path.name.replace(".doc.xml", ".receipt.dat")).exists()
    assert unknown.exists() and being_written.exists()

    later = scan_folders(ctx, settle=0)  # the file being written has been finished
    assert later.taken == 1 and not being_written.exists()
    assert scan_folders(ctx, settle=0).taken == 0
    assert len(documents(ctx, company.id)) == 3
    with session_scope(ctx.engine) as session:
        items = session.exec(select(InboxItem).where(InboxItem.company_id == company.id)).all()
        assert len(items) == 3 and {i.origin for i in items} == {"access_point"}


def test_scanner_folders_by_slug_and_org_number(ctx: AppContext, settings: Settings) -> None:
    company = companies.create_company(ctx, name=BUYER.name, org_number=BUYER.org_number)
    scans = settings.scan_folder
    assert scans is not None
    pdf = next(FIXTURES.glob("*.pdf"))
    jpeg = next(FIXTURES.glob("*.scan.jpg"))
    (scans / company.slug).mkdir(parents=True)
    (scans / BUYER.org_number).mkdir(parents=True)
    (scans / company.slug / "scan-0001.pdf").write_bytes(pdf.read_bytes())
    (scans / BUYER.org_number / "IMG_0002.JPG").write_bytes(jpeg.read_bytes())
    (scans / company.slug / "notes.txt").write_text("not a document")

    report = scan_folders(ctx, settle=0)
    assert report.taken == 2
    taken = documents(ctx, company.id)
    assert sorted((d.source, d.content_type) for d in taken) == [
        ("folder", "application/pdf"),
        ("folder", "image/jpeg"),
    ]
    assert (scans / company.slug / "notes.txt").exists()  # not a scan: left alone
    assert not (scans / company.slug / "scan-0001.pdf").exists()
    assert (scans / ".kontera" / "taken" / company.slug / "scan-0001.pdf").exists()
    assert scan_folders(ctx, settle=0).taken == 0
