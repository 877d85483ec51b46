"""gunicorn (25.1+) opens a control socket for ``gunicornc`` by default at
``$XDG_RUNTIME_DIR/gunicorn.ctl`` or ``~/.gunicorn/gunicorn.ctl``: one path for every
instance of a user on the machine, so a second server would take over the first one's.
``pantau serve`` runs without it (``--no-control-socket``; systemd or ``pantau demo``
manage the processes). Two real servers on two ports, HOME a temporary folder: neither
holds a control socket and none is created."""

from __future__ import annotations

import os
import re
from pathlib import Path

from dashboard.config import Settings
from dashboard.processes.runner import gunicorn_command, prepare_store
from tests.integration.test_serve_slow_clients import free_port, get, start_server, stop_server


def unix_socket_paths(pid: int) -> set[str]:
    """Paths of the named Unix sockets process ``pid`` holds open."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            found = re.fullmatch(r"socket:\[(\d+)\]", os.readlink(fd))
        except FileNotFoundError:  # closed meanwhile
            continue
        if found:
            inodes.add(found.group(1))
    rows = (line.split() for line in Path("/proc/net/unix").read_text().splitlines()[1:])
    return {row[7] for row in rows if len(row) > 7 and row[6] in inodes}


def test_the_command_turns_the_control_socket_off():
    assert "--no-control-socket" in gunicorn_command(Settings.from_env({}))


def test_two_servers_on_two_ports_hold_no_shared_control_socket(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    envs = []
    for name in ("a", "b"):
        env = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"} | {
            "HOME": str(home), "PANTAU_DATA_DIR": str(tmp_path / name), "PANTAU_DATABASE_URL": "",
            "PANTAU_HOST": "127.0.0.1", "PANTAU_PORT": str(free_port()), "PANTAU_WALL_TOKEN": "",
            "PANTAU_REDIS_URL": ""}
        prepare_store(Settings.from_env(env), seed_reports=0, days=1)
        envs.append(env)
    servers = []
    try:
        for env in envs:
            servers.append(start_server(gunicorn_command(Settings.from_env(env), workers=1), env,
                                        Path(env["PANTAU_DATA_DIR"]) / "server.log"))
        assert all(get(int(env["PANTAU_PORT"]), "/wall/areas.json", timeout=10)[0] == 200 for env in envs)
        held = [unix_socket_paths(server.pid) for server in servers]
        assert [sorted(p for p in paths if p.endswith(".ctl")) for paths in held] == [[], []]
        assert sorted(home.rglob("*.ctl")) == []
    finally:
        for server in servers:
            stop_server(server)
