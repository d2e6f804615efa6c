"""Fuzzing the whole HTTP API from its OpenAPI schema (schemathesis), as each role.

For every operation, valid and invalid requests (positive and negative
generation), with path ids drawn at random or set to real objects of the
caller (a class, a session, a learner) so the fuzzer gets past the 404s.
Every reply must be a status the schema documents for that operation, with a
body matching its schema; every error is problem details; no 5xx.

Bounded for CI: ``B1ENGINE_FUZZ_EXAMPLES`` examples per operation and mode
(default 4) and derandomised, so a run is repeatable; raise the number and set
``B1ENGINE_FUZZ_RANDOM=1`` to search further on a workstation.
"""
from __future__ import annotations

import os
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings, strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

EXAMPLES = int(os.environ.get("B1ENGINE_FUZZ_EXAMPLES", "4"))
RANDOM = os.environ.get("B1ENGINE_FUZZ_RANDOM") == "1"
ROLES = ("learner", "teacher", "author", "admin")
PROBLEM_MEDIA_TYPE = "application/problem+json"


def problem_details(ctx, response, case) -> None:
    """Every error is RFC 9457 problem details with a status equal to the reply's."""
    if response.status_code < 400:
        return
    media_type = response.headers.get("content-type", [""])[0]
    assert media_type == PROBLEM_MEDIA_TYPE, f"{response.status_code} with media type {media_type!r}"
    body = response.json()
    assert isinstance(body, dict) and body.get("status") == response.status_code, body
    assert isinstance(body.get("title"), str) and isinstance(body.get("type"), str), body


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, problem_details]


def without_lifespan(app):
    """The app as schemathesis calls it: the test client already ran its start-up."""

    async def wrapped(scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                kind = message["type"].rsplit(".", 1)[-1]
                await send({"type": f"lifespan.{kind}.complete"})
                if kind == "shutdown":
                    return
        await app(scope, receive, send)

    return wrapped


def real_ids(client, people) -> dict[str, object]:
    """Path values naming existing objects of the caller."""
    created = client.post("/v1/sessions", headers=people["learner"]["headers"],
                          json={"language": "nb", "mode": "placement"})
    assert created.status_code == 201, created.text
    return {"class_id": people["class_id"], "learner_id": people["learner"]["id"],
            "session_id": created.json()["id"]}


@pytest.mark.parametrize("role", ROLES)
def test_fuzz_every_operation(role, client, people):
    schema = schemathesis.openapi.from_dict(client.app.openapi())
    app = without_lifespan(client.app)
    headers = people[role]["headers"]
    ids = real_ids(client, people)
    operations = [result.ok() for result in schema.get_all_operations()]
    # Erasing learners last, so the other operations still find the caller's objects.
    operations.sort(key=lambda op: op.method.upper() == "DELETE")
    tried = 0
    for operation in operations:
        names = {p.name for p in operation.path_parameters}
        fixed = {name: ids[name] for name in names if name in ids}
        strategies = [operation.as_strategy(generation_mode=mode)
                      for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
        if fixed:
            strategies.append(operation.as_strategy(path_parameters=fixed))
        strategy = st.one_of(strategies)

        @settings(max_examples=EXAMPLES * len(strategies), deadline=None, database=None,
                  derandomize=not RANDOM, suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def fuzz(case):
            case.call_and_validate(app=app, headers=headers, checks=CHECKS)

        fuzz()
        tried += 1
    assert tried >= 10
