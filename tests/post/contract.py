"""Validate recorded connector requests against the systems' published OpenAPI specs."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import httpx
import pytest
from openapi_core import Config
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers
from werkzeug.datastructures import ImmutableMultiDict

SPECS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "api-specs"


class RecordingTransport(httpx.BaseTransport):
    """Keep every request that reaches the wire."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.inner.handle_request(request)


class HttpxOpenAPIRequest:
    """openapi-core's Request protocol over an httpx.Request."""

    def __init__(self, request: httpx.Request) -> None:
        url = urlsplit(str(request.url))
        self.host_url = f"{url.scheme}://{url.netloc}"
        self.path = request.url.path  # decoded: ">externalVoucherNumber" travels as %3E
        self.method = request.method.lower()
        self.body: bytes | None = request.content or None
        self.content_type = request.headers.get("content-type", "")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qs(url.query, keep_blank_values=True)),
            header=Headers(dict(request.headers)),
            cookie=ImmutableMultiDict(),
        )


def _load(relative: str) -> dict[str, Any]:
    path = SPECS / relative
    if not path.exists():
        pytest.skip(f"corpus spec {relative} is not available")
    spec: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return spec


def _walk(node: Any) -> Any:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


@cache
def tripletex_spec() -> OpenAPI:
    """The Tripletex spec, mended in memory for the three faults the corpus README lists."""
    spec = _load("tripletex/openapi.json")
    for node in _walk(spec):
        # Fault 1: integer/boolean parameters with *string* defaults ("default": "0").
        kind, default = node.get("type"), node.get("default")
        if kind in ("integer", "boolean", "number") and isinstance(default, str):
            del node["default"]
        # Fault 2: JSON bodies declared only as "application/json; charset=utf-8".
        content = node.get("content")
        if isinstance(content, dict) and "application/json; charset=utf-8" in content:
            content.setdefault("application/json", content["application/json; charset=utf-8"])
    # Fault 3: the multipart `file` of the attachment upload is typed object, not binary.
    upload = spec["paths"]["/ledger/voucher/{voucherId}/attachment"]["post"]
    schema = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    schema["properties"]["file"] = {"type": "string", "format": "binary"}
    return _openapi(spec)


@cache
def fortnox_spec() -> OpenAPI:
    """The Fortnox spec, with its `*/*` request bodies read as the JSON they are."""
    spec = _load("fortnox/openapi-fortnox.json")
    for node in _walk(spec):
        # The spec declares JSON request bodies as `*/*`, for which openapi-core does not
        # parse the body; Fortnox's API takes and documents JSON, so validate it as JSON.
        body = node.get("requestBody")
        if isinstance(body, dict) and "*/*" in body.get("content", {}):
            body["content"]["application/json"] = body["content"].pop("*/*")
    # Same fault as Tripletex's: the inbox upload's multipart `file` is typed object.
    upload = spec["paths"]["/3/inbox"]["post"]["requestBody"]["content"]["multipart/form-data"]
    upload["schema"]["properties"]["file"] = {"type": "string", "format": "binary"}
    return _openapi(spec)


def _openapi(spec: dict[str, Any]) -> OpenAPI:
    # The specs themselves are not under test (and validating 2 MB of spec takes seconds).
    return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))


def validate_all(spec: OpenAPI, requests: list[httpx.Request]) -> int:
    """Validate each request (path, method, parameters, body); return how many were checked."""
    for request in requests:
        wrapped = HttpxOpenAPIRequest(request)
        try:
            spec.validate_request(wrapped)
        except Exception as e:  # openapi-core raises a family of errors: show which request
            details = getattr(e, "schema_errors", None) or getattr(e, "__cause__", None)
            raise AssertionError(f"{request.method} {request.url}: {e!r} {details!r}") from e
    return len(requests)
