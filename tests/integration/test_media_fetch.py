"""dashboard.public.media.fetch against a fake media server speaking real HTTP (and HTTPS) on
127.0.0.1: the SSRF guard refuses loopback, private, link-local and mapped addresses by
default (before any byte reaches them), allows loopback/private when asked, checks every
redirect hop, honours the host allow-list and connects only to the address it checked.

"Public" hosts are simulated through the two network seams of ``fetch``: a resolver that
answers ``media.example`` with a global address, and a connector that carries a
connection to that address to the fake server on 127.0.0.1. No internet is needed."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from dashboard.public import media
from dashboard.config import Settings
from dashboard.public.media import FetchSlots, MediaBusy, MediaError, MediaPolicy, MediaRefused, address_refusal, fetch
from tests.fake_media import TrickleServer

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PUBLIC_IP = "93.184.216.34"  # global; never actually contacted (see ``via_fake``)
PRIVATE = MediaPolicy(allow_private=True)


class Fake:
    """Serves PNG at /ok.png; /to?url=X redirects to X; /loop redirects to itself."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.hits: list[tuple[str, str]] = []  # (path, Host header)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake.hits.append((self.path, self.headers.get("Host", "")))
                if self.path.startswith("/to?url="):
                    self.answer(302, location=self.path[len("/to?url="):])
                elif self.path == "/loop":
                    self.answer(302, location="/loop")
                elif self.path == "/ok.png":
                    self.answer(200, PNG)
                else:
                    self.answer(404)

            def answer(self, status: int, body: bytes = b"", location: str | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "image/png" if body else "text/plain")
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_port
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def paths(self) -> list[str]:
        return [p for p, _host in self.hits]


@pytest.fixture(scope="module")
def fake_server():
    f = Fake()
    yield f
    f.server.shutdown()
    f.server.server_close()


@pytest.fixture
def fake(fake_server):
    fake_server.hits.clear()
    return fake_server


def resolver(table: dict[str, list[str]], calls: list[str] | None = None):
    """getaddrinfo that answers the names in ``table`` and resolves anything else for real
    (IP literals and localhost only in these tests: no network)."""
    def resolve(host, port, *args, **kwargs):
        if calls is not None:
            calls.append(host)
        if host not in table:
            return socket.getaddrinfo(host, port, *args, **kwargs)
        return [(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "",
                 (ip, port)) for ip in table[host]]
    return resolve


def via_fake(port: int, seen: list | None = None):
    """Connector: a connection to PUBLIC_IP reaches the fake server; anything else fails."""
    def connect(address, timeout=None, *args, **kwargs):
        if seen is not None:
            seen.append(address)
        assert address[0] == PUBLIC_IP, f"connected to an unchecked address {address}"
        return socket.create_connection(("127.0.0.1", port), timeout)
    return connect


PUBLIC = {"media.example": [PUBLIC_IP]}


@pytest.mark.parametrize("ip, refused", [
    ("93.184.216.34", False), ("2606:2800:220:1:248:1893:25c8:1946", False),
    ("127.0.0.1", True), ("::1", True), ("10.1.2.3", True), ("172.16.0.1", True), ("192.168.1.1", True),
    ("100.64.0.1", True), ("fd00::1", True), ("::ffff:127.0.0.1", True), ("::ffff:10.0.0.1", True),
    ("169.254.169.254", True), ("fe80::1%2", True), ("0.0.0.0", True), ("::", True), ("224.0.0.1", True),
    ("ff02::1", True), ("240.0.0.1", True), ("255.255.255.255", True), ("::ffff:93.184.216.34", False),
])
def test_only_global_addresses_pass_by_default(ip, refused):
    assert (address_refusal(ip) is not None) is refused


@pytest.mark.parametrize("ip, refused", [
    ("127.0.0.1", False), ("::1", False), ("10.1.2.3", False), ("::ffff:192.168.0.9", False), ("fd00::1", False),
    ("169.254.169.254", True), ("::ffff:169.254.169.254", True), ("fe80::1", True), ("0.0.0.0", True),
    ("224.0.0.1", True), ("240.0.0.1", True),
])
def test_allow_private_still_refuses_link_local_multicast_reserved(ip, refused):
    assert (address_refusal(ip, allow_private=True) is not None) is refused


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:{port}/ok.png", "http://localhost:{port}/ok.png", "http://[::1]:{port}/ok.png",
    "http://[::ffff:127.0.0.1]:{port}/ok.png", "http://2130706433:{port}/ok.png", "http://0x7f.1:{port}/ok.png",
    "http://0.0.0.0:{port}/ok.png", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/x.png",
    "https://[fe80::1]/x.png",
])
def test_private_urls_are_refused_by_default(fake, url):
    with pytest.raises(MediaRefused) as caught:
        fetch(url.format(port=fake.port))
    assert str(caught.value) == "media address not allowed" and fake.hits == []


def test_loopback_is_allowed_when_the_setting_is_on(fake):
    assert fetch(f"http://127.0.0.1:{fake.port}/ok.png", PRIVATE) == (PNG, "image/png")
    assert fetch(f"http://localhost:{fake.port}/ok.png", PRIVATE) == (PNG, "image/png")


def test_a_name_with_any_private_address_is_refused(fake):
    mixed = resolver({"media.example": [PUBLIC_IP, "10.0.0.7"]})
    with pytest.raises(MediaRefused):
        fetch(f"http://media.example:{fake.port}/ok.png", resolver=mixed, connect=via_fake(fake.port))
    assert fake.hits == []


def test_public_host_is_fetched_from_the_checked_address_with_its_name(fake):
    calls, seen = [], []
    got = fetch("http://media.example/ok.png", resolver=resolver(PUBLIC, calls), connect=via_fake(fake.port, seen))
    assert got == (PNG, "image/png")
    assert calls == ["media.example"] and seen == [(PUBLIC_IP, 80)]  # one lookup, connect to its answer
    assert fake.hits == [("/ok.png", "media.example")]


def test_dns_rebinding_cannot_swap_the_address_after_the_check(fake):
    answers = iter([[PUBLIC_IP], ["127.0.0.1"]])  # a rebinding resolver: public first, loopback next

    def rebinding(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in next(answers)]

    seen = []
    assert fetch("http://media.example/ok.png", resolver=rebinding, connect=via_fake(fake.port, seen))[0] == PNG
    assert seen == [(PUBLIC_IP, 80)]


def test_redirect_from_a_public_host_to_loopback_is_refused(fake):
    target = f"http://127.0.0.1:{fake.port}/ok.png"
    with pytest.raises(MediaRefused):
        fetch(f"http://media.example/to?url={target}", resolver=resolver(PUBLIC), connect=via_fake(fake.port))
    assert fake.paths() == [f"/to?url={target}"]  # the loopback hop was never requested


def test_redirect_to_a_name_that_resolves_privately_is_refused(fake):
    names = resolver({**PUBLIC, "internal.example": ["192.168.10.5"]})
    with pytest.raises(MediaRefused):
        fetch("http://media.example/to?url=http://internal.example/ok.png", resolver=names,
              connect=via_fake(fake.port))
    assert len(fake.hits) == 1


def test_redirects_between_allowed_addresses_are_followed_and_capped(fake):
    public = {"resolver": resolver(PUBLIC), "connect": via_fake(fake.port)}
    assert fetch("http://media.example/to?url=/ok.png", **public) == (PNG, "image/png")
    fake.hits.clear()
    with pytest.raises(MediaError, match="too many redirects"):
        fetch("http://media.example/loop", **public)
    assert fake.paths() == ["/loop"] * (media.MAX_REDIRECTS + 1)


def test_allow_list_refuses_other_hosts_before_resolving_them(fake):
    policy = MediaPolicy(hosts=frozenset({"media.example", "*.cdn.example"}))
    calls: list[str] = []
    names = resolver({**PUBLIC, "a.cdn.example": [PUBLIC_IP], "other.example": [PUBLIC_IP]}, calls)
    for url in ("http://other.example/ok.png", "http://cdn.example.evil/ok.png", f"http://{PUBLIC_IP}/ok.png"):
        with pytest.raises(MediaRefused, match="media host not allowed"):
            fetch(url, policy, resolver=names, connect=via_fake(fake.port))
    assert calls == [] and fake.hits == []
    assert fetch("http://a.cdn.example/ok.png", policy, resolver=names, connect=via_fake(fake.port))[0] == PNG
    with pytest.raises(MediaRefused, match="media host not allowed"):  # the list holds on redirects too
        fetch("http://media.example/to?url=http://other.example/ok.png", policy, resolver=names,
              connect=via_fake(fake.port))


def test_allow_list_does_not_lift_the_address_check(fake):
    policy = MediaPolicy(hosts=frozenset({"127.0.0.1"}))
    with pytest.raises(MediaRefused, match="media address not allowed"):
        fetch(f"http://127.0.0.1:{fake.port}/ok.png", policy)
    assert fetch(f"http://127.0.0.1:{fake.port}/ok.png", MediaPolicy(policy.hosts, allow_private=True))[0] == PNG


def test_policy_from_settings():
    s = Settings.from_env({"PANTAU_MEDIA_HOSTS": " Media.Example., *.cdn.example ,",
                           "PANTAU_MEDIA_ALLOW_PRIVATE": "true"})
    assert MediaPolicy.from_settings(s) == MediaPolicy(frozenset({"media.example", "*.cdn.example"}), True)
    assert MediaPolicy.from_settings(Settings.from_env({})) == MediaPolicy()


@pytest.fixture
def tls_fake(tmp_path):
    """An HTTPS server on 127.0.0.1 with a self-signed certificate for media.example;
    records the SNI name each client sent."""
    if not shutil.which("openssl"):
        pytest.skip("openssl not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=media.example", "-addext", "subjectAltName=DNS:media.example",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    sni: list[str | None] = []
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.sni_callback = lambda _sock, name, _ctx: sni.append(name)
    fake = Fake(tls=ctx)
    yield fake, cert, sni
    fake.server.shutdown()
    fake.server.server_close()


def test_https_verifies_the_name_not_the_address(tls_fake, monkeypatch):
    fake, cert, sni = tls_fake
    public = {"resolver": resolver(PUBLIC), "connect": via_fake(fake.port)}
    with pytest.raises(MediaError, match="unreachable"):  # self-signed: not trusted by default
        fetch("https://media.example/ok.png", **public)
    assert sni == ["media.example"]
    trusting = ssl.create_default_context(cafile=str(cert))
    monkeypatch.setattr(media, "_tls_context", lambda: trusting)
    assert fetch("https://media.example/ok.png", **public) == (PNG, "image/png")
    assert fake.hits[-1] == ("/ok.png", "media.example")


@pytest.mark.parametrize("mode", ["headers", "body", "body-nolength"])
def test_a_trickling_server_is_cut_at_the_total_deadline(mode):
    """One byte a second in the headers or in the body: each read is quick, so only a
    total deadline stops it (the old fetch checked its budget between 64 KiB reads only
    and waited 60 s and more)."""
    with TrickleServer(mode, interval=1.0, limit=40) as slow:
        started = time.monotonic()
        with pytest.raises(MediaError, match="too slow"):
            fetch(slow.url(), PRIVATE, total=3.0)
        elapsed = time.monotonic() - started
    assert 2.9 <= elapsed < 8, elapsed


def test_fetch_slots_refuse_at_once_when_full():
    slots = FetchSlots(2)
    with slots.take(), slots.take():
        started = time.monotonic()
        with pytest.raises(MediaBusy):
            with slots.take():
                pass
        assert time.monotonic() - started < 1
    with slots.take():  # released again
        pass
