"""A fake Tripletex v2 that refuses what the real one refuses.

Enforced: session tokens from valid consumer + employee tokens and Basic auth with them;
postings with `row` ≥ 1 summing to zero (gross, and in currency); each VAT type valid for the
account it is used on (input VAT only on cost/asset accounts, none on balance accounts, and
only the account's own VAT type where the account is `vatLocked`); no posting on an inactive
account (`isInactive`) or in a closed accounting period (`AccountingPeriod.isClosed`); the
supplier on supplier-ledger postings, and one that exists; a department or project on a
posting only one that exists, a department not inactive and a project not closed; an amount
and its currency amount with the same sign; suppliers' bank accounts
(`bankAccountPresentation`) with valid check digits; attachments only as PDF/PNG/JPEG/TIFF,
appended; a request quota, reported in `X-Rate-Limit-*` headers on every answer and enforced
with 429.
It does NOT refuse a second voucher with the same externalVoucherNumber — neither does
Tripletex — so the tests can see doubles.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import MutableMapping
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from decimal import Decimal
from typing import Any

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from stdnum.no import kontonr

from tests.fakes.common import FILE_SIGNATURES
from tests.fakes.common import Quota

ACCOUNTS = {
    "1200": "Maskiner",
    "1749": "Forskudd til leverandører",
    "1920": "Bankinnskudd",
    "2400": "Leverandørgjeld",
    "2710": "Inngående mva",
    "4000": "Varekjøp",
    "4300": "Innkjøp for videresalg",
    "6300": "Leie lokale",
    "6340": "Lys, varme",
    "6540": "Inventar",
    "6800": "Kontorrekvisita",
    "6900": "Telefon",
    "7100": "Bilgodtgjørelse",
    "7140": "Reisekostnad",
    "7320": "Reklame",
    "7790": "Annen kostnad",
}
# The company's departments and projects: number → (name, usable). Ids are 30 000 / 40 000 +
# the number, as in the served books (`tests.fakes.tripletex_sync`).
DEPARTMENTS = {"10": ("Administrasjon", True), "20": ("Salg", True), "90": ("Nedlagt", False)}
PROJECTS = {"1001": ("Kontorflytting", True), "1002": ("Messe 2016", False)}
DEPARTMENT_IDS, PROJECT_IDS = 30_000, 40_000
VAT_TYPES = {"0": 0, "1": 25, "11": 15, "13": 12, "86": 25, "88": 12}
CURRENCIES = ("NOK", "SEK", "EUR", "USD", "DKK")


def vat_allowed(vat_number: str, account: str) -> bool:
    """Input VAT only on cost (4000–8999) and fixed-asset (1000–1299) accounts."""
    if vat_number == "0":
        return True
    n = int(account)
    return 4000 <= n <= 8999 or 1000 <= n <= 1299


@dataclass
class FakeTripletex:
    consumer_token: str = "consumer-secret"
    employee_token: str = "employee-secret"
    quota: Quota = field(default_factory=lambda: Quota(calls=1000, period=60.0))
    sessions: set[str] = field(default_factory=set)
    vouchers: dict[int, dict[str, Any]] = field(default_factory=dict)
    attachments: dict[int, list[bytes]] = field(default_factory=dict)
    suppliers: dict[int, dict[str, Any]] = field(default_factory=dict)
    requests: int = 0
    # The company's books: accounts set inactive, accounts locked to one VAT type, and the
    # accounting periods closed up to and including this date.
    inactive_accounts: set[str] = field(default_factory=set)
    vat_locked: dict[str, str] = field(default_factory=dict)
    closed_until: date | None = None
    departments: dict[str, tuple[str, bool]] = field(default_factory=lambda: dict(DEPARTMENTS))
    projects: dict[str, tuple[str, bool]] = field(default_factory=lambda: dict(PROJECTS))
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))

    def __post_init__(self) -> None:
        self.account_ids = {num: 100 + i for i, num in enumerate(ACCOUNTS)}
        self.vat_ids = {num: 500 + i for i, num in enumerate(VAT_TYPES)}
        self.currency_ids = {code: 1 + i for i, code in enumerate(CURRENCIES)}
        self.app = Starlette(routes=self._routes())

    def _routes(self) -> list[Route]:
        return [
            Route("/v2/token/session/:create", self.create_session, methods=["PUT"]),
            Route("/v2/ledger/account", self.search("account"), methods=["GET"]),
            Route("/v2/ledger/vatType", self.search("vatType"), methods=["GET"]),
            Route("/v2/currency", self.search("currency"), methods=["GET"]),
            Route("/v2/department", self.search("department"), methods=["GET"]),
            Route("/v2/project", self.search("project"), methods=["GET"]),
            Route("/v2/supplier", self.supplier_search, methods=["GET"]),
            Route("/v2/supplier", self.supplier_create, methods=["POST"]),
            Route("/v2/ledger/voucher/>externalVoucherNumber", self.by_external, methods=["GET"]),
            Route("/v2/ledger/voucher", self.voucher_create, methods=["POST"]),
            Route("/v2/ledger/voucher/{id:int}", self.voucher_get, methods=["GET"]),
            Route("/v2/ledger/voucher/{id:int}/attachment", self.attach, methods=["POST"]),
        ]

    # -- plumbing ---------------------------------------------------------------------

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def send_with_rate_headers(message: MutableMapping[str, Any]) -> None:
            # Like Tripletex: every answer tells how much of the quota is left.
            if message["type"] == "http.response.start" and message["status"] != 429:
                extra = [(k.lower().encode(), v.encode()) for k, v in self.quota.status().items()]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_rate_headers)

    def _guard(self, request: Request, *, needs_session: bool = True) -> JSONResponse | None:
        self.requests += 1
        limited = self.quota.take()
        if limited is not None:
            return error(429, "Too many requests", headers=limited)
        if needs_session and self._session_of(request) not in self.sessions:
            return error(401, "Unauthorized: invalid or expired session token")
        return None

    def _session_of(self, request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        if not header.startswith("Basic "):
            return None
        user, _, token = base64.b64decode(header[6:]).decode().partition(":")
        return token if user.isdigit() else None

    # -- endpoints --------------------------------------------------------------------

    async def create_session(self, request: Request) -> JSONResponse:
        if (refused := self._guard(request, needs_session=False)) is not None:
            return refused
        q = request.query_params
        if (q.get("consumerToken"), q.get("employeeToken")) != (
            self.consumer_token,
            self.employee_token,
        ):
            return error(403, "Invalid consumer or employee token")
        token = f"session-{next(self._ids)}"
        self.sessions.add(token)
        return JSONResponse({"value": {"token": token, "expirationDate": q["expirationDate"]}})

    def search(self, kind: str) -> Any:
        param = {"department": "departmentNumber", "currency": "code"}.get(kind, "number")

        async def endpoint(request: Request) -> JSONResponse:
            if (refused := self._guard(request)) is not None:
                return refused
            table = self._table(kind)  # read when asked: a test may change the books
            wanted = request.query_params.get(param)
            values = [{"id": table[wanted]}] if wanted in table else []
            return listing(values)

        return endpoint

    def _table(self, kind: str) -> dict[str, int]:
        if kind == "department":
            return _ids_of(self.departments, DEPARTMENT_IDS)
        if kind == "project":
            return _ids_of(self.projects, PROJECT_IDS)
        return {"account": self.account_ids, "vatType": self.vat_ids}.get(kind, self.currency_ids)

    async def supplier_search(self, request: Request) -> JSONResponse:
        if (refused := self._guard(request)) is not None:
            return refused
        org = request.query_params.get("organizationNumber")
        found = [{"id": i} for i, s in self.suppliers.items() if s["organizationNumber"] == org]
        return listing(found)

    async def supplier_create(self, request: Request) -> JSONResponse:
        if (refused := self._guard(request)) is not None:
            return refused
        body = await request.json()
        if not body.get("name"):
            return validation("name", "Feltet må fylles ut.")
        for account in body.get("bankAccountPresentation") or []:
            problem = _bank_account_problem(account)
            if problem:
                return validation("bankAccountPresentation", problem)
        supplier_id = next(self._ids)
        self.suppliers[supplier_id] = body
        return JSONResponse({"value": {"id": supplier_id, **body}}, status_code=201)

    async def by_external(self, request: Request) -> JSONResponse:
        if (refused := self._guard(request)) is not None:
            return refused
        number = request.query_params.get("externalVoucherNumber")
        found = [
            {"id": i} for i, v in self.vouchers.items() if v["externalVoucherNumber"] == number
        ]
        return listing(found)

    async def voucher_create(self, request: Request) -> JSONResponse:
        if (refused := self._guard(request)) is not None:
            return refused
        body = await request.json()
        problem = self._check_voucher(body)
        if problem is not None:
            return validation(*problem)
        voucher_id = next(self._ids)
        self.vouchers[voucher_id] = body
        return JSONResponse({"value": {"id": voucher_id}}, status_code=201)

    async def voucher_get(self, request: Request) -> JSONResponse:
        if (refused := self._guard(request)) is not None:
            return refused
        voucher_id = request.path_params["id"]
        if voucher_id not in self.vouchers:
            return error(404, "Object not found")
        attachment = {"id": voucher_id * 10} if self.attachments.get(voucher_id) else None
        return JSONResponse({"value": {"id": voucher_id, "attachment": attachment}})

    async def attach(self, request: Request) -> JSONResponse:
        if (refused := self._guard(request)) is not None:
            return refused
        voucher_id = request.path_params["id"]
        if voucher_id not in self.vouchers:
            return error(404, "Object not found")
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            return validation("file", "Filen mangler.")
        content = await upload.read()
        if not content.startswith(FILE_SIGNATURES):
            return validation(
                "file", "Ugyldig filformat. Gyldige formater er PDF, PNG, JPEG og TIFF."
            )
        self.attachments.setdefault(voucher_id, []).append(content)
        return JSONResponse({"value": {"id": voucher_id, "attachment": {"id": voucher_id * 10}}})

    # -- rules ------------------------------------------------------------------------

    def _check_voucher(self, body: dict[str, Any]) -> tuple[str, str] | None:
        postings = body.get("postings") or []
        if not postings:
            return "postings", "Bilaget må ha posteringer."
        if self.closed_until and date.fromisoformat(body["date"]) <= self.closed_until:
            return "date", f"Perioden er lukket for føring (til og med {self.closed_until})."
        for p in postings:
            problem = self._check_posting(p)
            if problem is not None:
                return problem
        for amount_field in ("amountGross", "amountGrossCurrency"):
            total = sum((Decimal(str(p.get(amount_field, 0))) for p in postings), Decimal(0))
            if total != 0:
                return "postings", f"Bilaget er ikke i balanse ({amount_field} differanse {total})."
        return None

    def _check_posting(self, p: dict[str, Any]) -> tuple[str, str] | None:
        if int(p.get("row", 0)) < 1:
            return "postings.row", "Rad 0 er reservert for systemgenererte posteringer."
        account = self._number(self.account_ids, p["account"]["id"])
        if account is None:
            return "postings.account", "Kontoen finnes ikke."
        if account in self.inactive_accounts:
            return "postings.account", f"Konto {account} er inaktiv og kan ikke føres på."
        vat = self._number(self.vat_ids, (p.get("vatType") or {}).get("id", self.vat_ids["0"]))
        locked = self.vat_locked.get(account)
        if vat is None or not vat_allowed(vat, account) or (locked and vat != locked):
            return "postings.vatType", f"Mva-koden {vat} er ikke gyldig for konto {account}."
        if account == "2400" and not p.get("supplier"):
            return "postings.supplier", "Leverandør mangler på posteringen mot 2400."
        if p.get("supplier") and p["supplier"].get("id") not in self.suppliers:
            return "postings.supplier", "Leverandøren finnes ikke."
        for kind, register, base, words in (
            ("department", self.departments, DEPARTMENT_IDS, ("Avdelingen", "inaktiv")),
            ("project", self.projects, PROJECT_IDS, ("Prosjektet", "avsluttet")),
        ):
            if p.get(kind) is None:
                continue
            number = str(int(p[kind].get("id", 0)) - base)
            if number not in register:
                return f"postings.{kind}", f"{words[0]} finnes ikke."
            if not register[number][1]:
                return f"postings.{kind}", f"{words[0]} {number} er {words[1]}."
        gross, currency = (
            Decimal(str(p.get(k, 0))) for k in ("amountGross", "amountGrossCurrency")
        )
        if gross * currency < 0:
            return "postings.amountGross", "Beløp og valutabeløp må ha samme fortegn."
        return None

    @staticmethod
    def _number(table: dict[str, int], wanted_id: int) -> str | None:
        return next((number for number, i in table.items() if i == wanted_id), None)


def _ids_of(register: dict[str, tuple[str, bool]], base: int) -> dict[str, int]:
    return {number: base + int(number) for number in register}


def _bank_account_problem(account: dict[str, Any]) -> str | None:
    bban, iban = account.get("bban"), account.get("iban")
    if bban and not kontonr.is_valid(bban):
        return f"Kontonummeret {bban} er ugyldig."
    if iban:
        try:
            IBAN(iban)
        except (SchwiftyException, ValueError):
            return f"IBAN {iban} er ugyldig."
    return None


def listing(values: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse(
        {"fullResultSize": len(values), "from": 0, "count": len(values), "values": values}
    )


def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"status": status, "message": message}, status_code=status, headers=headers)


def validation(field_name: str, message: str) -> JSONResponse:
    body = {
        "status": 422,
        "code": 18000,
        "message": "Validering feilet.",
        "validationMessages": [{"field": field_name, "message": message}],
    }
    return JSONResponse(body, status_code=422)
