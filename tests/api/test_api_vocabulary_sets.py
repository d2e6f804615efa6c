"""Vocabulary sets after the preview: list, read a file, edit, publish without touching
another set's items, unpublish, retire, item statistics."""
from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from api_helpers import create_user, login
from sqlmodel import Session, select
from test_api_authoring import GOOD_SET

from api.models import AnonymousResponse, ItemRow, LearningSession, ResponseRow
from api.services import item_cache

CSV = ("lemma,pos,gloss,example,cefr\n"
       "hammer,NOUN,hammer,Kan du gi meg hammeren?,A2\n"
       "stige,NOUN,ladder,Stigen står ved veggen.,Z9\n")


def _served(client, set_id: str) -> list[str]:
    """The set's items in the pool a drill of its trade selects from."""
    with Session(client.app.state.db_engine) as db:
        pool = item_cache.pool(db, "nb", "trade", "construction")
        items = {r.id for r in db.exec(select(ItemRow).where(ItemRow.vocabulary_set_id == set_id))}
        return sorted(set(pool.ids) & items)


def test_the_list_holds_the_authors_own_sets_and_an_admin_sees_all(client, people):
    author = people["author"]["headers"]
    first = client.post("/v1/vocabulary-sets", json=GOOD_SET, headers=author).json()
    create_user(client, "author2", "author")
    other = login(client, "author2")
    second = client.post("/v1/vocabulary-sets", json={**GOOD_SET, "title": "Mine"}, headers=other).json()

    mine = client.get("/v1/vocabulary-sets", headers=author)
    assert mine.status_code == 200
    [row] = mine.json()["sets"]
    assert row == {"id": first["id"], "title": "Verktøy", "language": "nb", "trade": "construction",
                   "status": "draft", "entries": 4, "items": len(first["items"]),
                   "updated": first["created_at"]}
    assert [s["id"] for s in client.get("/v1/vocabulary-sets", headers=other).json()["sets"]] == [second["id"]]
    everyone = client.get("/v1/vocabulary-sets", headers=people["admin"]["headers"]).json()["sets"]
    assert {s["id"] for s in everyone} == {first["id"], second["id"]}
    assert client.get("/v1/vocabulary-sets", headers=people["teacher"]["headers"]).status_code == 403
    # Another author's set is not found, whatever the operation.
    for method, path in (("put", ""), ("post", "/unpublish"), ("post", "/retire"), ("get", "/statistics")):
        kwargs = {"json": GOOD_SET} if method == "put" else {}
        reply = getattr(client, method)(f"/v1/vocabulary-sets/{first['id']}{path}", headers=other, **kwargs)
        assert reply.status_code == 404, (method, path)


def test_a_csv_file_is_read_as_a_set_and_its_problems_are_at_entry_and_field(client, people):
    author = people["author"]["headers"]
    read = client.post("/v1/vocabulary-sets/file", headers=author, json={
        "filename": "tools.csv", "text": CSV, "language": "nb", "trade": "construction", "title": "Verktøy"})
    assert read.status_code == 200, read.text
    data = read.json()["data"]
    assert [e["lemma"] for e in data["entries"]] == ["hammer", "stige"]
    assert data["entries"][1]["examples"] == ["Stigen står ved veggen."]
    checked = client.post("/v1/vocabulary-sets", json=data, headers=author)
    assert checked.status_code == 422
    assert [p["field"] for p in checked.json()["errors"]] == ["body.entries[2].cefr"]

    no_title = client.post("/v1/vocabulary-sets/file", headers=author, json={
        "filename": "tools.csv", "text": CSV, "language": "nb", "trade": "construction"})
    # The API's field, not the command line's option (it said "--title").
    assert no_title.status_code == 422 and [(e["field"], e["code"]) for e in no_title.json()["errors"]] == [
        ("body.title", "missing")]
    broken = client.post("/v1/vocabulary-sets/file", headers=author,
                         json={"filename": "tools.yaml", "text": "language: nb\nentries: [\n"})
    assert broken.status_code == 422 and broken.json()["code"] == "file_unreadable"
    message = broken.json()["detail"]
    assert message.startswith("the file cannot be read: line ") and "/" not in message.split("read:")[1]
    assert [(e["field"], e["code"], e["values"]) for e in broken.json()["errors"]] == [
        ("body.text", "file_yaml", {"line": 3, "column": "yaml"})]
    wrong_type = client.post("/v1/vocabulary-sets/file", headers=author, json={"filename": "tools.txt", "text": "x"})
    assert wrong_type.status_code == 422 and wrong_type.json()["errors"][0]["code"] == "file_type"
    # Each way a CSV file goes wrong, at its line and column, with its code (never a 500).
    header = "lemma,pos,gloss,example,cefr\n"
    given = {"language": "nb", "trade": "construction", "title": "Verktøy"}
    for text, expected in [
        ("", ("csv_no_header", {"line": 1})),
        ("lemma,pos,gloss,cefr\nhammer,NOUN,hammer,A2\n", ("csv_column_missing", {"line": 1, "column": "example"})),
        (header + "hammer,NOUN,hammer,Gi meg hammeren, takk.,A2\n", ("csv_extra_cells", {"line": 2})),
        (header + "hammer,NOUN,,Gi meg hammeren.,A2\n", ("csv_empty_value", {"line": 2, "column": "gloss"})),
        # The line as an editor numbers it, past a blank line.
        (header + "\nhammer,NOUN,,Gi meg hammeren.,A2\n", ("csv_empty_value", {"line": 3, "column": "gloss"})),
        (header + "hammer,NOUN,hammer,Gi meg hammeren.,A2\nhammer,NOUN,hammer,Hammeren er tung.,B1\n",
         ("csv_differs", {"line": 3, "column": "cefr"})),
    ]:
        reply = client.post("/v1/vocabulary-sets/file", headers=author,
                            json={"filename": "tools.csv", "text": text, **given})
        assert reply.status_code == 422, (text, reply.text)
        assert [(e["code"], e["values"]) for e in reply.json()["errors"]] == [expected], text
    not_a_set = client.post("/v1/vocabulary-sets/file", headers=author, json={"filename": "x.yaml", "text": "- a\n"})
    assert not_a_set.status_code == 422 and not_a_set.json()["errors"][0]["code"] == "file_not_set"
    # Files and edits over the 64 kB of an ordinary request are uploads (up to 2 MB), not a 413.
    long_file = client.post("/v1/vocabulary-sets/file", headers=author, json={
        "filename": "tools.yml", "text": "# " + "x" * 70_000 + "\nlanguage: nb\ntitle: T\nentries: []\n"})
    assert long_file.status_code == 200 and long_file.json()["data"]["track"] == "trade"
    set_id = client.post("/v1/vocabulary-sets", json=GOOD_SET, headers=author).json()["id"]
    long_edit = client.put(f"/v1/vocabulary-sets/{set_id}", headers=author,
                           json={**GOOD_SET, "notes": "x" * 70_000})
    assert long_edit.status_code == 422, long_edit.text


def test_publishing_never_touches_another_sets_items(client, people, db):
    author = people["author"]["headers"]
    create_user(client, "author2", "author")
    other = login(client, "author2")
    first = client.post("/v1/vocabulary-sets", json=GOOD_SET, headers=author).json()
    assert client.post(f"/v1/vocabulary-sets/{first['id']}/publish", headers=author).status_code == 200
    before = {r.id: (r.content_hash, r.live) for r in db.exec(
        select(ItemRow).where(ItemRow.vocabulary_set_id == first["id"]))}
    # The same lemmas and sentences, another author, another gloss: items of its own.
    same = {**GOOD_SET, "entries": [{**e, "gloss": e["gloss"] + " (tool)"} for e in GOOD_SET["entries"]]}
    second = client.post("/v1/vocabulary-sets", json=same, headers=other).json()
    assert not {i["id"] for i in second["items"]} & set(before)
    assert client.post(f"/v1/vocabulary-sets/{second['id']}/publish", headers=other).status_code == 200
    db.expire_all()
    after = {r.id: (r.content_hash, r.live) for r in db.exec(
        select(ItemRow).where(ItemRow.vocabulary_set_id == first["id"]))}
    assert after == before and all(live for _, live in after.values())
    assert len(_served(client, first["id"])) == len(first["items"])
    assert len(_served(client, second["id"])) == len(second["items"])


def test_edit_unpublish_retire_and_statistics(client, people, db):
    author = people["author"]["headers"]
    created = client.post("/v1/vocabulary-sets", json=GOOD_SET, headers=author).json()
    set_id = created["id"]
    url = f"/v1/vocabulary-sets/{set_id}"
    # A draft edited: re-validated (422 at the entry), then re-previewed.
    bad = {**GOOD_SET, "entries": [*GOOD_SET["entries"][:3], {**GOOD_SET["entries"][3], "pos": "VERBY"}]}
    refused = client.put(url, json=bad, headers=author)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "body.entries[4].pos"
    fewer = {**GOOD_SET, "title": "Verktøy 2", "entries": GOOD_SET["entries"][:3]}
    edited = client.put(url, json=fewer, headers=author)
    assert edited.status_code == 200 and edited.json()["title"] == "Verktøy 2"
    kept = {i["id"] for i in edited.json()["items"]}
    assert kept < {i["id"] for i in created["items"]}  # unchanged exercises keep their ids

    assert client.post(f"{url}/publish", headers=author).json()["status"] == "published"
    assert _served(client, set_id) == sorted(kept)
    # A published set edited: the new entry's items go live at once, the others stay as they were.
    republished = client.put(url, json=GOOD_SET, headers=author).json()
    assert republished["status"] == "published"
    assert _served(client, set_id) == sorted(i["id"] for i in republished["items"])

    # An answer, then a statistics row for it.
    learner = people["learner"]
    answered = republished["items"][0]["id"]
    with Session(client.app.state.db_engine) as session:
        now = datetime(2026, 1, 5, tzinfo=UTC)
        session.add(LearningSession(id="s1", learner_id=learner["id"], language="nb", mode="drill",
                                    track="trade", trade="construction", state={}, created_at=now,
                                    updated_at=now))
        session.add(ResponseRow(session_id="s1", learner_id=learner["id"], item_id=answered,
                                client_response_id="c1", answer="x", score=1, max_score=1, correct=True,
                                answered_at=now, theta=0.0, se=1.0, level="A2"))
        # An erased learner's answer (kept without the person) counts too: half marks, not right.
        session.add(AnonymousResponse(learner_key="k1", item_id=answered, score=1, max_score=2,
                                      answered_on=now.date()))
        # What a calibration run leaves on an item (tests/api/test_api_calibration* run one for real).
        row = session.get(ItemRow, answered)
        row.a, row.b, row.status, row.calibration_id = 1.25, -0.5, "calibrated", "run-1"
        session.add(row)
        session.commit()
    stats = client.get(f"{url}/statistics", headers=author)
    assert stats.status_code == 200
    rows = {r["id"]: r for r in stats.json()["items"]}
    assert {k: rows[answered][k] for k in ("answers", "share_right", "a", "b", "status", "calibration_id", "fit")} == {
        "answers": 2, "share_right": 0.5, "a": 1.25, "b": -0.5, "status": "calibrated",
        "calibration_id": "run-1", "fit": None}
    assert all(r["answers"] == 0 and r["share_right"] is None for i, r in rows.items() if i != answered)

    unpublished = client.post(f"{url}/unpublish", headers=author).json()
    assert (unpublished["status"], unpublished["published_at"]) == ("draft", None)
    assert _served(client, set_id) == []
    assert client.post(f"{url}/publish", headers=author).json()["status"] == "published"
    assert _served(client, set_id) == sorted(rows)
    retired = client.post(f"{url}/retire", headers=author)
    assert retired.status_code == 200 and retired.json()["status"] == "retired"
    assert _served(client, set_id) == []
    db.expire_all()
    assert db.exec(select(ResponseRow).where(ResponseRow.item_id == answered)).one().correct  # answers kept
    for method, path in (("put", ""), ("post", "/publish"), ("post", "/unpublish")):
        kwargs = {"json": GOOD_SET} if method == "put" else {}
        reply = getattr(client, method)(f"{url}{path}", headers=author, **kwargs)
        assert reply.status_code == 409 and "retired" in reply.json()["detail"], (method, path)
    assert client.get("/v1/vocabulary-sets", headers=author).json()["sets"][0]["status"] == "retired"


def _predictive(theta: float, se: float, a: float, b: float, c: float) -> float:
    """P(right) averaged over N(theta, se²), by adaptive quadrature (independent of the service's
    Gauss–Hermite nodes)."""
    from scipy import integrate, stats
    density = stats.norm(theta, se)
    return integrate.quad(lambda t: (c + (1 - c) / (1 + math.exp(-a * (t - b)))) * density.pdf(t),
                          theta - 10 * se, theta + 10 * se, epsabs=1e-12)[0]


def test_item_fit_judges_each_answer_against_the_learners_estimate_just_before_it(client, people, db):
    author = people["author"]["headers"]
    set_id = client.post("/v1/vocabulary-sets", json=GOOD_SET, headers=author).json()["id"]
    published = client.post(f"/v1/vocabulary-sets/{set_id}/publish", headers=author).json()
    judged, short = published["items"][0]["id"], published["items"][1]["id"]
    learner = people["learner"]["id"]
    rng = np.random.default_rng(41)
    # One learner's answers over 60 sessions: 31 to one item, 29 to another, each stored with
    # the estimate before it (tests/api/test_api_sessions.py checks the service stores them so).
    plan = [judged, short] * 29 + [judged, judged]
    start = datetime(2026, 1, 5, tzinfo=UTC)
    stored = []
    for n, item_id in enumerate(plan):
        moment = start + timedelta(hours=n)
        answer = {"item": item_id, "right": bool(rng.random() < 0.6), "theta": float(rng.normal(0.3, 0.8)),
                  "se": float(rng.uniform(0.3, 0.9))}
        stored.append(answer)
        db.add(LearningSession(id=f"s{n}", learner_id=learner, language="nb", mode="drill", track="trade",
                               trade="construction", state={}, created_at=moment, updated_at=moment))
        db.add(ResponseRow(session_id=f"s{n}", learner_id=learner, item_id=item_id, client_response_id="c",
                           answer="x", score=int(answer["right"]), max_score=1, correct=answer["right"],
                           answered_at=moment, theta=0.0, se=0.5, level="A2", theta_before=answer["theta"],
                           se_before=answer["se"]))
        db.commit()
    row = db.get(ItemRow, judged)
    squared, variances, ratios = 0.0, 0.0, []
    for answer in stored:
        if answer["item"] == judged:
            p = _predictive(answer["theta"], answer["se"], row.a, row.b, row.c)
            residual = (answer["right"] - p) ** 2
            squared, variances = squared + residual, variances + p * (1 - p)
            ratios.append(residual / (p * (1 - p)))

    reply = client.get(f"/v1/vocabulary-sets/{set_id}/statistics", headers=author).json()
    stats = {r["id"]: r for r in reply["items"]}
    fit = stats[judged]["fit"]
    assert reply["fit_min_answers"] == 30
    assert fit["answers"] == 31 and stats[judged]["answers"] == 31
    assert fit["infit"] == pytest.approx(squared / variances, abs=1e-5)
    assert fit["outfit"] == pytest.approx(sum(ratios) / len(ratios), abs=1e-5)
    # Flagged when a mean square is beyond its band and its t says it is not chance.
    assert fit["check"] == ((fit["infit"] > 1.3 and fit["infit_t"] > 2) or (fit["outfit"] > 1.3 and fit["outfit_t"] > 2))
    assert fit["overfit"] == (fit["infit"] < 0.7 and fit["infit_t"] < -2)
    assert stats[short]["answers"] == 29 and stats[short]["fit"] is None  # too few to judge
