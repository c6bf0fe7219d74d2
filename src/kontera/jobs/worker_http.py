"""A worker's own operations endpoints: `/metrics` (this process's counters and histograms),
`/healthz` (the process answers) and `/readyz` (database, queue and store reachable).

Off unless `--metrics-port` / `KONTERA_METRICS_PORT` is set. Each worker process has its own
port, and Prometheus scrapes each one; the shared-state gauges (documents by status, queue
depth and age) come from the web process, so they are not repeated here.
"""

from __future__ import annotations

import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client import REGISTRY
from prometheus_client import generate_latest

from kontera import __version__
from kontera.services.context import AppContext
from kontera.services.ops.health import readiness


def serve_operations(ctx: AppContext, port: int, host: str = "0.0.0.0") -> ThreadingHTTPServer:
    handler = type("Handler", (_Handler,), {"ctx": ctx})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="operations-http", daemon=True).start()
    return server


class _Handler(BaseHTTPRequestHandler):
    ctx: AppContext

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            if not self._authorised():
                self._send(401, b'{"error": "unauthorized"}', "application/json")
                return
            self._send(200, generate_latest(REGISTRY), CONTENT_TYPE_LATEST)
        elif path == "/healthz":
            self._json(200, {"status": "ok", "version": __version__})
        elif path == "/readyz":
            problems = readiness(self.ctx)
            ready = not any(problems.values())
            checks = {name: problem or "ok" for name, problem in problems.items()}
            body = {"status": "ready" if ready else "not_ready", "checks": checks}
            self._json(200 if ready else 503, body)
        else:
            self._json(404, {"error": "not_found"})

    def _authorised(self) -> bool:
        token = self.ctx.settings.metrics_token
        sent = self.headers.get("Authorization", "")
        return not token or hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())

    def _json(self, status: int, body: object) -> None:
        self._send(status, json.dumps(body).encode(), "application/json")

    def _send(self, status: int, payload: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        return None  # scrapes every 15 s would drown the worker's log
