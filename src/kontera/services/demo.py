"""Demo data for a first look: a company, its history, a key, a few invoices and an export.

The history (fixtures/demo/history.csv, made by fixtures/demo/generate_demo.py) covers every
supplier the demo's invoices come from, so the first look shows confident suggestions rather
than "No account could be suggested"; the export connection writes each approved voucher as
a CSV file into `<data dir>/export`, so an approval visibly produces a voucher.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from kontera.domain.errors import NotFound
from kontera.services.admin import companies
from kontera.services.admin import users
from kontera.services.context import AppContext
from kontera.services.pipeline.documents import receive_document
from kontera.services.post import connections
from kontera.services.suggest.chart_fill import load_demo_chart
from kontera.services.suggest.history import import_history_file
from kontera.services.suggest.suggestions import train_company
from kontera.store import repo
from kontera.store.db import session_scope

DEMO_COMPANY = "Demo Regnskap AS"
DEMO_ORG = "999999905"
DEMO_USER = "demo@kontera.example.com"
# A local demo's sign-in; documented in the README. Never used outside `serve --demo`.
DEMO_PASSWORD = "kontera-demo"
DEMO_SUFFIXES = {".xml", ".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"}
# Generated PDFs (fixtures/pdf) shown beside the EHF invoices: two invoices, a credit note and
# a scan, from four suppliers the demo history knows.
DEMO_ORIGINALS = (
    "no-english-001.pdf",
    "no-labels_above-000.pdf",
    "no-labels_above-004.pdf",
    "no-left_labels-006.scan.jpg",
)
EXPORT_FOLDER = "export"


def load_demo(ctx: AppContext, *, fixtures: Path) -> str:
    """Idempotent: a second run adds nothing but a fresh API key."""
    with session_scope(ctx.engine) as session:
        company = repo.find_company(session, name_or_slug=DEMO_COMPANY)
    if company is None:
        company = companies.create_company(ctx, name=DEMO_COMPANY, org_number=DEMO_ORG)
        load_demo_chart(ctx, company_id=company.id, fixtures=fixtures)
        history = fixtures / "demo" / "history.csv"
        if history.exists():
            import_history_file(ctx, company_id=company.id, path=history, history_format="csv")
            train_company(ctx, company.id)
        _demo_export(ctx, company.name)
    for path in sorted(_demo_documents(fixtures)):
        receive_document(
            ctx, company_id=company.id, data=path.read_bytes(), filename=path.name, source="demo"
        )
    _demo_user(ctx, company.id)
    key = companies.create_api_key(ctx, company_name=company.name, name="demo").key
    return (
        f"Demo company {company.name!r} (slug {company.slug}); API key: {key}\n"
        f"Sign in at /login as {DEMO_USER} with password {DEMO_PASSWORD}\n"
        f"Approved vouchers are written to {export_folder(ctx)}"
    )


def export_folder(ctx: AppContext) -> str:
    """Where the demo company's vouchers go: beside the originals, wherever those are kept."""
    storage = ctx.settings.storage_url or ""
    if storage.startswith("s3://"):
        return f"{storage.rstrip('/')}/{EXPORT_FOLDER}"
    return str((ctx.settings.data_dir / EXPORT_FOLDER).resolve())


def _demo_export(ctx: AppContext, company_name: str) -> None:
    settings = {
        "folder": export_folder(ctx),
        "format": "csv",
        "company_name": DEMO_COMPANY,
        "org_number": DEMO_ORG,
        "currency": "NOK",
    }
    connections.connect(
        ctx, company_name=company_name, system="export", settings=settings, actor="demo"
    )


def _demo_user(ctx: AppContext, company_id: str) -> None:
    try:
        users.find_user(ctx, email=DEMO_USER)
    except NotFound:
        users.create_user(
            ctx,
            email=DEMO_USER,
            password=DEMO_PASSWORD,
            role="admin",
            locale="nb",
            company_ids=[company_id],
            actor="demo",
        )


def _demo_documents(fixtures: Path) -> Iterator[Path]:
    folder = fixtures / "demo"
    if folder.is_dir():
        yield from (p for p in folder.iterdir() if p.suffix.lower() in DEMO_SUFFIXES)
    # Generated supplier PDFs and a scan, to show reading without templates.
    yield from (
        fixtures / "pdf" / name for name in DEMO_ORIGINALS if (fixtures / "pdf" / name).exists()
    )
