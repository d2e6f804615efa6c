"""Load test: N simulated learners take placement tests against `b1engine serve` on loopback.

Starts the servers itself — SQLite with 1 worker, PostgreSQL with 2 workers (when
``B1ENGINE_BENCH_DATABASE_URL`` or ``B1ENGINE_TEST_DATABASE_URL`` names a PostgreSQL
database; a schema of its own is created and dropped) — with the bundled content bank,
then runs ``--learners`` concurrent learners (asyncio + aiohttp, keep-alive) for
``--seconds``: each logs in, then takes placement tests one after another: ``POST
/v1/sessions``, ``GET .../next`` for the first exercise, then ``POST .../responses``
until the test ends (each reply carries the next exercise). A learner answers right
with the item's response probability at an ability drawn for each test. Unpaced
(the default), learners answer as fast as the server replies: the server's ceiling.
With ``--answers-per-second R`` they answer at uneven gaps averaging
``learners / R`` seconds: the latency at that load. Prints requests/s, answers/s
and p50/p95/p99 latency of each request, and a reference time (a fixed pure-Python
loop) that shows how fast the machine was during the run.

    .venv/bin/python bench/load.py                      # 50 learners, 30 s per backend
    .venv/bin/python bench/load.py --backends postgresql --answers-per-second 300
    .venv/bin/python bench/load.py --learners 25 --seconds 10 --backends sqlite
    .venv/bin/python bench/load.py --learners 40 --seconds 20 --backends sqlite --sqlite-workers 2 --cold

Target on a 2-core machine: 50 learners, p99 < 100 ms, >= 300 answers/s on PostgreSQL
(measured figures: docs/operations.md, "Load").
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

import aiohttp
import numpy as np
import uvloop

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "api")]

from server_helpers import Server, create_learners  # noqa: E402

PASSWORD = "bench-password-1"
#: Seeds the learners' abilities, answers and pacing.
SEED = 2026
#: A paced learner's gap between answers, as a multiple of the mean gap (uniform).
PACE_SPREAD = (0.5, 1.5)
#: Seconds of load after every learner has logged in, before measuring starts.
WARM_UP_S = 3.0


def postgres_url() -> str | None:
    for name in ("B1ENGINE_BENCH_DATABASE_URL", "B1ENGINE_TEST_DATABASE_URL"):
        url = os.environ.get(name, "")
        if url.startswith("postgres"):
            return url
    return None


class PostgresSchema:
    """A throw-away schema in the given database; the URL points its search_path there."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        from api.db import normalise_url

        self.text = text
        self.name = f"bench_{uuid.uuid4().hex[:10]}"
        self.admin = create_engine(normalise_url(url))
        with self.admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{self.name}"'))
        self.url = (make_url(normalise_url(url)).update_query_dict(
            {"options": f"-csearch_path={self.name}"}).render_as_string(hide_password=False))

    def drop(self) -> None:
        with self.admin.begin() as connection:
            connection.execute(self.text(f'DROP SCHEMA "{self.name}" CASCADE'))
        self.admin.dispose()


class Bank:
    """What a simulated learner knows of an item the server shows them: its answers and its
    parameters (read from the bundled bank, as the server loads it).

    The server shows opaque ids, so the learner recognises an item by what it shows
    (type, instructions, prompt, passage, option texts) and answers with the ids it
    was shown, matched by text.
    """

    def __init__(self) -> None:
        from api.services.demo import simulated_answer
        from api.services.items import item_content
        from content.bank import default_bank
        from engine.models import probability

        # Imported here, before the clock starts: imported at the first answer, they held the
        # client's event loop ~0.5 s in the first second of a cold run, and every request in
        # flight was timed as that much slower.
        self.simulated_answer, self.probability = simulated_answer, probability
        items = default_bank().items
        self.content = {self.signature(item_content(item)): item_content(item) for item in items}
        self.parameters = {item.id: (item.a, item.b, item.c) for item in items}

    @staticmethod
    def signature(shown: dict) -> tuple:
        return (shown["type"], shown.get("instructions"), shown.get("prompt"), shown.get("passage"),
                tuple(sorted(o["text"] for o in shown.get("options") or ())))

    def answer(self, shown: dict, theta: float, rng: np.random.Generator):
        """Right with the item's response probability at ability ``theta``, else a wrong answer."""
        content = self.content[self.signature(shown)]
        p_right = float(np.asarray(self.probability(theta, *self.parameters[content["id"]])).squeeze())
        answer = self.simulated_answer(content, right=bool(rng.random() < p_right), rng=rng)
        if not content.get("options"):
            return answer
        texts = {o["id"]: o["text"] for o in content["options"]}
        by_text: dict[str, list[str]] = {}
        for option in shown["options"]:
            by_text.setdefault(option["text"], []).append(option["id"])
        if isinstance(answer, list):  # tokens that read the same are interchangeable
            return [by_text[texts[token]].pop(0) for token in answer]
        return by_text[texts[answer]][0]


async def learner(client: aiohttp.ClientSession, name: str, bank: Bank, window: dict,
                  timings: dict, counts: dict, interval: float, rng: np.random.Generator) -> None:
    try:
        await _learner(client, name, bank, window, timings, counts, interval, rng)
    except aiohttp.ClientError as error:
        counts["errors"] += 1
        print(f"   {name}: {type(error).__name__}: {error}", file=sys.stderr)


async def call(client: aiohttp.ClientSession, method: str, path: str, **kwargs) -> tuple[int, dict]:
    """Status and JSON body of one request (the body is read in full, as a front end would)."""
    async with client.request(method, path, **kwargs) as response:
        return response.status, await response.json(content_type=None)


async def _learner(client: aiohttp.ClientSession, name: str, bank: Bank, window: dict,
                   timings: dict, counts: dict, interval: float, rng: np.random.Generator) -> None:
    status, body = await call(client, "POST", "/v1/auth/token",
                              data={"username": name, "password": PASSWORD})
    if status != 200:
        raise aiohttp.ClientError(f"login failed: {status} {body}")
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    counts["logged in"] += 1
    # Paced learners answer once per `interval` on average (the first at a random phase);
    # with no pacing, as fast as the server replies.
    due = time.monotonic() + rng.uniform(0, interval)
    while time.monotonic() < window["until"]:
        start = time.perf_counter()
        status, created = await call(client, "POST", "/v1/sessions", headers=headers,
                                     json={"language": "nb", "mode": "placement"})
        timings["start"].append(time.perf_counter() - start)
        if status != 201:
            counts["errors"] += 1
            continue
        session_id = created["id"]
        # Each test is taken by a learner of another ability: tests end at different lengths.
        theta = float(rng.normal())
        # The first exercise comes from `next`; every answer's reply carries the one after it.
        start = time.perf_counter()
        status, step = await call(client, "GET", f"/v1/sessions/{session_id}/next", headers=headers)
        timings["next"].append(time.perf_counter() - start)
        if status != 200:
            counts["errors"] += 1
            continue
        while time.monotonic() < window["until"]:
            if step["done"]:
                counts["tests completed"] += 1
                break
            if interval:
                # Answers come at uneven gaps (mean `interval`), as people answer, so the
                # learners do not reach the end of a test in step. A learner running late
                # answers at once, but does not make up for lost time.
                due = max(due + interval * rng.uniform(*PACE_SPREAD), time.monotonic())
                await asyncio.sleep(due - time.monotonic())
            item = step["item"]
            # The learner's answer is made before the clock starts: only the server is timed.
            answer = {"item_id": item["id"], "answer": bank.answer(item, theta, rng),
                      "response_ms": 4000, "client_response_id": uuid.uuid4().hex}
            start = time.perf_counter()
            status, reply = await call(client, "POST", f"/v1/sessions/{session_id}/responses",
                                       headers=headers, json=answer)
            timings["responses"].append(time.perf_counter() - start)
            if status != 200:
                counts["errors"] += 1
                break
            step = reply["next"]


async def drive(base: str, names: list[str], bank: Bank, seconds: float, interval: float,
                cold: bool = False) -> tuple[dict, dict, float]:
    """``cold``: measure from the first request after the server started (the 9:00 class), no
    warm-up, logins and first sessions counted; otherwise after logins and a warm-up."""
    timings: dict[str, list[float]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    # One keep-alive connection per learner. (httpx's async client was tried first: at 50
    # connections it spent ~3.4 ms of CPU per request, more than the server, on the same cores.)
    connector = aiohttp.TCPConnector(limit=len(names))
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout) as client:
        # Log everyone in first (Argon2 is slow on purpose; it is not what is measured),
        # then a few seconds of warm-up (each worker's caches) before the clock starts.
        window = {"until": float("inf")}
        rngs = np.random.default_rng(SEED).spawn(len(names))
        tasks = [asyncio.create_task(learner(client, name, bank, window, timings, counts, interval, rng))
                 for name, rng in zip(names, rngs)]
        if cold:
            measured_from = time.monotonic()
            window["until"] = measured_from + seconds
        else:
            deadline = time.monotonic() + 120
            while counts["logged in"] + counts["errors"] < len(names) and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            await asyncio.sleep(WARM_UP_S)
            window["until"] = time.monotonic() + seconds
            for key in list(timings):
                timings[key].clear()  # warm-up (logins, first sessions) not counted
            measured_from = time.monotonic()
        await asyncio.gather(*tasks)
        elapsed = time.monotonic() - measured_from
    return timings, counts, elapsed


#: Iterations of the reference loop.
REFERENCE_LOOP = 3_000_000


def reference_ms() -> float:
    """Milliseconds of a fixed pure-Python loop on this process's core: the same code runs
    it slower when the machine's cores are slower or shared, so runs can be compared."""
    start = time.perf_counter()
    total = 0
    for i in range(REFERENCE_LOOP):
        total += i % 7
    return 1000 * (time.perf_counter() - start)


def report(label: str, timings: dict, counts: dict, elapsed: float) -> None:
    total = sum(len(v) for v in timings.values())
    answers = len(timings["responses"])
    print(f"\n== {label}: {elapsed:.1f} s measured")
    print(f"   requests/s {total / elapsed:8.1f}   answers/s {answers / elapsed:8.1f}   "
          f"tests completed {counts['tests completed']}   errors {counts['errors']}")
    for kind in ("start", "next", "responses"):
        values = np.array(timings[kind]) * 1000
        if values.size == 0:
            continue
        p50, p95, p99 = np.percentile(values, [50, 95, 99])
        print(f"   {kind:<10} n={values.size:6d}  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
              f"p99 {p99:6.1f} ms  max {values.max():6.1f} ms")


def run_backend(label: str, url: str, workers: int, learners: int, seconds: float,
                rate: float, var_dir: Path, cold: bool = False) -> None:
    names = [f"bench-{i:03d}" for i in range(learners)]
    reference = reference_ms()
    create_learners(url, names, PASSWORD)
    # Learners take placement test after placement test: no retake interval.
    # A capacity test: no retake interval, and no per-learner rate limits (a simulated learner
    # answers far faster than a person; bench/hostile.py measures the limits).
    unlimited = {"B1ENGINE_PLACEMENT_RETAKE_DAYS": "0", "B1ENGINE_RATE_ANSWERS_PER_MINUTE": "1000000",
                 "B1ENGINE_RATE_SESSION_STARTS_PER_MINUTE": "1000000"}
    server = Server(url, var_dir, workers=workers, env=unlimited).start()  # loads the bundled bank
    try:
        bank = Bank()
        # uvloop (installed with uvicorn[standard]): the client shares the server's cores,
        # and its event loop costs less CPU per request than asyncio's.
        timings, counts, elapsed = uvloop.run(drive(server.url, names, bank, seconds,
                                                    learners / rate if rate else 0.0, cold))
    except BaseException:
        print(server.log.read_text()[-4000:], file=sys.stderr)
        raise
    finally:
        server.stop()
    if counts["errors"]:
        print(server.log.read_text()[-4000:], file=sys.stderr)
    reference_after = reference_ms()
    pacing = f", paced at {rate:g} answers/s" if rate else ", unpaced"
    report(f"{label}, {workers} worker(s), {learners} learners{pacing} "
           f"(reference loop {reference:.0f} ms before, {reference_after:.0f} ms after)", timings, counts, elapsed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--answers-per-second", type=float, default=0.0,
                        help="pace the learners to offer this many answers/s in all "
                             "(each answers once per learners/rate seconds); 0: no pacing")
    parser.add_argument("--cold", action="store_true",
                        help="measure from the server's start: no warm-up, first requests counted")
    parser.add_argument("--sqlite-workers", type=int, default=1)
    args = parser.parse_args()
    backends = args.backends.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        if "sqlite" in backends:
            run_backend("SQLite", f"sqlite:///{tmp_path / 'load.db'}", args.sqlite_workers, args.learners,
                        args.seconds, args.answers_per_second, tmp_path / "var-sqlite", args.cold)
        if "postgresql" in backends:
            url = postgres_url()
            if url is None:
                print("\n== PostgreSQL: skipped (set B1ENGINE_BENCH_DATABASE_URL or "
                      "B1ENGINE_TEST_DATABASE_URL to a postgresql:// URL)")
            else:
                schema = PostgresSchema(url)
                try:
                    run_backend("PostgreSQL", schema.url, 2, args.learners, args.seconds,
                                args.answers_per_second, tmp_path / "var-pg")
                finally:
                    schema.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
