"""The web server of ``pantau serve``: gunicorn's arbiter over processes serving with waitress.

Why this shape. gunicorn's threaded worker (gthread, still in gunicorn 27) hands a new
connection to an application thread once its first byte arrives, and that thread then reads
the request line, the headers and the body with no deadline: sixteen clients sending a
header line every few seconds held all 8 threads of ``pantau serve`` (4 processes x 2) and
every other request timed out for as long as they stayed. waitress reads and buffers each
request whole (headers and body) in its I/O loop and only then hands it to a thread, so a
slow client costs a socket, never a thread; its ``channel_timeout`` closes idle
connections, and :class:`ReadDeadlineChannel` adds what it lacks: a request must arrive
whole within ``request_read_seconds`` of its first byte. waitress alone is one process,
and several processes serve the supervisor's filter changes faster than threads of one
process (the GIL; README "Benchmarks"), so gunicorn still forks and watches the processes
(restarts one that dies, graceful stop, the heartbeat that kills a stuck one) and each of
them runs :class:`WaitressWorker` (gunicorn's documented custom worker class) on the
listening socket gunicorn bound: every process accepts from the same socket.

Each process also wraps the application in :class:`~dashboard.processes.client_limit.ClientLimit`,
counting one address's requests in flight across all processes in a table the master
makes before it forks and gives each worker a row of (this module is also gunicorn's
config, ``-c python:dashboard.processes.serving``, for the hooks :func:`on_starting`, :func:`pre_fork`
and :func:`child_exit`). A bound per process was not enough: 4 processes x 6 let one
address keep 24 wall polls running on 2 cores, and another address's poll p99 was 1.4 s.
A bigger body than ``max_request_bytes`` is refused by waitress (413) before it is read.

Measured on a shared 2-core machine
(``tests/integration/test_serve_slow_clients.py``, load average about 10): with 16 slowloris
sockets and 100 connections flooding wall polls from one address, another address's wall
polls had a median of 72 ms and a p99 of 0.72 s; under the gthread server 4 of 5 timed out
(5 s). Supervisor filter changes (``bench.supervisor_served``, alternating the two servers)
were as fast as under gthread within that machine's noise.
"""

from __future__ import annotations

import os
import socket
import time
from wsgiref.types import WSGIApplication

from gunicorn.arbiter import Arbiter
from gunicorn.workers.base import Worker
from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

from dashboard.processes.client_limit import ClientLimit, InFlight
from dashboard.config import Settings

#: Open connections per process before it stops accepting (the other processes still
#: accept); keep-alive connections are cheap in waitress's poll loop.
CONNECTIONS = 500
#: A connection that sends nothing for this long with no request running is closed.
IDLE_SECONDS = 30
#: Largest request line + headers (gunicorn allowed 100 fields of 8 KiB).
HEADER_BYTES = 65_536
#: How often the loop wakes to beat gunicorn's heartbeat and check deadlines.
TICK_SECONDS = 1.0
#: Rows of the shared in-flight table: at most this many web processes at once.
MAX_PROCESSES = 64


class ReadDeadlineChannel(HTTPChannel):
    """A waitress connection closed when the request it is reading has not arrived whole
    within the server's ``read_seconds`` of its first byte. waitress's own timeout only
    closes idle connections; a client sending a header line every few seconds is never idle."""

    request_started = 0.0

    def received(self, data: bytes) -> bool:
        if self.request is None and data:
            self.request_started = time.monotonic()
        return super().received(data)

    def readable(self) -> bool:
        if self.request is not None and time.monotonic() - self.request_started > self.server.read_seconds:
            self.will_close = True  # writable() is now true: waitress closes it in handle_write
            return False
        return super().readable()


class DeadlineServer(TcpWSGIServer):
    """waitress's TCP server on an already bound socket, with :class:`ReadDeadlineChannel`."""

    channel_class = ReadDeadlineChannel

    def __init__(self, app: WSGIApplication, sock: socket.socket, channels: dict, dispatcher: ThreadedTaskDispatcher,
                 adj: Adjustments, read_seconds: float) -> None:
        self.read_seconds = read_seconds
        super().__init__(app, channels, True, sock, dispatcher=dispatcher, adj=adj, bind_socket=False,
                         sockinfo=(sock.family, sock.type, sock.proto, sock.getsockname()))


def adjustments(settings: Settings, threads: int) -> Adjustments:
    return Adjustments(threads=threads, connection_limit=CONNECTIONS, channel_timeout=IDLE_SECONDS,
                       cleanup_interval=IDLE_SECONDS // 6, max_request_header_size=HEADER_BYTES,
                       max_request_body_size=settings.max_request_bytes, asyncore_use_poll=True,
                       ident="pantau")


class WaitressWorker(Worker):
    """A gunicorn worker process that serves its sockets with waitress (``cfg.threads``
    application threads) until gunicorn stops it."""

    def run(self) -> None:
        settings = Settings.from_env()
        adj = adjustments(settings, self.cfg.threads)
        app = ClientLimit(self.wsgi, settings.max_requests_per_client, self.in_flight, self.in_flight_row)
        dispatcher = ThreadedTaskDispatcher()
        dispatcher.set_thread_count(adj.threads)
        channels: dict = {}
        servers = [DeadlineServer(app, listener.sock, channels, dispatcher, adj, settings.request_read_seconds)
                   for listener in self.sockets]
        while self.alive and os.getppid() == self.ppid:
            self.notify()
            wasyncore.loop(timeout=TICK_SECONDS, use_poll=True, map=channels, count=1)
        for server in servers:
            server.accepting = False  # the other processes (or the next server) take new connections
        self._finish(channels, time.monotonic() + self.cfg.graceful_timeout)
        dispatcher.shutdown(cancel_pending=True, timeout=1)
        wasyncore.close_all(channels)

    def _finish(self, channels: dict, deadline: float) -> None:
        """Serve the requests already received until their answers are sent (or the deadline)."""
        while time.monotonic() < deadline and any(
                isinstance(c, HTTPChannel) and (c.requests or c.total_outbufs_len) for c in channels.values()):
            self.notify()
            wasyncore.loop(timeout=0.2, use_poll=True, map=channels, count=1)


# gunicorn server hooks (run in the master process).

def on_starting(server: Arbiter) -> None:
    """Make the in-flight table before any worker is forked, so all of them share it."""
    server.in_flight = InFlight(rows=MAX_PROCESSES)


def pre_fork(server: Arbiter, worker: Worker) -> None:
    """Give the worker about to be forked the table and a row no live worker uses, zeroed."""
    taken = {w.in_flight_row for w in server.WORKERS.values()}
    worker.in_flight = server.in_flight
    worker.in_flight_row = min(set(range(MAX_PROCESSES)) - taken)
    server.in_flight.clear(worker.in_flight_row)


def child_exit(server: Arbiter, worker: Worker) -> None:
    """A worker that exited (or was killed) holds no requests any more."""
    server.in_flight.clear(worker.in_flight_row)
