"""File export for accounting systems without an API: SIE4 (Sweden) and a documented CSV.

`FileExportConnector` is a Connector like the others, so the outbox drives it the same way:
each voucher becomes `<key>.se` (or `<key>.csv`) in the export folder, and the original
document is written beside it as `<key>.<ext>`. A file that already exists *is* the
idempotency record: running the job again finds it and writes nothing twice. Files are
written to a `.part` name and renamed, so a crash never leaves half a voucher.

The folder is a directory (on one host, or a share every worker mounts) or, named
`s3://bucket/prefix`, a bucket the other system reads from (`ExportFolder`, given by the
services from the document store's S3 backend), so workers on several hosts write to one
place.

SIE4 (`#SIETYP 4`, CP437 as the standard prescribes): one `#VER` per voucher with its
`#TRANS` rows, VAT on its own 264x rows (SIE has no VAT code). The voucher number is left
empty so the importing program numbers it. `#VER` text carries the idempotency key after
" / " so a bookkeeper can trace a voucher back to Kontera.

CSV (UTF-8, `;`-separated, `.` as decimal point, header row, one line per posting):

| column | meaning |
|---|---|
| voucher_key | Kontera's idempotency key: the same on every row of one voucher |
| date | voucher date, ISO 8601 (YYYY-MM-DD) |
| text | voucher text ("Faktura 123 Leverandør AS") |
| invoice_number | the supplier's invoice number |
| row | 1, 2, … within the voucher |
| account | general-ledger account |
| amount | signed gross amount, debit positive; the rows of a voucher sum to 0 |
| net_amount | amount without VAT (cost rows) |
| vat_code | SAF-T standard tax code (NO) or SE25/SE12/SE6/SE0/SERC25 (SE) |
| vat_amount | VAT included in `amount` |
| currency | ISO 4217 currency of the amounts |
| supplier_org | the supplier's organisation number (payable row) |
| kid | KID / OCR payment reference (payable row) |
| due_date | due date (payable row) |
| attachment | file name of the original document when known (the export folder always
|   | names it `<voucher_key>.document.<ext>`, beside the voucher file) |
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from kontera.domain.errors import PermanentError
from kontera.domain.messages import msg
from kontera.domain.money import money_str
from kontera.domain.voucher import Voucher
from kontera.post.connector import AttachmentFile
from kontera.post.rows import explicit_vat_rows
from kontera.post.vat import DEFAULT_VAT_TABLE
from kontera.post.vat import VatTable

CSV_COLUMNS = (
    "voucher_key", "date", "text", "invoice_number", "row", "account", "amount", "net_amount",
    "vat_code", "vat_amount", "currency", "supplier_org", "kid", "due_date", "attachment",
)  # fmt: skip
_EXTENSIONS = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/tiff": "tif",
}


class ExportFormat(StrEnum):
    SIE4 = "sie4"
    CSV = "csv"


@dataclass(frozen=True, slots=True)
class Company:
    name: str
    org_number: str | None = None
    currency: str = "SEK"


def sie4(
    entries: Sequence[tuple[str, Voucher]],
    company: Company,
    *,
    generated: date,
    vat_table: VatTable = DEFAULT_VAT_TABLE,
) -> bytes:
    """A SIE4 file with one #VER per (key, voucher), encoded CP437."""
    lines = [
        "#FLAGGA 0",
        '#PROGRAM "Kontera" "0.1"',
        "#FORMAT PC8",
        f"#GEN {generated:%Y%m%d}",
        "#SIETYP 4",
        f"#FNAMN {_quote(company.name)}",
    ]
    if company.org_number:
        lines.append(f"#ORGNR {company.org_number}")
    lines.append(f"#VALUTA {company.currency}")
    for key, voucher in entries:
        lines.extend(_sie_voucher(key, voucher, company, vat_table))
    text = "\r\n".join(lines) + "\r\n"
    return text.encode("cp437", errors="replace")


def _sie_voucher(key: str, voucher: Voucher, company: Company, vat_table: VatTable) -> list[str]:
    if voucher.currency != company.currency:
        raise PermanentError(
            msg(
                "SIE holds amounts in {currency}; this voucher is in {currency2}.",
                currency=company.currency,
                currency2=voucher.currency,
            )
        )
    text = _quote(f"{voucher.description} / {key}")
    out = [f'#VER "" "" {voucher.date:%Y%m%d} {text}', "{"]
    for row in explicit_vat_rows(voucher, vat_table):
        out.append(f"   #TRANS {row.account} {{}} {money_str(row.amount)}")
    out.append("}")
    return out


def _quote(text: str) -> str:
    cleaned = text.replace("\\", "/").replace('"', '\\"').replace("\r", " ").replace("\n", " ")
    return f'"{cleaned}"'


def csv_export(entries: Sequence[tuple[str, Voucher, str | None]]) -> bytes:
    """The documented CSV for (key, voucher, attachment file name) entries."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for key, voucher, attachment in entries:
        for row, p in enumerate(voucher.postings, start=1):
            writer.writerow([
                key, voucher.date.isoformat(), voucher.description, voucher.invoice_number or "",
                row, p.account, money_str(p.amount), money_str(p.net_amount) or "",
                p.vat_code or "", money_str(p.vat_amount) or "", voucher.currency,
                p.supplier_ref or "" if p.is_payable else "", p.kid or "",
                p.due_date.isoformat() if p.due_date else "", attachment or "",
            ])  # fmt: skip
    return buffer.getvalue().encode("utf-8")


class ExportFolder(Protocol):
    """Where export files go: whole files written atomically, listed by name."""

    def write(self, name: str, data: bytes) -> None: ...

    def names(self) -> list[str]: ...


class LocalExportFolder:
    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, name: str, data: bytes) -> None:
        _write_atomically(self.path / name, data)

    def names(self) -> list[str]:
        if not self.path.is_dir():
            return []
        return sorted(p.name for p in self.path.iterdir() if not p.name.endswith(".part"))


class FileExportConnector:
    """Writes each voucher and its document into a folder the customer's system imports."""

    name = "export"

    def __init__(
        self,
        folder: Path | ExportFolder,
        company: Company,
        fmt: ExportFormat = ExportFormat.SIE4,
        *,
        today: date | None = None,
        vat_table: VatTable = DEFAULT_VAT_TABLE,
    ) -> None:
        self.folder = folder
        self.target = LocalExportFolder(folder) if isinstance(folder, Path) else folder
        self.company = company
        self.fmt = fmt
        self.today = today or date.today()
        self.vat_table = vat_table

    def _voucher_name(self, key: str) -> str:
        return f"{key}.{'se' if self.fmt is ExportFormat.SIE4 else 'csv'}"

    def find_voucher(self, idempotency_key: str, since: datetime | None = None) -> str | None:
        name = self._voucher_name(idempotency_key)
        return name if name in self.target.names() else None

    def create_voucher(self, voucher: Voucher, idempotency_key: str) -> str:
        if self.fmt is ExportFormat.SIE4:
            content = sie4(
                [(idempotency_key, voucher)],
                self.company,
                generated=self.today,
                vat_table=self.vat_table,
            )
        else:
            content = csv_export([(idempotency_key, voucher, None)])
        name = self._voucher_name(idempotency_key)
        self.target.write(name, content)
        return name

    def find_attachment(self, external_id: str, idempotency_key: str) -> str | None:
        prefix = f"{idempotency_key}.document."
        found = [name for name in self.target.names() if name.startswith(prefix)]
        return found[0] if found else None

    def attach(self, external_id: str, file: AttachmentFile, idempotency_key: str) -> str:
        ext = _EXTENSIONS.get(file.mime) or file.filename.rpartition(".")[2] or "bin"
        name = f"{idempotency_key}.document.{ext}"
        self.target.write(name, file.content)
        return name


def _write_atomically(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    part.write_bytes(content)
    part.replace(path)
