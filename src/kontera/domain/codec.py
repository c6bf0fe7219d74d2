"""The interpretation JSON: `Invoice` ⇄ plain JSON, exactly (Decimal as strings, ISO dates).

Keys are the dataclass attribute names, so the JSON reads like the domain model. Attachment
bytes are never put in JSON: attachments carry their `sha256` into the blob store instead.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from kontera.domain.fields import Box
from kontera.domain.fields import Field
from kontera.domain.fields import Source
from kontera.domain.invoice import Invoice
from kontera.domain.invoice import Note
from kontera.domain.invoice import Severity
from kontera.domain.messages import Message
from kontera.domain.money import money_str
from kontera.domain.suggestion import Suggestion


def to_jsonable(value: Any) -> Any:
    """Encode domain values (dataclasses, Decimal, date, enums) into JSON-ready values."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return money_str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return None
    if isinstance(value, float):
        return value
    if isinstance(value, Box):
        return value.as_list()
    if isinstance(value, Field):
        return field_to_json(value)
    if isinstance(value, Note | Message):
        return value.to_json()
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name != "content"
        }
    raise TypeError(f"cannot encode {type(value).__name__}")


def field_to_json(field: Field) -> dict[str, Any]:
    return {
        "value": to_jsonable(field.value),
        "confidence": round(field.confidence, 4),
        "source": field.source.value,
        "page": field.page,
        "box": field.box.as_list() if field.box else None,
    }


def invoice_to_json(invoice: Invoice) -> dict[str, Any]:
    data: dict[str, Any] = to_jsonable(invoice)
    return data


def invoice_from_json(data: dict[str, Any]) -> Invoice:
    invoice = _decode(Invoice, data)
    assert isinstance(invoice, Invoice)
    return invoice


def suggestion_from_json(data: dict[str, Any]) -> Suggestion:
    """A stored suggestion (`to_jsonable(Suggestion)`) as the domain value again."""
    suggestion = _decode(Suggestion, data)
    assert isinstance(suggestion, Suggestion)
    return suggestion


def field_from_json(data: dict[str, Any], value: Any = None) -> Field:
    box = data.get("box")
    return Field(
        value=data.get("value") if value is None else value,
        confidence=float(data.get("confidence", 0.0)),
        source=Source(data.get("source", "xml")),
        page=data.get("page"),
        box=Box(*box) if box else None,
    )


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode(tp: Any, raw: Any) -> Any:
    if raw is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _decode(args[0], raw)
    if origin is list:
        (item,) = typing.get_args(tp)
        return [_decode(item, r) for r in raw]
    if origin is dict:
        _, item = typing.get_args(tp)
        return {k: _decode(item, v) for k, v in raw.items()}
    return _decode_simple(tp, raw)


def _required(f: dataclasses.Field[Any]) -> bool:
    """A field without a default must be passed even when it is None (Attachment.filename)."""
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


def _decode_simple(tp: Any, raw: Any) -> Any:
    if tp is Any:
        return raw
    if tp is Decimal:
        return Decimal(str(raw))
    if tp is date:
        return date.fromisoformat(raw)
    if tp is Field:
        return field_from_json(raw)
    if tp is Message:
        return Message.from_json(raw)
    if tp is Note:
        return Note(
            message=raw["message"],
            severity=Severity(raw.get("severity", "info")),
            code=raw.get("code", ""),
            rule_id=raw.get("rule_id"),
            field=raw.get("field"),
            text=Message.from_json(raw["text"]) if raw.get("text") else None,
        )
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(raw)
    if dataclasses.is_dataclass(tp):
        hints = _hints(tp)  # type: ignore[arg-type]
        kwargs = {
            f.name: _decode(hints[f.name], raw[f.name])
            for f in dataclasses.fields(tp)
            if f.name in raw and (raw[f.name] is not None or _required(f))
        }
        factory: Any = tp
        return factory(**kwargs)
    return raw
