"""Demo data for a first look: a company, its history, a key and a few invoices."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from kontera.domain.errors import NotFound
from kontera.services import companies
from kontera.services import users
from kontera.services.chart_fill import load_demo_chart
from kontera.services.context import AppContext
from kontera.services.documents import receive_document
from kontera.services.history import import_history_file
from kontera.services.suggestions import train_company
from kontera.store import repo
from kontera.store.db import session_scope

DEMO_COMPANY = "Demo Regnskap AS"
DEMO_ORG = "999999905"
DEMO_USER = "demo@kontera.example.com"
# A local demo's sign-in; documented in the README. Never used outside `serve --demo`.
DEMO_PASSWORD = "kontera-demo"
DEMO_PDFS = 3
DEMO_SUFFIXES = {".xml", ".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"}


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
    for path in sorted(_demo_documents(fixtures)):
        receive_document(
            ctx, company_id=company.id, data=path.read_bytes(), filename=path.name, source="demo"
        )
    _demo_user(ctx, company.id)
    key = companies.create_api_key(ctx, company_name=company.name, name="demo").key
    return (
        f"Demo company {company.name!r} (slug {company.slug}); API key: {key}\n"
        f"Sign in at /login as {DEMO_USER} with password {DEMO_PASSWORD}"
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
    # A few of the generated supplier PDFs and a scan, to show reading without templates.
    scans = sorted((fixtures / "pdf").glob("*.pdf"))[:DEMO_PDFS]
    yield from scans
    yield from sorted((fixtures / "pdf").glob("*.scan.jpg"))[:1]
