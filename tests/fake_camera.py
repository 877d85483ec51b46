"""A fake flood-gate camera speaking real HTTP on 127.0.0.1 (FixMyStreet ``t/Mock`` style).

``camera.mode`` picks the answer to ``GET /still.png``: ``"png"`` a real PNG frame,
``"500"`` a server error, ``"hang"`` no answer for ``hang_seconds``, ``"html"`` an HTML
error page with status 200, ``"big"`` an image/png body larger than the fetcher's cap,
``"big-chunked"`` the same without a Content-Length (chunked transfer encoding).
"""

from __future__ import annotations

import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image


def png_frame(colour: tuple[int, int, int] = (20, 90, 160), size: tuple[int, int] = (64, 36)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format="PNG")
    return buf.getvalue()


class FakeCamera:
    def __init__(self, hang_seconds: float = 3.0, big_bytes: int = 3 * 1024 * 1024) -> None:
        self.mode = "png"
        self.frame = png_frame()
        self.hang_seconds = hang_seconds
        self.big_bytes = big_bytes
        self.hits = 0
        camera = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                camera.hits += 1
                camera.answer(self)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/still.png"

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        if self.mode == "hang":
            time.sleep(self.hang_seconds)
            return
        if self.mode == "big-chunked":
            self.chunked(handler, b"\x89PNG" + b"\0" * self.big_bytes)
            return
        status, ctype, body = {
            "png": (200, "image/png", self.frame),
            "500": (500, "text/plain", b"camera offline"),
            "html": (200, "text/html; charset=utf-8", b"<html><body>Login required</body></html>"),
            "big": (200, "image/png", b"\x89PNG" + b"\0" * self.big_bytes),
        }[self.mode]
        handler.send_response(status)
        handler.send_header("Content-Type", ctype)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    @staticmethod
    def chunked(handler: BaseHTTPRequestHandler, body: bytes, size: int = 256 * 1024) -> None:
        handler.protocol_version = "HTTP/1.1"
        handler.send_response(200)
        handler.send_header("Content-Type", "image/png")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.send_header("Connection", "close")
        handler.end_headers()
        try:
            for i in range(0, len(body), size):
                part = body[i:i + size]
                handler.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            handler.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the fetcher stopped reading at its cap

    def __enter__(self) -> "FakeCamera":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
