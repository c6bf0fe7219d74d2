"""A fake PowerOffice Go v2, shaped after the same assumptions as the connector.

Enforced: client-credentials tokens (Basic application:client key) and the subscription key
on every call; 10 requests per second with 429; supplier invoices on an existing supplier
whose lines add up to the total, with VAT codes valid for the account; voucher pages only as
PDF/PNG/JPEG/TIFF. Doubles are not refused, so the tests can see them.
"""

from __future__ import annotations

import base64
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.common import FILE_SIGNATURES
from tests.fakes.common import Quota
from tests.fakes.tripletex import ACCOUNTS
from tests.fakes.tripletex import VAT_TYPES
from tests.fakes.tripletex import vat_allowed


def problem(
    status: int,
    title: str,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"status": status, "title": title}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, headers=headers)


@dataclass
class FakePowerOffice:
    application_key: str = "app-key"
    client_key: str = "client-key"
    subscription_key: str = "sub-key"
    clock: Callable[[], float] = time.monotonic
    quota: Quota = field(default_factory=lambda: Quota(calls=10, period=1.0))
    tokens: dict[str, float] = field(default_factory=dict)
    suppliers: dict[int, dict[str, Any]] = field(default_factory=dict)
    vouchers: dict[int, dict[str, Any]] = field(default_factory=dict)
    pages: dict[int, list[bytes]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.quota.clock = self.clock
        base = "/v2"
        self.app = Starlette(
            routes=[
                Route("/OAuth/Token", self.token, methods=["POST"]),
                Route(f"{base}/Suppliers", self.guarded(self.supplier_list), methods=["GET"]),
                Route(f"{base}/Suppliers", self.guarded(self.supplier_create), methods=["POST"]),
                Route(
                    f"{base}/JournalEntryVouchers/SupplierInvoices",
                    self.guarded(self.voucher_list),
                    methods=["GET"],
                ),
                Route(
                    f"{base}/JournalEntryVouchers/SupplierInvoices",
                    self.guarded(self.voucher_create),
                    methods=["POST"],
                ),
                Route(
                    f"{base}/JournalEntryVouchers/{{id:int}}/VoucherPages",
                    self.guarded(self.page_list),
                    methods=["GET"],
                ),
                Route(
                    f"{base}/JournalEntryVouchers/{{id:int}}/VoucherPages",
                    self.guarded(self.page_add),
                    methods=["POST"],
                ),
            ]
        )

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)

    async def token(self, request: Request) -> JSONResponse:
        pair = f"{self.application_key}:{self.client_key}".encode()
        if request.headers.get("authorization") != "Basic " + base64.b64encode(pair).decode():
            return problem(401, "invalid_client")
        if request.headers.get("ocp-apim-subscription-key") != self.subscription_key:
            return problem(401, "Access denied due to missing subscription key.")
        token = f"po-token-{next(self._ids)}"
        self.tokens[token] = self.clock() + 1200
        return JSONResponse({"access_token": token, "token_type": "bearer", "expires_in": 1200})

    def guarded(self, endpoint: Callable[[Request], Any]) -> Callable[[Request], Any]:
        async def wrapper(request: Request) -> JSONResponse:
            limited = self.quota.take()
            if limited is not None:
                return problem(429, "Rate limit is exceeded.", headers=limited)
            if request.headers.get("ocp-apim-subscription-key") != self.subscription_key:
                return problem(401, "Access denied due to missing subscription key.")
            token = request.headers.get("authorization", "").removeprefix("Bearer ")
            if self.tokens.get(token, 0.0) <= self.clock():
                return problem(401, "Unauthorized")
            result: JSONResponse = await endpoint(request)
            return result

        return wrapper

    async def supplier_list(self, request: Request) -> JSONResponse:
        org = request.query_params.get("organizationNumbers")
        return JSONResponse([s for s in self.suppliers.values() if s["OrganizationNumber"] == org])

    async def supplier_create(self, request: Request) -> JSONResponse:
        body = await request.json()
        supplier_id = next(self._ids)
        self.suppliers[supplier_id] = {**body, "Id": supplier_id}
        return JSONResponse(self.suppliers[supplier_id], status_code=201)

    async def voucher_list(self, request: Request) -> JSONResponse:
        ref = request.query_params.get("externalImportReference")
        return JSONResponse(
            [{"Id": i} for i, v in self.vouchers.items() if v["ExternalImportReference"] == ref]
        )

    async def voucher_create(self, request: Request) -> JSONResponse:
        body = await request.json()
        if body.get("SupplierId") not in self.suppliers:
            return problem(400, "Validation failed", {"SupplierId": ["Leverandøren finnes ikke."]})
        lines = body.get("VoucherLines") or []
        for line in lines:
            account, code = str(line.get("AccountNo")), str(line.get("VatCode"))
            if account not in ACCOUNTS:
                return problem(
                    400, "Validation failed", {"AccountNo": [f"Konto {account} finnes ikke."]}
                )
            if code not in VAT_TYPES or not vat_allowed(code, account):
                return problem(
                    400,
                    "Validation failed",
                    {"VatCode": [f"Mva-kode {code} kan ikke brukes på konto {account}."]},
                )
        total = sum((Decimal(str(line["Amount"])) for line in lines), Decimal(0))
        if total != Decimal(str(body.get("TotalAmount"))):
            return problem(
                400, "Validation failed", {"TotalAmount": [f"Linjene summerer til {total}."]}
            )
        voucher_id = next(self._ids)
        self.vouchers[voucher_id] = body
        return JSONResponse({"Id": voucher_id}, status_code=201)

    async def page_list(self, request: Request) -> JSONResponse:
        voucher_id = request.path_params["id"]
        return JSONResponse(
            [{"Id": voucher_id * 100 + n} for n, _ in enumerate(self.pages.get(voucher_id, []))]
        )

    async def page_add(self, request: Request) -> JSONResponse:
        voucher_id = request.path_params["id"]
        if voucher_id not in self.vouchers:
            return problem(404, "Bilaget finnes ikke.")
        upload = (await request.form()).get("file")
        if upload is None or isinstance(upload, str):
            return problem(400, "Validation failed", {"file": ["Filen mangler."]})
        content = await upload.read()
        if not content.startswith(FILE_SIGNATURES):
            return problem(400, "Validation failed", {"file": ["Filformatet støttes ikke."]})
        self.pages.setdefault(voucher_id, []).append(content)
        return JSONResponse(
            {"Id": voucher_id * 100 + len(self.pages[voucher_id]) - 1}, status_code=201
        )
