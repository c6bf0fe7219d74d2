"""Uploads per second and latency of `POST /v1/documents` on SQLite, N concurrent clients.

    python benchmarks/ingest.py --clients 1 4 16 --requests 400 [--with-worker]

Each upload is a distinct EHF invoice (a different invoice number), so none is a duplicate.
By default the in-process worker is off, to measure ingest alone (store original + record +
enqueue); `--with-worker` measures it while interpretation runs beside it.
"""

from __future__ import annotations

import argparse
import threading
import time

import httpx

from benchmarks._harness import REPO
from benchmarks._harness import percentile
from benchmarks._harness import running_service
from benchmarks._harness import table

TEMPLATE = (REPO / "fixtures" / "demo" / "ehf-01.xml").read_bytes()


def document(n: int) -> bytes:
    return TEMPLATE.replace(b"<cbc:ID>10000</cbc:ID>", f"<cbc:ID>B{n:07d}</cbc:ID>".encode(), 1)


def run(
    base: str, key: str, clients: int, requests: int, offset: int
) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    per_client = requests // clients

    def client_loop(index: int) -> None:
        nonlocal errors
        with httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60
        ) as http:
            for i in range(per_client):
                body = document(offset + index * per_client + i)
                start = time.perf_counter()
                response = http.post("/v1/documents", files={"file": ("inv.xml", body)})
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    latencies.append(elapsed)
                    errors += response.status_code != 202

    threads = [threading.Thread(target=client_loop, args=(c,)) for c in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--with-worker", action="store_true")
    args = parser.parse_args()
    worker = "true" if args.with_worker else "false"
    rows = []
    with running_service(KONTERA_IN_PROCESS_WORKER=worker) as service:
        offset = 0
        for clients in args.clients:
            wall, latencies, errors = run(
                service.base_url, service.api_key, clients, args.requests, offset
            )
            offset += args.requests
            rows.append(
                [
                    clients,
                    len(latencies),
                    f"{len(latencies) / wall:.1f}",
                    f"{percentile(latencies, 50):.1f}",
                    f"{percentile(latencies, 99):.1f}",
                    errors,
                ]
            )
    print(f"POST /v1/documents on SQLite (in-process worker: {worker})")
    print(table(["clients", "uploads", "uploads/s", "p50 ms", "p99 ms", "errors"], rows))


if __name__ == "__main__":
    main()
