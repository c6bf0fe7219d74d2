"""A TCP proxy on loopback that forwards uploads slowly and counts what went through.

It stands between a writer and the S3 server so that a test can kill the writer while its
upload is provably half-way: `wait_for(n)` returns once n bytes have gone upstream.
"""

from __future__ import annotations

import socket
import threading
import time


class SlowProxy:
    def __init__(self, upstream_port: int, bytes_per_second: int) -> None:
        self.upstream_port = upstream_port
        self.rate = bytes_per_second
        self.forwarded = 0
        self._changed = threading.Condition()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 30.0) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: self.forwarded >= count, timeout):
                raise TimeoutError(f"only {self.forwarded} of {count} bytes went through")

    def close(self) -> None:
        self._stop.set()
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, slow: bool) -> None:
        try:
            while chunk := source.recv(16 * 1024 if slow else 64 * 1024):
                sink.sendall(chunk)
                if slow:
                    with self._changed:
                        self.forwarded += len(chunk)
                        self._changed.notify_all()
                    time.sleep(len(chunk) / self.rate)
        except OSError:
            pass
        finally:
            # The writer died: the server sees the connection close mid-body, as in real life.
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                end.close()
