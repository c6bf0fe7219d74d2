"""PowerOffice Go API v2: the only module that talks to PowerOffice.

Auth: OAuth2 client credentials — Basic `<application key>:<client key>` (Kontera's
application key, the customer's client key) — plus Kontera's `Ocp-Apim-Subscription-Key` on
every call. A supplier invoice goes to `POST /JournalEntryVouchers/SupplierInvoices` (a credit
note to `…/SupplierCreditNotes`) with gross line amounts and a VAT code id per line, on the
supplier's subledger account; the document follows as a voucher page via
`POST /JournalEntryVouchers/{id}/VoucherPages`. Quota: 10 requests per second. A voucher in
another currency carries Norges Bank's rate as `CurrencyExchangeRate` (NOK per one unit);
without it Go would book at its own rate.

There is no PowerOffice spec in the corpus. Each field below was checked against PowerOffice
Go's public v2 model (the OpenAPI v2 documentation of `SupplierInvoiceJournalEntryVoucherPostDto`,
`SupplierVoucherLinePostDto`, `SupplierPostDto`, `ContactBankAccountPostDto`):

- header `CurrencyAmount`: "the total amount of the supplier voucher, in the currency
  specified by the currency code of the voucher" — the invoice total (BT-115);
- `CurrencyCode` (ISO 4217) and `CurrencyExchangeRate`: "the normalized currency exchange
  rate. Always base 1 … If not set, the field will inherit the rate in Go for the voucher
  date … retrieved from ECB" — so Kontera sends Norges Bank's NOK per 1 unit;
- line `CurrencyAmount`: "Gross amounts should be provided, along with the relevant vat code"
  (`DebitVatId` / `CreditVatId`, the id of a `/VatCodes` entry) — VAT per line, gross;
- `Cid`: "the cid number (norwegian: KID)"; `DueDate`: "must be greater or equal to the
  voucher date" (an earlier one is left out); `InvoiceNo` (credit notes: `CreditNoteNo`);
  `SupplierBankAccountId`: "the supplier bank account associated with the voucher", an id from
  `/ContactBankAccounts`; `Payout` left at its default (true: a remittance draft is made).

Sign convention — the one point the documentation does not state in words: each line names
its side by field (`DebitAccountId`/`DebitVatId` or `CreditAccountId`/`CreditVatId`, the
supplier being the other side through `SupplierAccountId`), and the header amount is a
"total amount". Kontera therefore sends positive amounts: cost lines as debits on invoices,
as credits on credit notes (posted to `…/SupplierCreditNotes`). That reading must still be
confirmed in PowerOffice's demo environment before production.

Idempotency: vouchers have no external-reference field, so Kontera's key is written into the
voucher `Description` ("… [kontera:<key>]"). After a lost answer the job reads the supplier
vouchers this integration created while its last create request could have been in flight
(`since` ± clock skew + request timeout), nearest first; a job that never sent one does not
search at all.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx

from kontera.domain.errors import PermanentError
from kontera.domain.errors import TransientError
from kontera.domain.messages import msg
from kontera.domain.voucher import Payee
from kontera.domain.voucher import Posting
from kontera.domain.voucher import Voucher
from kontera.post.connector import AttachmentFile
from kontera.post.connector import attachment_name
from kontera.post.http import ApiClient
from kontera.post.http import CallObserver
from kontera.post.http import CredentialsRejected
from kontera.post.http import RemoteNotFound
from kontera.post.http import RetryPolicy
from kontera.post.http import json_amount
from kontera.post.ratelimit import Limiter
from kontera.post.vat import DEFAULT_VAT_TABLE
from kontera.post.vat import VatTable

DEFAULT_BASE_URL = "https://goapi.poweroffice.net/v2"
DEFAULT_TOKEN_URL = "https://goapi.poweroffice.net/OAuth/Token"
_INVOICES = "/JournalEntryVouchers/SupplierInvoices"
_CREDIT_NOTES = "/JournalEntryVouchers/SupplierCreditNotes"
_JOURNALS = "/JournalEntryVouchers/ManualJournals"
# The voucher types Kontera creates, and where each one is read back.
_SUPPLIER_TYPES = {
    "IncomingInvoice": _INVOICES,
    "IncomingCreditNote": _CREDIT_NOTES,
    "ManualJournal": _JOURNALS,
}
_PAGE_SIZE = 1000
_RATE_LIMIT_SLACK = timedelta(seconds=2)  # the 10/s limiter may hold a request this long
_SEND_SLACK = timedelta(seconds=2)  # longest from the job's `since` to the create request
ExchangeRate = Callable[[str, date], Decimal]


@dataclass(frozen=True, slots=True)
class PowerOfficeCredentials:
    application_key: str  # Kontera's, from KONTERA_POWEROFFICE_APPLICATION_KEY
    client_key: str  # the customer's, given when they connect
    subscription_key: str  # Kontera's, from KONTERA_POWEROFFICE_SUBSCRIPTION_KEY
    base_url: str = DEFAULT_BASE_URL
    token_url: str = DEFAULT_TOKEN_URL

    def __repr__(self) -> str:
        return f"PowerOfficeCredentials(base_url={self.base_url!r})"


def read_error(response: httpx.Response) -> str:
    """PowerOffice answers with ProblemDetails (title/detail/errors) or a plain message."""
    try:
        data = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    parts = [str(data.get("detail") or data.get("title") or data.get("message") or "")]
    for field_name, messages in (data.get("errors") or {}).items():
        parts.append(f"{field_name}: {' '.join(messages)}")
    return "; ".join(p for p in parts if p) or response.reason_phrase


def marker(key: str) -> str:
    return f"[kontera:{key}]"


class PowerOfficeConnector:
    name = "poweroffice"

    def __init__(
        self,
        client: httpx.Client,
        credentials: PowerOfficeCredentials,
        *,
        limiter: Limiter | None = None,
        retry: RetryPolicy | None = None,
        observer: CallObserver | None = None,
        vat_table: VatTable = DEFAULT_VAT_TABLE,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        clock_skew: timedelta = timedelta(minutes=2),
        request_timeout: timedelta = timedelta(seconds=60),
        base_currency: str = "NOK",
        exchange_rate: ExchangeRate | None = None,
    ) -> None:
        self.credentials = credentials
        self.api = ApiClient(
            client,
            system="PowerOffice Go",
            limiter=limiter,
            retry=retry,
            error_reader=read_error,
            secrets=[
                credentials.application_key,
                credentials.client_key,
                credentials.subscription_key,
            ],
            observer=observer,
        )
        self.vat_table = vat_table
        self.now = now
        self.base_currency = base_currency
        self.exchange_rate = exchange_rate
        self._token: tuple[str, datetime] | None = None
        self._accounts: dict[str, int] = {}
        self._vat_ids: dict[str, int] | None = None
        self._dimension_ids: dict[tuple[str, str], int] = {}  # (register, code) -> Go's id
        self._suppliers: dict[str, _Supplier] | None = None
        self._descriptions: dict[str, str] = {}  # voucher id -> description, once read
        self.clock_skew = clock_skew  # between Kontera's clock and PowerOffice's
        self.request_timeout = request_timeout  # longest a create request can be in flight

    # -- the Connector protocol --------------------------------------------------------

    def find_voucher(self, idempotency_key: str, since: datetime | None = None) -> str | None:
        if since is None:
            return None  # this job never sent a create request: nothing to find
        for voucher_id, path in self._created_around(since):
            if voucher_id not in self._descriptions:
                detail = self._call("GET", f"{path}/{voucher_id}")
                self._descriptions[voucher_id] = str(detail.get("Description") or "")
            if marker(idempotency_key) in self._descriptions[voucher_id]:
                return voucher_id
        return None

    def _created_around(self, sent: datetime) -> list[tuple[str, str]]:
        """Supplier vouchers this integration created while that request could have been in
        flight, nearest to its sending first: usually the first one checked is it."""
        earliest = sent - self.clock_skew - timedelta(seconds=1)  # the filter is exclusive
        latest = sent + self.clock_skew + self.request_timeout + _SEND_SLACK + _RATE_LIMIT_SLACK
        params = {"createdDateTimeOffsetGreaterThan": earliest.isoformat()}
        candidates = []
        for item in self._call("GET", "/JournalEntryVouchers", params=params) or []:
            path = _SUPPLIER_TYPES.get(str(item.get("VoucherType")))
            created = datetime.fromisoformat(str(item.get("CreatedDateTimeOffset")))
            if path and item.get("IsCreatedByCurrentIntegration") and created <= latest:
                candidates.append((abs(created - sent), str(item["Id"]), path))
        return [(voucher_id, path) for _, voucher_id, path in sorted(candidates)]

    def create_voucher(self, voucher: Voucher, idempotency_key: str) -> str:
        started = self.now()  # the job saved its `since` just before calling
        if voucher.journal:
            return self._create_journal(voucher, idempotency_key, started)
        payable = next(p for p in voucher.postings if p.is_payable)
        credit_note = payable.amount > 0  # the supplier owes us
        supplier = self._supplier(payable.supplier_ref, voucher.payee)
        body: dict[str, Any] = {
            "VoucherDate": voucher.date.isoformat(),
            "CurrencyCode": voucher.currency,
            "CurrencyAmount": json_amount(abs(payable.amount)),
            "Description": _description(voucher.description, idempotency_key),
            "SupplierAccountId": supplier.subledger_id,
            "SupplierVoucherLines": [
                self._line(p, credit_note) for p in voucher.postings if not p.is_payable
            ],
        }
        number_field = "CreditNoteNo" if credit_note else "InvoiceNo"
        body[number_field] = voucher.invoice_number or idempotency_key
        if payable.kid:
            body["Cid"] = payable.kid
        if payable.due_date and not credit_note and payable.due_date >= voucher.date:
            body["DueDate"] = payable.due_date.isoformat()
        bank_account_id = self._bank_account_id(supplier, voucher.payee)
        if bank_account_id is not None:
            body["SupplierBankAccountId"] = bank_account_id
        rate = self._rate(voucher)  # a lookup like the others: cached for the next attempt
        if rate is not None:
            # Without it Go books at its own (ECB) rate; the books want Norges Bank's.
            body["CurrencyExchangeRate"] = json_amount(rate)
        path = _CREDIT_NOTES if credit_note else _INVOICES
        return self._send_once(path, body, started)

    def _create_journal(self, voucher: Voucher, key: str, started: datetime) -> str:
        """A manual journal voucher (an accrual's release): signed lines, debit positive,
        each on its account with Go's no-VAT code, without a supplier."""
        body: dict[str, Any] = {
            "VoucherDate": voucher.date.isoformat(),
            "CurrencyCode": voucher.currency,
            "Description": _description(voucher.description, key),
            "VoucherLines": [self._journal_line(p) for p in voucher.postings],
        }
        rate = self._rate(voucher)
        if rate is not None:
            body["CurrencyExchangeRate"] = json_amount(rate)
        return self._send_once(_JOURNALS, body, started)

    def _journal_line(self, posting: Posting) -> dict[str, Any]:
        line: dict[str, Any] = {
            "AccountId": self._account_id(posting.account),
            "VatId": self._vat_id(self.vat_table.get(posting.vat_code).poweroffice_code),
            "CurrencyAmount": json_amount(posting.amount),
            "Description": (posting.description or "")[:200],
        }
        line.update(self._dimension_fields(posting))
        return line

    def _send_once(self, path: str, body: dict[str, Any], started: datetime) -> str:
        self._headers()  # a fresh token now, not between the check below and the request
        if self.now() - started > _SEND_SLACK:
            # Lookups were slow (retries): sending now would leave the window that
            # `find_voucher` searches. The lookups are cached; the next attempt sends at once.
            raise TransientError(
                "PowerOffice Go was slow to answer; the voucher will be sent again."
            )
        # One attempt only: a retry here would also leave that window. A refused or
        # unanswered request comes back to the job, which looks before it sends again.
        data = self._call("POST", path, json=body, attempts=1)
        return str(data["Id"])

    def find_attachment(self, external_id: str, idempotency_key: str) -> str | None:
        pages = self._voucher(external_id).get("Pages") or []
        return str(pages[0]["Id"]) if pages else None

    def attach(self, external_id: str, file: AttachmentFile, idempotency_key: str) -> str:
        name = attachment_name(file, idempotency_key)
        files = {"file": (name, file.content, file.mime)}
        self._call("POST", f"/JournalEntryVouchers/{external_id}/VoucherPages", files=files)
        return self.find_attachment(external_id, idempotency_key) or ""  # 201 has no body

    # -- for the ledger inbox (`kontera.post.inbox_poweroffice`) -------------------------

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._call(method, path, **kwargs)

    def voucher_lines(self, voucher: Voucher) -> list[dict[str, Any]]:
        """The voucher's cost lines as `SupplierVoucherLinePostDto`s (gross, VAT code id)."""
        payable = next(p for p in voucher.postings if p.is_payable)
        credit_note = payable.amount > 0
        return [self._line(p, credit_note) for p in voucher.postings if not p.is_payable]

    # -- lines and lookups --------------------------------------------------------------

    def _rate(self, voucher: Voucher) -> Decimal | None:
        """NOK per unit of the invoice currency ("always base 1" in Go); None for NOK."""
        if voucher.currency == self.base_currency:
            return None
        if self.exchange_rate is None:
            raise PermanentError(
                msg(
                    "The invoice is in {currency}; no exchange rate to {base_currency} is "
                    "configured.",
                    currency=voucher.currency,
                    base_currency=self.base_currency,
                )
            )
        return self.exchange_rate(voucher.currency, voucher.rate_date or voucher.date)

    def _line(self, posting: Posting, credit_note: bool) -> dict[str, Any]:
        vat_id = self._vat_id(self.vat_table.get(posting.vat_code).poweroffice_code)
        account_id = self._account_id(posting.account)
        side = "Credit" if credit_note else "Debit"
        amount = -posting.amount if credit_note else posting.amount
        if amount < 0:
            # A discount or a rounding down: Go takes each line's side from its fields and
            # refuses negative amounts, so it is the other side, positive.
            side = "Debit" if credit_note else "Credit"
            amount = -amount
        line: dict[str, Any] = {
            f"{side}AccountId": account_id,
            f"{side}VatId": vat_id,
            "CurrencyAmount": json_amount(amount),
            "Description": (posting.description or "")[:200],
        }
        line.update(self._dimension_fields(posting))
        return line

    def _dimension_fields(self, posting: Posting) -> dict[str, int]:
        """A line names its department and project by Go's id (SupplierVoucherLinePostDto has
        no codes); Kontera knows them by code. A cost centre is its department."""
        fields = {}
        department = posting.dimensions.get("department") or posting.dimensions.get("cost_centre")
        if department:
            fields["DepartmentId"] = self._dimension_id("/Departments", "codes", department)
        if posting.dimensions.get("project"):
            project = posting.dimensions["project"]
            fields["ProjectId"] = self._dimension_id("/Projects", "projectCodes", project)
        return fields

    def _dimension_id(self, path: str, parameter: str, code: str) -> int:
        """Go's id of the department (project) with this code, asked once per connector."""
        if (path, code) not in self._dimension_ids:
            found = self._call("GET", path, params={parameter: code}) or []
            ids = [int(d["Id"]) for d in found if str(d.get("Code")) == code]
            if not ids and path == "/Departments":
                raise PermanentError(msg("PowerOffice Go has no department {code}.", code=code))
            if not ids:
                raise PermanentError(msg("PowerOffice Go has no project {code}.", code=code))
            self._dimension_ids[(path, code)] = ids[0]
        return self._dimension_ids[(path, code)]

    def _voucher(self, external_id: str) -> dict[str, Any]:
        """The supplier invoice or credit note with this id (ids do not say which)."""
        try:
            found: dict[str, Any] = self._call("GET", f"{_INVOICES}/{external_id}")
        except RemoteNotFound:
            found = self._call("GET", f"{_CREDIT_NOTES}/{external_id}")
        return found

    def _account_id(self, number: str) -> int:
        if number not in self._accounts:
            found = self._call("GET", "/GeneralLedgerAccounts", params={"accountNos": number})
            if not found:
                raise PermanentError(msg("PowerOffice Go has no account {number}.", number=number))
            self._accounts[number] = int(found[0]["Id"])
        return self._accounts[number]

    def _vat_id(self, code: str) -> int:
        if self._vat_ids is None:
            codes = self._call("GET", "/VatCodes", params={"isActive": "true"}) or []
            self._vat_ids = {str(c["Code"]): int(c["Id"]) for c in codes}
        if code not in self._vat_ids:
            raise PermanentError(msg("PowerOffice Go has no active VAT code {code}.", code=code))
        return self._vat_ids[code]

    def _supplier(self, org_number: str | None, payee: Payee) -> _Supplier:
        """The supplier (subledger account and contact id); created, with the account the
        invoice asks to be paid into, when PowerOffice does not know it."""
        if not org_number:
            raise PermanentError("The supplier has no organisation number to find it by.")
        wanted = _digits(org_number)
        suppliers = self._supplier_register()
        if wanted not in suppliers:
            body = {"Name": payee.name or org_number, "OrganizationNumber": wanted}
            created = self._call("POST", "/Suppliers", json=body)
            supplier = _Supplier(int(created["SubledgerAccountId"]), int(created["Id"]))
            account = contact_bank_account(payee)
            if account is not None:
                added = self._call(
                    "POST", f"/ContactBankAccounts/{supplier.contact_id}", json=account
                )
                supplier.bank_accounts[account["BankAccountNumber"]] = int(added["Id"])
            suppliers[wanted] = supplier
        return suppliers[wanted]

    def _bank_account_id(self, supplier: _Supplier, payee: Payee) -> int | None:
        """The supplier's registered bank account that this invoice names, if it is one of
        theirs (an existing supplier's accounts are a person's to change, not Kontera's)."""
        account = contact_bank_account(payee)
        if account is None:
            return None
        number = account["BankAccountNumber"]
        if number not in supplier.bank_accounts:
            params = {"contactIds": str(supplier.contact_id), "bankAccountNumbers": number}
            found = self._call("GET", "/ContactBankAccounts", params=params) or []
            supplier.bank_accounts[number] = int(found[0]["Id"]) if found else None
        return supplier.bank_accounts[number]

    def _supplier_register(self) -> dict[str, _Supplier]:
        """Organisation number → supplier, for all suppliers (read once, paged): the v2
        supplier list has no organisation-number filter."""
        if self._suppliers is None:
            self._suppliers = {}
            page = 1
            while True:
                params = {"PageNumber": page, "PageSize": _PAGE_SIZE}
                batch = self._call("GET", "/Suppliers", params=params) or []
                for item in batch:
                    org = _digits(str(item.get("OrganizationNumber") or ""))
                    if org and item.get("SubledgerAccountId") is not None:
                        self._suppliers[org] = _Supplier(
                            int(item["SubledgerAccountId"]), int(item["Id"])
                        )
                if len(batch) < _PAGE_SIZE:
                    return self._suppliers
                page += 1
        return self._suppliers

    # -- transport ----------------------------------------------------------------------

    def _call(self, method: str, path: str, *, attempts: int | None = None, **kwargs: Any) -> Any:
        url = self.credentials.base_url.rstrip("/") + path
        send = self.api.request
        try:
            response = send(method, url, headers=self._headers(), attempts=attempts, **kwargs)
        except CredentialsRejected:
            self._token = None
            response = send(method, url, headers=self._headers(), attempts=attempts, **kwargs)
        if response.status_code == 204 or not response.content:
            return None  # "no content to return" (an empty list, or a created page)
        return response.json()

    def read(self, path: str, params: dict[str, str]) -> httpx.Response:
        """An authenticated GET for the ledger sync (`kontera.post.sync_poweroffice`)."""
        url = self.credentials.base_url.rstrip("/") + path
        try:
            return self.api.request("GET", url, headers=self._headers(), params=params)
        except CredentialsRejected:
            self._token = None
            return self.api.request("GET", url, headers=self._headers(), params=params)

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self._access_token()}",
            "Ocp-Apim-Subscription-Key": self.credentials.subscription_key,
        }

    def _access_token(self) -> str:
        if self._token is not None and self._token[1] > self.now():
            return self._token[0]
        creds = self.credentials
        pair = base64.b64encode(f"{creds.application_key}:{creds.client_key}".encode()).decode()
        response = self.api.request(
            "POST",
            creds.token_url,
            data={"grant_type": "client_credentials"},
            headers={
                "Authorization": f"Basic {pair}",
                "Ocp-Apim-Subscription-Key": creds.subscription_key,
            },
        )
        data = response.json()
        token = str(data["access_token"])
        self.api.add_secret(token)
        expires = self.now() + timedelta(seconds=int(data.get("expires_in", 1200)) - 60)
        self._token = (token, expires)
        return token


@dataclass(slots=True)
class _Supplier:
    subledger_id: int
    contact_id: int
    bank_accounts: dict[str, int | None] = field(default_factory=dict)  # number -> Go's id


def contact_bank_account(payee: Payee) -> dict[str, str] | None:
    """ContactBankAccountPostDto for the account the invoice names: a Norwegian account
    number as it is, else the IBAN with its BIC and country (CountryCode defaults to NO)."""
    if payee.bank_account and payee.bank_account.isdigit() and len(payee.bank_account) == 11:
        return {"BankAccountNumber": payee.bank_account, "CountryCode": "NO"}
    if payee.iban:
        account = {"BankAccountNumber": payee.iban, "CountryCode": payee.iban[:2]}
        if payee.bic:
            account["BicSwift"] = payee.bic
        return account
    return None


def _description(text: str, key: str) -> str:
    tag = marker(key)
    return f"{text[: 250 - len(tag) - 1]} {tag}"


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())
