"""Rendering: one Jinja2 environment, the translator and the number/date formats per locale."""

from __future__ import annotations

import math
from datetime import date
from datetime import datetime
from decimal import Decimal
from decimal import InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from kontera.review.texts import translator
from kontera.services.context import AppContext

if TYPE_CHECKING:
    from kontera.services.users import SignedIn

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


def app_context(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


def safe_next(target: str | None) -> str:
    """Only same-site paths: `//evil.example` or `https://…` would be an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def render(
    request: Request,
    name: str,
    user: SignedIn | None,
    *,
    status_code: int = 200,
    **values: Any,
) -> Response:
    locale = user.locale if user else _browser_locale(request)
    values.setdefault("csrf_token", user.csrf_token if user else "")
    context = {
        "request": request,
        "user": user,
        "locale": locale,
        "t": translator(locale),
        "money": lambda v, c=None: money(v, locale, c),
        "percent": percent,
        "day": day,
        **values,
    }
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def _browser_locale(request: Request) -> str:
    accepted = request.headers.get("accept-language", "").lower()
    return "en" if accepted.startswith("en") else "nb"


def money(value: Any, locale: str, currency: str | None = None) -> str:
    if value is None or value == "":
        return "–"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    text = f"{amount:,.2f}"
    if locale != "en":  # Norwegian and Swedish: space for thousands, comma for decimals
        text = text.replace(",", " ").replace(".", ",")
    return f"{text} {currency}" if currency else text


def percent(value: float | None) -> str:
    # Rounded down, so a reading is never shown surer than it is (94.6 % is "94 %").
    return "–" if value is None else f"{math.floor(value * 100 + 1e-9)} %"


def day(value: date | datetime | str | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:16].replace("T", " ")


def confidence_class(value: float | None) -> str:
    if value is None:
        return "conf-none"
    if value >= 0.95:
        return "conf-high"
    if value >= 0.8:
        return "conf-mid"
    return "conf-low"


templates.env.globals["confidence_class"] = confidence_class
