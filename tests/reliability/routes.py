"""Walk an application's route table and build a request for every route and method.

Path parameters are filled from a pool of another company's ids (integer ones with 1);
request bodies are the smallest values the route accepts (JSON from its OpenAPI schema, forms
from its declared form fields, since UI routes stay out of the schema), so a request is
refused for who sent it and not for what it sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import fastapi.routing
from fastapi import FastAPI
from starlette.routing import Mount
from starlette.routing import Route

# Public by design, and nothing else: each needs no credentials and shows no company's data.
PUBLIC_PATHS = {
    "/healthz",
    "/readyz",
    # Service-wide counters without a company label; KONTERA_METRICS_TOKEN closes it.
    "/metrics",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/openapi.json",
    "/login",
}
PUBLIC_PREFIXES = ("/static",)
_PARAM = re.compile(r"{([^}:]+)(?::[^}]+)?}")
_INT_PARAM = re.compile(r"{([^}:]+):(?:int|float)}")
_PARAM_FORMAT = re.compile(r"{([^}:]+):[^}]+}")


@dataclass(frozen=True, slots=True)
class Endpoint:
    path: str
    method: str
    params: tuple[str, ...]
    int_params: frozenset[str]
    # Declared form fields as (name, "file" | "int" | "bool" | "str"); empty for JSON or no body.
    form: tuple[tuple[str, str], ...] = ()

    def fill(self, value: str) -> str:
        def replace(match: re.Match[str]) -> str:
            return "1" if match[1] in self.int_params else value

        return _PARAM.sub(replace, self.path)


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def endpoints(app: FastAPI) -> list[Endpoint]:
    found = {(e.path, e.method): e for e in _walk(flat_routes(app.routes), "")}
    return [found[key] for key in sorted(found)]


def flat_routes(routes: Sequence[Any]) -> list[Any]:
    """Routes with included routers flattened (FastAPI ≥ 0.16x keeps them nested)."""
    iterate = getattr(fastapi.routing, "iter_route_contexts", None)
    if iterate is None:
        return list(routes)
    return list(iterate(routes))


def _walk(routes: Sequence[Any], prefix: str) -> Iterator[Endpoint]:
    for route in routes:
        original = getattr(route, "original_route", route)
        if isinstance(original, Mount):
            if not is_public(prefix + original.path):
                yield from _walk(flat_routes(original.routes), prefix + original.path)
        elif isinstance(original, Route) and route.methods:
            path = prefix + route.path
            if is_public(path):
                continue
            params = tuple(_PARAM.findall(path))
            dependant = getattr(original, "dependant", None)
            ints = frozenset(_INT_PARAM.findall(path)) | _typed_ints(dependant)
            form = _form_fields(dependant)
            for method in sorted(set(route.methods) - {"HEAD", "OPTIONS"}):
                yield Endpoint(_PARAM_FORMAT.sub(r"{\1}", path), method, params, ints, form)


def _declared(dependant: Any, kind: str) -> list[Any]:
    """A FastAPI dependant's parameters of one kind, its sub-dependencies' included."""
    if dependant is None:
        return []
    found = list(getattr(dependant, kind, []))
    for sub in getattr(dependant, "dependencies", []):
        found += _declared(sub, kind)
    return found


def _annotation(field: Any) -> Any:
    return getattr(getattr(field, "field_info", None), "annotation", None)


def _typed_ints(dependant: Any) -> frozenset[str]:
    return frozenset(
        f.alias for f in _declared(dependant, "path_params") if _annotation(f) in (int, float)
    )


def _form_fields(dependant: Any) -> tuple[tuple[str, str], ...]:
    fields = []
    for field in _declared(dependant, "body_params"):
        source = type(getattr(field, "field_info", None)).__name__
        if source not in ("Form", "File"):
            continue
        declared = _annotation(field)
        if source == "File" or "UploadFile" in str(declared):
            kind = "file"
        else:
            kind = "int" if declared in (int, float) else "bool" if declared is bool else "str"
        fields.append((field.alias, kind))
    return tuple(fields)


def request_body(
    schema: dict[str, Any], endpoint: Endpoint, csrf: str, value: str = ""
) -> dict[str, Any]:
    """`json=`, `data=`/`files=` keyword arguments with a minimal valid body."""
    if endpoint.form:
        # Form fields may name resources too (bulk approval takes document ids): fill them.
        data = {
            n: ("1" if k == "int" else "false" if k == "bool" else _text(n, csrf, value))
            for n, k in endpoint.form
            if k != "file"
        }
        files = {n: ("f.csv", b"a;b\n1;2\n") for n, k in endpoint.form if k == "file"}
        return {"data": data, **({"files": files} if files else {})}
    operation = schema.get("paths", {}).get(endpoint.path, {}).get(endpoint.method.lower(), {})
    content = operation.get("requestBody", {}).get("content", {})
    components = schema.get("components", {}).get("schemas", {})
    if "application/json" in content:
        body = minimal(content["application/json"].get("schema", {}), components, csrf, "")
        return {"json": body}
    for form in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if form in content:
            body = minimal(content[form].get("schema", {}), components, csrf, "")
            return {"data": {k: str(v) for k, v in (body or {}).items()}}
    return {}


def minimal(schema: dict[str, Any], components: dict[str, Any], csrf: str, name: str) -> Any:
    if "$ref" in schema:
        return minimal(components[schema["$ref"].rsplit("/", 1)[-1]], components, csrf, name)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return minimal(options[0], components, csrf, name) if options else None
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        required = schema.get("required", [])
        properties = schema.get("properties", {})
        return {k: minimal(properties.get(k, {}), components, csrf, k) for k in required}
    if kind == "array":
        return []
    if kind in ("integer", "number"):
        return 1
    if kind == "boolean":
        return False
    if "enum" in schema:
        return schema["enum"][0]
    return _text(name, csrf)


def _text(name: str, csrf: str, value: str = "") -> str:
    return csrf if "csrf" in name.lower() else value or "x"
