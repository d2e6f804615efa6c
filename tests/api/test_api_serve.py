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
