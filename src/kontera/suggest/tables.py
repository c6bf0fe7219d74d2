"""Rows of a CSV (plain or gzip) or the first sheet of an .xlsx, as dicts, streamed.

Workbooks are read with openpyxl in read-only mode, which streams the sheet so a large export
does not have to fit in memory; with defusedxml installed openpyxl refuses DTDs and entity
expansion like all our XML. CSV delimiters are found by `csv.Sniffer` on the first lines.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import zipfile
from collections.abc import Iterable
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from kontera.domain.errors import InvalidInput
from kontera.domain.messages import msg

_DELIMITERS = ",;\t|"


def read_rows(path: Path) -> Iterator[dict[str, str]]:
    """Each data row as {header: text}; the first row is the header."""
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        yield from _xlsx_rows(path)
        return
    with _open_text(path) as handle:
        sample = handle.read(8192)
        handle.seek(0)
        delimiter = sniff_delimiter(sample)
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


def sniff_delimiter(sample: str) -> str:
    """The delimiter `csv.Sniffer` finds; a comma when the sample has one column only."""
    # The sample may end mid-line; the Sniffer judges consistency per line, so drop the tail.
    lines = sample.splitlines()
    whole = "\n".join(lines[:-1] if len(lines) > 1 and not sample.endswith("\n") else lines)
    try:
        return csv.Sniffer().sniff(whole, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return ","


def _xlsx_rows(path: Path) -> Iterator[dict[str, str]]:
    import openpyxl  # a second of imports that only workbook readers should pay
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException) as e:
        raise InvalidInput(msg("{name} is not a readable .xlsx file", name=path.name)) from e
    except (KeyError, ValueError, OSError) as e:
        raise InvalidInput(msg("{name} is not a readable .xlsx workbook", name=path.name)) from e
    try:
        if not workbook.worksheets:
            raise InvalidInput("the workbook has no sheets")
        yield from _dict_rows(workbook.worksheets[0].iter_rows(values_only=True))
    except (KeyError, ValueError) as e:  # defusedxml's refusals of DTDs are ValueErrors
        raise InvalidInput(msg("{name} is not a readable .xlsx workbook", name=path.name)) from e
    finally:
        workbook.close()


def _dict_rows(rows: Iterable[tuple[object, ...]]) -> Iterator[dict[str, str]]:
    header: list[str] | None = None
    for values in rows:
        cells = [_cell_text(value) for value in values]
        if header is None:
            header = [cell.strip() for cell in cells]
            continue
        padded = cells + [""] * (len(header) - len(cells))
        yield dict(zip(header, padded, strict=False))


def _cell_text(value: object) -> str:
    """A cell as the text an export would have written: numbers plain, dates ISO."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)
