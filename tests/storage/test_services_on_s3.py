"""Web and worker processes with their own empty data directories share everything through
the bucket: originals, page images, models and their evaluation; and `kontera storage
migrate` moves an existing data directory into a bucket."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kontera.config import Settings
from kontera.review import pages
from kontera.services.admin import companies
from kontera.services.context import AppContext
from kontera.services.context import build_context
from kontera.services.pipeline import documents
from kontera.services.review import pages as review_pages
from kontera.services.suggest import model_evaluation
from kontera.services.suggest import suggestions
from kontera.services.suggest.history import import_history_file
from kontera.store.blobs import FileBlobStore
from kontera.store.blobs import open_blob_store
from tests.conftest import FIXTURES
from tests.review.invoice_pdf import invoice_pdf
from tests.storage.conftest import child_env

KONTERA = str(Path(sys.executable).parent / "kontera")
HISTORY = FIXTURES / "demo" / "history.csv"
EHF = (FIXTURES / "demo" / "ehf-01.xml").read_bytes()  # Fjellnett Telekom: 6900 in history


def _process(tmp_path: Path, name: str, database: str, storage: str | None) -> AppContext:
    settings = Settings(
        data_dir=tmp_path / name,
        database_url=database,
        storage_url=storage,
        immediate_jobs=True,
        log_json=False,
    )
    return build_context(settings)


def test_processes_with_empty_data_directories_share_everything_through_the_bucket(
    s3_env: dict[str, str], tmp_path: Path
) -> None:
    # The shared database stands in for PostgreSQL; each "host" has its own data directory.
    database = f"sqlite:///{tmp_path / 'database-host' / 'kontera.db'}"
    storage = s3_env["KONTERA_STORAGE_URL"]
    web, worker, other = (_process(tmp_path, n, database, storage) for n in ("web", "w1", "w2"))
    company = companies.create_company(web, name="Fjellbyrå AS", org_number="923609016")

    pdf = documents.receive_document(
        web, company_id=company.id, data=invoice_pdf(), filename="a.pdf"
    )
    documents.process_document(worker, pdf.document.id)  # reads the original the web stored
    source = review_pages.page_source(web, company_id=company.id, document_id=pdf.document.id)
    png = pages.page_png(web, source, 1)
    assert pages.page_png(other, source, 1) == png  # rendered once, read from the bucket

    import_history_file(worker, company_id=company.id, path=HISTORY, history_format="csv")
    assert suggestions.train_company(worker, company.id) is not None
    figures = model_evaluation.evaluate_company(other, company_id=company.id, actor="test")
    [status] = review_pages.model_status(web, company_ids=frozenset({company.id}))
    assert {c["file"] for c in status.model_files} == {"model.json", "evaluation.json"}
    [card] = [c for c in status.model_files if c["file"] == "evaluation.json"]
    assert card["history_lines"] == figures["history_lines"]
    assert web.blobs.read(status.plots[0]).startswith(b"\x89PNG")

    ehf = documents.receive_document(web, company_id=company.id, data=EHF, filename="e.xml")
    documents.process_document(other, ehf.document.id)  # suggests from the model w1 trained
    detail = review_pages.document_detail(web, company_id=company.id, document_id=ehf.document.id)
    suggestion = detail["suggestion"]
    assert suggestion is not None and suggestion["model"] != "supplier-majority"
    assert {line["account"] for line in suggestion["lines"]} == {"6900"}

    for name in ("web", "w1", "w2"):
        assert not (tmp_path / name).exists(), f"{name} wrote to its local disk"
    bucket = open_blob_store(storage, tmp_path / "unused")
    folders = {key.split("/", 1)[0] for key in bucket.keys("")}
    assert folders == {"originals", "pages", "models"}


def test_storage_migrate_moves_a_data_directory_into_a_bucket(
    s3_env: dict[str, str], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    embedded = _process(tmp_path, "data", f"sqlite:///{data / 'kontera.db'}", None)
    company = companies.create_company(embedded, name="Flytt AS", org_number="923609016")
    for n in range(3):
        received = documents.receive_document(
            embedded, company_id=company.id, data=invoice_pdf(f"F-{n}"), filename=f"{n}.pdf"
        )
        documents.process_document(embedded, received.document.id)
    source = review_pages.page_source(
        embedded, company_id=company.id, document_id=received.document.id
    )
    png = pages.page_png(embedded, source, 1)
    import_history_file(embedded, company_id=company.id, path=HISTORY, history_format="csv")
    suggestions.train_company(embedded, company.id)
    env = child_env({**s3_env, "KONTERA_DATA_DIR": str(data)})
    model_files = list(FileBlobStore(data).keys("models/"))
    assert "model.skops" in {key.rsplit("/", 1)[-1] for key in model_files}

    first = subprocess.run(
        [KONTERA, "storage", "migrate"], env=env, capture_output=True, text=True, timeout=120
    )
    assert first.returncode == 0, first.stderr
    assert "originals: 3 copied, 0 already there" in first.stdout
    assert f"models: {len(model_files)} copied" in first.stdout
    assert "all 3 files the database names are in s3://" in first.stdout

    moved = _process(
        tmp_path, "elsewhere", f"sqlite:///{data / 'kontera.db'}", s3_env["KONTERA_STORAGE_URL"]
    )
    assert moved.blobs.get(received.document.sha256) == FileBlobStore(data).get(
        received.document.sha256
    )
    assert pages.page_png(moved, source, 1) == png
    assert suggestions.model_dir(moved, company.id).version("model.skops") is not None

    again = subprocess.run(
        [KONTERA, "storage", "migrate"], env=env, capture_output=True, text=True, timeout=120
    )
    assert again.returncode == 0 and "originals: 0 copied, 3 already there" in again.stdout

    extra = documents.receive_document(
        embedded, company_id=company.id, data=b"%PDF-1.4 x", filename="x.pdf"
    )
    FileBlobStore(data).path_for(extra.document.sha256).unlink()  # lost before the move
    broken = subprocess.run(
        [KONTERA, "storage", "migrate"], env=env, capture_output=True, text=True, timeout=120
    )
    assert broken.returncode == 1
    assert "1 of 4 files the database names are missing" in broken.stdout


def test_a_file_export_into_a_bucket_is_written_once_from_any_worker(
    s3_env: dict[str, str],
) -> None:
    """An export connection whose folder is `s3://…`: every worker writes to the same place,
    and a second run of the job finds the files there instead of writing them again."""
    from datetime import date

    from kontera.post.connector import AttachmentFile
    from kontera.post.export import ExportFormat
    from kontera.post.export import FileExportConnector
    from kontera.post.job import PostingJob
    from kontera.post.job import Step
    from kontera.post.job import advance
    from kontera.services.post.connections import _bucket_folder
    from tests.post.test_export import COMPANY
    from tests.post.test_export import swedish_voucher

    folder = f"{s3_env['KONTERA_STORAGE_URL']}/sie-inbox"
    file = AttachmentFile(invoice_pdf(), "faktura.pdf", "application/pdf")
    for _ in range(2):  # two workers, one after the other
        connector = FileExportConnector(
            _bucket_folder(folder), COMPANY, ExportFormat.SIE4, today=date(2026, 11, 22)
        )
        job = advance(
            PostingJob("k-1", "export"), connector, swedish_voucher(), file, lambda j: None
        )
    assert job.step is Step.POSTED
    bucket = open_blob_store(s3_env["KONTERA_STORAGE_URL"], Path("unused"))
    assert sorted(bucket.keys("sie-inbox/")) == ["sie-inbox/k-1.document.pdf", "sie-inbox/k-1.se"]
    assert bucket.read("sie-inbox/k-1.se").startswith(b"#FLAGGA")


def test_backup_and_restore_read_and_fill_the_bucket(
    s3_env: dict[str, str], tmp_path: Path
) -> None:
    from kontera.services.ops.backup import create_backup
    from kontera.services.ops.backup import restore_backup

    source = _process(
        tmp_path, "a", f"sqlite:///{tmp_path / 'a.db'}", s3_env["KONTERA_STORAGE_URL"]
    )
    company = companies.create_company(source, name="Sikker AS", org_number="923609016")
    received = documents.receive_document(
        source, company_id=company.id, data=invoice_pdf("B-1"), filename="b.pdf"
    )
    archive = tmp_path / "backup.tar.gz"
    manifest = create_backup(source.settings, archive)
    assert manifest.originals == 1

    target_url = f"{s3_env['KONTERA_STORAGE_URL']}-restored"
    target = Settings(
        data_dir=tmp_path / "b",
        database_url=f"sqlite:///{tmp_path / 'b.db'}",
        storage_url=target_url,
        log_json=False,
    )
    restore_backup(target, archive)
    restored = open_blob_store(target_url, tmp_path / "unused")
    sha = received.document.sha256
    assert restored.get(sha) == source.blobs.get(sha)
    assert not (tmp_path / "b").exists()
