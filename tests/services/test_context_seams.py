"""The context's seams: services open HTTP clients through it, so tests need no patching."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx

from kontera.services.admin import companies
from kontera.services.context import AppContext
from kontera.services.ops import webhooks


def test_a_webhook_test_event_goes_through_the_contexts_http_client(ctx: AppContext) -> None:
    """GIVEN a context whose HTTP clients answer from an in-process transport
    WHEN  a bookkeeper sends a test event to a subscribed endpoint
    THEN  the request went there, signed, with redirects off, and no socket was opened."""
    seen: list[httpx.Request] = []
    options: list[dict[str, Any]] = []

    def transport(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    def clients(**kwargs: Any) -> httpx.Client:
        options.append(kwargs)
        return httpx.Client(transport=httpx.MockTransport(transport), **kwargs)

    seamed = dataclasses.replace(ctx, http_client=clients)
    company = companies.create_company(seamed, name="Seam AS", org_number="923609016")
    endpoint = webhooks.add_endpoint(
        seamed, company_id=company.id, url="https://hooks.example.test/kontera"
    )
    result = webhooks.send_test(
        seamed, company_id=company.id, endpoint_id=endpoint.endpoint.id, actor="test"
    )

    assert result.delivered and result.status == 204
    assert [str(r.url) for r in seen] == ["https://hooks.example.test/kontera"]
    assert seen[0].headers["Kontera-Signature"].startswith("t=")
    assert options == [{"timeout": ctx.settings.webhook_timeout_seconds, "follow_redirects": False}]
