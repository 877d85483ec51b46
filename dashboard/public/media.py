"""Report media, proxied like the camera stills: the server fetches a report's
``media_url`` itself (short timeouts, size cap, raster images only) and keeps the bytes
under ``<data_dir>/media/<report id>.<ext>``; the browser only ever sees
``/supervisor/media/<report id>``, never the outside address.

SVG is refused (it can carry script); so is anything not http(s), anything larger than
:data:`MAX_BYTES`, anything slower than :data:`TOTAL_S` and anything whose Content-Type
is not one of :data:`TYPES`. Failures raise :class:`MediaError` with a short reason for
the placeholder; they are not cached (a dead link may come back).

**The deadline is total**: connect, TLS handshake, request, status line, headers and
body of every hop together end :data:`TOTAL_S` after the fetch started, however the
server trickles its bytes. Each socket operation waits at most :data:`TIMEOUT_S` or the
time left, whichever is shorter, and a watchdog shuts the socket down at the deadline
(a blocked read returns at once), so a server sending one byte a second is cut at the
deadline, not after a minute.

**Fetches are bounded** (:class:`FetchSlots`): a process runs at most a few at once; one
more is refused at once with :class:`MediaBusy` (the route answers 503 with Retry-After)
instead of waiting, so slow media links can hold at most that many of the web server's
threads, never the ones the wall needs. Images already cached need no slot.

A ``media_url`` comes from a report, i.e. from outside, so the fetch must not become a
way into the server's own network (SSRF: ``http://169.254.169.254/``,
``http://127.0.0.1:6379/``). Each hop:

1. the host must be on :attr:`MediaPolicy.hosts` when that allow-list is set;
2. the host is resolved once and **every** address it resolves to is checked
   (:func:`address_refusal`): only global unicast addresses pass, plus loopback and
   private ones when :attr:`MediaPolicy.allow_private` is on; link-local (cloud metadata),
   multicast, unspecified and reserved addresses never pass; IPv4-mapped IPv6 addresses
   are judged by their IPv4 address;
3. the connection goes to one of exactly those checked addresses (no second lookup, so
   no DNS rebinding between check and connect), with the original name in the ``Host``
   header and, for https, in SNI and the certificate check.

Redirects are followed by hand, at most :data:`MAX_REDIRECTS`, and each hop goes
through the same checks (media links often point at a CDN that redirects). A refused
link raises :class:`MediaRefused` before any byte is sent to the refused address. The
fetch does not use ``HTTP(S)_PROXY``: a proxy would resolve names itself, after the check.
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote, urljoin, urlsplit

from requests.certs import where as ca_bundle

log = logging.getLogger(__name__)

TIMEOUT_S = 4.0  # connect and each read, at most
TOTAL_S = 10.0  # the whole fetch, redirects included: connect, headers and body
SLOTS = 3  # fetches at once per process (FetchSlots)
RETRY_AFTER_S = 5  # what a refused fetch tells the client
MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 3
REDIRECTS = {301, 302, 303, 307, 308}
USER_AGENT = "Pantau media proxy"
TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
CONTENT_TYPE = {ext: kind for kind, ext in TYPES.items()}

Resolver = Callable[..., list]  # socket.getaddrinfo's shape
Connector = Callable[..., socket.socket]  # socket.create_connection's shape


class MediaError(Exception):
    """The media could not be shown (reason in the message, safe to display)."""


class MediaRefused(MediaError):
    """The link points somewhere the proxy must not go. The message is safe to display;
    ``detail`` (host, address) is for the log only."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(reason)
        self.detail = detail


class MediaBusy(MediaError):
    """Every fetch slot of this process is taken; try again later."""


class FetchSlots:
    """At most ``size`` fetches at once in this process; :meth:`take` never waits."""

    def __init__(self, size: int = SLOTS) -> None:
        self._free = threading.BoundedSemaphore(size)

    @contextmanager
    def take(self) -> Iterator[None]:
        """Hold a slot for the ``with`` block; MediaBusy at once when none is free."""
        if not self._free.acquire(blocking=False):
            raise MediaBusy("media proxy busy")
        try:
            yield
        finally:
            self._free.release()


@dataclass(frozen=True)
class MediaPolicy:
    """Where the proxy may fetch from (``PANTAU_MEDIA_HOSTS``, ``PANTAU_MEDIA_ALLOW_PRIVATE``).

    ``hosts``: lower-case host names (or IP literals); ``*.example.org`` matches any
    subdomain of example.org. Empty means any host that passes the address check."""

    hosts: frozenset[str] = frozenset()
    allow_private: bool = False

    @classmethod
    def from_settings(cls, settings: Any) -> "MediaPolicy":
        hosts = frozenset(h.strip().lower().rstrip(".") for h in settings.media_hosts.split(",") if h.strip())
        return cls(hosts, bool(settings.media_allow_private))

    def host_allowed(self, host: str) -> bool:
        if not self.hosts or host in self.hosts:
            return True
        return any(h.startswith("*.") and host.endswith(h[1:]) for h in self.hosts)


def address_refusal(ip: str, allow_private: bool = False) -> str | None:
    """Why the proxy must not connect to ``ip`` (None: it may)."""
    addr = ipaddress.ip_address(ip.split("%", 1)[0])  # drop an IPv6 scope id
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    if addr.is_unspecified or addr.is_multicast or addr.is_link_local:
        return "link-local, multicast or unspecified address"  # never, whatever the setting
    if addr.is_global:
        return None
    if addr.is_reserved and not addr.is_loopback:  # IPv6 ::/8 holds ::1
        return "reserved address"
    return None if allow_private else "private or loopback address"


def cached(directory: Path, report_id: int) -> tuple[bytes, str] | None:
    """(bytes, content type) kept for ``report_id``, or None."""
    for ext, kind in CONTENT_TYPE.items():
        path = directory / f"{int(report_id)}.{ext}"
        if path.is_file():
            return path.read_bytes(), kind
    return None


def fetch(url: str | None, policy: MediaPolicy = MediaPolicy(), *, timeout: float = TIMEOUT_S,
          total: float = TOTAL_S, max_bytes: int = MAX_BYTES, resolver: Resolver = socket.getaddrinfo,
          connect: Connector = socket.create_connection) -> tuple[bytes, str]:
    """Download ``url``: (bytes, content type) of a raster image; MediaError otherwise
    (MediaRefused when the policy forbids a hop). ``resolver`` and ``connect`` are the
    network seams (tests point them at a fake server)."""
    deadline = time.monotonic() + total
    for _hop in range(MAX_REDIRECTS + 1):
        host, port, tls, target = _parse(url)
        addresses = _checked_addresses(host, port, policy, resolver)
        conn = _open(host, port, tls, addresses, _Deadline(deadline, timeout), connect)
        try:
            resp = _get(conn, target)
            if resp.status in REDIRECTS and resp.getheader("Location"):
                url = urljoin(url, resp.getheader("Location").strip())
                continue
            if resp.status != 200:
                raise MediaError(f"media server answered {resp.status}")
            kind = (resp.getheader("Content-Type") or "").split(";")[0].strip().lower()
            if kind not in TYPES:
                raise MediaError("not an image")
            return _read_capped(resp, max_bytes, deadline), kind
        except (OSError, http.client.HTTPException) as exc:
            if time.monotonic() >= deadline:
                raise MediaError("media server too slow") from exc
            raise MediaError("media server unreachable") from exc
        finally:
            conn.close()
            conn.disarm()
    raise MediaError("too many redirects")


def _parse(url: str | None) -> tuple[str, int, bool, str]:
    """(ASCII host, port, https?, request target) of an http(s) URL."""
    try:
        parts = urlsplit(url or "")
        host, port = (parts.hostname or "").rstrip("."), parts.port
        host = host.encode("idna").decode("ascii").lower()
    except (ValueError, UnicodeError):
        raise MediaError("bad media link") from None
    if parts.scheme not in ("http", "https") or not host:
        raise MediaError("no media link")
    tls = parts.scheme == "https"
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    query = quote(parts.query, safe="/?%:@!$&'()*+,;=-._~")
    return host, port or (443 if tls else 80), tls, path + (f"?{query}" if query else "")


def _checked_addresses(host: str, port: int, policy: MediaPolicy, resolver: Resolver) -> list[str]:
    """Every address ``host`` resolves to, all of them allowed; MediaRefused otherwise."""
    if not policy.host_allowed(host):
        raise MediaRefused("media host not allowed", f"{host} is not on PANTAU_MEDIA_HOSTS")
    try:
        infos = resolver(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise MediaError("media server unreachable") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos if info[0] in (socket.AF_INET, socket.AF_INET6)))
    if not addresses:
        raise MediaError("media server unreachable")
    for ip in addresses:
        reason = address_refusal(ip, policy.allow_private)
        if reason:
            raise MediaRefused("media address not allowed", f"{host} resolves to {ip}: {reason}")
    return addresses


@dataclass(frozen=True)
class _Deadline:
    """The fetch's end (``time.monotonic()``) and the longest wait of one socket operation."""

    at: float
    step: float

    def timeout(self) -> float:
        """How long the next socket operation may wait; MediaError when the time is up."""
        left = self.at - time.monotonic()
        if left <= 0:
            raise MediaError("media server too slow")
        return min(self.step, left)


def _open(host: str, port: int, tls: bool, addresses: list[str], deadline: _Deadline,
          connect: Connector) -> http.client.HTTPConnection:
    cls = _PinnedHTTPS if tls else _PinnedHTTP
    return cls(host, port, addresses=addresses, deadline=deadline, connect=connect)


def _get(conn: http.client.HTTPConnection, target: str) -> http.client.HTTPResponse:
    conn.request("GET", target, headers={
        "User-Agent": USER_AGENT, "Accept": ", ".join(TYPES), "Connection": "close"})
    return conn.getresponse()


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to one of the already checked ``addresses``, never to a fresh lookup of
    ``host`` (which is still what the Host header says), within ``deadline``: each
    operation waits at most the time left, and a watchdog shuts the socket down when
    the deadline passes (a read blocked in the middle of a trickle returns at once)."""

    def __init__(self, host: str, port: int, *, addresses: list[str], deadline: _Deadline,
                 connect: Connector) -> None:
        super().__init__(host, port, timeout=deadline.step)
        self._addresses, self._connect, self._deadline = addresses, connect, deadline
        self._watchdog: threading.Timer | None = None
        self._live: socket.socket | None = None

    def connect(self) -> None:
        error: OSError | None = None
        for ip in self._addresses:
            try:
                sock = self._connect((ip, self.port), self._deadline.timeout())
                break
            except OSError as exc:
                error = exc
        else:
            raise error or OSError("no address")
        sock.settimeout(self._deadline.timeout())
        self.sock = self._live = sock
        self._watchdog = threading.Timer(max(0.0, self._deadline.at - time.monotonic()), self._cut)
        self._watchdog.daemon = True
        self._watchdog.start()

    def _cut(self) -> None:
        """The watchdog at the deadline: shut the socket down (the response may hold it
        after the connection handed it over; it may be closed already)."""
        try:
            self._live.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def disarm(self) -> None:
        """Stop the watchdog (the fetch is over)."""
        if self._watchdog is not None:
            self._watchdog.cancel()


class _PinnedHTTPS(_PinnedHTTP):
    default_port = 443  # Host: name without :443

    def connect(self) -> None:
        super().connect()
        self.sock = self._live = _tls_context().wrap_socket(self.sock, server_hostname=self.host)


@lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_bundle())  # requests' CA bundle; checks the name


def _read_capped(resp: http.client.HTTPResponse, max_bytes: int, deadline: float) -> bytes:
    declared = (resp.getheader("Content-Length") or "").strip()
    if declared.isdigit() and int(declared) > max_bytes:
        raise MediaError("image too large")
    body = bytearray()
    while chunk := resp.read(64 * 1024):
        body += chunk
        if len(body) > max_bytes:
            raise MediaError("image too large")
    if time.monotonic() >= deadline:  # the watchdog cut the body short
        raise MediaError("media server too slow")
    return bytes(body)


def media_for(directory: Path, report_id: int, url: str | None, policy: MediaPolicy,
              slots: FetchSlots, **fetch_kw: Any) -> tuple[bytes, str]:
    """The report's image from the cache, else fetched (under ``policy``, in one of
    ``slots``: MediaBusy at once when they are all taken) and cached. A refused link is
    logged with its reason."""
    found = cached(directory, report_id)
    if found is not None:
        return found
    try:
        with slots.take():
            body, kind = fetch(url, policy, **fetch_kw)
    except MediaRefused as exc:
        log.warning("media of report %s refused: %s (%s)", report_id, exc, exc.detail)
        raise
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f".{int(report_id)}.tmp"
    tmp.write_bytes(body)
    tmp.replace(directory / f"{int(report_id)}.{TYPES[kind]}")
    return body, kind
