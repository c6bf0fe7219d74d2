"""Backup and restore of database + originals + models, verified by sha256.

GIVEN a company with processed and approved documents and a model file
WHEN  `create_backup` writes a tar.gz and `restore_backup` restores it elsewhere
THEN  the restored service has the same documents, audit trail, originals (byte for byte)
      and models; a damaged or tampered backup is refused before anything is written; a
      target that holds data is not overwritten without `force`.
"""

from __future__ import annotations

import io
import tarfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy import text
from sqlalchemy.engine import make_url

from kontera.api.app import create_app
from kontera.config import Settings
from kontera.domain.errors import Conflict
from kontera.domain.errors import InvalidInput
from kontera.jobs.queue import attach_queue
from kontera.services.admin import companies
from kontera.services.context import AppContext
from kontera.services.context import build_context
from kontera.services.ops.backup import create_backup
from kontera.services.ops.backup import restore_backup
from kontera.services.ops.backup import verify_backup
from tests.reliability.invoices import invoice_batch


def make_ctx(settings: Settings) -> AppContext:
    return attach_queue(build_context(settings))[0]


def fill(ctx: AppContext, count: int = 4) -> list[str]:
    """A company with `count` processed documents (the first approved) and a model file."""
    company = companies.create_company(ctx, name=f"Backup {uuid.uuid4().hex[:6]} AS")
    key = companies.create_api_key(ctx, company_name=company.name).key
    ids = []
    with TestClient(create_app(ctx)) as client:
        client.headers["Authorization"] = f"Bearer {key}"
        for n, data in enumerate(invoice_batch(count, prefix="BK")):
            ids.append(
                client.post("/v1/documents", files={"file": (f"{n}.xml", data)}).json()["id"]
            )
        approved = client.post(
            f"/v1/documents/{ids[0]}/approve",
            json={"postings": [{"account": "6540", "vat_code": "1"}]},
        )
        assert approved.status_code == 200, approved.text
    model = ctx.settings.models_dir / company.id / "model-v1.skops"
    model.parent.mkdir(parents=True, exist_ok=True)
    model.write_bytes(b"model bytes " + company.id.encode())
    return ids


def state(ctx: AppContext) -> dict[str, object]:
    """What a restore must bring back, read straight from the database and the folders."""
    with ctx.engine.connect() as connection:
        tables = {
            name: sorted(map(tuple, connection.execute(text(query)).all()))
            for name, query in {
                "documents": "SELECT id, sha256, status, invoice_number FROM document",
                "events": "SELECT id, document_id, action, to_status FROM auditevent",
                "vouchers": "SELECT id, document_id, state FROM voucher",
                "interpretations": "SELECT id, document_id FROM interpretation",
            }.items()
        }
    folders = {
        name: {
            p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()
        }
        for name, root in (
            ("originals", ctx.settings.originals_dir),
            ("models", ctx.settings.models_dir),
        )
    }
    return {**tables, **folders}


@pytest.fixture
def source(tmp_path: Path) -> Iterator[AppContext]:
    ctx = make_ctx(Settings(data_dir=tmp_path / "source", immediate_jobs=True))
    yield ctx
    ctx.engine.dispose()


def test_a_backup_restores_everything_into_an_empty_installation(
    source: AppContext, tmp_path: Path
) -> None:
    fill(source)
    archive = tmp_path / "backup.tar.gz"
    manifest = create_backup(source.settings, archive)

    target_settings = Settings(data_dir=tmp_path / "target", immediate_jobs=True)
    restored_manifest = restore_backup(target_settings, archive)
    target = make_ctx(target_settings)

    assert restored_manifest.entries == manifest.entries
    assert manifest.originals >= 4 and manifest.models == 1
    assert state(target) == state(source)
    target.engine.dispose()


def test_restore_refuses_a_target_with_data_unless_forced(
    source: AppContext, tmp_path: Path
) -> None:
    fill(source)
    archive = tmp_path / "backup.tar.gz"
    create_backup(source.settings, archive)
    target_settings = Settings(data_dir=tmp_path / "target", immediate_jobs=True)
    target = make_ctx(target_settings)
    fill(target, count=2)
    before = state(target)

    with pytest.raises(Conflict, match="--force"):
        restore_backup(target_settings, archive)
    assert state(target) == before

    restore_backup(target_settings, archive, force=True)
    restored = state(target)
    assert restored["documents"] == state(source)["documents"]
    target.engine.dispose()


def rewrite(archive: Path, out: Path, change: dict[str, bytes | None]) -> None:
    """Copy a backup, replacing (bytes) or adding members as named in `change`."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(out, "w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            replacement = change.get(member.name, data)
            if replacement is not None:
                member.size = len(replacement)
                dst.addfile(member, io.BytesIO(replacement))
        for name, data in change.items():
            if name not in src.getnames() and data is not None:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                dst.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize(
    "damage",
    ["flipped original", "missing original", "traversal member", "not a tar"],
)
def test_a_damaged_backup_is_refused_before_anything_is_written(
    source: AppContext, tmp_path: Path, damage: str
) -> None:
    fill(source, count=2)
    archive, bad = tmp_path / "good.tar.gz", tmp_path / "bad.tar.gz"
    manifest = create_backup(source.settings, archive)
    original = next(e for e in manifest.entries if e.path.startswith("originals/"))
    if damage == "flipped original":
        data = (source.settings.originals_dir / original.path.split("/", 1)[1]).read_bytes()
        rewrite(archive, bad, {original.path: data[:-1] + bytes([data[-1] ^ 1])})
    elif damage == "missing original":
        rewrite(archive, bad, {original.path: None})
    elif damage == "traversal member":
        rewrite(archive, bad, {"../../escaped.txt": b"owned"})
    else:
        bad.write_bytes(b"this is not a backup")
    target = Settings(data_dir=tmp_path / "target")

    with pytest.raises(InvalidInput):
        verify_backup(bad)
    with pytest.raises(InvalidInput):
        restore_backup(target, bad)
    assert not (tmp_path / "target" / "originals").exists()
    assert not (tmp_path / "escaped.txt").exists()


def test_a_backup_taken_during_uploads_is_consistent(source: AppContext, tmp_path: Path) -> None:
    """Every document in the snapshot finds its original, even with uploads running."""
    fill(source, count=1)
    company = companies.create_company(source, name="Travel AS")
    key = companies.create_api_key(source, company_name=company.name).key
    stop = threading.Event()

    def upload() -> None:
        with TestClient(create_app(source)) as client:
            client.headers["Authorization"] = f"Bearer {key}"
            for n, data in enumerate(invoice_batch(400, prefix="LIVE")):
                if stop.is_set():
                    return
                client.post("/v1/documents", files={"file": (f"{n}.xml", data)})

    uploader = threading.Thread(target=upload)
    uploader.start()
    try:
        archives = [tmp_path / f"during-{n}.tar.gz" for n in range(3)]
        for archive in archives:
            create_backup(source.settings, archive)
    finally:
        stop.set()
        uploader.join()
    for n, archive in enumerate(archives):
        target = Settings(data_dir=tmp_path / f"target-{n}")
        restore_backup(target, archive)
        engine = create_engine(target.resolved_database_url)
        with engine.connect() as connection:
            shas = connection.execute(text("SELECT sha256 FROM document")).scalars().all()
        engine.dispose()
        assert shas
        for sha in shas:
            assert (target.originals_dir / sha[:2] / sha[2:4] / sha).is_file()


def fresh_database(server_url: str) -> str:
    name = f"kontera_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


@pytest.mark.live
def test_postgresql_backup_and_restore(postgres_url: str, tmp_path: Path) -> None:
    source = make_ctx(
        Settings(
            data_dir=tmp_path / "pg-src",
            database_url=fresh_database(postgres_url),
            immediate_jobs=True,
        )
    )
    fill(source)
    archive = tmp_path / "pg.tar.gz"
    manifest = create_backup(source.settings, archive)
    assert manifest.database == "postgresql"

    target_settings = Settings(
        data_dir=tmp_path / "pg-dst", database_url=fresh_database(postgres_url)
    )
    make_ctx(target_settings).engine.dispose()  # an installed, empty schema: not "data"
    restore_backup(target_settings, archive)
    target = make_ctx(target_settings)

    assert state(target) == state(source)
    target.engine.dispose()
    source.engine.dispose()
