"""Real concurrent requests and a crash, against `b1engine serve` in subprocesses.

- Answers to one session sent at once (same and different ``client_response_id``)
  are serialised by ``b1engine serve --workers 2``: one answer stored per item, the
  others get its result (same id) or a 409 (other ids), the item sequence and the
  ability estimate stay consistent.
- SIGKILL mid-load loses no acknowledged answer and leaves every session usable.

Runs on SQLite and, with ``B1ENGINE_TEST_DATABASE_URL``, on PostgreSQL (the
``database_url`` fixture).
"""
from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlmodel import Session, select

from api.db import make_engine
from api.models import LearningSession, ResponseRow
from api_helpers import small_bank
from api.services.served_items import bank_item_id
from server_helpers import an_answer, create_learners, serving, token

PASSWORD = "password-123"
#: The small test bank, loaded by the test (the server skips the bundled one: faster start).
FAST_START = {"B1ENGINE_LOAD_BANK": "false"}
ROUNDS = 4
#: Simultaneous answers per round: this many share one client_response_id, as many more differ.
SAME_ID, OTHER_IDS = 3, 3


def stored(database_url: str, session_id: str) -> tuple[LearningSession, list[ResponseRow]]:
    engine = make_engine(database_url)
    try:
        with Session(engine) as db:
            row = db.get(LearningSession, session_id)
            answers = list(db.exec(select(ResponseRow).where(ResponseRow.session_id == session_id)
                                   .order_by(ResponseRow.id)))
            db.expunge_all()
            return row, answers
    finally:
        engine.dispose()


def test_simultaneous_answers_to_one_session_are_serialised(database_url, tmp_path):
    create_learners(database_url, ["ada"], PASSWORD, small_bank())
    with serving(database_url, tmp_path / "var", workers=2, env=FAST_START) as server, \
            httpx.Client(base_url=server.url, timeout=30) as client:
        headers = token(client, server.url, "ada", PASSWORD)
        session_id = client.post("/v1/sessions", headers=headers,
                                 json={"language": "nb", "mode": "placement"}).json()["id"]
        pool = ThreadPoolExecutor(max_workers=SAME_ID + OTHER_IDS)
        served_next = None  # the item the last accepted answer's reply served next
        for _ in range(ROUNDS):
            # Several `next` at once serve one item, the same to all.
            barrier = threading.Barrier(4)

            def next_item(_):
                barrier.wait()
                return client.get(f"/v1/sessions/{session_id}/next", headers=headers)

            steps = list(pool.map(next_item, range(4)))
            assert {s.status_code for s in steps} == {200}
            assert len({s.json()["item"]["id"] for s in steps}) == 1
            item = steps[0].json()["item"]
            assert served_next is None or item == served_next
            shared = uuid.uuid4().hex
            ids = [shared] * SAME_ID + [uuid.uuid4().hex for _ in range(OTHER_IDS)]
            barrier = threading.Barrier(len(ids))

            def send(client_id):
                barrier.wait()
                return client_id, client.post(
                    f"/v1/sessions/{session_id}/responses", headers=headers,
                    json={"item_id": item["id"], "answer": an_answer(item),
                          "client_response_id": client_id})

            results = list(pool.map(send, ids))
            assert all(r.status_code in (200, 409) for _, r in results), \
                [(r.status_code, r.text) for _, r in results]
            accepted = {cid for cid, r in results if r.status_code == 200}
            assert len(accepted) == 1, [(cid, r.status_code) for cid, r in results]
            winner = accepted.pop()
            bodies = [r.json() for cid, r in results if cid == winner]
            assert all(body == bodies[0] for body in bodies)
            assert len(bodies) == (SAME_ID if winner == shared else 1)
            row, answers = stored(database_url, session_id)
            assert answers[-1].client_response_id == winner
            assert answers[-1].item_id == bank_item_id(row.state["key"], row.state["served"], item["id"])
            assert answers[-1].result.items() <= bodies[0].items()
            assert not bodies[0]["done"]
            served_next = bodies[0]["next"]["item"]
        pool.shutdown()
    row, answers = stored(database_url, session_id)
    served = row.state["served"]
    assert len(answers) == ROUNDS == row.state["answered"]
    assert [a.item_id for a in answers] == served[:ROUNDS] and len(set(served)) == len(served)
    assert row.state["pending"] == served[ROUNDS] == bank_item_id(row.state["key"], served, served_next["id"])
    # The estimate is the one the last accepted answer stored.
    from api.services import engine_adapter

    facts = engine_adapter.estimate_of(engine_adapter.GridPosterior.from_dict(row.state["posterior"]), "nb")
    assert facts.theta == pytest.approx(answers[-1].theta)
    assert facts.se == pytest.approx(answers[-1].se)


LEARNERS = 4


def test_sigkill_mid_load_loses_no_acknowledged_answer(database_url, tmp_path):
    names = [f"crash-{i}" for i in range(LEARNERS)]
    create_learners(database_url, names, PASSWORD, small_bank())
    acknowledged: dict[str, set[str]] = {}  # session -> client ids answered 200
    sessions: dict[str, str] = {}
    stop = threading.Event()
    errors: list[str] = []

    def drive(name: str, base: str, headers: dict[str, str]) -> None:
        session_id = sessions[name]
        with httpx.Client(base_url=base, timeout=10) as client:
            while not stop.is_set():
                try:
                    step = client.get(f"/v1/sessions/{session_id}/next", headers=headers)
                    if step.json()["done"]:
                        return
                    item = step.json()["item"]
                    client_id = uuid.uuid4().hex
                    answer = client.post(f"/v1/sessions/{session_id}/responses", headers=headers,
                                         json={"item_id": item["id"], "answer": an_answer(item),
                                               "client_response_id": client_id})
                except httpx.TransportError:
                    return  # the server is gone
                if answer.status_code != 200:
                    errors.append(f"{answer.status_code} {answer.text}")
                    return
                acknowledged[session_id].add(client_id)

    var = tmp_path / "var"
    with serving(database_url, var, workers=2, env=FAST_START) as server, \
            httpx.Client(base_url=server.url) as client:
        headers = {name: token(client, server.url, name, PASSWORD) for name in names}
        for name in names:
            created = client.post("/v1/sessions", headers=headers[name],
                                  json={"language": "nb", "mode": "placement"})
            sessions[name] = created.json()["id"]
            acknowledged[sessions[name]] = set()
        threads = [threading.Thread(target=drive, args=(name, server.url, headers[name]))
                   for name in names]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 20
        while sum(map(len, acknowledged.values())) < 2 * LEARNERS and time.monotonic() < deadline:
            time.sleep(0.05)
        server.kill()  # SIGKILL to every process of the server, mid-load
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert not errors, errors
    assert sum(map(len, acknowledged.values())) >= 2 * LEARNERS
    for session_id, client_ids in acknowledged.items():
        row, answers = stored(database_url, session_id)
        assert client_ids <= {a.client_response_id for a in answers}
        assert row.state["answered"] == len(answers)
    # Restarted, every session goes on: the pending exercise is served again and answered.
    with serving(database_url, var, workers=1, env=FAST_START) as server, \
            httpx.Client(base_url=server.url) as client:
        for name in names:
            session_id = sessions[name]
            for _ in range(2):
                step = client.get(f"/v1/sessions/{session_id}/next", headers=headers[name])
                assert step.status_code == 200, step.text
                if step.json()["done"]:
                    break
                item = step.json()["item"]
                answer = client.post(f"/v1/sessions/{session_id}/responses", headers=headers[name],
                                     json={"item_id": item["id"], "answer": an_answer(item),
                                           "client_response_id": uuid.uuid4().hex})
                assert answer.status_code == 200, answer.text
    for session_id in acknowledged:
        row, answers = stored(database_url, session_id)
        assert row.state["answered"] == len(answers)
        assert [a.item_id for a in answers] == row.state["served"][:len(answers)]


CROWD = 16
#: A pool of one connection: every request beyond the first waits its turn.
ONE_CONNECTION = {**FAST_START, "B1ENGINE_DB_POOL_SIZE": "1"}


def test_many_more_learners_than_connections_all_get_through(database_url, tmp_path):
    """Sixteen learners at once against one worker with one database connection.

    A request holds its connection across several thread hops (dependencies, route,
    response validation); admitted beyond the pool, requests would wait for threads
    while threads wait for their connections, until the pool timed out (503). The
    admission limit queues them instead: every request succeeds.
    """
    names = [f"crowd-{i}" for i in range(CROWD)]
    create_learners(database_url, names, PASSWORD, small_bank())
    answered: dict[str, int] = {}
    failures: list[str] = []

    with serving(database_url, tmp_path / "var", workers=1, env=ONE_CONNECTION) as server:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            headers = {name: token(client, server.url, name, PASSWORD) for name in names}
        barrier = threading.Barrier(CROWD)

        def learner(name: str) -> None:
            with httpx.Client(base_url=server.url, timeout=60) as client:
                barrier.wait()
                created = client.post("/v1/sessions", headers=headers[name],
                                      json={"language": "nb", "mode": "placement"})
                if created.status_code != 201:
                    failures.append(f"{created.status_code} {created.text}")
                    return
                session_id = created.json()["id"]
                for _ in range(3):
                    step = client.get(f"/v1/sessions/{session_id}/next", headers=headers[name])
                    answer = client.post(
                        f"/v1/sessions/{session_id}/responses", headers=headers[name],
                        json={"item_id": step.json()["item"]["id"],
                              "answer": an_answer(step.json()["item"]),
                              "client_response_id": uuid.uuid4().hex})
                    if answer.status_code != 200:
                        failures.append(f"{answer.status_code} {answer.text}")
                        return
                answered[session_id] = 3

        with ThreadPoolExecutor(max_workers=CROWD) as pool:
            list(pool.map(learner, names))
    assert not failures, failures[:3]
    assert len(answered) == CROWD
    for session_id in answered:
        row, answers = stored(database_url, session_id)
        assert row.state["answered"] == len(answers) == 3
