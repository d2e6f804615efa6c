"""Size and time limits on requests: oversized bodies and headers are refused unread, and
clients that trickle their bodies do not starve anyone (issue 16)."""
from __future__ import annotations

import socket
import time
import uuid

import httpx
from sqlmodel import select

from api.models import ResponseRow
from api_helpers import small_bank
from server_helpers import create_learners, serving, token

PASSWORD = "password-123"
#: A login no random key or cookie can spell by chance ("ada" appeared in a cookie's hex digits).
NAME = "ada.lovelace"
FAST_START = {"B1ENGINE_LOAD_BANK": "false"}
#: Slow clients in the starvation test, and the latency the others must still see.
SLOW_CLIENTS = 20
LATENCY_LIMIT_S = 1.0


def test_an_oversized_answer_is_413_and_nothing_is_stored(client, people, db):
    headers = people["learner"]["headers"]
    session_id = client.post("/v1/sessions", json={"language": "nb", "mode": "placement"},
                             headers=headers).json()["id"]
    item = client.get(f"/v1/sessions/{session_id}/next", headers=headers).json()["item"]
    limit = client.app.state.settings.max_body_bytes
    huge = client.post(f"/v1/sessions/{session_id}/responses", headers=headers,
                       json={"item_id": item["id"], "answer": "x" * (limit + 1),
                             "client_response_id": "big"})
    assert huge.status_code == 413 and huge.headers["content-type"] == "application/problem+json"
    assert str(limit) in huge.json()["detail"]
    assert db.exec(select(ResponseRow)).all() == []


def test_uploads_may_be_larger_than_answers_but_not_unbounded(client, people):
    headers = people["author"]["headers"]
    settings = client.app.state.settings
    padding = "x" * (settings.max_body_bytes * 2)
    middling = client.post("/v1/vocabulary-sets", headers=headers,
                           json={"language": "nb", "trade": "care", "title": padding, "entries": []})
    assert middling.status_code == 422  # read and checked (the title is too long), not refused
    too_big = client.post("/v1/vocabulary-sets", headers={**headers, "content-type": "application/json"},
                          content=b'{"title": "' + b"x" * settings.max_upload_bytes + b'"}')
    assert too_big.status_code == 413


def test_oversized_headers_are_431(client):
    response = client.get("/healthz", headers={"x-filler": "y" * (client.app.state.settings.max_header_bytes + 1)})
    assert response.status_code == 431 and response.json()["status"] == 431


def _trickle(host: str, port: int) -> socket.socket:
    """A connection that sends a request's headers and then its body one byte at a time."""
    sock = socket.create_connection((host, port))
    sock.sendall(b"POST /v1/auth/token HTTP/1.1\r\nHost: x\r\n"
                 b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n")
    return sock


def test_slow_bodies_do_not_starve_other_learners(database_url, tmp_path):
    create_learners(database_url, ["ada"], PASSWORD, small_bank())
    env = {**FAST_START, "B1ENGINE_BODY_READ_TIMEOUT_SECONDS": "4"}
    with serving(database_url, tmp_path / "var", workers=1, env=env) as server, \
            httpx.Client(base_url=server.url, timeout=10) as client:
        headers = token(client, server.url, "ada", PASSWORD)
        session_id = client.post("/v1/sessions", headers=headers,
                                 json={"language": "nb", "mode": "placement"}).json()["id"]

        def answer_next() -> httpx.Response:
            item = client.get(f"/v1/sessions/{session_id}/next", headers=headers).json()["item"]
            answer = [o["id"] for o in item["options"]] if item["type"] == "word_order" else (
                item["options"][0]["id"] if item["options"] else "svar")
            return client.post(f"/v1/sessions/{session_id}/responses", headers=headers,
                               json={"item_id": item["id"], "answer": answer,
                                     "client_response_id": uuid.uuid4().hex})

        for _ in range(4):  # the worker warm (lemma tables of the typed answers loaded)
            assert answer_next().status_code == 200
        host, port = server.url.removeprefix("http://").split(":")
        slow = [_trickle(host, int(port)) for _ in range(SLOW_CLIENTS)]
        try:
            for _ in range(2):  # a byte each, now and then
                for sock in slow:
                    sock.sendall(b"u")
                started = time.perf_counter()
                assert client.get("/healthz").status_code == 200
                assert time.perf_counter() - started < LATENCY_LIMIT_S
                started = time.perf_counter()
                reply = answer_next()
                assert reply.status_code == 200, reply.text
                assert time.perf_counter() - started < LATENCY_LIMIT_S
                time.sleep(0.5)
            # Past the read timeout every slow client has been answered 408 and let go.
            time.sleep(4)
            slow[0].settimeout(5)
            assert b" 408 " in slow[0].recv(4096).split(b"\r\n")[0] + b" "
        finally:
            for sock in slow:
                sock.close()


def test_no_redirect_reflects_the_host_header(client):
    response = client.get("/v1/classes/", headers={"host": "evil.example"}, follow_redirects=False)
    assert response.status_code == 404 and "location" not in response.headers


def test_proxy_headers_are_believed_only_from_configured_proxies(database_url, tmp_path):
    """``X-Forwarded-For`` from an unlisted peer does not change the address that failed logins
    are counted on: five failures claiming five addresses are five failures of the real one."""
    from sqlmodel import Session, select as sql_select

    from api.db import make_engine
    from api.models import LoginThrottle
    from api.services import rate_limits

    create_learners(database_url, ["ada"], PASSWORD, small_bank())
    with serving(database_url, tmp_path / "var", workers=1, env=FAST_START) as server, \
            httpx.Client(base_url=server.url, timeout=10) as client:
        statuses = [client.post("/v1/auth/token", data={"username": f"nobody{i}", "password": "wrong"},
                                headers={"x-forwarded-for": f"10.0.0.{i}"}).status_code for i in range(5)]
        secret = server.env["B1ENGINE_JWT_SECRET"]
    assert statuses == [401] * 5
    engine = make_engine(database_url)
    try:
        with Session(engine) as db:
            rows = {row.key: row for row in db.exec(sql_select(LoginThrottle).where(
                LoginThrottle.account_key.is_(None)))}
    finally:
        engine.dispose()
    real = rate_limits.key(secret, "login-throttle:address", "127.0.0.1")
    assert list(rows) == [real]
    # Five failures outstanding on the real address (one forgiven every two minutes: the
    # seconds the requests took drained a little of them).
    assert 4.9 < (rows[real].forgiven_at - rows[real].failed_at) / 120 <= 5


def test_lone_surrogates_and_control_characters_are_422_and_the_export_still_works(client, people):
    headers = people["learner"]["headers"]
    session_id = client.post("/v1/sessions", json={"language": "nb", "mode": "placement"},
                             headers=headers).json()["id"]
    item = client.get(f"/v1/sessions/{session_id}/next", headers=headers).json()["item"]
    for raw in (b'"\\ud800"', b'"ok\\u0007"', b'"\\u0000"'):
        response = client.post(f"/v1/sessions/{session_id}/responses",
                               headers={**headers, "content-type": "application/json"},
                               content=b'{"item_id": "' + item["id"].encode() + b'", "answer": ' + raw
                               + b', "client_response_id": "c1"}')
        assert response.status_code == 422, (raw, response.text)
        assert response.json()["errors"][0]["field"].startswith("body.answer")
    named = client.post("/v1/classes", json={"name": "kveld\u001b[31m", "language": "nb"},
                        headers=people["teacher"]["headers"])
    assert named.status_code == 422
    assert client.get(f"/v1/learners/{people['learner']['id']}/export", headers=headers).status_code == 200


def _answer_next(client, headers, session_id, client_id=None):
    item = client.get(f"/v1/sessions/{session_id}/next", headers=headers).json()["item"]
    answer = [o["id"] for o in item["options"]] if item["type"] == "word_order" else (
        item["options"][0]["id"] if item["options"] else "svar")
    return client.post(f"/v1/sessions/{session_id}/responses", headers=headers,
                       json={"item_id": item["id"], "answer": answer,
                             "client_response_id": client_id or uuid.uuid4().hex}), item, answer


def test_an_answer_flood_is_429_with_retry_after_and_a_retry_is_not_counted(make_client, clock):
    from api_helpers import create_user, login

    client = make_client(rate_answers_per_minute=3, drill_length=50)
    create_user(client, "ada", "learner")
    headers = login(client, "ada")
    session_id = client.post("/v1/sessions", json={"language": "nb", "mode": "drill"},
                             headers=headers).json()["id"]
    first, item, answer = _answer_next(client, headers, session_id, "c-1")
    assert first.status_code == 200
    for _ in range(3):  # the same answer sent again: its first result, not a new answer
        again = client.post(f"/v1/sessions/{session_id}/responses", headers=headers,
                            json={"item_id": item["id"], "answer": answer, "client_response_id": "c-1"})
        assert again.status_code == 200
    assert _answer_next(client, headers, session_id)[0].status_code == 200
    assert _answer_next(client, headers, session_id)[0].status_code == 200
    flooded = _answer_next(client, headers, session_id)[0]
    assert flooded.status_code == 429 and 1 <= int(flooded.headers["retry-after"]) <= 60
    assert "3 a minute" in flooded.json()["detail"]
    clock.advance(seconds=61)
    assert _answer_next(client, headers, session_id)[0].status_code == 200


def test_login_attempts_per_username_are_limited_atomically_and_counters_name_no_one(make_client):
    from concurrent.futures import ThreadPoolExecutor

    from sqlmodel import Session, select as sql_select

    from api.models import LoginThrottle, RateCount
    from api_helpers import create_user

    client = make_client(rate_logins_per_minute_per_username=5, login_free_failures_per_account=100)
    create_user(client, NAME, "learner")

    def attempt(_):
        return client.post("/v1/auth/token", data={"username": NAME, "password": "wrong-guess"}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(attempt, range(12)))
    # Exactly five attempts reach the password check, however they race.
    assert statuses.count(401) == 5 and statuses.count(429) == 7
    with Session(client.app.state.db_engine) as db:
        counters = list(db.exec(sql_select(RateCount)))
        throttles = list(db.exec(sql_select(LoginThrottle)))
    keys = [row.key for row in counters] + [row.key for row in throttles] + \
           [row.account_key for row in throttles if row.account_key]
    import hashlib

    plain = {hashlib.sha256(value.encode()).hexdigest() for value in (NAME, "testclient", NAME + "\x1ftestclient")}
    assert keys and not set(keys) & plain and all(NAME not in key for key in keys)
    # The five failures all counted (parallel failures each move the bucket: one atomic upsert).
    per_account = [row for row in throttles if row.account_key]
    assert len(per_account) == 1
    assert round((per_account[0].forgiven_at - per_account[0].failed_at) / 3600, 3) == 5


def test_a_school_of_25_behind_one_address_all_log_in(make_client):
    from api_helpers import create_user

    from api.settings import Settings

    defaults = {name: Settings.model_fields[name].default
                for name in ("rate_logins_per_minute_per_username", "rate_logins_per_minute_per_address")}
    client = make_client(**defaults)  # the limits as shipped
    for number in range(25):
        create_user(client, f"learner{number:02d}", "learner")
    statuses = []
    for number in range(25):
        if number < 3:  # three mistype twice first
            for _ in range(2):
                statuses.append(client.post("/v1/auth/token", data={"username": f"learner{number:02d}",
                                                                    "password": "typo-typo"}).status_code)
        statuses.append(client.post("/v1/auth/token", data={"username": f"learner{number:02d}",
                                                             "password": PASSWORD}).status_code)
    assert statuses.count(401) == 6 and statuses.count(200) == 25


def test_healthz_fails_with_the_reason_when_the_database_refuses_writes(client, database_url, caplog):
    from sqlalchemy import event

    assert client.get("/healthz").status_code == 200
    db_engine = client.app.state.db_engine
    sqlite = database_url.startswith("sqlite")

    def read_only(connection, _record):
        cursor = connection.cursor()
        cursor.execute("PRAGMA query_only=ON" if sqlite else "SET default_transaction_read_only = on")
        cursor.close()
        if not sqlite:
            connection.commit()

    event.listen(db_engine, "connect", read_only)
    db_engine.dispose()  # new connections, read-only
    try:
        response = client.get("/healthz")
    finally:
        event.remove(db_engine, "connect", read_only)
        db_engine.dispose()
    assert response.status_code == 503 and "refuses writes" in response.json()["detail"]
    assert ("readonly" if sqlite else "read-only") in response.json()["detail"]
    assert any("refuses writes" in record.getMessage() for record in caplog.records)
    assert client.get("/healthz").status_code == 200


def test_an_attack_on_a_username_from_elsewhere_never_holds_off_its_owner_on_a_known_device(make_client):
    """The device cookie (OWASP's device cookies): the owner's phone, which logged in before,
    is counted on its own, while the attacker fills the username's per-minute limit."""
    from fastapi.testclient import TestClient

    from api.services.login_limits import DEVICE_COOKIE
    from api_helpers import create_user

    owner = make_client(rate_logins_per_minute_per_username=5)
    create_user(owner, NAME, "learner")
    first = owner.post("/v1/auth/token", data={"username": NAME, "password": PASSWORD})
    assert first.status_code == 200
    set_cookie = first.headers["set-cookie"]
    assert "HttpOnly" in set_cookie and "Path=/v1/auth" in set_cookie and "samesite=strict" in set_cookie.lower()
    cookie = owner.cookies[DEVICE_COOKIE]
    assert NAME not in cookie

    with TestClient(owner.app) as attacker:  # no cookie: another machine
        statuses = [attacker.post("/v1/auth/token", data={"username": NAME, "password": f"guess-{n}"}
                                  ).status_code for n in range(8)]
        assert statuses.count(429) >= 3  # the username's limit is full for everyone without the cookie
        # A cookie of another login, or a forged one, is no cookie at all.
        create_user(owner, "bob", "learner")
        bob = attacker.post("/v1/auth/token", data={"username": "bob", "password": PASSWORD})
        assert bob.status_code == 200
        attacker.cookies.set(DEVICE_COOKIE, attacker.cookies[DEVICE_COOKIE], path="/v1/auth")
        assert attacker.post("/v1/auth/token", data={"username": NAME, "password": PASSWORD}).status_code == 429
        nonce = cookie.split(".")[0]
        attacker.cookies.clear()
        attacker.cookies.set(DEVICE_COOKIE, f"{nonce}.{'0' * 32}", path="/v1/auth")
        assert attacker.post("/v1/auth/token", data={"username": NAME, "password": PASSWORD}).status_code == 429

    # The owner's phone gets in, in the same minute, with the right password.
    again = owner.post("/v1/auth/token", data={"username": NAME, "password": PASSWORD})
    assert again.status_code == 200 and again.json()["access_token"]
    # A device that guesses is slowed on its own: its own per-minute count.
    statuses = [owner.post("/v1/auth/token", data={"username": NAME, "password": "nope-nope"}).status_code
                for _ in range(6)]
    assert statuses[-1] == 429 and "device" in owner.post(
        "/v1/auth/token", data={"username": NAME, "password": "nope-nope"}).json()["detail"]
