"""Helpers shared by the service tests (imported by name: pytest puts tests/api on sys.path)."""
from __future__ import annotations

from datetime import datetime, timezone

from fastapi.testclient import TestClient


#: The test clock starts here; tests move it with ``clock.advance``.
START = datetime(2026, 9, 1, 8, 0, tzinfo=timezone.utc)


SKILLS = ("vocabulary", "grammar", "reading", "functional")
LEVEL_OF_B = ((-1.0, "A1"), (0.0, "A2"), (1.0, "B1"))
TYPES = ("multiple_choice", "cloze_choice", "cloze_typed", "word_order")


def _cefr(b: float) -> str:
    for cut, level in LEVEL_OF_B:
        if b < cut:
            return level
    return "B2"


def _item_data(index: int, language: str, track: str, trade: str | None, b: float) -> dict:
    kind = TYPES[index % len(TYPES)]
    prefix = f"{language}-test-{trade or 'b1'}"
    data = {"id": f"{prefix}-{index:03d}", "language": language, "track": track, "trade": trade,
            "theme": None if trade else "work", "skill": SKILLS[index % len(SKILLS)], "type": kind,
            "cefr": _cefr(b), "instructions": "Velg riktig svar.", "passage": None, "lemma": None,
            "feedback": f"Forklaring {index}.", "max_score": 1, "a": 1.0 + 0.1 * (index % 5),
            "b": round(b, 3), "c": 0.0, "status": "calibrated" if index % 3 == 0 else "prior",
            "source": "tests", "vocab_key": None}
    if kind in ("multiple_choice", "cloze_choice"):
        data.update(prompt=f"Spørsmål {index}: ___", answers=[f"s{index}"],
                    options=[{"id": f"s{index}", "text": f"riktig{index}"},
                             {"id": f"w{index}", "text": f"galt{index}"},
                             {"id": f"v{index}", "text": f"annet{index}"}])
    elif kind == "cloze_typed":
        data.update(prompt=f"Skriv ordet {index}: ___", options=[], answers=[f"svar{index}"],
                    lemma=f"svar{index}", max_score=2)
    else:
        data.update(prompt=f"Ordne setning {index}.", answers=[[f"t{index}a", f"t{index}b", f"t{index}c"]],
                    options=[{"id": f"t{index}a", "text": f"Jeg{index}"},
                             {"id": f"t{index}b", "text": "jobber"},
                             {"id": f"t{index}c", "text": "her"}])
    return data


def small_bank_data() -> list[dict]:
    """48 nb B1-track items, 12 nb construction items, 8 en items: difficulties spread evenly."""
    import numpy as np

    data = [_item_data(i, "nb", "b1", None, b) for i, b in enumerate(np.linspace(-2.5, 2.5, 48))]
    data += [_item_data(i, "nb", "trade", "construction", b)
             for i, b in enumerate(np.linspace(-2, 2, 12))]
    data += [_item_data(i, "en", "b1", None, b) for i, b in enumerate(np.linspace(-2, 2, 8))]
    return data


def small_bank():
    from content.schema import Item

    return [Item.model_validate(d) for d in small_bank_data()]


def create_user(client: TestClient, username: str, role: str, password: str = "password-123",
                language: str | None = "nb") -> dict:
    from sqlmodel import Session

    from api.services.users import create_user as service_create

    with Session(client.app.state.db_engine) as session:
        user = service_create(session, username, password, role, START, language=language)
        session.commit()
        return {"id": user.id, "username": username, "password": password, "role": role}


def add_learner(client: TestClient, class_id: int, username: str, password: str = "password-123") -> dict:
    """A learner with exactly this login in the class (the service's way for the server's own
    callers; a teacher's request gets drawn digits after the name)."""
    from sqlmodel import Session

    from api.models import SchoolClass
    from api.services.classes import add_learner as service_add

    with Session(client.app.state.db_engine) as session:
        learner = service_add(session, session.get(SchoolClass, class_id), username, password, START)
        return {"id": learner.id, "username": learner.username, "display_name": learner.display_name}


def login(client: TestClient, username: str, password: str = "password-123") -> dict[str, str]:
    response = client.post("/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}




#: Keys of an item that only the server may know before the learner answers.
SECRET_KEYS = {"answers", "answer", "feedback", "lemma", "a", "b", "c", "status", "source",
               "vocab_key", "correct", "max_score"}


def assert_no_answer_key(payload, items_by_id: dict[str, dict], bank_id: str | None = None) -> None:
    """No secret field, and no value equal to the served item's answer, its feedback or its lemma.

    Option ids are the only place a right answer's id may appear (every option has one).
    When the payload serves an item and ``bank_id`` names it, only that item's secrets
    count: another item's answer may well be a word shown here (a word-order token, an
    option's text).
    """
    served = payload.get("item") if isinstance(payload, dict) else None
    if isinstance(served, dict) and bank_id is not None:
        # ``bank_id``: the served item's id in the bank (the served id is opaque).
        items_by_id = {bank_id: items_by_id[bank_id]}
    secrets = []
    for item in items_by_id.values():
        answers = item["answers"]
        secrets.append(answers)
        secrets.extend(answers)
        choice = item["type"] in ("multiple_choice", "cloze_choice", "reading")
        if item["type"] != "word_order" and not choice:
            secrets.extend(str(answer) for answer in answers)
        # A choice item shows every option, the right one's word too (its lemma: "dagpenger" among
        # "sykepenger" and "barnetrygd"): which option is right is the secret, not the words.
        for key in ("feedback",) if choice else ("feedback", "lemma"):
            if item.get(key):
                secrets.append(item[key])

    def walk(value, key=None, inside_item=False):
        if isinstance(value, dict):
            for child_key, child in value.items():
                if inside_item:
                    assert child_key not in SECRET_KEYS, f"secret field '{child_key}' sent to a learner"
                walk(child, child_key, inside_item or child_key == "item")
            return
        if key == "id":
            return
        if isinstance(value, list):
            assert value not in secrets, f"an answer key {value!r} sent to a learner"
            for child in value:
                walk(child, key, inside_item)
            return
        if isinstance(value, str) and inside_item:
            assert value not in secrets, f"an answer key {value!r} sent to a learner"

    walk(payload)


def right_answer(item: dict):
    answers = item["answers"]
    return list(answers[0]) if item["type"] == "word_order" else answers[0]


def wrong_answer(item: dict):
    if item["type"] == "word_order":
        return list(reversed(item["answers"][0]))
    if item["type"] == "cloze_typed":
        return "helt feil"
    return next(o["id"] for o in item["options"] if o["id"] not in item["answers"])


class Served:
    """What one session serves, read back in bank ids (as the server does, from the session's
    key in the database): tests know the truth; a learner's client does not."""

    def __init__(self, client: TestClient, session_id: str) -> None:
        self.client, self.session_id = client, session_id

    def _state(self) -> dict:
        from sqlmodel import Session

        from api.models import LearningSession

        with Session(self.client.app.state.db_engine) as session:
            return dict(session.get(LearningSession, self.session_id).state)

    def bank_id(self, served: dict) -> str:
        """The bank id of a served item (a dict with its served ``id``)."""
        from api.services.served_items import bank_item_id

        state = self._state()
        found = bank_item_id(state["key"], state["served"], served["id"])
        assert found is not None, f"{served['id']} was not served in {self.session_id}"
        return found

    def answer(self, truth: dict, bank_answer):
        """``bank_answer`` (bank option or token ids, or a text) as the client sends it."""
        from api.services.served_items import option_ids

        if truth["type"] == "cloze_typed" or not isinstance(bank_answer, (str, list)):
            return bank_answer
        ids = option_ids(self._state()["key"], truth["id"], [o["id"] for o in truth["options"]])
        if isinstance(bank_answer, list):
            return [ids.get(token, token) for token in bank_answer]
        return ids.get(bank_answer, bank_answer)
