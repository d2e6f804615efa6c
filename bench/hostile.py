"""Hostile load: normal learners beside slow bodies, large bodies, a login flood and an answer flood.

Starts ``b1engine serve`` on SQLite with 2 workers and the bundled bank (loopback only),
then for ``--seconds`` runs, at once:

- ``--learners`` normal learners taking placement tests, each answering every
  ``--gap`` seconds (what is measured: their ``next`` and ``responses`` latency, and
  ``/healthz`` polled twice a second);
- 20 slow clients, each sending a login body one byte a second;
- one client posting 5 MB bodies (anonymous logins and a learner's answers) one after another;
- 8 clients logging in (right password) as fast as the server lets them;
- one learner posting answers as fast as the server lets them.

It prints the normal learners' and ``/healthz``'s p50/p99 and what the attackers got
(status codes). ``--root DIR`` serves the code of another checkout (e.g. an older commit,
to compare before and after): the server runs from that directory.

    .venv/bin/python bench/hostile.py --seconds 20
    .venv/bin/python bench/hostile.py --seconds 20 --root /tmp/before
"""
from __future__ import annotations

import argparse
import asyncio
import socket
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

import aiohttp
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "tests" / "api")]

import server_helpers  # noqa: E402
from load import Bank, call  # noqa: E402
from server_helpers import Server, create_learners  # noqa: E402

PASSWORD = "bench-password-1"
SLOW_CLIENTS = 20
LOGIN_FLOODERS = 8
LARGE_BODY_BYTES = 5 * 1024 * 1024
SEED = 16


def generic_answer(item: dict):
    if item["type"] == "word_order":
        return [o["id"] for o in item["options"]]
    return item["options"][0]["id"] if item["options"] else "svar"


async def login(client: aiohttp.ClientSession, name: str) -> dict[str, str] | None:
    status, body = await call(client, "POST", "/v1/auth/token",
                              data={"username": name, "password": PASSWORD})
    return {"Authorization": f"Bearer {body['access_token']}"} if status == 200 else None


async def take_tests(client, name, bank, until, gap, timings, outcomes, rng, paced=True) -> None:
    headers = await login(client, name)
    if headers is None:
        outcomes["login refused"] += 1
        return
    while time.monotonic() < until:
        status, created = await call(client, "POST", "/v1/sessions", headers=headers,
                                     json={"language": "nb", "mode": "placement"})
        outcomes[f"start {status}"] += 1
        if status != 201:
            await asyncio.sleep(1)
            continue
        session_id = created["id"]
        started = time.perf_counter()
        status, step = await call(client, "GET", f"/v1/sessions/{session_id}/next", headers=headers)
        if paced:
            timings["next"].append(time.perf_counter() - started)
        theta = float(rng.normal())
        while status == 200 and not step["done"] and time.monotonic() < until:
            if paced:
                await asyncio.sleep(gap * rng.uniform(0.5, 1.5))
            item = step["item"]
            try:
                answer = bank.answer(item, theta, rng)
            except KeyError:  # another checkout's bank (--root): any well-formed answer
                answer = generic_answer(item)
            started = time.perf_counter()
            status, reply = await call(client, "POST", f"/v1/sessions/{session_id}/responses",
                                       headers=headers, json={"item_id": item["id"], "answer": answer,
                                                              "client_response_id": uuid.uuid4().hex})
            if paced:
                timings["responses"].append(time.perf_counter() - started)
            outcomes[f"answer {status}"] += 1
            step = reply.get("next", {"done": True}) if status == 200 else {"done": True}


async def health(client, until, timings, outcomes) -> None:
    while time.monotonic() < until:
        started = time.perf_counter()
        try:
            async with client.get("/healthz") as response:
                await response.read()
                outcomes[f"healthz {response.status}"] += 1
        except (aiohttp.ClientError, asyncio.TimeoutError):
            outcomes["healthz failed"] += 1
        timings["healthz"].append(time.perf_counter() - started)
        await asyncio.sleep(0.5)


async def slow_bodies(host: str, port: int, until: float, outcomes) -> None:
    streams = []
    for _ in range(SLOW_CLIENTS):
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(b"POST /v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: "
                     b"application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n")
        streams.append((reader, writer))
    while time.monotonic() < until:
        for _, writer in streams:
            if not writer.is_closing():
                try:
                    writer.write(b"u")
                except (ConnectionError, RuntimeError):
                    pass
        await asyncio.sleep(1)
    for reader, writer in streams:
        try:
            line = await asyncio.wait_for(reader.readline(), timeout=0.2)
            outcomes[f"slow {line.split(b' ')[1].decode() if line else 'closed or no reply'}"] += 1
        except (asyncio.TimeoutError, ConnectionError, IndexError):
            outcomes["slow closed or no reply"] += 1
        writer.close()


async def large_bodies(client, name, until, outcomes) -> None:
    headers = await login(client, name)
    blob = "x" * LARGE_BODY_BYTES
    session_id = None
    if headers:
        status, created = await call(client, "POST", "/v1/sessions", headers=headers,
                                     json={"language": "nb", "mode": "placement"})
        session_id = created.get("id") if status == 201 else None
    while time.monotonic() < until:
        try:
            async with client.post("/v1/auth/token", data={"username": blob, "password": "x"}) as r:
                outcomes[f"large login {r.status}"] += 1
            if session_id:
                status, step = await call(client, "GET", f"/v1/sessions/{session_id}/next", headers=headers)
                item_id = step["item"]["id"] if status == 200 and step.get("item") else "x"
                async with client.post(f"/v1/sessions/{session_id}/responses", headers=headers,
                                       json={"item_id": item_id, "answer": blob,
                                             "client_response_id": uuid.uuid4().hex}) as r:
                    outcomes[f"large answer {r.status}"] += 1
        except (aiohttp.ClientError, asyncio.TimeoutError):
            outcomes["large failed"] += 1


async def login_flood(client, name, until, outcomes) -> None:
    while time.monotonic() < until:
        status, _ = await call(client, "POST", "/v1/auth/token", data={"username": name, "password": PASSWORD})
        outcomes[f"flood login {status}"] += 1
        if status == 429:
            await asyncio.sleep(0.05)


async def attack(base: str, names: dict[str, list[str]], bank: Bank, seconds: float, gap: float):
    timings: dict[str, list[float]] = defaultdict(list)
    outcomes: Counter = Counter()
    host, port = base.removeprefix("http://").split(":")
    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout) as client:
        until = time.monotonic() + seconds
        rngs = np.random.default_rng(SEED).spawn(len(names["normal"]) + 1)
        tasks = [take_tests(client, name, bank, until, gap, timings, outcomes, rng)
                 for name, rng in zip(names["normal"], rngs)]
        tasks += [health(client, until, timings, outcomes),
                  slow_bodies(host, int(port), until, outcomes),
                  large_bodies(client, names["large"][0], until, outcomes),
                  take_tests(client, names["flood"][0], bank, until, 0, defaultdict(list), outcomes,
                             rngs[-1], paced=False)]
        tasks += [login_flood(client, names["flood"][1], until, outcomes) for _ in range(LOGIN_FLOODERS)]
        await asyncio.gather(*tasks, return_exceptions=True)
    return timings, outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--learners", type=int, default=10)
    parser.add_argument("--gap", type=float, default=2.0, help="mean seconds between a learner's answers")
    parser.add_argument("--root", default=str(ROOT), help="checkout whose code the server runs")
    args = parser.parse_args()
    server_helpers.ROOT = Path(args.root).resolve()
    names = {"normal": [f"learner-{i:02d}" for i in range(args.learners)],
             "large": ["large-00"], "flood": ["flood-00", "flood-01"]}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'hostile.db'}"
        everyone = [n for group in names.values() for n in group]
        if server_helpers.ROOT == ROOT:
            create_learners(url, everyone, PASSWORD)
        else:  # the accounts made by that checkout's own code (its migrations, its tables)
            import subprocess

            code = ("import sys; sys.path[:0] = ['.', 'tests/api']; from server_helpers import create_learners; "
                    f"create_learners({url!r}, {everyone!r}, {PASSWORD!r})")
            subprocess.run([sys.executable, "-c", code], cwd=server_helpers.ROOT, check=True)
        server = Server(url, Path(tmp) / "var", workers=2,
                        env={"B1ENGINE_PLACEMENT_RETAKE_DAYS": "0"}).start()
        try:
            timings, outcomes = asyncio.run(attack(server.url, names, Bank(), args.seconds, args.gap))
        finally:
            server.stop()
    print(f"\n== hostile load, server code from {server_helpers.ROOT}: {args.learners} learners, "
          f"{args.seconds:g} s, SQLite, 2 workers")
    for kind in ("healthz", "next", "responses"):
        values = np.array(timings[kind]) * 1000
        if values.size:
            p50, p99 = np.percentile(values, [50, 99])
            print(f"   {kind:<10} n={values.size:5d}  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  max {values.max():7.1f} ms")
        else:
            print(f"   {kind:<10} n=    0  (none completed)")
    print("   outcomes: " + ", ".join(f"{k} x{v}" for k, v in sorted(outcomes.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
