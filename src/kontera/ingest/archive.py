"""ZIP archives attached to mail: list the files inside, refusing bombs and odd entries.

Nothing is ever written to disk, so a `../../etc/passwd` entry name cannot escape anywhere;
names are still reduced to their last component because they end up shown to people.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from kontera.ingest.limits import MailLimits


@dataclass(frozen=True, slots=True)
class ArchiveEntry:
    name: str
    data: bytes


@dataclass(frozen=True, slots=True)
class ArchiveSkip:
    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class ArchiveContents:
    entries: list[ArchiveEntry]
    skipped: list[ArchiveSkip]


def base_name(name: str) -> str:
    return name.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].replace("\x00", "").strip()


def open_archive(data: bytes, name: str, limits: MailLimits) -> ArchiveContents:
    """The files in a ZIP, or one skip with the reason the whole archive was refused."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        return _refused(name, "The ZIP archive is damaged and could not be opened.")
    if len(infos) > limits.max_archive_files:
        return _refused(
            name, f"The ZIP archive holds {len(infos)} files; at most {limits.max_archive_files}."
        )
    declared = sum(info.file_size for info in infos)
    if declared > limits.max_archive_bytes:
        return _refused(name, "The ZIP archive unpacks to more than the size limit.")
    entries: list[ArchiveEntry] = []
    skipped: list[ArchiveSkip] = []
    budget = limits.max_archive_bytes
    for info in infos:
        entry_name = base_name(info.filename)
        reason = _entry_problem(info, entry_name, limits)
        if reason is None:
            data_or_reason = _read_bounded(archive, info, min(budget, limits.max_document_bytes))
            if isinstance(data_or_reason, bytes):
                budget -= len(data_or_reason)
                entries.append(ArchiveEntry(entry_name, data_or_reason))
                continue
            reason = data_or_reason
        if reason:
            skipped.append(ArchiveSkip(entry_name or info.filename, reason))
    return ArchiveContents(entries, skipped)


def _refused(name: str, reason: str) -> ArchiveContents:
    return ArchiveContents([], [ArchiveSkip(name, reason)])


def _entry_problem(info: zipfile.ZipInfo, name: str, limits: MailLimits) -> str | None:
    """Why this entry is not read; "" to skip it silently (system clutter)."""
    parts = info.filename.replace("\\", "/").split("/")
    if not name or name.startswith(".") or "__MACOSX" in parts:
        return ""
    if info.flag_bits & 0x1:
        return "The file is password protected."
    if info.file_size > limits.max_document_bytes:
        return "The file is larger than the document size limit."
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > 1024 * 1024 and ratio > limits.max_compression_ratio:
        return "The file is compressed suspiciously well (a ZIP bomb?) and was not unpacked."
    return None


def _read_bounded(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes | str:
    """The entry's bytes, never more than `limit` whatever its header claims."""
    try:
        with archive.open(info) as handle:
            data = handle.read(limit + 1)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        return "The file inside the ZIP archive is damaged."
    if len(data) > limit:
        return "The file unpacks to more than the size limit."
    return data
