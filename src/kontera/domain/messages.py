"""Words for people: said once in English in the code, translated where a person reads them.

A `Message` is a gettext message id (the English text, with `{name}` placeholders) and its
parameters. Code deep inside Kontera (a check, a suggestion's reason, an error) makes one with
`msg(...)`; the UI and the e-mail replies render it in the reader's language through
`kontera.i18n`, while `str(message)` is the English text that the API and the logs keep.

Parameters stay typed, so that the reader's locale formats them: a `Decimal` becomes
`1 234,56` in Norwegian, a `date` `15.12.2017`; a parameter that is itself a `Message` (a field
name, a reason) is translated too, a tuple is a list joined with ", ", and None is "–".
`docs/i18n.md` says how to add a string.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from decimal import Decimal
from typing import Any
from typing import TypeAlias

Param: TypeAlias = "str | int | Decimal | date | Message | tuple[Param, ...] | None"


@dataclass(frozen=True, slots=True)
class Message:
    """A translatable text: `msgid` is the English source, `plural` its plural form."""

    msgid: str
    params: Mapping[str, Param] = field(default_factory=dict)
    plural: str | None = None  # with a plural form, params["n"] is the count

    def __str__(self) -> str:
        return self.format(self.msgid if self._singular() else str(self.plural), english)

    def format(self, template: str, render: ParamRenderer) -> str:
        """`template` (this message or its translation) with the parameters rendered."""
        values = {name: render(value) for name, value in self.params.items()}
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            # A translation that names a parameter the code does not pass must not break a
            # page: show the English instead (the catalogue test reports such translations).
            return self.msgid.format(**values) if template != self.msgid else template

    def _singular(self) -> bool:
        return self.plural is None or self.params.get("n") == 1

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"msgid": self.msgid, "params": _params_to_json(self.params)}
        if self.plural is not None:
            out["plural"] = self.plural
        return out

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Message:
        params = {name: _param_from_json(value) for name, value in raw.get("params", {}).items()}
        return cls(raw["msgid"], params, raw.get("plural"))


ParamRenderer: TypeAlias = "Callable[[Param], str]"


def msg(msgid: str, /, **params: Param) -> Message:
    """A message to translate: `msg("Line {line} has no VAT code", line=3)`."""
    return Message(msgid, params)


def msg_n(singular: str, plural: str, n: int, /, **params: Param) -> Message:
    """A message with a plural form; the count is the parameter `n`."""
    return Message(singular, {"n": n, **params}, plural)


def N_(msgid: str) -> str:
    """Mark a constant for the catalogue without translating it here (labels in tables)."""
    return msgid


def english(value: Param) -> str:
    """A parameter as the English text shows it (the API and the logs)."""
    if value is None:
        return "–"
    if isinstance(value, Message):
        return str(value)
    if isinstance(value, tuple):
        return ", ".join(english(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def joined(messages: Sequence[Message], separator: str = " ") -> Message:
    """Several messages as one ("The invoice has no lines. No account could be suggested…")."""
    names = [f"m{i}" for i in range(len(messages))]
    template = separator.join("{" + name + "}" for name in names)
    return Message(template, dict(zip(names, messages, strict=True)))


def as_message(text: str | Message) -> Message:
    """A plain string becomes a message whose id is that string (translated if catalogued)."""
    return text if isinstance(text, Message) else Message(text)


def _params_to_json(params: Mapping[str, Param]) -> dict[str, Any]:
    return {name: _param_to_json(value) for name, value in params.items()}


def _param_to_json(value: Param) -> Any:
    if isinstance(value, Message):
        return value.to_json()
    if isinstance(value, tuple):
        return {"list": [_param_to_json(v) for v in value]}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if value is None or isinstance(value, int | str):
        return value
    # An untyped library's value (an exception from pypdfium2 is `Any` to mypy) must not stop a
    # failure from being recorded: the document would stay "received" with no reason shown.
    return str(value)


def _param_from_json(raw: Any) -> Param:
    if isinstance(raw, dict):
        if "msgid" in raw:
            return Message.from_json(raw)
        if "list" in raw:
            return tuple(_param_from_json(v) for v in raw["list"])
        if "decimal" in raw:
            return Decimal(raw["decimal"])
        if "date" in raw:
            return date.fromisoformat(raw["date"])
    if isinstance(raw, bool | float):
        return str(raw)
    if raw is None or isinstance(raw, int | str):
        return raw
    return str(raw)
