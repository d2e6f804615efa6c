"""A worker is warm when it takes its first request (``api.services.warmup``): the first class
after a start waits no longer than the tenth."""
from __future__ import annotations

import threading
import uuid

import httpx
from api_helpers import create_user, login
from fastapi.testclient import TestClient
from server_helpers import an_answer

#: The first request of a kind may do this much more than the next one of that kind (what is
#: left: SQLAlchemy compiles each statement at its first run, per engine).
FIRST_REQUEST_SLACK = 2


class CallCounter:
    """Python function calls made by the server's threads (the event loop's and the request
    threads, all started after it is installed) while counting."""

    def __init__(self) -> None:
        self.calls, self.on = 0, False

    def __call__(self, _frame, event: str, _arg) -> None:
        if self.on and event == "call":
            self.calls += 1

    def count(self, client: TestClient, method: str, path: str, **kwargs) -> tuple[int, httpx.Response]:
        self.calls, self.on = 0, True
        try:
            response = client.request(method, path, **kwargs)
        finally:
            self.on = False
        return self.calls, response


def test_the_first_requests_after_a_start_do_no_more_work_than_the_next_ones(make_client):
    counter = CallCounter()
    threading.setprofile(counter)
    try:
        client = make_client()  # started (warm-up included) with the counter in its threads
    finally:
        threading.setprofile(None)
    for name in ("ada", "bob"):
        create_user(client, name, "learner")
    calls: dict[str, list[int]] = {"login": [], "start": [], "next": [], "responses": []}
    for name in ("ada", "bob"):
        count, _ = counter.count(client, "POST", "/v1/auth/token",
                                 data={"username": name, "password": "password-123"})
        calls["login"].append(count)
        headers = login(client, name)
        count, created = counter.count(client, "POST", "/v1/sessions", headers=headers,
                                       json={"language": "nb", "mode": "placement"})
        calls["start"].append(count)
        assert created.status_code == 201, created.text
        session = created.json()["id"]
        count, step = counter.count(client, "GET", f"/v1/sessions/{session}/next", headers=headers)
        calls["next"].append(count)
        item = step.json()["item"]
        count, answered = counter.count(client, "POST", f"/v1/sessions/{session}/responses",
                                        headers=headers,
                                        json={"item_id": item["id"], "answer": an_answer(item),
                                              "client_response_id": uuid.uuid4().hex})
        calls["responses"].append(count)
        assert answered.status_code == 200, answered.text
    # Built at the first request through each router, the routes' tables cost a first login
    # 3 times the calls of the next one, a first session start 9 times (1.5 times once warm).
    for first, second in calls.values():
        assert first < FIRST_REQUEST_SLACK * second, calls
