"""Everything that is not in the database: originals, renderings, mail, models, page images.

One `BlobStore` holds two kinds of object under one root, each named by a key of
`/`-separated parts:

- content-addressed blobs (`put`/`get`/`exists`): originals, renderings and raw mail, under
  `originals/ab/cd/<sha256>`, never changed once written;
- named files (`write`/`read`/`version`/`keys`): model files under `models/<company>/`, page
  images under `pages/<sha256>/`, evaluation reports — replaced whole, never appended to.

Every write is atomic: a reader sees the old object or the new one, never a part. The file
backend writes a `.part-*` file and renames it; the S3 backend (`kontera.store.blobs_s3`)
relies on S3's own rule that an object appears only when its upload completed (and sends a
checksum the server verifies). `open_blob_store` picks the backend from
`KONTERA_STORAGE_URL`: `file:///path` (the default is the data directory) or
`s3://bucket/prefix`.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote
from urllib.parse import urlsplit

from kontera.domain.errors import InvalidInput
from kontera.domain.errors import NotFound
from kontera.domain.errors import TransientError
from kontera.domain.messages import msg

ORIGINALS = "originals"
_HEX = frozenset("0123456789abcdef")


class StorageUnavailable(TransientError):
    """The document store cannot be reached just now; nothing was lost, try again shortly."""

    code = "storage_unavailable"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def original_key(sha256: str) -> str:
    """`originals/ab/cd/<sha256>`: the same layout on disk and in a bucket."""
    if len(sha256) != 64 or not _HEX.issuperset(sha256):
        raise NotFound("No such stored file.")
    return f"{ORIGINALS}/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def check_key(key: str) -> str:
    """Keys are relative, `/`-separated, without empty, `.`, `..` or hidden parts."""
    parts = key.split("/")
    if not key or any(not p or p in (".", "..") or p.startswith(".") for p in parts):
        raise InvalidInput(msg("Not a storage key: {key}", key=repr(key)))
    return key


class BlobStore(Protocol):
    """Where originals and every other file Kontera keeps live; see the module docstring."""

    url: str

    def put(self, data: bytes) -> str:
        """Store bytes under their sha256 (once); returns the sha256."""
        ...

    def get(self, sha256: str) -> bytes: ...

    def exists(self, sha256: str) -> bool: ...

    def write(self, key: str, data: bytes) -> None:
        """Create or replace the named file, atomically."""
        ...

    def read(self, key: str) -> bytes:
        """The named file's bytes; `NotFound` when there is none."""
        ...

    def version(self, key: str) -> str | None:
        """A token that changes whenever the file is replaced; None when there is no file."""
        ...

    def keys(self, prefix: str) -> Iterator[str]:
        """Every key under `prefix` (a folder, `models/` say), in no particular order."""
        ...

    def delete(self, key: str) -> None: ...

    def ping(self) -> None:
        """Raise `StorageUnavailable` unless the store can be read and written now."""
        ...


class FileBlobStore:
    """The embedded default: files under one directory (normally the data directory)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.url = root.resolve().as_uri()

    def path_for(self, sha256: str) -> Path:
        return self.root / original_key(sha256)

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    def put(self, data: bytes) -> str:
        digest = sha256_hex(data)
        if not self.path_for(digest).exists():
            _atomic_write(self.path_for(digest), data)
        return digest

    def get(self, sha256: str) -> bytes:
        try:
            return self.path_for(sha256).read_bytes()
        except FileNotFoundError as e:
            raise NotFound("The stored original is missing.") from e

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()

    def write(self, key: str, data: bytes) -> None:
        _atomic_write(self._path(key), data)

    def read(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as e:
            raise NotFound(msg("No stored file {key}.", key=key)) from e

    def version(self, key: str) -> str | None:
        try:
            stat = self._path(key).stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        return f"{stat.st_mtime_ns}-{stat.st_size}-{stat.st_ino}"

    def keys(self, prefix: str) -> Iterator[str]:
        base = self.root.joinpath(*[p for p in prefix.split("/") if p])
        if not base.is_dir():
            return
        for path in sorted(base.rglob("*")):
            relative = path.relative_to(self.root).as_posix()
            if path.is_file() and not any(p.startswith(".") for p in relative.split("/")):
                yield relative

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def ping(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(dir=self.root, prefix=".part-ping-")
            os.close(fd)
            Path(probe).unlink()
        except OSError as e:
            raise StorageUnavailable(
                msg("The data directory cannot be written: {e}", e=str(e))
            ) from e


def _atomic_write(target: Path, data: bytes) -> None:
    """Write beside the target and rename: a crash leaves only a `.part-*` file behind."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def open_blob_store(url: str | None, data_dir: Path) -> BlobStore:
    """`file:///srv/kontera` or `s3://bucket/prefix`; None means the data directory."""
    if not url:
        return FileBlobStore(data_dir)
    parts = urlsplit(url)
    if parts.scheme == "file":
        return FileBlobStore(Path(unquote(parts.path)))
    if parts.scheme == "s3":
        from kontera.store.blobs_s3 import S3BlobStore

        if not parts.netloc:
            raise InvalidInput(msg("KONTERA_STORAGE_URL names no bucket: {url}", url=url))
        return S3BlobStore(parts.netloc, parts.path.strip("/"))
    raise InvalidInput(
        msg("KONTERA_STORAGE_URL must start with file:// or s3://, not {url}", url=url)
    )


class BlobFolder:
    """One folder of named files in a store (`models/<company id>`, say)."""

    def __init__(self, store: BlobStore, prefix: str) -> None:
        self.store = store
        self.prefix = check_key(prefix) if prefix else ""  # "": the store's top level

    def __str__(self) -> str:
        return "/".join(p for p in (self.store.url.rstrip("/"), self.prefix) if p)

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else check_key(name)

    def read(self, name: str) -> bytes | None:
        try:
            return self.store.read(self.key(name))
        except NotFound:
            return None

    def write(self, name: str, data: bytes) -> None:
        self.store.write(self.key(name), data)

    def version(self, name: str) -> str | None:
        return self.store.version(self.key(name))

    def names(self) -> list[str]:
        """The files directly in this folder (not in folders below it)."""
        start = len(self.prefix) + 1 if self.prefix else 0
        below = (key[start:] for key in self.store.keys(f"{self.prefix}/" if self.prefix else ""))
        return sorted(name for name in below if "/" not in name)
