"""`b1engine serve` in a subprocess on a free loopback port, for tests that need real
processes (several workers, SIGKILL). Also used by ``bench/load.py``."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 120


def listening_sockets(port: int) -> int:
    """LISTEN entries on ``port`` in the kernel's IPv4 TCP table (state 0A)."""
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for line in lines
               if line.split()[1].endswith(f":{port:04X}") and line.split()[3] == "0A")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A running ``b1engine serve`` (its own process group, so SIGKILL reaches every worker)."""

    def __init__(self, database_url: str, var_dir: Path, workers: int = 1, port: int | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.database_url, self.var_dir, self.workers = database_url, var_dir, workers
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "B1ENGINE_DATABASE_URL": database_url,
                    "B1ENGINE_VAR_DIR": str(var_dir), "B1ENGINE_JWT_SECRET": "s" * 48,
                    **(env or {})}
        self.process: subprocess.Popen | None = None
        self.log = var_dir / f"serve-{self.port}.log"

    def start(self) -> Server:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "api.cli", "serve", "--port", str(self.port),
                   "--workers", str(self.workers)]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-3000:]}")
            try:
                # Started: every worker listens (each once warm), and one answers.
                if (listening_sockets(self.port) >= self.workers
                        and httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200):
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"server did not answer: {self.log.read_text()[-3000:]}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        self.kill(signal.SIGTERM)


@contextmanager
def serving(database_url: str, var_dir: Path, workers: int = 1, **kwargs):
    server = Server(database_url, var_dir, workers, **kwargs).start()
    try:
        yield server
    finally:
        server.stop()


def create_learners(database_url: str, names: list[str], password: str, bank=None) -> None:
    """Learner accounts straight in the database (migrated first, as ``serve`` would), and
    the items of ``bank`` (run the server with ``B1ENGINE_LOAD_BANK=false`` to use only those:
    loading the whole bundled bank takes a while)."""
    from sqlmodel import Session

    from api.db import make_engine, upgrade
    from api.services.items import load_bank_items
    from api.services.users import create_user

    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            if bank is not None:
                load_bank_items(session, bank, datetime.now(timezone.utc))
            for name in names:
                create_user(session, name, password, "learner", datetime.now(timezone.utc),
                            language="nb")
            session.commit()
    finally:
        engine.dispose()


def token(client: httpx.Client, base: str, username: str, password: str) -> dict[str, str]:
    response = client.post(f"{base}/v1/auth/token", data={"username": username, "password": password})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def an_answer(item: dict):
    """Some well-formed answer for a served item (right or wrong does not matter here)."""
    if item["type"] == "word_order":
        return [option["id"] for option in item["options"]]
    if item.get("options"):
        return item["options"][0]["id"]
    return "svar"
