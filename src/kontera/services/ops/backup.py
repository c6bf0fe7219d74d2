"""Backup and restore: database snapshot + originals + models in one verifiable tar.gz.

Order matters for consistency while the service runs. The database snapshot is taken
first, then the originals are copied: an original is always written before the row that
names it (`receive_document` stores first), and originals never change (content-addressed),
so every document in the snapshot finds its original in the archive. Originals that arrive
after the snapshot are harmless extras.

The archive holds `manifest.json` with the sha256 and size of every other member. Restore
verifies all of them before it touches anything, refuses a target that already holds data
unless forced, and never extracts a path it did not validate.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
import tempfile
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from pathlib import PurePosixPath

from kontera import __version__
from kontera.config import Settings
from kontera.domain.errors import Conflict
from kontera.domain.errors import InvalidInput
from kontera.domain.messages import msg
from kontera.services.ops import backup_db
from kontera.store.blobs import BlobStore
from kontera.store.blobs import check_key
from kontera.store.blobs import open_blob_store
from kontera.store.db import make_engine
from kontera.store.migrate import upgrade
from kontera.store.types import utcnow

FORMAT_VERSION = 1  # 1: database/, originals/, models/ + manifest.json
MANIFEST = "manifest.json"
DATABASE_MEMBER = {
    backup_db.SQLITE: "database/kontera.sqlite",
    backup_db.POSTGRESQL: "database/kontera.pgdump",
}
_ORIGINAL = re.compile(r"^originals/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})$")
_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Entry:
    path: str
    sha256: str
    size: int


@dataclass(slots=True)
class Manifest:
    format_version: int
    kontera_version: str
    created_at: str
    database: str
    entries: list[Entry] = field(default_factory=list)

    @property
    def originals(self) -> int:
        return sum(1 for e in self.entries if e.path.startswith("originals/"))

    @property
    def models(self) -> int:
        return sum(1 for e in self.entries if e.path.startswith("models/"))

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=1).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        data = json.loads(raw)
        entries = [Entry(**e) for e in data.pop("entries")]
        return cls(**data, entries=entries)


def create_backup(settings: Settings, dest: Path) -> Manifest:
    """Write a backup of the database, originals and models to `dest` (a .tar.gz file)."""
    url = settings.resolved_database_url
    kind = backup_db.database_kind(url)
    manifest = Manifest(FORMAT_VERSION, __version__, utcnow().isoformat(), kind)
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".part")
    blobs = open_blob_store(settings.storage_url, settings.data_dir)
    with tempfile.TemporaryDirectory(prefix="kontera-backup-") as scratch:
        snapshot = Path(scratch) / "database"
        backup_db.dump(url, snapshot)
        with tarfile.open(partial, "w:gz", compresslevel=6) as archive:
            _add_file(archive, manifest, DATABASE_MEMBER[kind], snapshot.read_bytes())
            for folder in ("originals", "models"):
                for key in sorted(blobs.keys(f"{folder}/")):
                    _add_file(archive, manifest, key, blobs.read(key))
            _add_bytes(archive, MANIFEST, manifest.to_json())
    partial.replace(dest)  # a backup file either is complete or does not exist
    return manifest


def verify_backup(src: Path) -> Manifest:
    """Check every member against the manifest; raise InvalidInput on any difference."""
    manifest = _read_manifest(src)
    expected = {e.path: e for e in manifest.entries}
    seen: set[str] = set()
    with _open(src) as archive:
        for member in archive:
            if member.name == MANIFEST:
                continue
            entry = _expected_entry(expected, member)
            digest, size = _digest(archive, member)
            named = _ORIGINAL.match(member.name)
            if digest != entry.sha256 or size != entry.size or (named and named[3] != digest):
                raise InvalidInput(
                    msg("The backup is damaged: {name} does not match.", name=member.name)
                )
            seen.add(member.name)
    missing = set(expected) - seen
    if missing:
        raise InvalidInput(
            msg("The backup is incomplete: {missing} is missing.", missing=sorted(missing)[0])
        )
    return manifest


def restore_backup(settings: Settings, src: Path, *, force: bool = False) -> Manifest:
    """Restore a verified backup into the configured database and document store."""
    manifest = verify_backup(src)
    url = settings.resolved_database_url
    blobs = open_blob_store(settings.storage_url, settings.data_dir)
    for entry in manifest.entries:  # refuse a member Kontera would not restore, up front
        _destination(entry.path)
    if not force and (backup_db.holds_data(url) or _has_files(blobs)):
        raise Conflict(
            "The target already holds data; restore refuses to overwrite it. "
            "Use --force to replace it."
        )
    with tempfile.TemporaryDirectory(prefix="kontera-restore-") as scratch, _open(src) as archive:
        for member in archive:
            if member.name == MANIFEST:
                continue
            key = _destination(member.name)
            handle = archive.extractfile(member)
            assert handle is not None  # verify_backup checked every member is a file
            if key is None:
                (Path(scratch) / "database").write_bytes(handle.read())
            else:
                blobs.write(key, handle.read())
        snapshot = Path(scratch) / "database"
        backup_db.load(url, snapshot, manifest.database)
    engine = make_engine(url)
    try:
        upgrade(engine)  # a backup from an older version gets today's schema
    finally:
        engine.dispose()
    return manifest


def _add_file(archive: tarfile.TarFile, manifest: Manifest, name: str, data: bytes) -> None:
    manifest.entries.append(Entry(name, hashlib.sha256(data).hexdigest(), len(data)))
    _add_bytes(archive, name, data)


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(utcnow().timestamp())
    archive.addfile(info, io.BytesIO(data))


def _open(src: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(src, "r:gz")
    except (OSError, tarfile.TarError) as e:
        raise InvalidInput(
            msg("{name} is not a Kontera backup (not a readable tar.gz).", name=src.name)
        ) from e


def _read_manifest(src: Path) -> Manifest:
    with _open(src) as archive:
        try:
            handle = archive.extractfile(MANIFEST)
        except KeyError:
            handle = None
        if handle is None:
            raise InvalidInput(
                msg("{name} has no manifest; it is not a Kontera backup.", name=src.name)
            )
        manifest = Manifest.from_json(handle.read())
    if manifest.format_version > FORMAT_VERSION:
        raise InvalidInput("The backup was made by a newer Kontera; upgrade before restoring.")
    return manifest


def _expected_entry(expected: dict[str, Entry], member: tarfile.TarInfo) -> Entry:
    entry = expected.get(member.name)
    if entry is None or not member.isfile():
        raise InvalidInput(
            msg("The backup holds an unexpected member: {name}.", name=repr(member.name))
        )
    return entry


def _digest(archive: tarfile.TarFile, member: tarfile.TarInfo) -> tuple[str, int]:
    handle = archive.extractfile(member)
    assert handle is not None  # isfile() was checked
    digest, size = hashlib.sha256(), 0
    while chunk := handle.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _destination(name: str) -> str | None:
    """The storage key a member goes to (None: the database snapshot); only known shapes."""
    if name in DATABASE_MEMBER.values():
        return None
    if _ORIGINAL.match(name):
        return name
    parts = PurePosixPath(name).parts
    if len(parts) >= 2 and parts[0] == "models":
        return check_key(name)  # refuses "..", empty and hidden parts
    raise InvalidInput(
        msg("The backup holds a member Kontera would not restore: {name}.", name=repr(name))
    )


def _has_files(blobs: BlobStore) -> bool:
    return next(iter(blobs.keys("originals/")), None) is not None
