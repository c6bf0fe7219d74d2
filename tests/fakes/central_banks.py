"""Fake Norges Bank (SDMX CSV) and Riksbank (SWEA JSON) serving their real response formats.

Norges Bank: `GET /api/data/EXR/B.{CUR}.NOK.SP?format=csv&startPeriod&endPeriod&locale=en`,
semicolon CSV with code and label columns side by side, UNIT_MULT 2 for per-100 quotes, and
404 "No Results Found" when nothing matches. Riksbank: `GET /swea/v1/Observations/{series}/
{from}/{to}`, a JSON array of `{"date", "value"}`, 404 for a series it does not have.
Both count their calls and can be switched to answer 503.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import date
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.responses import PlainTextResponse
from starlette.responses import Response
from starlette.routing import Route

NB_HEADER = (
    "FREQ;Frequency;BASE_CUR;Base Currency;QUOTE_CUR;Quote Currency;TENOR;Tenor;DECIMALS;"
    "CALCULATED;UNIT_MULT;Unit Multiplier;COLLECTION;Collection Indicator;TIME_PERIOD;OBS_VALUE"
)
NAMES = {"EUR": "Euro", "USD": "US dollar", "JPY": "Japanese yen", "SEK": "Swedish krona"}

# Published business days around the weekend of 31 October – 1 November 2026.
NORGES_BANK_RATES: dict[str, tuple[int, dict[str, str]]] = {
    "EUR": (0, {"2026-10-29": "11.6420", "2026-10-30": "11.6535", "2026-11-02": "11.6810"}),
    "USD": (0, {"2026-10-30": "10.0410", "2026-11-02": "10.0755"}),
    "JPY": (2, {"2026-10-30": "6.8870", "2026-11-02": "6.9012"}),
    "SEK": (2, {"2026-10-30": "106.31", "2026-11-02": "106.42"}),
}
RIKSBANK_RATES: dict[str, dict[str, str]] = {
    "SEKEURPMI": {"2026-10-29": "10.9605", "2026-10-30": "10.9580", "2026-11-02": "10.9760"},
    "SEKUSDPMI": {"2026-10-30": "9.4410", "2026-11-02": "9.4620"},
    "SEKNOKPMI": {"2026-10-30": "94.07", "2026-11-02": "93.97"},
}


@dataclass
class FakeCentralBanks:
    calls: list[str] = field(default_factory=list)
    down: bool = False

    def __post_init__(self) -> None:
        self.app = Starlette(
            routes=[
                Route("/api/data/EXR/{key}", self.norges_bank, methods=["GET"]),
                Route(
                    "/swea/v1/Observations/{series}/{start}/{end}", self.riksbank, methods=["GET"]
                ),
            ]
        )

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)

    def count(self, prefix: str) -> int:
        return sum(1 for call in self.calls if call.startswith(prefix))

    async def norges_bank(self, request: Request) -> Response:
        self.calls.append(f"norges-bank {request.path_params['key']}")
        if self.down:
            return PlainTextResponse("Service Unavailable", status_code=503)
        freq, currency, quote, tenor = request.path_params["key"].split(".")
        start = date.fromisoformat(request.query_params["startPeriod"])
        end = date.fromisoformat(request.query_params["endPeriod"])
        unit, days = NORGES_BANK_RATES.get(currency, (0, {}))
        rows = [
            _nb_row(currency, unit, day, value)
            for day, value in sorted(days.items())
            if start <= date.fromisoformat(day) <= end
            and (freq, quote, tenor) == ("B", "NOK", "SP")
        ]
        if not rows:
            return PlainTextResponse("No Results Found", status_code=404)
        body = "\r\n".join([NB_HEADER, *rows]) + "\r\n"
        return Response(body.encode(), media_type="application/vnd.sdmx.data+csv; charset=utf-8")

    async def riksbank(self, request: Request) -> Response:
        series = request.path_params["series"]
        self.calls.append(f"riksbank {series}")
        if self.down:
            return JSONResponse({"statusCode": 503, "message": "unavailable"}, status_code=503)
        if series not in RIKSBANK_RATES:
            return JSONResponse({"statusCode": 404, "message": "Series not found"}, 404)
        start = date.fromisoformat(request.path_params["start"])
        end = date.fromisoformat(request.path_params["end"])
        values = [
            f'{{"date":"{day}","value":{value}}}'
            for day, value in sorted(RIKSBANK_RATES[series].items())
            if start <= date.fromisoformat(day) <= end
        ]
        if not values:
            return Response(status_code=204)
        return Response(f"[{','.join(values)}]".encode(), media_type="application/json")


def _nb_row(currency: str, unit: int, day: str, value: str) -> str:
    label = "Hundreds" if unit == 2 else "Units"
    return (
        f"B;Business;{currency};{NAMES[currency]};NOK;Norwegian krone;SP;Spot;4;false;"
        f"{unit};{label};C;ECB concertation time 14:15 CET;{day};{value}"
    )
