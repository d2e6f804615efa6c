"""What an operator meets: one database location, the port checked first, the first admin
through a one-time link, the API reference without internet, compressed replies, paged lists."""
from __future__ import annotations

import gzip
import json
import os
import re
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from api.cli import main
from api.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- one database location


def test_the_default_database_is_one_absolute_file_whatever_the_folder(tmp_path, monkeypatch):
    for name in ("B1ENGINE_DATABASE_URL", "B1ENGINE_VAR_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    seen = set()
    for folder in (tmp_path, tmp_path / "elsewhere"):
        folder.mkdir(exist_ok=True)
        monkeypatch.chdir(folder)
        seen.add(Settings().database_url)
    assert seen == {f"sqlite:///{tmp_path / 'data' / 'b1engine' / 'b1engine.db'}"}
    # A relative path someone sets is made absolute once, where it was given.
    monkeypatch.setenv("B1ENGINE_DATABASE_URL", "sqlite:///school/b1.db")
    assert Settings().database_url == f"sqlite:///{tmp_path / 'elsewhere' / 'school' / 'b1.db'}"
    monkeypatch.setenv("B1ENGINE_VAR_DIR", "var")
    assert Settings().var_dir == tmp_path / "elsewhere" / "var"


def test_commands_that_touch_the_database_name_it_first(tmp_path, monkeypatch, capsys):
    path = tmp_path / "school.db"
    monkeypatch.setenv("B1ENGINE_DATABASE_URL", f"sqlite:///{path}")
    assert main(["db", "upgrade"]) == 0
    assert capsys.readouterr().err.splitlines()[0] == f"database: SQLite file {path}"
    assert main(["growth", "fit"]) == 0
    assert capsys.readouterr().err.splitlines()[0] == f"database: SQLite file {path}"
    monkeypatch.chdir(tmp_path)
    assert main(["db", "upgrade", "--database-url", "sqlite:///other.db"]) == 0
    assert f"database: SQLite file {tmp_path / 'other.db'}" in capsys.readouterr().err


def test_a_postgresql_location_is_named_without_its_password():
    from api.db import describe_url

    assert describe_url("postgresql://b1:s3cret@db.internal:5433/school") == \
        "PostgreSQL database school on db.internal:5433 as b1"


# ---------------------------------------------------------------- serve: the port first


def _serve(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "B1ENGINE_DATABASE_URL": f"sqlite:///{tmp_path / 'db' / 'b1.db'}",
                   "B1ENGINE_VAR_DIR": str(tmp_path / "var"), **(env or {})}
    environment.pop("PORT", None) if "PORT" not in (env or {}) else None
    return subprocess.run([sys.executable, "-m", "api.cli", "serve", *args], cwd=ROOT, env=environment, check=False,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("reuse_port", [False, True], ids=["plain", "another-b1engine-with-workers"])
def test_a_port_in_use_stops_serve_before_it_creates_or_prints_anything(tmp_path, reuse_port):
    with socket.socket() as busy:
        if reuse_port:  # how each worker of a `serve --workers N` listens
            busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = _serve(tmp_path, "--demo", "--workers", "2" if reuse_port else "1", env={"PORT": str(port)})
    assert done.returncode == 2
    assert done.stdout == ""  # no demo passwords for a server that never started
    assert f"port {port} on 127.0.0.1 is in use" in done.stderr and "Nothing was changed" in done.stderr
    assert not (tmp_path / "db").exists() and not (tmp_path / "var").exists()


def test_port_and_host_options_say_what_is_wrong(tmp_path):
    from api.commands.serve import CannotListen, chosen_port

    assert chosen_port(None, {}) == 8000
    assert chosen_port(None, {"PORT": "8080"}) == 8080
    assert chosen_port(9000, {"PORT": "8080"}) == 9000
    for bad in ("eighty", "0", "70000"):
        with pytest.raises(CannotListen, match="use a number from 1 to 65535"):
            chosen_port(None, {"PORT": bad})
    done = _serve(tmp_path, "--host", "no-such-host.invalid")
    assert done.returncode == 2 and "is not an address of this machine" in done.stderr
    assert not (tmp_path / "db").exists()


def test_make_serve_passes_the_port():
    done = subprocess.run(["make", "-n", "serve", "PORT=8081"], cwd=ROOT, capture_output=True, text=True, check=False,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "b1engine serve --demo --port 8081" in done.stdout


def test_the_dockerfile_command_is_one_serve_accepts():
    from api.cli import build_parser

    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    command = json.loads(re.search(r"^CMD (\[.*\])$", text, re.MULTILINE).group(1))
    assert command[0] == "b1engine"
    args = build_parser().parse_args(command[1:])
    assert (args.command, args.host, args.port, args.demo) == ("serve", "0.0.0.0", 8000, False)


# ---------------------------------------------------------------- the first admin


def test_the_setup_link_makes_one_admin_once(client, clock):
    from sqlmodel import Session

    from api.services import setup

    settings = client.app.state.settings
    with Session(client.app.state.db_engine) as db:
        assert setup.needs_admin(db)
    link = setup.issue_link(settings, clock.now)
    page = client.get("/setup", params={"token": link.token})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert f'value="{link.token}"' in page.text and 'action="/v1/setup/admin"' in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    escaped = client.get("/setup", params={"token": '"><script>x</script>'})
    assert "<script>" not in escaped.text

    form = {"token": link.token, "username": "rektor", "password": "a long pass phrase"}
    made = client.post("/v1/setup/admin", data=form)
    assert made.status_code == 201, made.text
    assert made.json()["role"] == "admin" and made.json()["username"] == "rektor"
    token = client.post("/v1/auth/token", data={"username": "rektor", "password": "a long pass phrase"})
    assert token.status_code == 200
    again = client.post("/v1/setup/admin", data={**form, "username": "rektor2"})
    assert again.status_code == 409 and "used up" in again.json()["detail"]
    # An access token is no setup token, nor the reverse.
    access = token.json()["access_token"]
    assert client.post("/v1/setup/admin", data={**form, "token": access}).status_code == 401
    assert client.get("/v1/auth/me", headers={"Authorization": f"Bearer {link.token}"}).status_code == 401


def test_a_setup_link_expires_and_cannot_be_forged(client, clock):
    from api.services import setup

    settings = client.app.state.settings
    old = setup.issue_link(settings, clock.now)
    clock.advance(seconds=setup.SETUP_LINK_LIFETIME.total_seconds())
    form = {"username": "rektor", "password": "a long pass phrase"}
    expired = client.post("/v1/setup/admin", data={**form, "token": old.token})
    assert expired.status_code == 401 and "expired" in expired.json()["detail"]
    forged = setup.issue_link(settings.model_copy(update={"jwt_secret": "another-secret-" + "y" * 32}),
                              clock.now)
    assert client.post("/v1/setup/admin", data={**form, "token": forged.token}).status_code == 401
    fresh = setup.issue_link(settings, clock.now + timedelta(seconds=1))
    assert client.post("/v1/setup/admin", data={**form, "token": fresh.token}).status_code == 201


# ---------------------------------------------------------------- docs without internet


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_api_reference_loads_everything_from_the_app_itself(client, page):
    html = client.get(page)
    assert html.status_code == 200
    referenced = re.findall(r'(?:src|href|spec-url)="([^"]+)"', html.text) + re.findall(r"url: '([^']+)'", html.text)
    assert len(referenced) >= 2
    for url in referenced:
        assert url.startswith("/") and not url.startswith("//"), f"{page} loads {url} from elsewhere"
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 1000, url
        if url.startswith("/docs/assets/"):  # the same for everyone: kept a day, not fetched again
            assert asset.headers["cache-control"] == "public, max-age=86400", url
    # A browser would refuse anything from another origin.
    assert "default-src 'self'" in html.headers["content-security-policy"]
    assert "http" not in html.headers["content-security-policy"]


# ---------------------------------------------------------------- compressed replies


def test_large_replies_are_gzipped_small_ones_and_refusals_are_not(client):
    from starlette.responses import StreamingResponse

    big = client.get("/openapi.json", headers={"accept-encoding": "gzip"})
    assert big.headers["content-encoding"] == "gzip" and "accept-encoding" in big.headers["vary"].lower()
    assert big.json()["info"]["title"] == "B1 Engine"
    plain = client.get("/openapi.json", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.json() == big.json()
    small = client.get("/healthz", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in small.headers
    # A refusal of the body limit is sent before compression sees anything.
    large = client.post("/v1/classes", content=b"x" * 70_000, headers={"accept-encoding": "gzip",
                                                                          "content-type": "application/json"})
    assert large.status_code == 413 and "content-encoding" not in large.headers

    # A streamed reply is compressed as it streams, whole at the other end.
    chunks = [json.dumps({"n": i, "pad": "x" * 900}).encode() + b"\n" for i in range(40)]

    async def stream():
        for chunk in chunks:
            yield chunk

    client.app.add_api_route("/test-stream", lambda: StreamingResponse(stream(), media_type="text/plain"))
    with client.stream("GET", "/test-stream", headers={"accept-encoding": "gzip"}) as streamed:
        assert streamed.headers["content-encoding"] == "gzip"
        raw = b"".join(streamed.iter_raw())
    assert gzip.decompress(raw) == b"".join(chunks)


# ---------------------------------------------------------------- paged lists


def _learner_with_answers(client, answers: int) -> tuple[dict, dict]:
    from api_helpers import create_user, login
    from sqlmodel import Session
    from test_api_limits import _answer_next

    from api.models import ClassLearner

    teacher = create_user(client, "teacher-p", "teacher")
    learner = create_user(client, "learner-p", "learner")
    headers = {"teacher": login(client, "teacher-p"), "learner": login(client, "learner-p")}
    class_id = client.post("/v1/classes", json={"name": "Paged", "language": "nb"},
                           headers=headers["teacher"]).json()["id"]
    with Session(client.app.state.db_engine) as db:
        db.add(ClassLearner(learner_id=learner["id"], class_id=class_id))
        db.commit()
    session_id = client.post("/v1/sessions", json={"language": "nb", "mode": "drill"},
                             headers=headers["learner"]).json()["id"]
    for number in range(answers):
        _answer_next(client, headers["learner"], session_id, f"page-{number}")
    return {"class_id": class_id, "learner_id": learner["id"], "teacher_id": teacher["id"]}, headers


def test_a_learners_history_comes_in_pages_from_the_latest(client):
    ids, headers = _learner_with_answers(client, 5)
    whole = client.get("/v1/learners/me", headers=headers["learner"]).json()
    assert whole["history_total"] == 5 and len(whole["history"]) == 5 and whole["history_older"] is None
    pages, before = [], None
    while True:
        params = {"history_limit": 2} | ({} if before is None else {"history_before": before})
        page = client.get("/v1/learners/me", params=params, headers=headers["learner"]).json()
        pages.insert(0, page["history"])
        before = page["history_older"]
        if before is None:
            break
    assert [len(p) for p in pages] == [1, 2, 2]
    assert [point for p in pages for point in p] == whole["history"]
    teacher_view = client.get(f"/v1/learners/{ids['learner_id']}", params={"history_limit": 3},
                              headers=headers["teacher"]).json()
    assert teacher_view["history"] == whole["history"][-3:] and teacher_view["history_older"] == 2
    too_many = client.get("/v1/learners/me", params={"history_limit": 5001}, headers=headers["learner"])
    assert too_many.status_code == 422
    assert too_many.json()["errors"] == [{"field": "query.history_limit",
                                          "message": "Use a number of at most 5000."}]


def test_class_curves_come_in_pages_of_learners_with_the_whole_class_summary(client):
    from api_helpers import create_user
    from sqlmodel import Session

    from api.models import ClassLearner

    ids, headers = _learner_with_answers(client, 2)
    others = [create_user(client, f"learner-q{n}", "learner")["id"] for n in range(2)]
    with Session(client.app.state.db_engine) as db:
        for learner_id in others:
            db.add(ClassLearner(learner_id=learner_id, class_id=ids["class_id"]))
        db.commit()
    url = f"/v1/classes/{ids['class_id']}/ability-curves"
    whole = client.get(url, headers=headers["teacher"]).json()
    assert [c["id"] for c in whole["learners"]] == [ids["learner_id"], *others] and whole["next_cursor"] is None
    first = client.get(url, params={"limit": 2}, headers=headers["teacher"]).json()
    second = client.get(url, params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers["teacher"]).json()
    assert first["learners"] + second["learners"] == whole["learners"]
    assert first["next_cursor"] == others[0] and second["next_cursor"] is None
    assert first["summary"] == second["summary"] == whole["summary"]
    assert whole["summary"]["learners"] == 3 and whole["summary"]["assessed"] == 1
