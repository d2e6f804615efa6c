"""Accounts, tokens, classes and learners in classes."""
from __future__ import annotations

from api_helpers import create_user, login, small_bank


def test_token_for_right_password_and_problem_for_wrong(client):
    create_user(client, "maria", "teacher")
    good = client.post("/v1/auth/token", data={"username": "maria", "password": "password-123"})
    assert good.status_code == 200
    assert good.json()["token_type"] == "bearer"
    me = client.get("/v1/auth/me", headers={"Authorization": f"Bearer {good.json()['access_token']}"})
    assert me.json() == {"id": me.json()["id"], "username": "maria", "display_name": "maria", "role": "teacher",
                         "language": "nb", "disabled": False, "password_change_required": False,
                         "created_at": "2026-09-01T08:00:00Z", "support_language": None}
    for username, password in (("maria", "wrong-password"), ("nobody", "password-123")):
        bad = client.post("/v1/auth/token", data={"username": username, "password": password})
        assert bad.status_code == 401
        assert bad.headers["content-type"] == "application/problem+json"
        assert bad.json()["detail"].startswith("wrong username or password: check both")


def test_missing_form_field_is_422_naming_the_field(client):
    response = client.post("/v1/auth/token", data={"username": "maria"})
    assert response.status_code == 422
    body = response.json()
    assert body["status"] == 422 and response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in body["errors"]] == ["body.password"]


def test_token_expires(client, clock):
    create_user(client, "maria", "teacher")
    headers = login(client, "maria")
    assert client.get("/v1/auth/me", headers=headers).status_code == 200
    clock.advance(minutes=client.app.state.settings.token_expiry_minutes + 1)
    expired = client.get("/v1/auth/me", headers=headers)
    assert expired.status_code == 401 and expired.json()["detail"].startswith("your login has expired: log in again")


def test_bad_and_missing_tokens_are_401(client):
    assert client.get("/v1/auth/me").status_code == 401
    forged = client.get("/v1/auth/me", headers={"Authorization": "Bearer abc.def.ghi"})
    assert forged.status_code == 401 and forged.json()["detail"].startswith("this token is not valid here: log in again")


def test_teacher_creates_class_and_learners_and_lists_only_own(client, people):
    teacher, other = people["teacher"]["headers"], people["teacher2"]["headers"]
    listed = client.get("/v1/classes", headers=teacher).json()
    assert [(c["id"], c["name"], c["language"], c["learner_count"]) for c in listed] == [
        (people["class_id"], "Kveldsklasse", "nb", 2)]
    assert client.get("/v1/classes", headers=other).json() == []
    learners = client.get(f"/v1/classes/{people['class_id']}/learners", headers=teacher).json()
    assert [learner["username"] for learner in learners] == ["learner", "learner2"]
    for path in ("", "/learners", "/ability-curves", "/ability-curves.svg", "/alerts", "/roster"):
        response = client.get(f"/v1/classes/{people['class_id']}{path}", headers=other)
        assert response.status_code == 404, path
    added = client.post(f"/v1/classes/{people['class_id']}/learners", headers=other,
                        json={"username": "sneaky", "password": "password-123"})
    assert added.status_code == 404


def test_class_validation_and_conflicts(client, people):
    teacher = people["teacher"]["headers"]
    bad = client.post("/v1/classes", json={"name": "", "language": "de"}, headers=teacher)
    assert bad.status_code == 422
    assert sorted(e["field"] for e in bad.json()["errors"]) == ["body.language", "body.name"]
    # The same name again in the class: 409 naming the learner already there.
    taken = client.post(f"/v1/classes/{people['class_id']}/learners", headers=teacher,
                        json={"username": "learner", "password": "password-123"})
    assert taken.status_code == 409 and "already in this class (login learner)" in taken.json()["detail"]
    # Named for the pages, which say it in the teacher's language.
    assert {k: taken.json()[k] for k in ("code", "name", "username")} == {
        "code": "name_in_class", "name": "learner", "username": "learner"}
    short = client.post(f"/v1/classes/{people['class_id']}/learners", headers=teacher,
                        json={"username": "ok-name", "password": "short"})
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "body.password"
    assert client.get("/v1/classes/999", headers=teacher).status_code == 404


def test_a_name_with_no_free_login_left_is_said_so_not_try_again(client, people, monkeypatch):
    """Every login the name can make is taken: a 409 that says so. The retry loop for logins
    taken between draw and insert used to swallow it and answer "many accounts at once: try
    again", which no retry could change."""
    monkeypatch.setattr("api.services.classes.SUFFIX_DIGITS", (1,))
    for digit in range(1, 10):
        create_user(client, f"ana{digit}", "learner")
    refused = client.post(f"/v1/classes/{people['class_id']}/learners", headers=people["teacher"]["headers"],
                          json={"display_name": "Ana Tesfay"})
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "no_free_login" and "give another username" in refused.json()["detail"]
    made = client.post(f"/v1/classes/{people['class_id']}/learners", headers=people["teacher"]["headers"],
                       json={"display_name": "Ana Tesfay", "username": "tesfay"})
    assert made.status_code == 201 and made.json()["username"].startswith("tesfay")


def test_a_class_name_of_spaces_is_refused_and_names_are_kept_trimmed(client, people):
    """QA report, issue 8: "   " made a class with no name (no link in "My classes")."""
    teacher = people["teacher"]["headers"]
    for blank in ("   ", "\u00a0 ", "\u3000"):
        refused = client.post("/v1/classes", json={"name": blank, "language": "nb"}, headers=teacher)
        assert refused.status_code == 422, blank
        assert refused.json()["errors"] == [{"field": "body.name", "message": "must not be empty: type a "
                                             "name (spaces alone do not count)."}]
        assert refused.json()["detail"].startswith("name: must not be empty")
        assert refused.json()["code"] == "name_empty"
    made = client.post("/v1/classes", json={"name": "  Morning group ", "language": "nb"}, headers=teacher)
    assert made.status_code == 201 and made.json()["name"] == "Morning group"
    listed = client.get("/v1/classes", headers=teacher).json()
    assert [c["name"] for c in listed] == ["Kveldsklasse", "Morning group"]


def test_a_refused_learners_name_says_why_by_code_with_the_values_a_page_needs(client, people):
    teacher = people["teacher"]["headers"]

    def add(name: str) -> dict:
        refused = client.post(f"/v1/classes/{people['class_id']}/learners", headers=teacher,
                              json={"display_name": name})
        assert refused.status_code == 422, refused.text
        return {k: v for k, v in refused.json().items() if k not in ("type", "title", "status", "detail", "errors",
                                                                      "instance")}

    assert add("x" * 121) == {"code": "name_too_long", "max_length": 120}
    assert add("Amina\u200bYusuf") == {"code": "name_invisible", "character": "U+200B"}
    assert add("1234 5678") == {"code": "name_no_letters"}
    assert add(" \u3000") == {"code": "name_empty"}


def test_roles_other_than_teacher_cannot_use_classes(client, people):
    for who in ("learner", "author"):
        headers = people[who]["headers"]
        assert client.get("/v1/classes", headers=headers).status_code == 403
        assert client.post("/v1/classes", json={"name": "x", "language": "nb"},
                           headers=headers).status_code == 403
        assert client.get(f"/v1/classes/{people['class_id']}/ability-curves",
                          headers=headers).status_code == 403


def test_unknown_path_and_method_are_problem_details(client):
    missing = client.get("/v1/nothing-here")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    wrong = client.delete("/v1/classes")
    assert wrong.status_code == 405 and wrong.json()["status"] == 405


def test_health_reports_database_and_items(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "items": len(small_bank())}


def test_openapi_documents_every_error_as_problem_details(client):
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    errors = [(path, method, status, response)
              for path, operations in schema["paths"].items()
              for method, operation in operations.items()
              for status, response in operation["responses"].items() if status[0] in "45"]
    assert len(errors) > 40
    for path, method, status, response in errors:
        assert list(response["content"]) == ["application/problem+json"], (path, method, status)
    secured = [(path, method) for path, operations in schema["paths"].items()
               for method, operation in operations.items()
               # Public: health, login, the languages a login page offers, and the LTI public
               # keys (learning platforms fetch them without an account).
               if path not in ("/healthz", "/v1/auth/token", "/v1/support-languages", "/lti/jwks")
               and "401" not in operation["responses"]]
    assert secured == []
