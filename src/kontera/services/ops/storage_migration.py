"""`kontera storage migrate`: move a data directory's files into another store (a bucket).

Copies the three folders Kontera keeps outside the database: `originals/` (content-addressed:
skipped when the target has them, and read back through the target's checksum check),
`models/` and `pages/` (named files: copied when missing or different). Then it checks the
database against the target: every document's original, every rendering and every raw mail
message must be there. Running it again copies only what is still missing, so it can run
while the service still writes to the old directory, and once more after switching over.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field

from sqlalchemy.engine import Engine
from sqlmodel import col
from sqlmodel import select

from kontera.domain.errors import InvalidInput
from kontera.domain.messages import msg
from kontera.store.blobs import ORIGINALS
from kontera.store.blobs import BlobStore
from kontera.store.blobs import original_key
from kontera.store.db import session_scope
from kontera.store.tables import Document
from kontera.store.tables import Interpretation
from kontera.store.tables_mail import MailMessage

FOLDERS = (ORIGINALS, "models", "pages")


@dataclass(slots=True)
class MigrationReport:
    copied: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FOLDERS, 0))
    present: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FOLDERS, 0))
    bytes_copied: int = 0
    referenced: int = 0  # distinct sha256s the database names
    missing: list[str] = field(default_factory=list)  # …that the target lacks


Progress = Callable[[str], None]


def migrate_storage(
    source: BlobStore,
    target: BlobStore,
    *,
    engine: Engine | None = None,
    progress: Progress = lambda _: None,
) -> MigrationReport:
    if source.url.rstrip("/") == target.url.rstrip("/"):
        raise InvalidInput(
            msg("{url} is already the store; there is nothing to move.", url=source.url)
        )
    target.ping()
    report = MigrationReport()
    for folder in FOLDERS:
        for key in source.keys(f"{folder}/"):
            _copy(source, target, key, folder, report)
            done = report.copied[folder] + report.present[folder]
            if done % 500 == 0:
                progress(f"{folder}: {done} …")
    if engine is not None:
        _check_references(engine, target, report)
    return report


def _copy(
    source: BlobStore, target: BlobStore, key: str, folder: str, report: MigrationReport
) -> None:
    if folder == ORIGINALS:
        sha256 = key.rsplit("/", 1)[-1]
        if target.exists(sha256):
            report.present[folder] += 1
            return
        data = source.get(sha256)
        if target.put(data) != sha256:  # the source file does not hold what its name says
            raise InvalidInput(
                msg(
                    "{key} in {url} is damaged: its content has another sha256.",
                    key=key,
                    url=source.url,
                )
            )
        target.get(sha256)  # read back: the target's own check proves the copy
    else:
        data = source.read(key)
        if target.version(key) is not None and target.read(key) == data:
            report.present[folder] += 1
            return
        target.write(key, data)
    report.copied[folder] += 1
    report.bytes_copied += len(data)


def _check_references(engine: Engine, target: BlobStore, report: MigrationReport) -> None:
    with session_scope(engine) as session:
        named = set(session.exec(select(Document.sha256)).all())
        named |= {
            sha
            for sha in session.exec(
                select(Interpretation.rendering_sha256).where(
                    col(Interpretation.rendering_sha256).is_not(None)
                )
            ).all()
            if sha
        }
        named |= set(session.exec(select(MailMessage.raw_sha256)).all())
    report.referenced = len(named)
    report.missing = sorted(s for s in named if not target.exists(s))


def describe(report: MigrationReport, target: BlobStore) -> str:
    lines = [
        f"{folder}: {report.copied[folder]} copied, {report.present[folder]} already there"
        for folder in FOLDERS
    ]
    lines.append(f"{report.bytes_copied / 1e6:.1f} MB copied to {target.url}")
    if report.missing:
        lines.append(
            f"{len(report.missing)} of {report.referenced} files the database names are "
            f"missing in {target.url}, e.g. {original_key(report.missing[0])}"
        )
    else:
        lines.append(f"all {report.referenced} files the database names are in {target.url}")
    return "\n".join(lines)
