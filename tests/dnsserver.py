"""A real DNS server on a loopback UDP port, answering from a zone the test writes.

Mail authentication (SPF, DKIM, DMARC) asks DNS; tests and benchmarks point Kontera at this
server (`KONTERA_MAIL_DNS_SERVER=127.0.0.1:<port>`) so that lookups run offline, fast and with
the answers the test wants. Names not in the zone get NXDOMAIN, as on the internet.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset


class Zone:
    def __init__(self) -> None:
        self.records: dict[tuple[str, str], list[str]] = {}
        self.lock = threading.Lock()

    def txt(self, name: str, *texts: str) -> None:
        """TXT records; a text longer than 255 bytes is split into strings, as DNS needs."""
        with self.lock:
            self.records[(_fqdn(name), "TXT")] = [_quoted(text) for text in texts]

    def remove(self, name: str) -> None:
        with self.lock:
            for key in [k for k in self.records if k[0] == _fqdn(name)]:
                del self.records[key]

    def answer(self, query: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        question = query.question[0]
        name = question.name.to_text().lower()
        kind = dns.rdatatype.to_text(question.rdtype)
        with self.lock:
            texts = self.records.get((name, kind))
            known = any(key[0] == name for key in self.records)
        if texts:
            response.answer.append(dns.rrset.from_text_list(name, 60, "IN", kind, texts))
        elif not known:
            response.set_rcode(dns.rcode.NXDOMAIN)
        return response


def _fqdn(name: str) -> str:
    return name.lower().rstrip(".") + "."


def _quoted(text: str) -> str:
    parts = [text[i : i + 250] for i in range(0, len(text), 250)] or [""]
    return " ".join(f'"{part}"' for part in parts)


@contextmanager
def dns_server() -> Iterator[tuple[str, Zone]]:
    """Yield `("127.0.0.1:<port>", zone)` while the server runs."""
    zone = Zone()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data, peer = sock.recvfrom(4096)
            except (TimeoutError, OSError):
                continue
            try:
                reply = zone.answer(dns.message.from_wire(data)).to_wire()
            except Exception:  # a malformed query: drop it, as servers do
                continue
            sock.sendto(reply, peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{sock.getsockname()[1]}", zone
    finally:
        stop.set()
        thread.join(timeout=5)
        sock.close()
