"""One error shape (RFC 9457 problem details with ``errors: [{field, message}]``) for every 4xx.

The main test is generated from the app's routes: every route with a body gets bad bodies,
every route with path or query parameters gets bad values, and each reply must be the one
shape, in plain words, never a 500. A new route is covered without anyone writing a case.
"""
from __future__ import annotations

import re

import pytest

from api.errors import FieldProblem, field_path, plain_errors

#: Texts of pydantic, regular expressions and the framework that must never reach a client.
FRAMEWORK_TEXT = ("Input should", "String should", "Value error", "Field required", "Extra inputs",
                  "validation error", "pattern", "regex", "pydantic", "JSON decode", "Expecting ",
                  "model_type", "There was an error", "^", "$", "Not Found", "Method Not Allowed",
                  "type=", "url=", "errors.pydantic")
PROBLEM_KEYS = {"type", "title", "status", "code", "detail", "instance"}
SOURCES = ("body", "query", "path")


def assert_problem(response, status: int | None = None) -> dict:
    """The reply is one problem-details body, in plain words; returns it."""
    where = f"{response.request.method} {response.request.url.path}: {response.status_code} {response.text[:300]}"
    assert 400 <= response.status_code < 500, where
    if status is not None:
        assert response.status_code == status, where
    assert response.headers["content-type"] == "application/problem+json", where
    body = response.json()
    assert PROBLEM_KEYS <= set(body), where
    assert body["status"] == response.status_code and body["type"] == "about:blank", where
    assert re.fullmatch(r"[a-z]+(_[a-z]+)*", body["code"]), where  # a stable name for programs
    assert isinstance(body["detail"], str) and body["detail"], where
    texts = [body["detail"]]  # the title may be the HTTP phrase ("Not Found"), as RFC 9457 wants
    for error in body.get("errors", []):
        assert set(error) in ({"field", "message"}, {"field", "message", "code", "values"}), where
        if "code" in error:  # a page words it from its code and values (docs/api.md, "Field codes")
            assert re.fullmatch(r"[a-z]+(_[a-z]+)*", error["code"]) and isinstance(error["values"], dict), where
        assert error["field"].split(".")[0].split("[")[0] in SOURCES, where
        # Positions count from 1, as people count.
        assert "[0]" not in error["field"], where
        assert error["message"], where
        texts.append(error["message"])
    for text in texts:
        for fragment in FRAMEWORK_TEXT:
            assert fragment not in text, f"{where}: framework text {fragment!r} in {text!r}"
    return body


def fields(body: dict) -> list[str]:
    return [e["field"] for e in body.get("errors", [])]


# ---------------------------------------------------------------- generated from the routes


@pytest.fixture
def arranged(client) -> dict:
    """Someone of every role, and a value for every path parameter the routes name, owned by
    them (accounts made in the database: this test is about errors, not about accounts)."""
    from api_helpers import START, create_user, login
    from sqlmodel import Session

    from api.models import ClassLearner, VocabularySetRow

    people = {role: create_user(client, f"{role}-1", role) for role in ("admin", "teacher", "author",
                                                                         "learner")}
    headers = {role: login(client, f"{role}-1") for role in people}
    class_id = client.post("/v1/classes", json={"name": "Kveldsklasse", "language": "nb"},
                           headers=headers["teacher"]).json()["id"]
    set_id = "e" * 32
    with Session(client.app.state.db_engine) as db:
        db.add(ClassLearner(learner_id=people["learner"]["id"], class_id=class_id))
        # A draft set of the author's (a submitted one would load the language's tables).
        db.add(VocabularySetRow(id=set_id, author_id=people["author"]["id"], language="nb",
                                trade="construction", title="Verktøy", data={}, items=[],
                                created_at=START))
        db.commit()
    session_id = client.post("/v1/sessions", json={"language": "nb", "mode": "placement"},
                             headers=headers["learner"]).json()["id"]
    # Calibration runs are looked up after the body is read: any id reaches it.
    values = {"class_id": class_id, "learner_id": people["learner"]["id"],
              "user_id": people["learner"]["id"], "session_id": session_id, "set_id": set_id,
              "run_id": "0" * 32}
    return {"values": {k: str(v) for k, v in values.items()}, "headers": headers,
            "callers": [*headers.items(), ("nobody", {})]}


def operations(app) -> list[tuple[str, str]]:
    """(method, path) of every route of the API, from the OpenAPI document FastAPI derives from
    ``app.routes`` (this FastAPI nests included routers in ``app.routes``; the document lists
    every route of theirs that a client can call)."""
    return [(method.upper(), path) for path, methods in app.openapi()["paths"].items()
            for method in methods]


def fill(path: str, values: dict[str, str], **override: str) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name in override:
            return override[name]
        if name not in values:
            pytest.fail(f"no value for the path parameter {name!r} of {path}: add one to `arranged`")
        return values[name]

    return re.sub(r"\{(\w+)\}", value, path)


def operation(app, method: str, path: str) -> dict:
    return app.openapi()["paths"].get(path, {}).get(method.lower(), {})


def resolve(app, schema: dict) -> dict:
    while "$ref" in schema:
        schema = app.openapi()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def wrong_value(schema: dict):
    """A value of another JSON type than the property's."""
    kinds = {s.get("type") for s in schema.get("anyOf", [schema])} - {None, "null"}
    if "string" in kinds or "enum" in schema or "const" in schema:
        return {"not": "text"}
    if kinds & {"integer", "number", "boolean"}:
        return "not a number"
    if "array" in kinds:
        return 7
    return ["not", "an", "object"]


def bad_bodies(app, method: str, path: str) -> list[tuple[str, dict, str | None]]:
    """(what, request arguments, field expected among the errors) for one route's body."""
    body = operation(app, method, path).get("requestBody", {})
    content = body.get("content", {})
    if "application/x-www-form-urlencoded" in content:
        schema = resolve(app, content["application/x-www-form-urlencoded"]["schema"])
        first = min(schema.get("required", []))
        return [("an empty form", {"data": {}}, f"body.{first}"),
                ("JSON where a form is due", {"json": {"x": 1}}, f"body.{first}")]
    schema = resolve(app, content["application/json"]["schema"])
    cases = [("not JSON", {"content": b"{\"broken\": ", "headers": {"content-type": "application/json"}},
              "body"),
             ("a list", {"json": []}, "body"),
             ("a string", {"json": "text"}, "body"),
             ("an unknown field", {"json": {"zz_not_a_field": 1}}, None)]
    properties = schema.get("properties") or {}
    examples = content["application/json"].get("examples") or {}
    if not properties and examples:  # a free-form body checked by its service: its example's fields
        example = next(iter(examples.values()))["value"]
        properties = {name: {"type": {str: "string", list: "array", dict: "object"}.get(type(v), "integer")}
                      for name, v in example.items()}
    for name, prop in properties.items():
        cases.append((f"a wrong type for {name}", {"json": {name: wrong_value(resolve(app, prop))}},
                      f"body.{name}"))
    return cases


def caller_for(client, method: str, url: str, callers, **request) -> tuple[str, dict] | None:
    """The first caller whose request gets past authentication and roles (None: nobody does)."""
    for name, headers in callers:
        response = client.request(method, url, headers=headers, **request)
        assert response.status_code < 500, f"{method} {url} as {name}: {response.status_code} {response.text}"
        if response.status_code not in (401, 403):
            return name, headers
    return None


def test_every_route_answers_bad_input_with_the_one_problem_shape(client, arranged):
    app = client.app
    values, callers = arranged["values"], arranged["callers"]
    checked_bodies = checked_params = 0
    assert len(operations(app)) >= 20
    for method, path in operations(app):
        url = fill(path, values)
        parameters = operation(app, method, path).get("parameters", [])
        has_body = "requestBody" in operation(app, method, path)
        if has_body:
            found = caller_for(client, method, url, callers, json=[])
            assert found is not None, f"{method} {path}: nobody gets past the roles"
            for what, request, field in bad_bodies(app, method, path):
                headers = {**found[1], **request.pop("headers", {})}
                body = assert_problem(client.request(method, url, headers=headers, **request), 422)
                assert fields(body), f"{method} {path} with {what}: no field named"
                if field is not None:
                    assert any(f == field or f.startswith((field + ".", field + "["))
                               for f in fields(body)), f"{method} {path} with {what}: {fields(body)}"
                checked_bodies += 1
        for parameter in parameters:
            name, where = parameter["name"], parameter["in"]
            if where not in ("path", "query"):
                continue
            kind = resolve(app, parameter["schema"])
            numeric = {s.get("type") for s in kind.get("anyOf", [kind])} & {"integer", "number"}
            bad_values = ["abc", "0", "9" * 30, "x" * 300, "\u202e", "%00"]
            headers = None
            for bad in bad_values:
                if where == "path":
                    target, params = fill(path, values, **{name: bad}), None
                else:
                    target, params = url, {name: bad}
                # Every request here is refused (a bad value names nothing), whoever sends it:
                # the first caller past the roles shows what the value itself gets.
                request = {"json": {}} if has_body else {}
                if headers is None:  # roles do not depend on the value: found once per parameter
                    found = caller_for(client, method, target, callers, params=params, **request)
                    headers = found[1] if found else {}
                response = client.request(method, target, headers=headers, params=params, **request)
                assert response.status_code < 500, (method, target, params, response.text)
                if response.status_code >= 400 or (numeric and bad == "abc"):
                    # A free-text query value may be a good one; anything refused is a problem.
                    problem = assert_problem(response)
                    if numeric and bad == "abc":
                        assert f"{where}.{name}" in fields(problem), (method, path, problem)
                checked_params += 1
    # The routes this test walks (a route added later is walked too).
    assert checked_bodies >= 30 and checked_params >= 50, (checked_bodies, checked_params)


def test_unknown_addresses_and_methods_are_problems_that_say_what_to_do(client, arranged):
    missing = assert_problem(client.get("/v1/no-such-thing"), 404)
    assert "/v1/no-such-thing" in missing["detail"] and "/docs" in missing["detail"]
    wrong = client.delete("/v1/classes", headers=arranged["headers"]["teacher"])
    body = assert_problem(wrong, 405)
    assert "use GET, POST" in body["detail"] or "use POST, GET" in body["detail"]
    assert set(wrong.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}


def test_too_large_and_rate_limited_replies_are_the_same_shape(make_client):
    client = make_client(max_body_bytes=200, rate_session_starts_per_minute=1)
    from api_helpers import create_user, login

    create_user(client, "ayla", "learner")
    headers = login(client, "ayla")
    large = client.post("/v1/sessions", headers=headers, json={"language": "nb", "mode": "x" * 500})
    body = assert_problem(large, 413)
    assert body["instance"] == "/v1/sessions" and "at most 200" in body["detail"]
    assert client.post("/v1/sessions", headers=headers, json={"language": "nb", "mode": "drill"}).status_code == 201
    limited = client.post("/v1/sessions", headers=headers, json={"language": "nb", "mode": "drill"})
    assert_problem(limited, 429)
    assert int(limited.headers["retry-after"]) >= 1


def test_positions_count_from_one_in_every_field_path(client, arranged):
    from test_api_authoring import GOOD_SET

    entries = [dict(GOOD_SET["entries"][0]) for _ in range(4)]
    entries[3] = {**entries[3], "examples": ["Et eksempel her.", 5], "cefr": "Z9"}
    response = client.post("/v1/vocabulary-sets", json={**GOOD_SET, "entries": entries},
                           headers=arranged["headers"]["author"])
    body = assert_problem(response, 422)
    assert {"body.entries[4].cefr", "body.entries[4].examples[2]"} <= set(fields(body))
    assert "Use one of 'A1', 'A2', 'B1' or 'B2'." in [e["message"] for e in body["errors"]]


# ---------------------------------------------------------------- the translation itself


def test_union_members_are_merged_and_their_names_never_shown():
    from pydantic import BaseModel, Field, ValidationError

    class Answer(BaseModel):
        answer: str | list[str]
        name: str = Field(pattern=r"^[A-Za-z0-9._@-]+$")
        code: str = Field(default="ab", pattern=r"^(ab|cd)$")

    def errors(data) -> list[FieldProblem]:
        with pytest.raises(ValidationError) as caught:
            Answer.model_validate(data)
        return plain_errors(caught.value.errors(), data, prefix="body")

    assert errors({"answer": 5, "name": "ok"}) == [
        FieldProblem("body.answer", "Use text (a string in quotes) or a list ([...]).")]
    # A list with one wrong element: only the list's error, at the element (from 1).
    assert errors({"answer": ["a", 7], "name": "ok"}) == [
        FieldProblem("body.answer[2]", "Use text (a string in quotes).")]
    assert errors({"answer": "a", "name": "Søren Ås"}) == [FieldProblem(
        "body.name", "Use letters a–z (small or capital), digits 0–9, '.', '_', '@' and '-' only.")]
    # A pattern that is not one character class: a pointer to the docs, not the expression.
    assert errors({"answer": "a", "name": "ok", "code": "zz"}) == [FieldProblem(
        "body.code", "This value is not accepted here: see the field in the API reference at /docs.")]
    assert errors({"name": "ok"}) == [FieldProblem("body.answer", "Required: add this field.", "missing")]


def test_field_problems_carry_the_code_and_values_a_page_words_them_by():
    from pydantic import ValidationError

    from content.schema import VocabularySet

    data = {"language": "xx", "trade": "kitchen", "title": "", "entries": [
        {"lemma": "to ord", "pos": "NOUN", "gloss": "x" * 130, "cefr": "A2", "examples": []},
        {"lemma": "kniv", "pos": "NOUN", "gloss": "knife", "cefr": "A2", "examples": ["Kniven."],
         "gloss_distractors": ["gaffel", "kniv"], "colour": "red"}]}
    with pytest.raises(ValidationError) as caught:
        VocabularySet.model_validate(data)
    found = {p.field: (p.code, dict(p.values), p.message) for p in plain_errors(caught.value.errors(), data)}
    assert found == {
        "language": ("not_a_choice", {"choices": ["nb", "en", "tr", "it"]}, "Use one of 'nb', 'en', 'tr' or 'it'."),
        "title": ("empty", {}, "Must not be empty."),
        "entries[1].lemma": ("lemma_spaces", {}, "a lemma is one word (dictionary form)."),
        "entries[1].gloss": ("text_too_long", {"max_length": 120}, "Too long: use at most 120 characters."),
        "entries[1].examples": ("too_few", {"min_length": 1}, "Too few: give at least 1."),
        "entries[2].colour": ("unknown_field", {}, "Not a field of this request: remove it (or check its spelling)."),
        # A validator's own problem, at its field, with its value (content.notes).
        "entries[2].gloss_distractors": ("gloss_distractor_bad", {"word": "kniv"},
                                         "'kniv' is empty, the lemma, a near-synonym or given twice."),
    }
    # A field's several problems said in one sentence have no code.
    data["entries"][1]["examples"] = 5  # neither text nor a list: "Use text … or a list …"
    with pytest.raises(ValidationError) as caught:
        VocabularySet.model_validate(data)
    said = {p.field: p.code for p in plain_errors(caught.value.errors(), data)}
    assert said["entries[2].examples"] is None


def test_field_paths_count_list_positions_from_one():
    assert field_path(("entries", 3, "examples", 0)) == "entries[4].examples[1]"
    assert field_path(()) == ""


def test_the_commonest_refusals_say_what_to_do_next(client, people, clock):
    """Every refusal a user meets often names the next step, not only what went wrong, and its
    stable code: the status's, or a narrower one a page can say in its reader's language."""
    learner, teacher, author, admin = (people[name]["headers"] for name in ("learner", "teacher",
                                                                          "author", "admin"))
    cases = {
        "no token": (client.get("/v1/learners/me"), 401, "unauthorized", "log in first"),
        "wrong password": (client.post("/v1/auth/token", data={"username": "learner", "password": "nope-nope"}),
                           401, "login_failed", "your teacher can give you a new one"),
        "wrong role": (client.get("/v1/classes", headers=learner), 403, "forbidden", "ask the school's administrator"),
        "author and learners": (client.get(f"/v1/learners/{people['learner']['id']}", headers=author), 403,
                                "forbidden", "a teacher of the learner's class can"),
        "unknown class": (client.get("/v1/classes/9999", headers=teacher), 404, "not_found", "GET /v1/classes lists"),
        "another class's learner": (client.get(f"/v1/learners/{people['learner']['id']}",
                                               headers=people["teacher2"]["headers"]), 404,
                                    "not_found", "check the id in your class's list of learners"),
        "unknown session": (client.get("/v1/sessions/no-such-session/next", headers=learner), 404,
                            "session_not_found", "start a new session (POST /v1/sessions)"),
        "unknown calibration": (client.get("/v1/calibrations/no-such-run", headers=admin), 404,
                                "not_found", "GET /v1/calibrations lists the runs"),
        "unknown user": (client.get("/v1/users/9999", headers=admin), 404, "not_found", "GET /v1/users lists"),
        "no such track": (client.post("/v1/sessions", json={"language": "it", "mode": "drill", "track": "trade",
                                                             "trade": "care"}, headers=learner), 404,
                          "no_exercises", "choose another track or trade"),
    }
    for name, (response, status, code, next_step) in cases.items():
        body = assert_problem(response, status)
        assert next_step in body["detail"], (name, body["detail"])
        assert body["code"] == code, (name, body["code"])  # docs/api.md, "Errors"
    clock.advance(minutes=client.app.state.settings.token_expiry_minutes + 1)  # past the token's lifetime
    expired = client.get("/v1/learners/me", headers=learner)
    assert "log in again" in assert_problem(expired, 401)["detail"]
