"""What the detail page shows, computed from the document view: fields, postings, balance,
warnings. Pure functions over the JSON, so they are easy to test and cheap to run."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from decimal import Decimal
from decimal import InvalidOperation
from typing import Any

from kontera.domain.messages import Message
from kontera.domain.messages import as_message
from kontera.i18n.formats import format_date
from kontera.review.accrual_form import AccrualView
from kontera.review.accrual_form import accrual_view
from kontera.review.posting_dimensions import LineDimensions
from kontera.review.posting_dimensions import line_dimensions

# The fields a bookkeeper checks, in reading order; all of them editable.
KEY_FIELDS = (
    "document_type",
    "invoice_number",
    "issue_date",
    "due_date",
    "currency",
    "seller.name",
    "seller.org_number",
    "seller.vat_id",
    "buyer.name",
    "buyer.org_number",
    "references.order",
    "references.buyer_reference",
    "payment.kid",
    "payment.bank_account",
    "payment.iban",
    "totals.net",
    "totals.vat",
    "totals.payable",
)
EDITABLE = frozenset(KEY_FIELDS)
DATE_PATHS = frozenset({"issue_date", "due_date"})
AMOUNT_PATHS = frozenset({"totals.net", "totals.vat", "totals.payable"})
DOCUMENT_TYPES = ("invoice", "credit_note")


@dataclass(frozen=True, slots=True)
class FieldRow:
    path: str
    value: Any
    confidence: float | None
    source: str | None
    page: int | None
    box: list[float] | None
    editable: bool
    shown: str = ""  # the value as the input shows it, in the reader's way of writing
    kind: str = "text"  # "text", "date", "amount" or "choice"
    error: Message | None = None  # why what the person typed was refused
    original: str = ""  # the stored value as shown, when `shown` is what was typed instead


def value_at(invoice: dict[str, Any], path: str) -> Any:
    node: Any = invoice
    for part in path.split("."):
        if isinstance(node, list):
            node = node[int(part)] if part.isdigit() and int(part) < len(node) else None
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    return node


def field_rows(
    invoice: dict[str, Any] | None,
    locale: str = "nb",
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, Message] | None = None,
) -> list[FieldRow]:
    """Every key field, read or not (a missing total is typed in here). `typed` keeps what a
    person typed when it was refused, beside the `errors` that say why."""
    if not invoice:
        return []
    fields: dict[str, Any] = invoice.get("fields") or {}
    typed, errors = typed or {}, errors or {}
    rows = []
    for path in KEY_FIELDS:
        value = value_at(invoice, path)
        row = _row(path, value, fields.get(path) or {}, locale)
        row = replace(row, original=row.shown)
        if path in typed:  # refused with the others: each keeps what was typed
            row = replace(row, shown=typed[path], error=errors.get(path))
        rows.append(row)
    return rows


def boxed_fields(invoice: dict[str, Any] | None) -> list[FieldRow]:
    """Every interpreted field that has a box on a page (line fields included)."""
    fields: dict[str, Any] = (invoice or {}).get("fields") or {}
    return [
        _row(path, field.get("value"), field, "en")
        for path, field in fields.items()
        if field.get("box") and field.get("page")
    ]


def _row(path: str, value: Any, field: dict[str, Any], locale: str) -> FieldRow:
    kind = (
        "choice"
        if path == "document_type"
        else "date"
        if path in DATE_PATHS
        else "amount"
        if path in AMOUNT_PATHS
        else "text"
    )
    return FieldRow(
        path=path,
        value=value,
        confidence=field.get("confidence"),
        source=field.get("source"),
        page=field.get("page"),
        box=field.get("box"),
        editable=path in EDITABLE,
        shown=shown_value(value, kind, locale),
        kind=kind,
    )


def shown_value(value: Any, kind: str, locale: str) -> str:
    """A value as a person of `locale` writes it: 15.12.2017, 1 234,56, −153 709,97."""
    if value in (None, ""):
        return ""
    if kind == "date":
        return format_date(value, locale)
    if kind == "amount":
        return amount_text(value, locale)
    return str(value)


def amount_text(value: Any, locale: str) -> str:
    number = _decimal(value)
    if number is None:
        return "" if value in (None, "") else str(value)
    text = f"{number:,.2f}"
    if locale == "en":
        return text
    return text.replace(",", " ").replace(".", ",").replace("-", "−")


@dataclass(frozen=True, slots=True)
class PostingRow:
    index: int
    line_index: int | None
    account: str
    vat_code: str
    amount: str
    description: str
    confidence: float | None
    reason: Message | dict[str, Any] | str  # a message (or its JSON); old data: English text
    alternatives: list[dict[str, Any]]
    accrual: AccrualView | None = None
    dimensions: LineDimensions = field(default_factory=LineDimensions)


def posting_rows(view: dict[str, Any]) -> list[PostingRow]:
    """Approved lines once there is a voucher, else the suggestion's lines."""
    suggested = (view.get("suggestion") or {}).get("lines") or []
    voucher = view.get("voucher")
    lines = voucher["lines"] if voucher else suggested
    if not lines:
        lines = [_blank_line(view)]
    by_index = {line.get("line_index"): line for line in suggested}
    # One line for the whole invoice without an amount of its own: the invoice's net.
    fallback = _blank_line(view).get("amount")
    rows = []
    for i, line in enumerate(lines):
        hint = by_index.get(line.get("line_index"), {})
        rows.append(
            PostingRow(
                index=i,
                line_index=line.get("line_index"),
                account=line.get("account") or "",
                vat_code=line.get("vat_code") or "",
                amount=line.get("amount") or (fallback if len(lines) == 1 else "") or "",
                description=line.get("description") or "",
                confidence=hint.get("confidence"),
                reason=hint.get("reason_text") or hint.get("reason") or "",
                alternatives=(hint.get("alternatives") or [])[:3],
                accrual=accrual_view(line.get("accrual"), _issued(view)),
                dimensions=line_dimensions(line, hint),
            )
        )
    return rows


def _issued(view: dict[str, Any]) -> str | None:
    return (view.get("invoice") or {}).get("issue_date")


def approval_lines(rows: list[PostingRow]) -> list[dict[str, object]]:
    """The rows as approval would receive them (what the page shows, unedited)."""
    return [
        {
            "account": row.account,
            "vat_code": row.vat_code,
            "amount": row.amount,
            "description": row.description,
            "line_index": row.line_index,
            "dimensions": dict(row.dimensions.codes),
        }
        for row in rows
    ]


def voucher_warnings(preview: Any) -> list[Warning]:
    """Why approval would refuse the voucher as it stands (from `services.voucher_preview`)."""
    if preview is None:
        return []
    return [Warning("voucher", as_message(problem), "", "error") for problem in preview.problems]


def _blank_line(view: dict[str, Any]) -> dict[str, Any]:
    """One line for the whole net amount, when the reader found no lines to suggest for."""
    invoice = view.get("invoice") or {}
    totals = invoice.get("totals") or {}
    net = totals.get("net")
    if net is None and totals.get("payable") is not None:
        net = str((_decimal(totals["payable"]) or Decimal(0)) - (_decimal(totals.get("vat")) or 0))
    return {"account": "", "amount": net, "description": (invoice.get("seller") or {}).get("name")}


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value).replace(" ", "").replace(",", "."))
    except InvalidOperation:
        return None


@dataclass(frozen=True, slots=True)
class Warning:
    kind: str  # a label code: the UI names it in the user's language (`label("warning", …)`)
    text: Message | dict[str, Any] | None  # said in the user's language (a note, a reason)
    data: str  # shown as it is (an id, an account number, a rule id)
    severity: str


def warnings(view: dict[str, Any]) -> list[Warning]:
    found: list[Warning] = []  # a duplicate has its own panel, with a link to the other one
    bank = view.get("bank_warning")
    notes = view.get("notes") or []
    # The interpreter's supplier matching may have said it already, in a note.
    if bank and not any(n.get("code") == "bank_account_changed" for n in notes):
        known = ", ".join(bank["known"])
        found.append(Warning("bank_account", None, f"{bank['account']} ≠ {known}", "error"))
    invoice = view.get("invoice") or {}
    if invoice.get("document_type") == "credit_note":
        found.append(Warning("credit_note", None, invoice.get("invoice_number") or "", "info"))
    if view.get("status") in ("needs_review", "failed", "rejected"):
        reason = _status_reason(view, notes)
        if reason is not None:
            found.append(Warning("status", reason, "", "warning"))
    for note in notes:
        label = f"[{note['rule_id']}]" if note.get("rule_id") else ""
        text = note.get("text") or as_message(note["message"])
        found.append(Warning("note", text, label, note.get("severity", "info")))
    return found


def _status_reason(
    view: dict[str, Any], notes: list[dict[str, Any]]
) -> Message | dict[str, Any] | None:
    """The status reason, unless it only repeats the notes (they are listed one by one)."""
    text = view.get("status_reason_text")
    if text is not None:
        return None if _only_notes(Message.from_json(text), notes) else text
    reason = _beyond_notes(view.get("status_reason"), notes)
    return as_message(reason) if reason else None


def _only_notes(reason: Message, notes: list[dict[str, Any]]) -> bool:
    noted = {n["message"] for n in notes}
    parts = reason.params.values() if reason.msgid.startswith("{m0}") else [reason]
    return all(str(part) in noted for part in parts)


def _beyond_notes(reason: str | None, notes: list[dict[str, Any]]) -> str:
    """The status reason without the notes it repeats (they are listed one by one anyway)."""
    text = reason or ""
    for note in notes:
        text = text.replace(note.get("message", ""), "")
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class PageView:
    """A page as shown: turned by the reader's and the person's quarter turns, with the
    SVG transform that carries the field boxes (in the reader's frame) along."""

    number: int
    width: float
    height: float
    turns: int
    box_transform: str


def page_views(sizes: list[tuple[float, float]], turns: dict[int, Any]) -> list[PageView]:
    views = []
    for number, (width, height) in enumerate(sizes, start=1):
        turn = turns.get(number)
        reader = turn.reader if turn else 0
        person = turn.person if turn else 0
        frame = (height, width) if reader % 2 else (width, height)
        shown = (frame[1], frame[0]) if person % 2 else frame
        views.append(
            PageView(number, shown[0], shown[1], (reader + person) % 4, _turn(frame, person))
        )
    return views


def _turn(frame: tuple[float, float], quarter_turns: int) -> str:
    """Clockwise quarter turns of a w × h frame, as an SVG transform of its contents."""
    width, height = frame
    return {
        0: "",
        1: f"translate({height} 0) rotate(90)",
        2: f"translate({width} {height}) rotate(180)",
        3: f"translate(0 {width}) rotate(270)",
    }[quarter_turns % 4]


def chart_names(chart: Any, rows: list[PostingRow]) -> dict[str, str]:
    """The chart's names of the accounts and VAT codes on the page (`a:6340`, `v:1`)."""
    names: dict[str, str] = {}
    for row in rows:
        account = chart.account(row.account) if row.account else None
        if account is not None and account.name:
            names[f"a:{row.account}"] = account.name
        vat = chart.vat_code(row.vat_code) if row.vat_code else None
        if vat is not None and vat.name:
            names[f"v:{row.vat_code}"] = vat.name
    return names


def undoable(view: dict[str, Any]) -> bool:
    """Approved, and nothing sent to the accounting system yet (the service checks again)."""
    voucher = view.get("voucher") or {}
    return (
        view.get("status") in ("approved", "posting")
        and voucher.get("state", "pending") == "pending"
        and not voucher.get("external_id")
        and voucher.get("target") != "file"
    )
