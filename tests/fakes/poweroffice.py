"""A fake PowerOffice Go v2, after PowerOffice's published v2 model.

Enforced: client-credentials tokens (Basic application:client key) and the subscription key
on every call; 10 requests per second with 429; supplier invoices and credit notes on an
existing supplier subledger account, with an invoice/credit-note number, known account and
VAT code ids, each VAT code valid for its account (and the account's own code where it is
locked to one), no line on an inactive account, a line's `DepartmentId` and `ProjectId`
(`SupplierVoucherLinePostDto` has ids, no codes: `DepartmentCode`/`ProjectCode` are refused)
only of departments and projects that exist and are active (`/Departments`, `/Projects`),
lines adding up to the header amount (a line on the other side counting against it), all
amounts positive (the side is in the field name: Debit… on invoices, Credit… on credit
notes; a discount is a line on the other side), nothing dated on or before the client's
lock date, a DueDate not before the VoucherDate and a SupplierBankAccountId that is one of
the supplier's; suppliers' bank
accounts (`/ContactBankAccounts/{contactId}`) with a valid Norwegian account number or IBAN;
voucher pages only as PDF/PNG/JPEG/TIFF (201 without a body, as documented); manual journal
vouchers (`ManualJournals`: signed lines on known accounts with a VAT code each account takes,
summing to zero, after the lock date). Doubles are not
refused, so the tests can see them. Timestamps follow the injected clock.
"""

from __future__ import annotations

import base64
import itertools
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from typing import Any

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.responses import Response
from starlette.routing import Route
from stdnum.no import kontonr

from tests.fakes.common import FILE_SIGNATURES
from tests.fakes.common import Quota
from tests.fakes.tripletex import ACCOUNTS
from tests.fakes.tripletex import VAT_TYPES
from tests.fakes.tripletex import vat_allowed

EPOCH = datetime(2026, 11, 22, tzinfo=UTC)
DEPARTMENT_IDS = 10_000  # + the department's code: its id in Go
PROJECT_IDS = 20_000  # + the project's code
KINDS = {
    "SupplierInvoices": "IncomingInvoice",
    "SupplierCreditNotes": "IncomingCreditNote",
    "ManualJournals": "ManualJournal",
}


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
    vouchers: dict[str, dict[str, Any]] = field(default_factory=dict)
    pages: dict[str, list[bytes]] = field(default_factory=dict)
    bank_accounts: dict[int, dict[str, Any]] = field(default_factory=dict)  # id -> account
    inactive_accounts: set[str] = field(default_factory=set)
    # The client's departments and projects: code → active.
    departments: dict[str, bool] = field(
        default_factory=lambda: {"10": True, "20": True, "90": False}
    )
    projects: dict[str, bool] = field(default_factory=lambda: {"1001": True, "1002": False})
    vat_locked: dict[str, str] = field(default_factory=dict)
    lock_date: date | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.quota.clock = self.clock
        self.account_ids = {number: 7000 + i for i, number in enumerate(ACCOUNTS)}
        self.vat_ids = {code: 300 + i for i, code in enumerate(VAT_TYPES)}
        v2 = "/v2"
        vouchers = f"{v2}/JournalEntryVouchers"
        self.app = Starlette(
            routes=[
                Route("/OAuth/Token", self.token, methods=["POST"]),
                Route(f"{v2}/GeneralLedgerAccounts", self.guarded(self.accounts), methods=["GET"]),
                Route(f"{v2}/VatCodes", self.guarded(self.vat_codes), methods=["GET"]),
                Route(f"{v2}/Departments", self.guarded(self.department_list), methods=["GET"]),
                Route(f"{v2}/Projects", self.guarded(self.project_list), methods=["GET"]),
                Route(f"{v2}/Suppliers", self.guarded(self.supplier_list), methods=["GET"]),
                Route(f"{v2}/Suppliers", self.guarded(self.supplier_create), methods=["POST"]),
                Route(
                    f"{v2}/ContactBankAccounts",
                    self.guarded(self.bank_account_list),
                    methods=["GET"],
                ),
                Route(
                    f"{v2}/ContactBankAccounts/{{contact:int}}",
                    self.guarded(self.bank_account_create),
                    methods=["POST"],
                ),
                Route(vouchers, self.guarded(self.voucher_list), methods=["GET"]),
                Route(f"{vouchers}/{{kind}}", self.guarded(self.voucher_create), methods=["POST"]),
                Route(
                    f"{vouchers}/{{kind}}/{{id}}", self.guarded(self.voucher_get), methods=["GET"]
                ),
                Route(
                    f"{vouchers}/{{id}}/VoucherPages", self.guarded(self.page_add), methods=["POST"]
                ),
            ]
        )

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)

    def now(self) -> datetime:
        return EPOCH + timedelta(seconds=self.clock())

    # -- auth ---------------------------------------------------------------------------

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
        async def wrapper(request: Request) -> Response:
            limited = self.quota.take()
            if limited is not None:
                return problem(429, "Rate limit is exceeded.", headers=limited)
            if request.headers.get("ocp-apim-subscription-key") != self.subscription_key:
                return problem(401, "Access denied due to missing subscription key.")
            token = request.headers.get("authorization", "").removeprefix("Bearer ")
            if self.tokens.get(token, 0.0) <= self.clock():
                return problem(401, "Unauthorized")
            result: Response = await endpoint(request)
            return result

        return wrapper

    # -- registers ----------------------------------------------------------------------

    async def accounts(self, request: Request) -> JSONResponse:
        wanted = request.query_params.get("accountNos", "")
        found = [{"Id": i, "AccountNo": int(n)} for n, i in self.account_ids.items() if n == wanted]
        return JSONResponse(found)

    async def vat_codes(self, request: Request) -> JSONResponse:
        return JSONResponse([{"Id": i, "Code": code} for code, i in self.vat_ids.items()])

    async def department_list(self, request: Request) -> JSONResponse:
        return JSONResponse(_dimensions(self.departments, DEPARTMENT_IDS))

    async def project_list(self, request: Request) -> JSONResponse:
        return JSONResponse(_dimensions(self.projects, PROJECT_IDS))

    async def supplier_list(self, request: Request) -> Response:
        size = int(request.query_params.get("PageSize", 5000))
        page = int(request.query_params.get("PageNumber", 1))
        chunk = list(self.suppliers.values())[(page - 1) * size : page * size]
        return JSONResponse(chunk) if chunk else Response(status_code=204)

    async def supplier_create(self, request: Request) -> JSONResponse:
        body = await request.json()
        if not body.get("Name"):
            return problem(400, "Validation failed", {"Name": ["Navn må fylles ut."]})
        supplier_id = next(self._ids)
        supplier = {**body, "Id": supplier_id, "SubledgerAccountId": 90000 + supplier_id}
        self.suppliers[supplier_id] = supplier
        return JSONResponse(supplier, status_code=201)

    async def bank_account_create(self, request: Request) -> JSONResponse:
        contact = request.path_params["contact"]
        if contact not in self.suppliers:
            return problem(404, "Kontakten finnes ikke.")
        body = await request.json()
        number = str(body.get("BankAccountNumber") or "")
        if not _valid_account(number):
            message = f"Kontonummeret {number} er ugyldig."
            return problem(400, "Validation failed", {"BankAccountNumber": [message]})
        account_id = next(self._ids)
        self.bank_accounts[account_id] = {**body, "Id": account_id, "ContactId": contact}
        return JSONResponse(self.bank_accounts[account_id], status_code=201)

    async def bank_account_list(self, request: Request) -> Response:
        contacts = _csv(request.query_params.get("contactIds"))
        numbers = _csv(request.query_params.get("bankAccountNumbers"))
        found = [
            account
            for account in self.bank_accounts.values()
            if (not contacts or str(account["ContactId"]) in contacts)
            and (not numbers or account["BankAccountNumber"] in numbers)
        ]
        return JSONResponse(found) if found else Response(status_code=204)

    # -- vouchers -----------------------------------------------------------------------

    async def voucher_list(self, request: Request) -> Response:
        after = request.query_params.get("createdDateTimeOffsetGreaterThan")
        since = datetime.fromisoformat(after) if after else None
        items = [
            {
                "Id": voucher_id,
                "VoucherType": v["_type"],
                "IsCreatedByCurrentIntegration": True,
                "CreatedDateTimeOffset": v["_created"].isoformat(),
            }
            for voucher_id, v in self.vouchers.items()
            if since is None or v["_created"] > since
        ]
        return JSONResponse(items) if items else Response(status_code=204)

    async def voucher_create(self, request: Request) -> JSONResponse:
        kind = request.path_params["kind"]
        if kind not in KINDS:
            return problem(404, "Not found")
        body = await request.json()
        refused = self._check(kind, body)
        if refused is not None:
            return refused
        voucher_id = str(uuid.UUID(int=next(self._ids)))
        self.vouchers[voucher_id] = {**body, "_type": KINDS[kind], "_created": self.now()}
        return JSONResponse({**body, "Id": voucher_id}, status_code=201)

    def _check(self, kind: str, body: dict[str, Any]) -> JSONResponse | None:
        if kind == "ManualJournals":
            return self._check_journal(body)
        number_field = "InvoiceNo" if kind == "SupplierInvoices" else "CreditNoteNo"
        if not body.get(number_field):
            return problem(400, "Validation failed", {number_field: ["Må fylles ut."]})
        supplier = self._supplier_by_account(body.get("SupplierAccountId"))
        if supplier is None:
            return problem(
                400, "Validation failed", {"SupplierAccountId": ["Leverandøren finnes ikke."]}
            )
        return self._check_header(body, supplier) or self._check_lines(kind, body)

    def _supplier_by_account(self, subledger: Any) -> dict[str, Any] | None:
        return next(
            (s for s in self.suppliers.values() if s["SubledgerAccountId"] == subledger), None
        )

    def _check_header(self, body: dict[str, Any], supplier: dict[str, Any]) -> JSONResponse | None:
        voucher_date = date.fromisoformat(body["VoucherDate"])
        if self.lock_date and voucher_date <= self.lock_date:
            message = f"Bilagsdatoen er innenfor låst periode (låst til og med {self.lock_date})."
            return problem(400, "Validation failed", {"VoucherDate": [message]})
        due = body.get("DueDate")
        if due and date.fromisoformat(due) < voucher_date:
            message = "Forfallsdato kan ikke være før bilagsdato."
            return problem(400, "Validation failed", {"DueDate": [message]})
        bank_account = body.get("SupplierBankAccountId")
        if bank_account is not None and (
            self.bank_accounts.get(bank_account, {}).get("ContactId") != supplier["Id"]
        ):
            message = "Bankkontoen tilhører ikke leverandøren."
            return problem(400, "Validation failed", {"SupplierBankAccountId": [message]})
        if Decimal(str(body.get("CurrencyAmount", 0))) <= 0:
            message = "Beløpet må være positivt; en kreditnota sendes som kreditnota."
            return problem(400, "Validation failed", {"CurrencyAmount": [message]})
        return None

    def _check_lines(self, kind: str, body: dict[str, Any]) -> JSONResponse | None:
        side = "Debit" if kind == "SupplierInvoices" else "Credit"
        total = Decimal(0)
        for line in body.get("SupplierVoucherLines") or []:
            refused = self.check_line(line)
            if refused is not None:
                return refused
            total += signed_amount(side, line)
        if total != Decimal(str(body.get("CurrencyAmount"))):
            return problem(
                400, "Validation failed", {"CurrencyAmount": [f"Linjene summerer til {total}."]}
            )
        return None

    def check_line(self, line: dict[str, Any]) -> JSONResponse | None:
        """One supplier voucher line, on the side its fields name, as Go checks it."""
        side = line_side(line)
        if side is None:
            message = "Linjen må ha en debet- eller kreditkonto."
            return problem(400, "Validation failed", {"DebitAccountId": [message]})
        account = _key_of(self.account_ids, line.get(f"{side}AccountId"))
        code = _key_of(self.vat_ids, line.get(f"{side}VatId"))
        if account is None:
            return problem(400, "Validation failed", {f"{side}AccountId": ["Kontoen finnes ikke."]})
        if account in self.inactive_accounts:
            message = f"Konto {account} er inaktiv."
            return problem(400, "Validation failed", {f"{side}AccountId": [message]})
        locked = self.vat_locked.get(account)
        if code is None or not vat_allowed(code, account) or (locked and code != locked):
            message = f"Mva-kode {code} kan ikke brukes på konto {account}."
            return problem(400, "Validation failed", {f"{side}VatId": [message]})
        problem_text = self._dimension_problem(line)
        if problem_text is not None:
            return problem(400, "Validation failed", {problem_text[0]: [problem_text[1]]})
        amount = Decimal(str(line.get("CurrencyAmount", 0)))
        if amount < 0:
            message = f"Linjebeløpet {amount} har feil fortegn for {side.lower()}-linjen."
            return problem(400, "Validation failed", {"CurrencyAmount": [message]})
        return None

    def _check_journal(self, body: dict[str, Any]) -> JSONResponse | None:
        """A manual journal: signed lines (debit positive) on known accounts, each with a VAT
        code valid for its account, summing to zero, dated after the lock date."""
        voucher_date = date.fromisoformat(body["VoucherDate"])
        if self.lock_date and voucher_date <= self.lock_date:
            message = f"Bilagsdatoen er innenfor låst periode (låst til og med {self.lock_date})."
            return problem(400, "Validation failed", {"VoucherDate": [message]})
        lines = body.get("VoucherLines") or []
        if len(lines) < 2:
            return problem(400, "Validation failed", {"VoucherLines": ["Minst to linjer."]})
        total = Decimal(0)
        for line in lines:
            account = _key_of(self.account_ids, line.get("AccountId"))
            code = _key_of(self.vat_ids, line.get("VatId"))
            if account is None or account in self.inactive_accounts:
                message = f"Kontoen {account} kan ikke brukes."
                return problem(400, "Validation failed", {"AccountId": [message]})
            if code is None or not vat_allowed(code, account):
                message = f"Mva-kode {code} kan ikke brukes på konto {account}."
                return problem(400, "Validation failed", {"VatId": [message]})
            problem_text = self._dimension_problem(line)
            if problem_text is not None:
                return problem(400, "Validation failed", {problem_text[0]: [problem_text[1]]})
            total += Decimal(str(line["CurrencyAmount"]))
        if total != 0:
            message = f"Bilaget er ikke i balanse (differanse {total})."
            return problem(400, "Validation failed", {"VoucherLines": [message]})
        return None

    def _dimension_problem(self, line: dict[str, Any]) -> tuple[str, str] | None:
        for name, register, base, what in (
            ("DepartmentId", self.departments, DEPARTMENT_IDS, "Avdeling"),
            ("ProjectId", self.projects, PROJECT_IDS, "Prosjekt"),
        ):
            code_field = name.replace("Id", "Code")
            if code_field in line:
                return code_field, f"Ukjent felt {code_field}; bruk {name}."
            ident = line.get(name)
            if ident is None or ident == -1:  # -1: none
                continue
            code = str(int(ident) - base)
            if code not in register:
                return name, f"{what} med id {ident} finnes ikke."
            if not register[code]:
                return name, f"{what} {code} er ikke aktiv."
        return None

    async def voucher_get(self, request: Request) -> JSONResponse:
        voucher = self.vouchers.get(request.path_params["id"])
        if voucher is None or voucher["_type"] != KINDS.get(request.path_params["kind"]):
            return problem(404, "Bilaget finnes ikke.")
        voucher_id = request.path_params["id"]
        pages = [
            {"Id": n + 1, "VoucherId": voucher_id}
            for n, _ in enumerate(self.pages.get(voucher_id, []))
        ]
        public = {k: v for k, v in voucher.items() if not k.startswith("_")}
        return JSONResponse({**public, "Id": voucher_id, "Pages": pages})

    async def page_add(self, request: Request) -> Response:
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
        return Response(status_code=201)


def line_side(line: dict[str, Any]) -> str | None:
    """The side a supplier voucher line names by its fields (the supplier is the other)."""
    debit, credit = line.get("DebitAccountId"), line.get("CreditAccountId")
    if (debit is None) == (credit is None):
        return None
    return "Debit" if debit is not None else "Credit"


def signed_amount(side: str, line: dict[str, Any]) -> Decimal:
    """A line's amount toward the voucher's total: positive on the voucher's own side (debit
    on an invoice), negative on the other (a discount or rounding down)."""
    amount = Decimal(str(line.get("CurrencyAmount", 0)))
    return amount if line_side(line) == side else -amount


def _dimensions(register: dict[str, bool], base: int) -> list[dict[str, Any]]:
    return [
        {"Id": base + int(code), "Code": code, "Name": code, "IsActive": active}
        for code, active in register.items()
    ]


def _csv(value: str | None) -> set[str]:
    return {part.strip() for part in (value or "").split(",") if part.strip()}


def _valid_account(number: str) -> bool:
    if number.isdigit():
        return bool(kontonr.is_valid(number))
    try:
        IBAN(number)
    except (SchwiftyException, ValueError):
        return False
    return True


def _key_of(table: dict[str, int], wanted: Any) -> str | None:
    return next((key for key, value in table.items() if value == wanted), None)
