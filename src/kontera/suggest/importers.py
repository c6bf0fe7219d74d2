"""One entry point for every history format: `read_history(path, format, mapping)`."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

from kontera.domain.errors import UnsupportedDocument
from kontera.domain.messages import msg
from kontera.suggest.csv_history import ColumnMapping
from kontera.suggest.csv_history import read_csv_history
from kontera.suggest.history import HistoryItem
from kontera.suggest.history import HistoryLine
from kontera.suggest.history import ImportProblem
from kontera.suggest.history import only_lines
from kontera.suggest.saft import read_saft_history
from kontera.suggest.sie import read_sie_history

FORMATS = ("saft", "sie", "csv")


def detect_format(path: Path) -> str:
    """By content first (SAF-T XML, SIE's #FLAGGA), then by file name."""
    with path.open("rb") as handle:
        head = handle.read(2048)
    if b"StandardAuditFile" in head or b"AuditFile" in head:
        return "saft"
    if head.lstrip().startswith(b"#FLAGGA") or b"#SIETYP" in head:
        return "sie"
    suffixes = "".join(path.suffixes).lower()
    if suffixes.endswith((".csv", ".csv.gz", ".txt", ".tsv", ".xlsx")):
        return "csv"
    if suffixes.endswith((".se", ".si", ".sie")):
        return "sie"
    raise UnsupportedDocument(
        msg("{name}: not a SAF-T, SIE or CSV/XLSX history file", name=path.name)
    )


def read_history_items(
    path: Path, format: str | None = None, mapping: ColumnMapping | None = None
) -> Iterator[HistoryItem]:
    """Lines and problems, streamed (for a progress bar and an import report)."""
    kind = format or detect_format(path)
    if kind == "saft":
        return read_saft_history(path)
    if kind == "sie":
        return read_sie_history(path)
    if kind in {"csv", "xlsx"}:
        return read_csv_history(path, mapping)
    raise UnsupportedDocument(
        msg(
            "unknown history format {kind}; use one of {FORMATS}",
            kind=repr(kind),
            FORMATS=tuple(FORMATS),
        )
    )


def read_history(
    path: Path,
    format: str | None = None,
    mapping: ColumnMapping | None = None,
    on_problem: Callable[[ImportProblem], None] | None = None,
) -> Iterator[HistoryLine]:
    """History lines only; each problem goes to `on_problem` when given."""
    return only_lines(read_history_items(path, format, mapping), on_problem)
