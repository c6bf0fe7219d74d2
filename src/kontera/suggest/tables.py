"""Rows of a CSV (plain or gzip) or the first sheet of an .xlsx, as dicts, streamed.

The .xlsx reader is deliberately small: shared strings, inline strings and numbers of the first
worksheet, which is what accounting exports contain. It reads the sheet with `iterparse` so a
large export does not have to fit in memory, and refuses DTDs and entities like all our XML.
"""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from lxml import etree

from kontera.domain.errors import InvalidInput
from kontera.domain.messages import msg

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def read_rows(path: Path) -> Iterator[dict[str, str]]:
    """Each data row as {header: text}; the first row is the header."""
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        yield from _xlsx_rows(path)
        return
    with _open_text(path) as handle:
        sample = handle.read(8192)
        handle.seek(0)
        delimiter = _sniff_delimiter(sample)
        yield from csv.DictReader(handle, delimiter=delimiter)


def _open_text(path: Path) -> IO[str]:
    # The caller closes the wrapper, which closes this stream.
    raw: IO[bytes] = (
        gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")  # type: ignore[assignment]  # noqa: SIM115
    )
    head = raw.read(4)
    raw.seek(0)
    encoding = "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "utf-8"
    return io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")


def _sniff_delimiter(sample: str) -> str:
    header = sample.splitlines()[0] if sample else ""
    return max((",", ";", "\t", "|"), key=header.count)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _xlsx_rows(path: Path) -> Iterator[dict[str, str]]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as e:
        raise InvalidInput(msg("{name} is not a readable .xlsx file", name=path.name)) from e
    with archive:
        try:
            strings = _shared_strings(archive)
            sheet = _first_sheet(archive)
        except (KeyError, etree.XMLSyntaxError) as e:
            raise InvalidInput(
                msg("{name} is not a readable .xlsx workbook", name=path.name)
            ) from e
        header: list[str] | None = None
        for cells in _sheet_rows(archive, sheet, strings):
            if header is None:
                header = [cell.strip() for cell in cells]
                continue
            padded = cells + [""] * (len(header) - len(cells))
            yield dict(zip(header, padded, strict=False))


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    root = etree.fromstring(archive.read("xl/sharedStrings.xml"), _parser())
    return ["".join(str(t) for t in si.itertext()) for si in root.iter(f"{_MAIN}si")]


def _first_sheet(archive: zipfile.ZipFile) -> str:
    workbook = etree.fromstring(archive.read("xl/workbook.xml"), _parser())
    sheet = workbook.find(f"{_MAIN}sheets/{_MAIN}sheet")
    if sheet is None:
        raise InvalidInput("the workbook has no sheets")
    rel_id = sheet.get(f"{_REL}id")
    rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"), _parser())
    for rel in rels.iter(f"{_PKG_REL}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    raise InvalidInput("the workbook's first sheet is missing")


def _sheet_rows(archive: zipfile.ZipFile, name: str, strings: list[str]) -> Iterator[list[str]]:
    with archive.open(name) as stream:
        for _, row in etree.iterparse(stream, tag=f"{_MAIN}row", resolve_entities=False):
            cells: list[str] = []
            for cell in row.iter(f"{_MAIN}c"):
                column = _column_index(cell.get("r", ""), len(cells))
                cells.extend([""] * (column - len(cells)))
                cells.append(_cell_text(cell, strings))
            yield cells
            row.clear()


def _column_index(reference: str, default: int) -> int:
    letters = "".join(ch for ch in reference if ch.isalpha())
    if not letters:
        return default
    index = 0
    for ch in letters.upper():
        index = index * 26 + (ord(ch) - 64)
    return index - 1


def _cell_text(cell: etree._Element, strings: list[str]) -> str:
    kind = cell.get("t")
    if kind == "inlineStr":
        return "".join(str(t) for t in cell.itertext())
    value = cell.findtext(f"{_MAIN}v") or ""
    if kind == "s" and value.isdigit() and int(value) < len(strings):
        return strings[int(value)]
    return value
