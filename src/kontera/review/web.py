"""Rendering: one Jinja2 environment, with the user's translator and locale formats."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from kontera.i18n import LOCALES
from kontera.i18n import Translator
from kontera.i18n import translator
from kontera.review.detail import amount_text
from kontera.services.context import AppContext
from kontera.services.review import notifications

if TYPE_CHECKING:
    from kontera.services.admin.users import SignedIn

HERE = Path(__file__).parent
_APPROVED = re.compile(r"^([0-9a-f]{32})/([0-9a-f]{32})$")
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
    locale = user.locale if user else browser_locale(request)
    values.setdefault("csrf_token", user.csrf_token if user else "")
    t = translator(locale)
    context = {
        "request": request,
        "user": user,
        "locale": locale,
        "_": t,  # _("English text", name=value): the catalogue's text in the user's language
        "plural": t.plural,
        "text": t.text,  # a message made deep in the code (a note, a reason, an error)
        "label": t.label,  # label("status", "needs_review"): the name of a code value
        "field": t.field,  # field("lines.0.net"): a field's name
        "money": t.amount,
        "number": t.number,
        "percent": t.percent,
        "day": t.date,
        "card_value": lambda v: card_value(v, t),
        "amount_input": lambda v: amount_text(v, locale),
        "approved_link": approved_link(request),
        # The header's badge: how many things need the person (asked only where shown).
        "attention": lambda: (
            notifications.action_count(
                app_context(request), user_id=user.user_id, company_ids=user.company_ids
            )
            if user
            else 0
        ),
        **values,
    }
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def approved_link(request: Request) -> tuple[str, str] | None:
    """(company id, document id) of the document just approved, for "Undo" on the next page."""
    found = _APPROVED.match(request.query_params.get("approved", ""))
    return (found.group(1), found.group(2)) if found else None


def browser_locale(request: Request) -> str:
    accepted = request.headers.get("accept-language", "").lower()
    for part in accepted.split(","):
        language = part.split(";")[0].strip()[:2]
        if language in ("nb", "nn", "no"):
            return "nb"
        if language in LOCALES:
            return language
    return "nb"


def card_value(value: Any, t: Translator) -> str:
    """A model card's value: numbers in the reader's format (NaN as "–"), text as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return t.date(value) if isinstance(value, str) and _ISO_MOMENT.match(value) else str(value)
    if isinstance(value, float) and math.isnan(value):
        return "–"
    return t.number(round(value, 4) if isinstance(value, float) else value)


_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def confidence_class(value: float | None) -> str:
    if value is None:
        return "conf-none"
    if value >= 0.95:
        return "conf-high"
    if value >= 0.8:
        return "conf-mid"
    return "conf-low"


templates.env.globals["confidence_class"] = confidence_class
