"""Tripletex API v2: the only module that talks to Tripletex.

Auth: a session token made from the consumer token (Kontera's, per application) and the
employee token (the customer's), sent as Basic `<companyId or 0>:<sessionToken>`; company id
is for accounting-bureau users posting into a client's company. VAT types, accounts,
currencies and suppliers are looked up once and cached. The voucher carries gross amounts,
`row` ≥ 1, a `vatType` per cost line, the supplier on the payable line, and Kontera's
idempotency key as `externalVoucherNumber`, which is looked up before anything is posted.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx

from kontera.domain.errors import PermanentError
from kontera.domain.messages import msg
from kontera.domain.voucher import Payee
from kontera.domain.voucher import Posting
from kontera.domain.voucher import Voucher
from kontera.post.connector import AttachmentFile
from kontera.post.connector import attachment_name
from kontera.post.http import ApiClient
from kontera.post.http import CallObserver
from kontera.post.http import CredentialsRejected
from kontera.post.http import RetryPolicy
from kontera.post.http import json_amount
from kontera.post.ratelimit import Limiter
from kontera.post.rows import base_currency_amounts
from kontera.post.vat import DEFAULT_VAT_TABLE
from kontera.post.vat import VatTable

DEFAULT_BASE_URL = "https://tripletex.no/v2"
ExchangeRate = Callable[[str, date], Decimal]


@dataclass(frozen=True, slots=True)
class TripletexCredentials:
    consumer_token: str
    employee_token: str
    company_id: int = 0  # 0 = the employee's own company; else a bureau client's id
    base_url: str = DEFAULT_BASE_URL

    def __repr__(self) -> str:  # never print tokens
        return f"TripletexCredentials(company_id={self.company_id}, base_url={self.base_url!r})"


def read_error(response: httpx.Response) -> str:
    """Tripletex's ApiError in plain words: its message and each field's complaint."""
    try:
        data = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    parts = [str(data.get("message") or response.reason_phrase)]
    for item in data.get("validationMessages") or []:
        where = item.get("field") or item.get("path")
        parts.append(f"{where}: {item.get('message')}" if where else str(item.get("message")))
    return "; ".join(parts)


class TripletexConnector:
    name = "tripletex"

    def __init__(
        self,
        client: httpx.Client,
        credentials: TripletexCredentials,
        *,
        limiter: Limiter | None = None,
        retry: RetryPolicy | None = None,
        observer: CallObserver | None = None,
        vat_table: VatTable = DEFAULT_VAT_TABLE,
        base_currency: str = "NOK",
        exchange_rate: ExchangeRate | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.credentials = credentials
        self.api = ApiClient(
            client,
            system="Tripletex",
            limiter=limiter,
            retry=retry,
            error_reader=read_error,
            secrets=[credentials.consumer_token, credentials.employee_token],
            observer=observer,
        )
        self.vat_table = vat_table
        self.base_currency = base_currency
        self.exchange_rate = exchange_rate
        self.today = today
        self._session: str | None = None
        self._ids: dict[tuple[str, str], int] = {}

    # -- the Connector protocol --------------------------------------------------------

    def find_voucher(self, idempotency_key: str, since: datetime | None = None) -> str | None:
        data = self._call(
            "GET",
            "/ledger/voucher/>externalVoucherNumber",
            params={"externalVoucherNumber": idempotency_key, "fields": "id"},
        )
        values = data.get("values") or []
        return str(values[0]["id"]) if values else None

    def create_voucher(self, voucher: Voucher, idempotency_key: str) -> str:
        body = self._voucher_body(voucher, idempotency_key)
        data = self._call("POST", "/ledger/voucher", params={"sendToLedger": "true"}, json=body)
        return str(data["value"]["id"])

    def find_attachment(self, external_id: str, idempotency_key: str) -> str | None:
        data = self._call("GET", f"/ledger/voucher/{external_id}", params={"fields": "*"})
        attachment = data["value"].get("attachment")
        return str(attachment["id"]) if attachment else None

    def attach(self, external_id: str, file: AttachmentFile, idempotency_key: str) -> str:
        name = attachment_name(file, idempotency_key)
        data = self._call(
            "POST",
            f"/ledger/voucher/{external_id}/attachment",
            files={"file": (name, file.content, file.mime)},
        )
        attachment = data["value"].get("attachment") or {}
        return str(attachment.get("id") or external_id)

    # -- the voucher -------------------------------------------------------------------

    def _voucher_body(self, voucher: Voucher, key: str) -> dict[str, Any]:
        base = self._base_amounts(voucher)
        postings = [
            self._posting(voucher, p, row, amount)
            for row, (p, amount) in enumerate(zip(voucher.postings, base, strict=True), start=1)
        ]
        body: dict[str, Any] = {
            "date": voucher.date.isoformat(),
            "description": voucher.description,
            "externalVoucherNumber": key,
            "postings": postings,
        }
        if voucher.invoice_number:
            body["vendorInvoiceNumber"] = voucher.invoice_number
        return body

    def _base_amounts(self, voucher: Voucher) -> list[Decimal]:
        if voucher.currency == self.base_currency:
            return [p.amount for p in voucher.postings]
        if self.exchange_rate is None:
            raise PermanentError(
                msg(
                    "The invoice is in {currency}; no exchange rate to {base_currency} is "
                    "configured.",
                    currency=voucher.currency,
                    base_currency=self.base_currency,
                )
            )
        day = voucher.rate_date or voucher.date
        return base_currency_amounts(voucher, self.exchange_rate(voucher.currency, day))

    def _posting(self, voucher: Voucher, p: Posting, row: int, base: Decimal) -> dict[str, Any]:
        posting: dict[str, Any] = {
            "row": row,
            "date": voucher.date.isoformat(),
            "description": _posting_text(p),
            "account": {"id": self._lookup("account", p.account)},
            "amountGross": json_amount(base),
            "amountGrossCurrency": json_amount(p.amount),
        }
        if voucher.currency != self.base_currency:
            # The published spec marks the Currency schema read-only, yet a foreign-currency
            # posting has to name its currency; only these requests stray from the spec.
            posting["currency"] = {"id": self._lookup("currency", voucher.currency)}
        if not p.is_payable:
            vat = self.vat_table.get(p.vat_code)
            posting["vatType"] = {"id": self._lookup("vatType", vat.tripletex_number)}
            for kind, code in tripletex_dimensions(p).items():
                posting[kind] = {"id": self._lookup(kind, code)}
            return posting
        posting["supplier"] = {"id": self._supplier_id(p.supplier_ref, voucher.payee)}
        if voucher.invoice_number:
            posting["invoiceNumber"] = voucher.invoice_number
        if p.due_date:
            posting["termOfPayment"] = p.due_date.isoformat()
        return posting

    # -- cached lookups ----------------------------------------------------------------

    def _lookup(self, kind: str, number: str) -> int:
        key = (kind, number)
        if key not in self._ids:
            path, param = _LOOKUPS[kind]
            data = self._call("GET", path, params={param: number, "fields": "id"})
            values = data.get("values") or []
            if not values:
                raise PermanentError(
                    msg("Tripletex has no {WORDS} {number}.", WORDS=_WORDS[kind], number=number)
                )
            self._ids[key] = int(values[0]["id"])
        return self._ids[key]

    def _supplier_id(self, org_number: str | None, payee: Payee) -> int:
        if not org_number:
            raise PermanentError("The supplier has no organisation number to find it by.")
        key = ("supplier", org_number)
        if key not in self._ids:
            data = self._call(
                "GET", "/supplier", params={"organizationNumber": org_number, "fields": "id"}
            )
            values = data.get("values") or []
            if values:
                self._ids[key] = int(values[0]["id"])
            else:
                self._ids[key] = self._create_supplier(org_number, payee)
        return self._ids[key]

    def _create_supplier(self, org_number: str, payee: Payee) -> int:
        """A new supplier with the account the invoice asks to be paid into, so that the
        invoice can be paid from Tripletex. An existing supplier's accounts are left as they
        are: a changed account is a question for a person (Kontera warns of it), not for an
        integration to write into the supplier register."""
        body: dict[str, Any] = {"name": payee.name or org_number, "organizationNumber": org_number}
        accounts = supplier_bank_accounts(payee)
        if accounts:
            body["bankAccountPresentation"] = accounts
        data = self._call("POST", "/supplier", json=body)
        return int(data["value"]["id"])

    # -- session and transport ---------------------------------------------------------

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        url = self.credentials.base_url.rstrip("/") + path
        try:
            response = self.api.request(method, url, headers=self._auth(), **kwargs)
        except CredentialsRejected:
            self._session = None  # expired session: make a new one, once
            response = self.api.request(method, url, headers=self._auth(), **kwargs)
        data: dict[str, Any] = response.json()
        return data

    def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """An authenticated request for the ledger inbox (`kontera.post.inbox_tripletex`)."""
        return self._call(method, path, **kwargs)

    def voucher_body(self, voucher: Voucher, idempotency_key: str) -> dict[str, Any]:
        """The whole voucher as `POST /ledger/voucher` takes it (also for `PUT`)."""
        return self._voucher_body(voucher, idempotency_key)

    def debit_postings(self, voucher: Voucher) -> list[dict[str, Any]]:
        """The voucher's postings except the supplier's, as `POST /ledger/voucher` has them."""
        base = self._base_amounts(voucher)
        rows = zip(voucher.postings, base, strict=True)
        return [
            self._posting(voucher, p, row, amount)
            for row, (p, amount) in enumerate(((p, a) for p, a in rows if not p.is_payable), 1)
        ]

    def read(self, path: str, params: dict[str, str]) -> httpx.Response:
        """An authenticated GET for the ledger sync (`kontera.post.sync_tripletex`)."""
        url = self.credentials.base_url.rstrip("/") + path
        try:
            return self.api.request("GET", url, headers=self._auth(), params=params)
        except CredentialsRejected:
            self._session = None
            return self.api.request("GET", url, headers=self._auth(), params=params)

    def _auth(self) -> dict[str, str]:
        if self._session is None:
            self._session = self._create_session()
        pair = f"{self.credentials.company_id}:{self._session}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode()}

    def _create_session(self) -> str:
        expires = self.today() + timedelta(days=2)
        response = self.api.request(
            "PUT",
            self.credentials.base_url.rstrip("/") + "/token/session/:create",
            params={
                "consumerToken": self.credentials.consumer_token,
                "employeeToken": self.credentials.employee_token,
                "expirationDate": expires.isoformat(),
            },
        )
        token = str(response.json()["value"]["token"])
        self.api.add_secret(token)
        return token


_LOOKUPS = {
    "account": ("/ledger/account", "number"),
    "vatType": ("/ledger/vatType", "number"),
    "currency": ("/currency", "code"),
    "department": ("/department", "departmentNumber"),
    "project": ("/project", "number"),
}
_WORDS = {
    "account": "account",
    "vatType": "VAT type",
    "currency": "currency",
    "department": "department",
    "project": "project",
}


def tripletex_dimensions(p: Posting) -> dict[str, str]:
    """Tripletex's department and project of a posting; it has no cost centres of its own,
    so a cost centre is posted as the department (the unit Tripletex counts costs by)."""
    found = {"department": p.dimensions.get("department") or p.dimensions.get("cost_centre")}
    found["project"] = p.dimensions.get("project")
    return {kind: code for kind, code in found.items() if code}


def supplier_bank_accounts(payee: Payee) -> list[dict[str, str]]:
    """Tripletex's CompanyBankAccountPresentation: a domestic account as `bban`, an IBAN as
    `iban` (with its BIC); a Norwegian IBAN is the same account, so it goes beside its bban."""
    account: dict[str, str] = {}
    if payee.bank_account and payee.bank_account.isdigit():
        account["bban"] = payee.bank_account
    if payee.iban:
        account["iban"] = payee.iban
    if payee.bic and payee.iban:
        account["bic"] = payee.bic
    return [account] if account else []


def _posting_text(p: Posting) -> str:
    text = p.description or ""
    if p.kid:
        text = f"{text} KID {p.kid}".strip()
    return text[:255]
