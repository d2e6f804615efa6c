"""Admission (``api.middleware.AdmissionLimit``): no more requests inside than connections, and
password checks in a line of their own."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import anyio

from api.middleware import PASSWORD_CHECKS, AdmissionLimit

LOGIN = "/v1/auth/token"
NEXT = "/v1/sessions/abc/next"


def test_a_class_logging_in_does_not_hold_back_the_learners_already_in():
    """Six logins reach a worker admitting four requests, then a learner asks for the next
    exercise: it is served while the logins are still checked, one at a time."""

    async def scenario() -> None:
        inside: list[str] = []  # requests in the app now
        most_logins_inside = 0
        done: list[str] = []
        passwords_checked = anyio.Event()

        async def app(scope: dict, receive, send) -> None:
            nonlocal most_logins_inside
            inside.append(scope["path"])
            most_logins_inside = max(most_logins_inside, inside.count(LOGIN))
            if scope["path"] == LOGIN:
                await passwords_checked.wait()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            inside.remove(scope["path"])

        admission = AdmissionLimit(app, limit=4)

        async def request(method: str, path: str) -> None:
            async def receive() -> dict:
                return {"type": "http.request", "body": b"", "more_body": False}

            async def send(_message: dict) -> None:
                pass

            await admission({"type": "http", "method": method, "path": path}, receive, send)
            done.append(path)

        async with anyio.create_task_group() as group:
            for _ in range(6):
                group.start_soon(request, "POST", LOGIN)
            await anyio.wait_all_tasks_blocked()
            group.start_soon(request, "GET", NEXT)
            await anyio.wait_all_tasks_blocked()
            assert done == [NEXT]
            assert inside == [LOGIN] * PASSWORD_CHECKS
            passwords_checked.set()
        assert done.count(LOGIN) == 6 and most_logins_inside == PASSWORD_CHECKS
        assert admission.semaphore.value == 4 and admission.password_semaphore.value == PASSWORD_CHECKS

    # In a thread of its own: where the pages' tests ran first in this process (a parallel
    # `make test`), Playwright's session keeps an event loop running in the main thread.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(anyio.run, scenario).result()
