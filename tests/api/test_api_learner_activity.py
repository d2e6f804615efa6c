"""A learner's recent activity (answers of the last days in words, words due for review) and
the pathway as the teacher reads it: what the teacher's learner page and report show."""
from __future__ import annotations

import uuid
from datetime import timedelta

from api_helpers import START
from sqlmodel import Session

from api.models import ItemRow, LearningSession, ResponseRow, ReviewState

CONTENT = {"instructions": "Velg riktig ord.", "prompt": "Jeg ___ på kjøkkenet.", "passage": None,
           "options": [{"id": "o1", "text": "jobber"}, {"id": "o2", "text": "jobbe"}]}


def arrange(client, learner_id: int, mode: str, answers: list[tuple[int, str, int, int]]) -> None:
    """One session of ``mode`` with answers (hours before START, option id, score, max score),
    and two review states: one due at START, one due a day later."""
    session_id = uuid.uuid4().hex
    with Session(client.app.state.db_engine) as db:
        if db.get(ItemRow, "activity-item-0") is None:
            for index in range(4):
                db.add(ItemRow(id=f"activity-item-{index}", language="nb", track="b1", skill="grammar",
                               type="multiple_choice", cefr="A2", a=1.0, b=0.0, status="prior", origin="bank",
                               live=False, content=CONTENT, content_hash="x", updated_at=START))
        db.add(LearningSession(id=session_id, learner_id=learner_id, language="nb", mode=mode, track="b1",
                               state={}, created_at=START, updated_at=START))
        db.flush()
        for index, (hours, option, score, max_score) in enumerate(answers):
            db.add(ResponseRow(session_id=session_id, learner_id=learner_id, item_id=f"activity-item-{index}",
                               client_response_id=f"c{index}", answer=option, score=score, max_score=max_score,
                               correct=score == max_score, answered_at=START - timedelta(hours=hours),
                               theta=0.0, se=1.0, level="A2", result={}))
        for lemma, due in (("kjøkken", START - timedelta(hours=1)), ("hånd", START + timedelta(days=1))):
            db.add(ReviewState(learner_id=learner_id, vocab_key=f"nb:b1:{lemma}", language="nb", card={},
                               due=due, state="review", reviews=2, lapses=0, last_review=START - timedelta(days=3)))
        db.commit()


def test_a_teacher_reads_a_learners_recent_answers_in_words_and_due_words(client, people):
    learner = people["learner"]
    # Drill answers 2 h and 30 h ago (right, wrong), one 10 days ago (outside a week), partial credit 5 h ago.
    arrange(client, learner["id"], "drill", [(2, "o1", 1, 1), (30, "o2", 0, 1), (240, "o1", 1, 1), (5, "o1", 1, 2)])
    reply = client.get(f"/v1/learners/{learner['id']}/activity", headers=people["teacher"]["headers"])
    assert reply.status_code == 200, reply.text
    data = reply.json()
    assert (data["learner_id"], data["language"], data["days"], data["answers_total"]) == (learner["id"], "nb", 7, 3)
    answers = data["answers"]
    assert [(a["answer"], a["correct"], a["partial"]) for a in answers] == [
        ("jobber", True, False), ("jobber", False, True), ("jobbe", False, False)]
    first = answers[0]
    assert (first["mode"], first["prompt"], first["instructions"], first["options"]) == (
        "drill", "Jeg ___ på kjøkkenet.", "Velg riktig ord.", ["jobbe", "jobber"])
    assert "item_id" not in first and "activity-item" not in reply.text  # no bank ids
    assert [r["lemma"] for r in data["due_reviews"]] == ["kjøkken"]
    # Fewer, or more days: the limit lists the newest; the window counts all.
    short = client.get(f"/v1/learners/{learner['id']}/activity?days=30&limit=1",
                       headers=people["teacher"]["headers"]).json()
    assert (short["answers_total"], len(short["answers"]), short["answers"][0]["answer"]) == (4, 1, "jobber")
    # The learner reads their own; nobody else's.
    assert client.get(f"/v1/learners/{learner['id']}/activity", headers=learner["headers"]).status_code == 200
    for who, status in (("teacher2", 404), ("learner2", 404), ("author", 403)):
        assert client.get(f"/v1/learners/{learner['id']}/activity",
                          headers=people[who]["headers"]).status_code == status, who
    bad = client.get(f"/v1/learners/{learner['id']}/activity?days=0", headers=people["teacher"]["headers"])
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.days"


def test_a_placement_tests_answers_are_listed_without_right_or_wrong(client, people):
    learner = people["learner"]
    arrange(client, learner["id"], "placement", [(1, "o2", 0, 1), (2, "o1", 1, 2)])
    answers = client.get(f"/v1/learners/{learner['id']}/activity", headers=people["teacher"]["headers"]).json()["answers"]
    assert [(a["mode"], a["answer"], a["correct"], a["partial"]) for a in answers] == [
        ("placement", "jobbe", None, False), ("placement", "jobber", None, False)]


def test_a_teacher_reads_the_pathway_null_until_set(client, people):
    teacher = people["teacher"]["headers"]
    path = f"/v1/classes/{people['class_id']}/learners/{people['learner']['id']}/pathway"
    none = client.get(path, headers=teacher)
    assert none.status_code == 200 and none.json() is None
    assert client.put(path, headers=teacher, json={"trade": "construction", "trade_share": 0.3}).status_code == 200
    pathway = client.get(path, headers=teacher).json()
    assert (pathway["trade"], pathway["trade_share"]) == ("construction", 0.3)
    # Another teacher's class, or a learner not in this class: 404.
    assert client.get(path, headers=people["teacher2"]["headers"]).status_code == 404
    other = f"/v1/classes/{people['class_id']}/learners/{people['teacher2']['id']}/pathway"
    assert client.get(other, headers=teacher).status_code == 404
