"""PowerOffice Go's inbox: supplier vouchers sent to Kontera for approval.

PowerOffice Go v2 has no endpoint that lists the journal-entry inbox as such: its
`JournalEntryVouchers` GET endpoints answer only for vouchers the integration created or
is the current approver of, and `IncomingInvoices` lists *posted* invoices only. What it
offers is the Voucher Approval workflow (developer.poweroffice.net › Endpoints › Voucher
Workflows › Voucher Approval; the generated v2 clients' `VoucherApprovalApi`): once
PowerOffice's API team has granted the integration the `VoucherApproval_Full` role, Go sends
unposted supplier vouchers — EHF received by Go's own access point among them — to the
integration as an approver. Kontera reads those:

- `GET /VoucherApproval`: the vouchers waiting for Kontera (`Id`, `ApprovalVoucherType`,
  `OriginatedFromEhf`);
- `GET /JournalEntryVouchers/{id}/ehf`: the EHF XML of a voucher that came by EHF; else
  `GET /JournalEntryVouchers/SupplierInvoices/{id}` for its `Pages` and
  `GET /JournalEntryVouchers/{id}/VoucherPages/{pageId}` for each page (JPEG), joined
  into one PDF.

Completing in place: the draft's lines are replaced by Kontera's (`DELETE
…/SupplierInvoices/{id}/VoucherLines/{lineId}`, `POST …/VoucherLines`: gross amounts with
the VAT code id, as when Kontera posts), then `POST /VoucherApproval/{id}` with
`VoucherApprovalStatus: Approve` and a comment carrying Kontera's key; Go posts it as the
client's approval settings say. Complete is a draft whose `ApprovalState` is `Approved` or
whose `VoucherState` is `IsPosted`. Without the role every call answers 403, and the sync
records "PowerOffice Go has not sent Kontera any vouchers to approve" once (not a failure).
"""

from __future__ import annotations

import io
from typing import Any

from kontera.domain.errors import PermanentError
from kontera.domain.voucher import Voucher
from kontera.post.inbox import InboxEntry
from kontera.post.inbox import InboxFile
from kontera.post.poweroffice import PowerOfficeConnector
from kontera.post.sync_poweroffice import PowerOfficeReader

_TYPES = {"SupplierInvoice": "SupplierInvoices", "SupplierCreditNote": "SupplierCreditNotes"}


class PowerOfficeInbox(PowerOfficeReader):
    """The sync reader's client and quota, reading the vouchers sent for approval."""

    def entries(self) -> list[InboxEntry]:
        return [
            InboxEntry(
                f"voucher:{item['Id']}",
                "journal_entry_voucher",
                f"poweroffice-{item['Id']}.xml" if item.get("OriginatedFromEhf") else "",
                {
                    "voucher_id": str(item["Id"]),
                    "resource": _TYPES[str(item.get("ApprovalVoucherType"))],
                    "ehf": bool(item.get("OriginatedFromEhf")),
                },
            )
            for item in self._all("inbox", "/VoucherApproval", {})
            if str(item.get("ApprovalVoucherType")) in _TYPES
        ]

    def fetch(self, entry: InboxEntry) -> InboxFile:
        voucher_id = entry.details["voucher_id"]
        if entry.details.get("ehf"):
            self.stats.count("inbox_ehf")
            response = self.connector.read(f"/JournalEntryVouchers/{voucher_id}/ehf", {})
            return InboxFile(response.content, entry.filename, "application/xml")
        draft = self.connector.call(
            "GET", f"/JournalEntryVouchers/{entry.details['resource']}/{voucher_id}"
        )
        pages = [
            self.connector.read(f"/JournalEntryVouchers/{voucher_id}/VoucherPages/{p['Id']}", {})
            for p in (draft or {}).get("Pages") or []
        ]
        if not pages:
            raise PermanentError("The voucher in PowerOffice Go has no pages.")
        return InboxFile(
            _as_pdf([p.content for p in pages]), f"poweroffice-{voucher_id}.pdf", "application/pdf"
        )


def _as_pdf(images: list[bytes]) -> bytes:
    """Voucher pages (JPEG, one per page) as one PDF: one Kontera document per voucher."""
    from PIL import Image

    opened = [Image.open(io.BytesIO(data)).convert("RGB") for data in images]
    out = io.BytesIO()
    opened[0].save(out, "PDF", save_all=True, append_images=opened[1:])
    return out.getvalue()


class PowerOfficeCompleter:
    """Replaces the draft's lines with Kontera's and approves it."""

    def __init__(self, connector: PowerOfficeConnector) -> None:
        self.connector = connector

    def completed(self, details: dict[str, Any], key: str) -> str | None:
        draft = self._draft(details)
        if draft.get("ApprovalState") == "Approved" or draft.get("VoucherState") == "IsPosted":
            return str(details["voucher_id"])
        return None

    def complete(self, voucher: Voucher, details: dict[str, Any], key: str) -> str:
        voucher_id, path = details["voucher_id"], _path(details)
        for line in self._draft(details).get("SupplierVoucherLines") or []:
            self.connector.call("DELETE", f"{path}/VoucherLines/{line['Id']}")
        for line in self.connector.voucher_lines(voucher):
            self.connector.call("POST", f"{path}/VoucherLines", json=line)
        approval = {"VoucherApprovalStatus": "Approve", "Comment": f"Kontera kontera:{key}"}
        self.connector.call("POST", f"/VoucherApproval/{voucher_id}", json=approval)
        return str(voucher_id)

    def attachment(self, details: dict[str, Any]) -> str | None:
        pages = self._draft(details).get("Pages") or []
        if pages:
            return str(pages[0]["Id"])
        return f"ehf:{details['voucher_id']}" if details.get("ehf") else None

    def _draft(self, details: dict[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = self.connector.call("GET", _path(details)) or {}
        return found


def _path(details: dict[str, Any]) -> str:
    return f"/JournalEntryVouchers/{details['resource']}/{details['voucher_id']}"
