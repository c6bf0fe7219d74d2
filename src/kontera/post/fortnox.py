"""Fortnox API v3: the only module that talks to Fortnox.

Two ways to book, chosen per company: a voucher (`POST /3/vouchers`; rows have no VAT field,
so VAT goes on its own 264x rows) or a supplier invoice (`POST /3/supplierinvoices`, which
Fortnox's payment flow then knows about). The document goes to the inbox (`POST /3/inbox`) and
is connected with `/3/voucherfileconnections` or `/3/supplierinvoicefileconnections`.

A supplier invoice carries what Fortnox's payment proposal needs (OCR, DueDate, InvoiceNumber;
the supplier created with its BankAccountNumber / BG / PG / IBAN / BIC) and is booked after
creation (`PUT /3/supplierinvoices/{GivenNumber}/bookkeep`), unless the company chose to
book it in Fortnox itself (`bookkeep=false`). A supplier invoice found again after a lost
answer is booked then if it is not yet.

Idempotency: Fortnox has no external-number field on vouchers, so Kontera's key is written in
the voucher's `Comments` ("kontera:<key>") and in a supplier invoice's
`ExternalInvoiceNumber`, and looked up in the lists before posting. The inbox file carries the
key in its name, so an upload whose answer was lost is found instead of uploaded twice.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import httpx

from kontera.domain.errors import PermanentError
from kontera.domain.messages import msg
from kontera.domain.money import ZERO
from kontera.domain.voucher import Payee
from kontera.domain.voucher import Posting
from kontera.domain.voucher import Voucher
from kontera.post.accruals import is_journal_key
from kontera.post.connector import AttachmentFile
from kontera.post.connector import attachment_name
from kontera.post.http import ApiClient
from kontera.post.http import CallObserver
from kontera.post.http import CredentialsRejected
from kontera.post.http import RetryPolicy
from kontera.post.http import json_amount
from kontera.post.oauth import TokenManager
from kontera.post.ratelimit import Limiter
from kontera.post.rows import Row
from kontera.post.rows import base_currency_amounts
from kontera.post.rows import explicit_vat_rows
from kontera.post.vat import DEFAULT_VAT_TABLE
from kontera.post.vat import VatTable

DEFAULT_BASE_URL = "https://api.fortnox.se"
ExchangeRate = Callable[[str, date], Decimal]


class FortnoxMode(StrEnum):
    VOUCHER = "voucher"
    SUPPLIER_INVOICE = "supplier_invoice"


@dataclass(frozen=True, slots=True)
class FortnoxSettings:
    mode: FortnoxMode = FortnoxMode.VOUCHER
    voucher_series: str = "A"
    base_url: str = DEFAULT_BASE_URL
    # Supplier invoices are booked after creation (Fortnox leaves them unbooked otherwise).
    bookkeep: bool = True


def read_error(response: httpx.Response) -> str:
    """Fortnox's ErrorInformation message (the spec capitalises the keys, the API may not)."""
    try:
        data = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    info = data.get("ErrorInformation") or data.get("errorInformation") or {}
    message = info.get("Message") or info.get("message")
    code = info.get("Code") or info.get("code")
    if not message:
        return response.text[:300] or response.reason_phrase
    return f"{message} (Fortnox code {code})" if code else str(message)


class FortnoxConnector:
    name = "fortnox"

    def __init__(
        self,
        client: httpx.Client,
        tokens: TokenManager,
        settings: FortnoxSettings | None = None,
        *,
        limiter: Limiter | None = None,
        retry: RetryPolicy | None = None,
        observer: CallObserver | None = None,
        vat_table: VatTable = DEFAULT_VAT_TABLE,
        exchange_rate: ExchangeRate | None = None,
    ) -> None:
        self.settings = settings or FortnoxSettings()
        self.tokens = tokens
        self.api = ApiClient(
            client,
            system="Fortnox",
            limiter=limiter,
            retry=retry,
            error_reader=read_error,
            observer=observer,
        )
        self.vat_table = vat_table
        self.exchange_rate = exchange_rate
        self._suppliers: dict[str, str] = {}
        self._years: list[tuple[int, str, str]] | None = None

    @property
    def _invoices(self) -> bool:
        return self.settings.mode is FortnoxMode.SUPPLIER_INVOICE

    # -- the Connector protocol --------------------------------------------------------

    def find_voucher(self, idempotency_key: str, since: datetime | None = None) -> str | None:
        if self._invoices and not is_journal_key(idempotency_key):
            for item in self._pages("/3/supplierinvoices", "SupplierInvoices"):
                if item.get("ExternalInvoiceNumber") == idempotency_key:
                    if not item.get("Booked"):
                        self._bookkeep(str(item["GivenNumber"]))
                    return str(item["GivenNumber"])
            return None
        series = self.settings.voucher_series
        # The voucher may sit in last year's books (a December invoice posted in January).
        for year in self._recent_years():
            path = f"/3/vouchers/sublist/{series}"
            for item in self._pages(path, "Vouchers", financialyear=year):
                if item.get("Comments") == _comment(idempotency_key):
                    return f"{item['VoucherSeries']}-{item['VoucherNumber']}-{item['Year']}"
        return None

    def create_voucher(self, voucher: Voucher, idempotency_key: str) -> str:
        rows = explicit_vat_rows(voucher, self.vat_table)
        rate = self._rate(voucher)
        sek_rows = rows if rate is None else _converted(rows, rate)
        if self._invoices and not voucher.journal:
            body = self._invoice_body(voucher, rows, sek_rows, rate, idempotency_key)
            data = self._call("POST", "/3/supplierinvoices", json={"SupplierInvoice": body})
            given = str(data["SupplierInvoice"]["GivenNumber"])
            self._bookkeep(given)
            return given
        body = self._voucher_body(voucher, sek_rows, idempotency_key)
        year = self._year_of(voucher.date)
        data = self._call(
            "POST", "/3/vouchers", params={"financialyear": year}, json={"Voucher": body}
        )
        created = data["Voucher"]
        return f"{created['VoucherSeries']}-{created['VoucherNumber']}-{created['Year']}"

    def find_attachment(self, external_id: str, idempotency_key: str) -> str | None:
        if self._invoices:
            connections = "/3/supplierinvoicefileconnections"
            for item in self._pages(connections, "SupplierInvoiceFileConnections"):
                if str(item.get("SupplierInvoiceNumber")) == external_id:
                    return str(item["FileId"])
            return None
        series, number, year = external_id.rsplit("-", 2)
        for item in self._pages("/3/voucherfileconnections", "VoucherFileConnections"):
            found = (item.get("VoucherSeries"), str(item.get("VoucherNumber")))
            # Numbers restart every financial year: the year must match too.
            if found == (series, number) and str(item.get("VoucherYear", year)) == year:
                return str(item["FileId"])
        return None

    def attach(self, external_id: str, file: AttachmentFile, idempotency_key: str) -> str:
        file_id = self._inbox_file(attachment_name(file, idempotency_key), file)
        return self.connect_file(external_id, file_id)

    def connect_file(self, external_id: str, file_id: str) -> str:
        """Connect a file in Fortnox's inbox to the voucher or supplier invoice (which moves
        it out of the inbox into the archive)."""
        if self._invoices:
            link = {"FileId": file_id, "SupplierInvoiceNumber": external_id}
            self._call(
                "POST",
                "/3/supplierinvoicefileconnections",
                json={"SupplierInvoiceFileConnection": link},
            )
            return file_id
        series, number, year = external_id.rsplit("-", 2)
        connection: dict[str, Any] = {
            "FileId": file_id,
            "VoucherSeries": series,
            "VoucherNumber": number,
            "VoucherYear": int(year),
        }
        self._call("POST", "/3/voucherfileconnections", json={"VoucherFileConnection": connection})
        return file_id

    # -- for the ledger inbox (`kontera.post.inbox_fortnox`) -----------------------------

    def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return self._call(method, path, **kwargs)

    def invoice_rows(self, voucher: Voucher) -> list[dict[str, Any]]:
        """The voucher as `SupplierInvoiceRows`: in SEK, with the currency amounts beside."""
        rows = explicit_vat_rows(voucher, self.vat_table)
        rate = self._rate(voucher)
        sek_rows = rows if rate is None else _converted(rows, rate)
        return [
            _row(sek, None if rate is None else doc)
            for sek, doc in zip(sek_rows, rows, strict=True)
        ]

    def bookkeep(self, given_number: str) -> None:
        self._bookkeep(given_number)

    # -- bodies -------------------------------------------------------------------------

    def _rate(self, voucher: Voucher) -> Decimal | None:
        """SEK per unit of the invoice currency; None for SEK. Fortnox books in SEK."""
        if voucher.currency == "SEK":
            return None
        if self.exchange_rate is None:
            raise PermanentError(
                msg(
                    "The invoice is in {currency}; no exchange rate to SEK is configured.",
                    currency=voucher.currency,
                )
            )
        return self.exchange_rate(voucher.currency, voucher.rate_date or voucher.date)

    def _voucher_body(self, voucher: Voucher, rows: list[Row], key: str) -> dict[str, Any]:
        return {
            "Description": voucher.description[:200],
            "TransactionDate": voucher.date.isoformat(),
            "VoucherSeries": self.settings.voucher_series,
            "Year": voucher.date.year,
            "Comments": _comment(key),
            "VoucherRows": [_row(r) for r in rows],
        }

    def _invoice_body(
        self,
        voucher: Voucher,
        rows: list[Row],
        sek_rows: list[Row],
        rate: Decimal | None,
        key: str,
    ) -> dict[str, Any]:
        """Totals in the invoice currency; rows in SEK, with the currency amounts beside."""
        payable = next(p for p in voucher.postings if p.is_payable)
        vat = sum((p.vat_amount or ZERO for p in voucher.postings), ZERO)
        body: dict[str, Any] = {
            "SupplierNumber": self._supplier_number(payable.supplier_ref, voucher.payee),
            "InvoiceNumber": voucher.invoice_number or "",
            "InvoiceDate": voucher.date.isoformat(),
            "Currency": voucher.currency,
            "Total": str(-payable.amount),
            "VAT": str(vat),
            "Credit": payable.amount > 0,
            "ExternalInvoiceNumber": key,
            "SupplierInvoiceRows": [
                _row(sek, None if rate is None else doc)
                for sek, doc in zip(sek_rows, rows, strict=True)
            ],
        }
        if rate is not None:
            body["CurrencyRate"] = str(rate)
            body["CurrencyUnit"] = 1
        if payable.due_date:
            body["DueDate"] = payable.due_date.isoformat()
        if payable.kid:
            body["OCR"] = payable.kid
        return body

    def _bookkeep(self, given_number: str) -> None:
        """Book the supplier invoice, so that it reaches the ledger and the payment proposal.

        Booking twice is refused; when the answer to a booking that went through was lost,
        the retry's refusal is checked against the invoice, which then says it is booked."""
        if not self.settings.bookkeep:
            return
        try:
            self._call("PUT", f"/3/supplierinvoices/{given_number}/bookkeep")
        except PermanentError:
            found = self._call("GET", f"/3/supplierinvoices/{given_number}")
            if not (found.get("SupplierInvoice") or {}).get("Booked"):
                raise

    def _supplier_number(self, org_number: str | None, payee: Payee) -> str:
        if not org_number:
            raise PermanentError("The supplier has no organisation number to find it by.")
        wanted = _digits(org_number)
        if wanted not in self._suppliers:
            for item in self._pages("/3/suppliers", "Suppliers"):
                if _digits(item.get("OrganisationNumber") or "") == wanted:
                    self._suppliers[wanted] = str(item["SupplierNumber"])
                    break
            else:
                body = {"Supplier": new_supplier(org_number, payee)}
                created = self._call("POST", "/3/suppliers", json=body)
                self._suppliers[wanted] = str(created["Supplier"]["SupplierNumber"])
        return self._suppliers[wanted]

    def _inbox_file(self, name: str, file: AttachmentFile) -> str:
        listing = self._call("GET", "/3/inbox")
        for item in (listing.get("Folder") or {}).get("Files") or []:
            if item.get("Name") == name:
                return str(item["Id"])
        data = self._call("POST", "/3/inbox", files={"file": (name, file.content, file.mime)})
        return str(data["File"]["Id"])

    # -- transport ----------------------------------------------------------------------

    def _recent_years(self) -> list[int]:
        """Ids of this and last financial year, newest first (looked up once)."""
        return [year_id for year_id, _, _ in self._financial_years()[:2]]

    def _financial_years(self) -> list[tuple[int, str, str]]:
        if self._years is None:
            data = self._call("GET", "/3/financialyears")
            years = [
                (int(y["Id"]), str(y["FromDate"]), str(y["ToDate"]))
                for y in data.get("FinancialYears") or []
            ]
            self._years = sorted(years, key=lambda y: y[1], reverse=True)
        return self._years

    def _year_of(self, day: date) -> int:
        for year_id, start, end in self._financial_years():
            if start <= day.isoformat() <= end:
                return year_id
        raise PermanentError(
            msg(
                "Fortnox has no financial year for {isoformat}; create it first.",
                isoformat=day.isoformat(),
            )
        )

    def _pages(self, path: str, key: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a Fortnox list, page by page: a lookup that read only the first page
        would miss an older voucher and post it a second time."""
        page = 1
        while True:
            query = {**params, "page": page, "limit": _PAGE_SIZE}
            data = self._call("GET", path, params=query)
            yield from data.get(key) or []
            meta = data.get("MetaInformation") or {}
            if page >= int(meta.get("@TotalPages") or 1):
                return
            page += 1

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        url = self.settings.base_url.rstrip("/") + path
        try:
            response = self.api.request(method, url, headers=self._auth(), **kwargs)
        except CredentialsRejected:
            headers = self._auth(force_refresh=True)  # revoked early or clock skew: refresh once
            response = self.api.request(method, url, headers=headers, **kwargs)
        data: dict[str, Any] = response.json()
        return data

    def read(self, path: str, params: dict[str, str]) -> httpx.Response:
        """An authenticated GET for the ledger sync (`kontera.post.sync_fortnox`)."""
        url = self.settings.base_url.rstrip("/") + path
        try:
            return self.api.request("GET", url, headers=self._auth(), params=params)
        except CredentialsRejected:
            headers = self._auth(force_refresh=True)
            return self.api.request("GET", url, headers=headers, params=params)

    def _auth(self, *, force_refresh: bool = False) -> dict[str, str]:
        token = self.tokens.access_token(force_refresh=force_refresh)
        self.api.add_secret(token)
        return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


_PAGE_SIZE = 500  # Fortnox's largest page


def new_supplier(org_number: str, payee: Payee) -> dict[str, Any]:
    """A Fortnox supplier with where to pay it: a Swedish account (clearing + number) as
    BankAccountNumber, bankgiro as BG, plusgiro as PG, an IBAN with its BIC. Only suppliers
    Kontera creates get them; an existing supplier's register is a person's to change."""
    supplier: dict[str, Any] = {"Name": payee.name or org_number, "OrganisationNumber": org_number}
    fields = {
        "BankAccountNumber": payee.bank_account,
        "BG": payee.bankgiro,
        "PG": payee.plusgiro,
        "IBAN": payee.iban,
        "BIC": payee.bic if payee.iban else None,
        "VATNumber": payee.vat_id,
    }
    supplier.update({name: value for name, value in fields.items() if value})
    return supplier


def _comment(key: str) -> str:
    return f"kontera:{key}"


def _row(row: Row, in_currency: Row | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Account": int(row.account),
        "Debit": json_amount(row.amount) if row.amount > 0 else 0.0,
        "Credit": json_amount(-row.amount) if row.amount < 0 else 0.0,
    }
    if in_currency is not None:
        amount = in_currency.amount
        out["DebitCurrency"] = json_amount(amount) if amount > 0 else 0.0
        out["CreditCurrency"] = json_amount(-amount) if amount < 0 else 0.0
    if row.description:
        out["TransactionInformation"] = row.description[:100]
    out.update(fortnox_dimensions(dict(row.dimensions)))
    return out


def fortnox_dimensions(dimensions: dict[str, str]) -> dict[str, str]:
    """Fortnox's cost centre and project of a row: a department is posted as the cost centre
    (Fortnox's unit for it; the ledger sync reads cost centres as departments too)."""
    out = {}
    centre = dimensions.get("cost_centre") or dimensions.get("department")
    if centre:
        out["CostCenter"] = centre
    if dimensions.get("project"):
        out["Project"] = dimensions["project"]
    return out


def _converted(rows: list[Row], rate: Decimal) -> list[Row]:
    """Rows in SEK, rounded per row, with the rounding residual on the payable row."""
    as_voucher = Voucher(date.min, "", [_as_posting(r) for r in rows])
    amounts = base_currency_amounts(as_voucher, rate)
    return [
        Row(r.account, a, r.description, r.dimensions) for r, a in zip(rows, amounts, strict=True)
    ]


def _as_posting(row: Row) -> Posting:
    return Posting(row.account, row.amount, is_payable=row.account.startswith("244"))


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())
