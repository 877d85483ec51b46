"""The per-address bound on requests in flight (a WSGI app that waits until told to answer),
shared by processes through :class:`InFlight`."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from dashboard.processes.client_limit import ClientLimit, InFlight


class Blocking:
    """A WSGI app whose responses wait on ``release``; counts its calls."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.calls = 0
        self.closed = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        if environ.get("PATH_INFO") == "/boom":
            raise RuntimeError("boom")
        start_response("200 OK", [("Content-Type", "text/plain")])
        return self.Body(self)

    class Body:
        def __init__(self, app: "Blocking") -> None:
            self.app = app

        def __iter__(self):
            assert self.app.release.wait(10)
            yield b"ok"

        def close(self) -> None:
            self.app.closed += 1


def serve(app, addr: str, path: str = "/") -> tuple[str, dict, bytes]:
    """One request through ``app`` as a WSGI server runs it: iterate, then close."""
    seen: dict = {}

    def start_response(status: str, headers: list) -> None:
        seen["status"], seen["headers"] = status, dict(headers)

    body = app({"REMOTE_ADDR": addr, "PATH_INFO": path}, start_response)
    try:
        data = b"".join(body)
    finally:
        getattr(body, "close", lambda: None)()
    return seen["status"], seen["headers"], data


def test_past_the_bound_an_address_gets_429_at_once_and_others_are_served():
    app = Blocking()
    limited = ClientLimit(app, bound=2)
    with ThreadPoolExecutor(4) as pool:
        held = [pool.submit(serve, limited, "10.0.0.1") for _ in range(2)]
        while limited.in_flight("10.0.0.1") < 2:
            threading.Event().wait(0.01)
        status, headers, body = serve(limited, "10.0.0.1")  # answered while the two still wait
        assert status.startswith("429") and headers["Retry-After"] == "1" and b"too many" in body
        assert app.calls == 2  # the application never saw the third request
        other = pool.submit(serve, limited, "10.0.0.2")
        while limited.in_flight("10.0.0.2") < 1:
            threading.Event().wait(0.01)
        app.release.set()
        assert [f.result()[0] for f in held + [other]] == ["200 OK"] * 3
    assert app.closed == 3  # the application's iterable was closed
    assert limited.in_flight("10.0.0.1") == limited.in_flight("10.0.0.2") == 0
    assert serve(limited, "10.0.0.1")[0] == "200 OK"  # slots come back


def test_a_request_counts_until_its_response_is_closed():
    app = Blocking()
    app.release.set()
    limited = ClientLimit(app, bound=1)
    body = limited({"REMOTE_ADDR": "10.0.0.1"}, lambda *_: None)
    assert list(body) == [b"ok"] and limited.in_flight("10.0.0.1") == 1  # sent, not yet closed
    body.close()
    body.close()  # a second close releases nothing more
    assert limited.in_flight("10.0.0.1") == 0


def test_an_application_error_releases_the_slot():
    limited = ClientLimit(Blocking(), bound=1)
    with pytest.raises(RuntimeError):
        serve(limited, "10.0.0.1", "/boom")
    assert limited.in_flight("10.0.0.1") == 0


def test_bound_zero_is_no_limit():
    app = Blocking()
    app.release.set()
    limited = ClientLimit(app, bound=0)
    bodies = [limited({"REMOTE_ADDR": "10.0.0.1"}, lambda *_: None) for _ in range(50)]
    assert app.calls == 50 and all(list(b) == [b"ok"] for b in bodies)


def test_the_bound_counts_every_process_sharing_the_table():
    table = InFlight(rows=2)
    app = Blocking()
    first, second = ClientLimit(app, 2, table, row=0), ClientLimit(app, 2, table, row=1)
    held = first({"REMOTE_ADDR": "10.0.0.1"}, lambda *_: None)
    pid = os.fork()
    if pid == 0:  # another web process: takes the address's second slot in its row, then dies holding it
        second({"REMOTE_ADDR": "10.0.0.1"}, lambda *_: None)
        os._exit(0)
    assert os.waitpid(pid, 0)[1] == 0
    assert first.in_flight("10.0.0.1") == 2  # seen through the shared memory
    assert serve(first, "10.0.0.1")[0].startswith("429")
    table.clear(1)  # what gunicorn's master does when that process exits
    held.close()
    app.release.set()
    assert first.in_flight("10.0.0.1") == 0 and serve(first, "10.0.0.1")[0] == "200 OK"
