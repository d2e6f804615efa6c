"""`b1engine serve` as a user runs it: migrations and bank at start, then HTTP on loopback."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

STARTUP_TIMEOUT_S = 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_migrates_loads_the_bank_and_answers(tmp_path):
    port = free_port()
    env = {**os.environ, "B1ENGINE_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
           "B1ENGINE_VAR_DIR": str(tmp_path / "var")}
    command = [sys.executable, "-m", "api.cli", "serve", "--port", str(port)]
    process = subprocess.Popen(command, cwd=Path(__file__).resolve().parents[2], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        health = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.3)
        assert health is not None, process.stdout.read() if process.poll() is not None else "no answer"
        assert health.status_code == 200 and health.json()["items"] > 100
        assert (tmp_path / "var" / "jwt-secret").stat().st_mode & 0o777 == 0o600
        missing = httpx.get(f"http://127.0.0.1:{port}/v1/classes", timeout=5)
        assert missing.status_code == 401
        assert missing.headers["content-type"] == "application/problem+json"
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
    assert "content bank:" in output and "Application startup complete" in output
    assert f"database: SQLite file {tmp_path / 'serve.db'}" in output
    # A new installation: no account made, a one-time link for the first admin instead.
    assert f"http://127.0.0.1:{port}/setup?token=" in output and "demo accounts" not in output


def _connections_per_worker(port: int, pids: list[int]) -> list[int]:
    """Established server-side connections on ``port`` held by each process."""
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    inodes = {line.split()[9] for line in lines
              if line.split()[1].endswith(f":{port:04X}") and line.split()[3] == "01"}
    counts = []
    for pid in pids:
        held = 0
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            held += target.startswith("socket:[") and target[8:-1] in inodes
        counts.append(held)
    return counts


def test_each_worker_listens_on_its_own_socket_and_gets_connections(tmp_path):
    """With one shared socket, whichever worker woke first took a burst of keep-alive
    connections (44 of 50 measured); each worker has its own SO_REUSEPORT socket."""
    from server_helpers import listening_sockets, serving

    with serving(f"sqlite:///{tmp_path / 'w.db'}", tmp_path / "var", workers=2,
                 env={"B1ENGINE_LOAD_BANK": "false"}) as server:
        port = int(server.url.rsplit(":", 1)[1])
        assert listening_sockets(port) == 2
        clients = [httpx.Client(base_url=server.url) for _ in range(16)]
        try:
            for client in clients:
                assert client.get("/healthz").status_code == 200
            supervisor = server.process.pid
            workers = [int(p) for p in Path(f"/proc/{supervisor}/task/{supervisor}/children")
                       .read_text().split()]
            workers = [pid for pid in workers
                       if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text()]
            assert len(workers) == 2
            counts = _connections_per_worker(port, workers)
            # Spread by the kernel's hash: both take some (P[all on one] = 2 / 2**16).
            assert sum(counts) == 16 and min(counts) >= 1, counts
        finally:
            for client in clients:
                client.close()


def test_a_worker_takes_connections_only_once_it_is_warm(tmp_path):
    """The kernel hands new connections to listening sockets only: each worker's socket listens
    once its app has started (bank, tables, routes loaded), so no client waits in the queue
    of a worker still warming up while another could answer."""
    from server_helpers import ROOT, Server, listening_sockets

    server = Server(f"sqlite:///{tmp_path / 'w.db'}", tmp_path / "var", workers=2,
                    env={"B1ENGINE_LOAD_BANK": "false"})
    server.var_dir.mkdir(parents=True)
    command = [sys.executable, "-m", "api.cli", "serve", "--port", str(server.port), "--workers", "2"]
    with open(server.log, "ab") as log:
        server.process = subprocess.Popen(command, cwd=ROOT, env=server.env, stdout=log,
                                          stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        seen = []
        while time.monotonic() < deadline and server.process.poll() is None:
            listening = listening_sockets(server.port)
            # Read after counting: a worker logs its start-up complete before it listens.
            started = server.log.read_text().count("Application startup complete")
            seen.append((listening, started))
            assert listening <= started, seen
            if listening == 2:
                break
            time.sleep(0.01)
        assert seen and seen[-1][0] == 2, server.log.read_text()[-3000:]
        assert httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200
    finally:
        server.stop()
