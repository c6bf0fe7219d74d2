"""PowerOffice Go API v2: the only module that talks to PowerOffice.

Auth: OAuth2 client credentials — Basic `<application key>:<client key>` (Kontera's
application key, the customer's client key) — plus Kontera's `Ocp-Apim-Subscription-Key` on
every call. Supplier invoices go to `POST /JournalEntryVouchers/SupplierInvoices` with gross
line amounts and a VAT code per line; the document follows as a voucher page via
`POST /JournalEntryVouchers/{id}/VoucherPages`. Quota: 10 requests per second.

There is no PowerOffice spec in the corpus: the payload field names follow PowerOffice's
public v2 documentation as best known and must be checked against their demo environment
before the first production run (the fake in tests/fakes mirrors these same assumptions).
Kontera's idempotency key travels as `ExternalImportReference` and is looked up first.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

import httpx

from kontera.domain.errors import PermanentError
from kontera.domain.voucher import Posting
from kontera.domain.voucher import Voucher
from kontera.post.connector import AttachmentFile
from kontera.post.connector import attachment_name
from kontera.post.http import ApiClient
from kontera.post.http import CallObserver
from kontera.post.http import CredentialsRejected
from kontera.post.http import RetryPolicy
from kontera.post.http import json_amount
from kontera.post.ratelimit import RateLimiter
from kontera.post.vat import DEFAULT_VAT_TABLE
from kontera.post.vat import VatTable

DEFAULT_BASE_URL = "https://goapi.poweroffice.net/v2"
DEFAULT_TOKEN_URL = "https://goapi.poweroffice.net/OAuth/Token"


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


class PowerOfficeConnector:
    name = "poweroffice"

    def __init__(
        self,
        client: httpx.Client,
        credentials: PowerOfficeCredentials,
        *,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        observer: CallObserver | None = None,
        vat_table: VatTable = DEFAULT_VAT_TABLE,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
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
        self._token: tuple[str, datetime] | None = None
        self._suppliers: dict[str, int] = {}

    # -- the Connector protocol --------------------------------------------------------

    def find_voucher(self, idempotency_key: str) -> str | None:
        data = self._call(
            "GET",
            "/JournalEntryVouchers/SupplierInvoices",
            params={"externalImportReference": idempotency_key},
        )
        items = data if isinstance(data, list) else data.get("data") or []
        return str(items[0]["Id"]) if items else None

    def create_voucher(self, voucher: Voucher, idempotency_key: str) -> str:
        payable = next(p for p in voucher.postings if p.is_payable)
        body: dict[str, Any] = {
            "ExternalImportReference": idempotency_key,
            "SupplierId": self._supplier_id(payable.supplier_ref, payable.description),
            "VoucherDate": voucher.date.isoformat(),
            "SupplierInvoiceNo": voucher.invoice_number,
            "DueDate": payable.due_date.isoformat() if payable.due_date else None,
            "PaymentReference": payable.kid,
            "CurrencyCode": voucher.currency,
            "TotalAmount": json_amount(-payable.amount),
            "Description": voucher.description,
            "VoucherLines": [self._line(p) for p in voucher.postings if not p.is_payable],
        }
        data = self._call("POST", "/JournalEntryVouchers/SupplierInvoices", json=body)
        return str(data["Id"])

    def find_attachment(self, external_id: str, idempotency_key: str) -> str | None:
        data = self._call("GET", f"/JournalEntryVouchers/{external_id}/VoucherPages")
        pages = data if isinstance(data, list) else data.get("data") or []
        return str(pages[0]["Id"]) if pages else None

    def attach(self, external_id: str, file: AttachmentFile, idempotency_key: str) -> str:
        name = attachment_name(file, idempotency_key)
        data = self._call(
            "POST",
            f"/JournalEntryVouchers/{external_id}/VoucherPages",
            files={"file": (name, file.content, file.mime)},
        )
        return str(data["Id"])

    # -- helpers ------------------------------------------------------------------------

    def _line(self, posting: Posting) -> dict[str, Any]:
        vat = self.vat_table.get(posting.vat_code)
        return {
            "AccountNo": int(posting.account),
            "Amount": json_amount(posting.amount),
            "VatCode": vat.poweroffice_code,
            "Description": (posting.description or "")[:200],
        }

    def _supplier_id(self, org_number: str | None, name: str | None) -> int:
        if not org_number:
            raise PermanentError("The supplier has no organisation number to find it by.")
        if org_number not in self._suppliers:
            found = self._call("GET", "/Suppliers", params={"organizationNumbers": org_number})
            items = found if isinstance(found, list) else found.get("data") or []
            if items:
                self._suppliers[org_number] = int(items[0]["Id"])
            else:
                created = self._call(
                    "POST",
                    "/Suppliers",
                    json={"Name": name or org_number, "OrganizationNumber": org_number},
                )
                self._suppliers[org_number] = int(created["Id"])
        return self._suppliers[org_number]

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        url = self.credentials.base_url.rstrip("/") + path
        try:
            response = self.api.request(method, url, headers=self._headers(), **kwargs)
        except CredentialsRejected:
            self._token = None
            response = self.api.request(method, url, headers=self._headers(), **kwargs)
        return response.json()

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
