"""PowerOffice Go's Voucher Approval workflow in the fake: vouchers Go sends Kontera to approve.

There is no PowerOffice spec in the corpus. This follows PowerOffice Go's public v2
documentation as the generated clients publish it (stianwe/PowerOfficeGoV2 `docs/apis/
VoucherApprovalApi.md`, `JournalEntryVouchersApi.md`, `SupplierInvoicesApi.md`,
`SupplierCreditNotesApi.md`, `VoucherPagesApi.md` and the models `VoucherForApprovalDto`,
`VoucherApprovalPostDto`, `VoucherApprovalStatus`, `VoucherApprovalStatusResponseDto`,
`ApprovalState`, `VoucherState`, `SupplierInvoiceJournalEntryVoucherDto`,
`SupplierVoucherLineDto`, `SupplierVoucherLinePostDto`).

`serve_inbox(fake)` adds to a `FakePowerOffice` what Go does with an EHF its access point
receives for a client whose approval workflow sends supplier vouchers to the integration: an
unposted supplier voucher (Go's own pre-coding: one gross line on a cost account) with the
EHF XML kept, the integration its current approver. It answers:

- `GET /VoucherApproval` (ResourceParameters, `availableFromDateTimeOffsetGreaterThan`,
  exclusive): `VoucherForApprovalDto`s of the vouchers waiting for the integration; 204 when
  none; 403 unless the integration has the `VoucherApproval_Full` role;
- `GET /JournalEntryVouchers/{id}/ehf`: the EHF XML (404 for a voucher not from EHF);
- `GET /JournalEntryVouchers/SupplierInvoices|SupplierCreditNotes/{id}`: the voucher
  (`ApprovalState`, `VoucherState`, `Pages`, `SupplierVoucherLines` with their ids);
- `GET /JournalEntryVouchers/{id}/VoucherPages/{pageId}`: a page's image;
- `DELETE …/{id}/VoucherLines/{lineId}`, `POST …/{id}/VoucherLines` (201, the voucher): each
  line checked as on creation (known, active account; VAT code valid for it; existing,
  active dimensions; the amount's sign); 409 once the voucher is posted;
- `POST /VoucherApproval/{voucherId}` (`VoucherApprovalStatus` Approve|Reject, `Comment`,
  both required): 404 for an id that is not waiting for the integration, 400 when it is
  already approved, 400 when its lines do not add up to the voucher's amount. Approving
  posts it (a voucher number), as a client whose workflow ends with the integration does.

"The integration only has access to vouchers that it has created or is the current approver
of": a voucher a person handled in Go meanwhile (`handle_in_go`) answers 404 to all of the
above. One assumption the documentation does not settle: the integration that approved a
voucher can still read it (its approval is in the voucher's history) — `find_voucher` after
a lost answer relies on it. Every request is checked against the documented contract first
(`SpecGate`, `check_request`).
"""

from __future__ import annotations

import itertools
import json
import re
import uuid
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.responses import Response
from starlette.routing import Route

from tests.fakes.inbox_documents import ehf_facts
from tests.fakes.poweroffice import FakePowerOffice
from tests.fakes.poweroffice import problem
from tests.fakes.poweroffice import signed_amount
from tests.fakes.spec_gate import SpecGate
from tests.fakes.tripletex_inbox import starlette

ROLE = "VoucherApproval_Full"
KINDS = {"SupplierInvoices": "SupplierInvoice", "SupplierCreditNotes": "SupplierCreditNote"}
PRECODED = "4"  # Go's EHF pre-coding puts the whole amount on one (purchase) cost account
LINE_IDS = 60_000
PAGE_IDS = 11_000
FORBIDDEN = "Integration does not have required permission to use endpoint"


@dataclass
class PowerOfficeInbox:
    fake: FakePowerOffice
    roles: set[str] = field(default_factory=lambda: {ROLE})
    vouchers: dict[str, dict[str, Any]] = field(default_factory=dict)
    downloads: dict[str, int] = field(default_factory=dict)  # voucher id -> EHF fetched
    calls: dict[str, int] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(10_001))

    # -- what arrives -----------------------------------------------------------------

    def deliver(self, ehf: bytes, filename: str) -> str:
        """An EHF arrives at Go's access point; Go sends the draft to the integration."""
        facts = ehf_facts(ehf)
        kind = "SupplierCreditNotes" if facts.credit_note else "SupplierInvoices"
        voucher = self._draft(kind, abs(facts.payable), facts.issue_date.isoformat())
        supplier = self._supplier(facts.seller_org, facts.seller_name)
        voucher.update(
            {
                "InvoiceNo" if kind == "SupplierInvoices" else "CreditNoteNo": facts.number,
                "Cid": facts.kid,
                "DueDate": facts.due_date.isoformat() if facts.due_date else None,
                "CurrencyCode": facts.currency,
                "Description": f"{facts.seller_name} {facts.number}"[:250],
                "SupplierAccountId": supplier["SubledgerAccountId"],
                "SupplierContactId": supplier["Id"],
                "OriginatedFromEhf": True,
                "_ehf": ehf,
            }
        )
        return str(voucher["Id"])

    def scan(self, pages: list[bytes], amount: Decimal, day: str) -> str:
        """A scanned supplier invoice (JPEG pages) Go interpreted and sent for approval."""
        voucher = self._draft("SupplierInvoices", amount, day)
        voucher["_pages"] = list(pages)
        return str(voucher["Id"])

    def handle_in_go(self, voucher_id: str) -> None:
        """A person posts the voucher in Go themselves: it leaves the integration."""
        voucher = self.vouchers[voucher_id]
        voucher["_approver"] = False
        self._post(voucher)

    def approved(self, voucher_id: str) -> bool:
        return self.vouchers[voucher_id]["ApprovalState"] == "Approved"

    def posted(self, voucher_id: str) -> bool:
        return self.vouchers[voucher_id]["VoucherState"] == "IsPosted"

    def lines(self, voucher_id: str) -> list[dict[str, Any]]:
        return list(self.vouchers[voucher_id]["SupplierVoucherLines"])

    # -- plumbing ---------------------------------------------------------------------

    def _draft(self, kind: str, amount: Decimal, day: str) -> dict[str, Any]:
        voucher_id = str(uuid.UUID(int=(7 << 120) + next(self._ids)))
        now = self.fake.now().isoformat()
        side = "Debit" if kind == "SupplierInvoices" else "Credit"
        voucher: dict[str, Any] = {
            "Id": voucher_id,
            "VoucherDate": day,
            "CurrencyCode": "NOK",
            "CurrencyAmount": float(amount),
            "ApprovalState": "Submitted",
            "VoucherState": "IsDraft",
            "OriginatedFromEhf": False,
            "CreatedDateTimeOffset": now,
            "LastChangedDateTimeOffset": now,
            "SupplierVoucherLines": [],
            "_kind": kind,
            "_available": self.fake.now(),
            "_approver": True,
            "_ehf": None,
            "_pages": [],
            "_approvals": [],
        }
        voucher["SupplierVoucherLines"].append(
            self._line(
                {
                    f"{side}AccountId": self._precoded_account(),
                    "CurrencyAmount": float(amount),
                    "Description": "EHF",
                }
            )
        )
        self.vouchers[voucher_id] = voucher
        return voucher

    def _precoded_account(self) -> int | None:
        return next(
            (
                ident
                for number, ident in sorted(self.fake.account_ids.items())
                if number.startswith(PRECODED) and number not in self.fake.inactive_accounts
            ),
            None,
        )

    def _line(self, body: dict[str, Any]) -> dict[str, Any]:
        now = self.fake.now().isoformat()
        line_id = LINE_IDS + next(self._ids)
        stamps = {"CreatedDateTimeOffset": now, "LastChangedDateTimeOffset": now}
        return {**body, "Id": line_id, **stamps}

    def _supplier(self, org: str, name: str) -> dict[str, Any]:
        for supplier in self.fake.suppliers.values():
            if "".join(c for c in str(supplier.get("OrganizationNumber")) if c.isdigit()) == org:
                return supplier
        supplier_id = 60_000 + next(self._ids)
        supplier = {
            "Id": supplier_id,
            "Name": name,
            "OrganizationNumber": org,
            "SubledgerAccountId": 95_000 + supplier_id,
        }
        self.fake.suppliers[supplier_id] = supplier
        return supplier

    def _post(self, voucher: dict[str, Any]) -> None:
        if voucher["VoucherState"] != "IsPosted":
            voucher["VoucherState"] = "IsPosted"
            voucher["VoucherNo"] = next(self._numbers)
            voucher["LastChangedDateTimeOffset"] = self.fake.now().isoformat()

    def _waiting(self, voucher: dict[str, Any]) -> bool:
        return (
            voucher["_approver"]
            and voucher["VoucherState"] == "IsDraft"
            and voucher["ApprovalState"] in ("Submitted", "UnderReview")
        )

    def _visible(self, voucher_id: str) -> dict[str, Any] | None:
        """The voucher if the integration is its current approver or approved it."""
        voucher = self.vouchers.get(voucher_id)
        if voucher is None:
            return None
        if voucher["_approver"] or "Approve" in voucher["_approvals"]:
            return voucher
        return None

    def _count(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1


def serve_inbox(fake: FakePowerOffice, *, check_spec: bool = True) -> PowerOfficeInbox:
    inbox: PowerOfficeInbox | None = getattr(fake, "inbox", None)
    if inbox is None:
        inbox = PowerOfficeInbox(fake)
        posted = fake.voucher_get  # the integration's own vouchers
        vouchers = "/v2/JournalEntryVouchers"
        kind = "{kind:str}"
        routes = [
            Route("/v2/VoucherApproval", _guarded(inbox, _list), methods=["GET"]),
            Route("/v2/VoucherApproval/{id}", _guarded(inbox, _approve), methods=["POST"]),
            Route(f"{vouchers}/{{id}}/ehf", _guarded(inbox, _ehf), methods=["GET"]),
            Route(
                f"{vouchers}/{{id}}/VoucherPages/{{page:int}}",
                _guarded(inbox, _page),
                methods=["GET"],
            ),
            Route(
                f"{vouchers}/{kind}/{{id}}/VoucherLines/{{line:int}}",
                _guarded(inbox, _delete_line),
                methods=["DELETE"],
            ),
            Route(
                f"{vouchers}/{kind}/{{id}}/VoucherLines",
                _guarded(inbox, _add_line),
                methods=["POST"],
            ),
            Route(f"{vouchers}/{kind}/{{id}}", _voucher_get(inbox, posted), methods=["GET"]),
        ]
        starlette(fake.app).router.routes[0:0] = routes
        fake.inbox = inbox  # type: ignore[attr-defined]
    if check_spec and getattr(fake, "inbox_gate", None) is None:
        gate = SpecGate(
            fake.app,
            check_request,
            "https://goapi.poweroffice.net/v2",
            "/v2",
            methods=("GET", "POST", "DELETE"),
            applies=lambda path: _operation(path.removeprefix("/v2")) is not None,
        )
        fake.app = gate  # type: ignore[assignment]
        fake.inbox_gate = gate  # type: ignore[attr-defined]
    return inbox


Handler = Any


def _guarded(inbox: PowerOfficeInbox, handler: Handler) -> Handler:
    async def endpoint(request: Request) -> Response:
        inbox._count(handler.__name__.strip("_"))
        if request.url.path.startswith("/v2/VoucherApproval") and ROLE not in inbox.roles:
            return problem(403, FORBIDDEN)
        result: Response = await handler(inbox, request)
        return result

    return inbox.fake.guarded(endpoint)


def _voucher_get(inbox: PowerOfficeInbox, posted: Handler) -> Handler:
    async def endpoint(request: Request) -> Response:
        if request.path_params["id"] not in inbox.vouchers:
            result: Response = await posted(request)
            return result
        return await _get(inbox, request)

    return inbox.fake.guarded(endpoint)


def _not_found() -> JSONResponse:
    return problem(404, "Bilaget finnes ikke, eller integrasjonen har ikke tilgang til det.")


def _view(voucher: dict[str, Any]) -> dict[str, Any]:
    public = {k: v for k, v in voucher.items() if not k.startswith("_")}
    public["Pages"] = [
        {"Id": PAGE_IDS + n, "VoucherId": voucher["Id"]} for n in range(len(voucher["_pages"]))
    ]
    return public


async def _list(inbox: PowerOfficeInbox, request: Request) -> Response:
    q = request.query_params
    after = q.get("availableFromDateTimeOffsetGreaterThan")
    since = datetime.fromisoformat(after.replace("Z", "+00:00")) if after else None
    items = [
        {
            "Id": v["Id"],
            "ApprovalVoucherType": KINDS[v["_kind"]],
            "AvailableFromDateTimeOffset": v["_available"].isoformat(),
            "OriginatedFromEhf": v["OriginatedFromEhf"],
        }
        for v in inbox.vouchers.values()
        if inbox._waiting(v) and (since is None or v["_available"] > since)
    ]
    size, number = int(q.get("PageSize", 5000)), int(q.get("PageNumber", 1))
    chunk = items[(number - 1) * size : number * size]
    return JSONResponse(chunk) if chunk else Response(status_code=204)


async def _get(inbox: PowerOfficeInbox, request: Request) -> Response:
    voucher = inbox._visible(request.path_params["id"])
    if voucher is None or voucher["_kind"] != request.path_params["kind"]:
        return _not_found()
    return JSONResponse(_view(voucher))


async def _ehf(inbox: PowerOfficeInbox, request: Request) -> Response:
    voucher = inbox._visible(request.path_params["id"])
    if voucher is None or voucher["_ehf"] is None:
        return _not_found()
    voucher_id = voucher["Id"]
    inbox.downloads[voucher_id] = inbox.downloads.get(voucher_id, 0) + 1
    return Response(voucher["_ehf"], media_type="application/xml")


async def _page(inbox: PowerOfficeInbox, request: Request) -> Response:
    voucher = inbox._visible(request.path_params["id"])
    index = request.path_params["page"] - PAGE_IDS
    if voucher is None or not 0 <= index < len(voucher["_pages"]):
        return _not_found()
    return Response(voucher["_pages"][index], media_type="image/jpeg")


def _editable(inbox: PowerOfficeInbox, request: Request) -> dict[str, Any] | Response:
    voucher = inbox._visible(request.path_params["id"])
    if voucher is None or voucher["_kind"] != request.path_params["kind"]:
        return _not_found()
    if voucher["VoucherState"] != "IsDraft" or not voucher["_approver"]:
        return problem(409, "Bilaget er bokført og kan ikke endres.")
    return voucher


async def _delete_line(inbox: PowerOfficeInbox, request: Request) -> Response:
    voucher = _editable(inbox, request)
    if isinstance(voucher, Response):
        return voucher
    lines = voucher["SupplierVoucherLines"]
    kept = [line for line in lines if line["Id"] != request.path_params["line"]]
    if len(kept) == len(lines):
        return problem(404, "Bilagslinjen finnes ikke.")
    voucher["SupplierVoucherLines"] = kept
    return Response(status_code=200)


async def _add_line(inbox: PowerOfficeInbox, request: Request) -> Response:
    voucher = _editable(inbox, request)
    if isinstance(voucher, Response):
        return voucher
    body = await request.json()
    refused = inbox.fake.check_line(body)
    if refused is not None:
        return refused
    voucher["SupplierVoucherLines"].append(inbox._line(body))
    voucher["LastChangedDateTimeOffset"] = inbox.fake.now().isoformat()
    return JSONResponse(_view(voucher), status_code=201)


async def _approve(inbox: PowerOfficeInbox, request: Request) -> Response:
    voucher = inbox._visible(request.path_params["id"])
    if voucher is None:
        return _not_found()
    if voucher["ApprovalState"] == "Approved":
        return problem(400, "Bilaget er allerede godkjent.")
    if not inbox._waiting(voucher):
        return _not_found()
    body = await request.json()
    status = body["VoucherApprovalStatus"]
    if status == "Approve":
        unbalanced = _unbalanced(voucher)
        if unbalanced is not None:
            return problem(400, "Validation failed", {"SupplierVoucherLines": [unbalanced]})
        voucher["ApprovalState"] = "Approved"
        inbox._post(voucher)
    else:  # Reject: back to the client's own journal entry workflow, as a draft
        voucher["ApprovalState"] = "Rejected"
        voucher["_approver"] = False
    voucher["_approvals"].append(status)
    voucher["_comment"] = body["Comment"]
    return JSONResponse(
        {
            "VoucherId": voucher["Id"],
            "IsPosted": voucher["VoucherState"] == "IsPosted",
            "InApprovalWorkflow": False,
        }
    )


def _unbalanced(voucher: dict[str, Any]) -> str | None:
    lines = voucher["SupplierVoucherLines"]
    side = "Debit" if voucher["_kind"] == "SupplierInvoices" else "Credit"
    total = sum((signed_amount(side, line) for line in lines), Decimal(0))
    expected = Decimal(str(voucher["CurrencyAmount"]))
    if not lines or total != expected:
        return f"Bilaget er ikke i balanse: linjene summerer til {total}, bilaget er {expected}."
    return None


# -- the documented contract --------------------------------------------------------------

_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_KIND = "(SupplierInvoices|SupplierCreditNotes)"
_RESOURCE = {"Fields", "OrderBy", "PageNumber", "PageSize", "UseDatabaseValidation"}
OPERATIONS: dict[tuple[str, str], set[str]] = {
    ("GET", r"/VoucherApproval"): {"availableFromDateTimeOffsetGreaterThan", *_RESOURCE},
    ("POST", rf"/VoucherApproval/{_GUID}"): set(),
    ("GET", rf"/JournalEntryVouchers/{_GUID}/ehf"): set(),
    ("GET", rf"/JournalEntryVouchers/{_GUID}/VoucherPages/\d+"): set(),
    ("GET", rf"/JournalEntryVouchers/{_KIND}/{_GUID}"): set(),
    ("DELETE", rf"/JournalEntryVouchers/{_KIND}/{_GUID}/VoucherLines/\d+"): set(),
    ("POST", rf"/JournalEntryVouchers/{_KIND}/{_GUID}/VoucherLines"): set(),
}
APPROVAL_STATUSES = {"Approve", "Reject"}
# SupplierVoucherLinePostDto: the fields and their JSON types.
LINE_FIELDS: dict[str, tuple[type, ...]] = {
    "Accrual": (dict,),
    "AgricultureDetails": (dict,),
    "CreditAccountId": (int,),
    "CreditVatId": (int,),
    "CreditVatReturnSpecification": (str,),
    "CurrencyAmount": (int, float),
    "DebitAccountId": (int,),
    "DebitVatId": (int,),
    "DebitVatReturnSpecification": (str,),
    "DepartmentId": (int,),
    "Description": (str,),
    "Dim1Id": (int,),
    "Dim2Id": (int,),
    "Dim3Id": (int,),
    "LocationId": (int,),
    "ProductId": (int,),
    "ProjectId": (int,),
    "Quantity": (int, float),
    "Quantity2": (int, float),
}


def _operation(path: str, method: str | None = None) -> tuple[str, str] | None:
    for key in OPERATIONS:
        if (method is None or key[0] == method) and re.fullmatch(key[1], path):
            return key
    return None


def check_request(request: httpx.Request) -> None:
    """Raise AssertionError when a request breaks the documented Voucher Approval contract."""
    path = request.url.path.removeprefix("/v2")
    key = _operation(path, request.method)
    assert key is not None, f"{request.method} {path} is not a documented operation"
    unknown = set(request.url.params.keys()) - OPERATIONS[key]
    assert not unknown, f"unknown query parameters {sorted(unknown)}"
    after = request.url.params.get("availableFromDateTimeOffsetGreaterThan")
    if after is not None:
        try:
            datetime.fromisoformat(after.replace("Z", "+00:00"))
        except ValueError as e:
            raise AssertionError(f"{after!r} is not a timestamp") from e
    assert request.headers.get("ocp-apim-subscription-key"), "no Ocp-Apim-Subscription-Key"
    assert request.headers.get("authorization", "").startswith("Bearer "), "no bearer token"
    if request.method == "POST":
        body = json.loads(request.content or b"null")
        assert isinstance(body, dict), "the body is not a JSON object"
        if key[1].startswith("/VoucherApproval"):
            _check_approval(body)
        else:
            _check_line(body)


def _check_approval(body: dict[str, Any]) -> None:
    unknown = set(body) - {"Comment", "VoucherApprovalStatus"}
    assert not unknown, f"VoucherApprovalPostDto has no {sorted(unknown)}"
    assert body.get("VoucherApprovalStatus") in APPROVAL_STATUSES, (
        f"VoucherApprovalStatus {body.get('VoucherApprovalStatus')!r} is not one of "
        f"{sorted(APPROVAL_STATUSES)}"
    )
    assert isinstance(body.get("Comment"), str), "Comment is required (a string)"


def _check_line(body: dict[str, Any]) -> None:
    unknown = set(body) - set(LINE_FIELDS)
    assert not unknown, f"SupplierVoucherLinePostDto has no {sorted(unknown)}"
    for name, value in body.items():
        if value is None:
            continue
        kinds = LINE_FIELDS[name]
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        assert ok, f"{name}={value!r} is not {'/'.join(k.__name__ for k in kinds)}"
