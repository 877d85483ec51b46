"""A media server on 127.0.0.1 that trickles its answer one byte per ``interval``
(real HTTP over a real socket, like ``tests/fake_camera.py``).

``mode`` picks what trickles: ``"headers"`` the status line and headers (the body never
comes), ``"body"`` an image/png body after headers sent at once (with a Content-Length),
``"body-nolength"`` the same without one (the body ends when the connection closes).
Each connection stops after ``limit`` bytes or when the client goes away, so no test can
hang on it; ``connections`` counts the requests that arrived.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PNG_HEAD = b"\x89PNG\r\n\x1a\n"


class TrickleServer:
    def __init__(self, mode: str = "headers", interval: float = 1.0, limit: int = 60) -> None:
        self.mode, self.interval, self.limit = mode, interval, limit
        self.connections = 0
        self._stop = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake.connections += 1
                fake.answer(self)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "/slow.png") -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        body = PNG_HEAD + b"\0" * self.limit
        length = f"Content-Length: {len(body)}\r\n" if self.mode == "body" else ""
        head = f"HTTP/1.0 200 OK\r\nContent-Type: image/png\r\n{length}\r\n".encode()
        if self.mode == "headers":
            self.trickle(handler, head + b"X-Padding: " + b"x" * self.limit)
        else:
            handler.wfile.write(head)
            handler.wfile.flush()
            self.trickle(handler, body)
        handler.close_connection = True

    def trickle(self, handler: BaseHTTPRequestHandler, data: bytes) -> None:
        try:
            for i in range(min(len(data), self.limit)):
                handler.wfile.write(data[i:i + 1])
                handler.wfile.flush()
                if self._stop.wait(self.interval):
                    return
        except OSError:
            pass  # the client cut the connection: what the deadline is for

    def __enter__(self) -> "TrickleServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()


def wait_for(predicate, timeout: float = 10.0) -> bool:
    """Poll ``predicate`` every 50 ms until it is true or ``timeout`` passes."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()
