"""Demo data for ``b1engine serve --demo``: a teacher, a class, five learners, weeks of answers.

The answers go through the same service calls as real ones (sessions,
scoring, ability updates), with times in the past; simulated learners answer
right with the engine's model probability at a true ability that grows over
the weeks. Seeded, so every demo database tells the same story.
"""
from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlmodel import Session, func, select

from api.models import LearningSession, User
from api.services import classes, served_items, sessions
from api.services.engine_adapter import probability
from api.services.items import ItemContent, get_row, stored_content, to_item
from api.services.rows import id_of
from api.services.session_state import SessionState
from api.settings import Settings

DEMO_SEED = 20_261_122
DEMO_LANGUAGE = "nb"
#: Weeks of answers: four weeks of drills measure a gain to about +-0.3 logit, too little to
#: tell a learner who grows at a steady pace from one who has stalled (docs/growth.md, "The stock demo").
DEMO_WEEKS = 8
#: Drill days per week for an active learner (each drill the service's own length).
DRILL_DAYS_PER_WEEK = 3
#: (start ability, growth per day, days before now of the last activity) of the five learners.
#: The paces are those of the simulated classes the alerts were tuned on (engine/simulate_class.py:
#: fast 0.035-0.06, normal 0.012-0.025 logit/day).
LEARNER_STORIES = (
    (-1.5, 0.040, 0),    # fast progress, A1 to B1
    (-0.8, 0.020, 1),    # steady, A2 to B1
    (-0.5, 0.018, 0),    # steady, close to B1
    (-0.8, 0.000, 2),    # stalled
    (-1.6, 0.020, 10),   # stopped coming ten days ago
)
PASSWORD_BYTES = 9


@dataclass
class _Luck:
    """Right or wrong for one simulated learner, by systematic sampling (Madow, 1949).

    Each answer is right with its model probability ``p``, as with independent
    draws, but the answers are drawn along one line: the k-th right answer
    comes when the sum of the probabilities so far passes ``offset + k - 1``,
    with one uniform ``offset`` per learner. So a learner's count of right
    answers stays within one of its expectation over every stretch of weeks,
    and five learners' weeks tell their stories instead of their luck (with
    independent draws the stalled learner looked as if it grew by +0.5 logit
    on one seed and the fast one looked stalled on another).
    """

    offset: float
    expected: float = 0.0

    def right(self, p: float) -> bool:
        before = self.expected
        self.expected += p
        return int(np.floor(self.expected - self.offset)) > int(np.floor(before - self.offset))


@dataclass
class Demo:
    teacher: tuple[str, str]
    class_id: int
    learners: list[tuple[str, str]] = field(default_factory=list)
    answers: int = 0
    weeks: int = DEMO_WEEKS

    def describe(self) -> str:
        lines = ["demo accounts (passwords are shown only now):",
                 f"  teacher  {self.teacher[0]:<16} {self.teacher[1]}",
                 *(f"  learner  {name:<16} {password}" for name, password in self.learners),
                 f"  class id {self.class_id}; {self.answers} simulated answers over {self.weeks} weeks"]
        return "\n".join(lines)


def create_demo(db: Session, now: datetime, seed: int = DEMO_SEED,
                weeks: int = DEMO_WEEKS) -> Demo | None:
    """Fill an empty database; returns None (and does nothing) if there are users already."""
    if db.exec(select(func.count()).select_from(User)).one() > 0:
        return None
    rng = np.random.default_rng(seed)
    start = now - timedelta(weeks=weeks)
    teacher_password = secrets.token_urlsafe(PASSWORD_BYTES)
    from api.services.users import create_user

    teacher = create_user(db, "demo-teacher", teacher_password, "teacher", start,
                          language=DEMO_LANGUAGE)
    db.commit()
    school_class = classes.create_class(db, teacher, "Demo class (Bokmål)", DEMO_LANGUAGE, start)
    demo = Demo(teacher=("demo-teacher", teacher_password), class_id=id_of(school_class), weeks=weeks)
    settings = Settings()
    for number, (theta0, growth, idle_days) in enumerate(LEARNER_STORIES, start=1):
        username, password = f"demo-learner-{number}", secrets.token_urlsafe(PASSWORD_BYTES)
        learner = classes.add_learner(db, school_class, username, password, start)
        demo.learners.append((username, password))
        last_day = max(weeks * 7 - idle_days, 2)
        luck = _Luck(offset=float(rng.random()))
        days = [0] + sorted(rng.choice(np.arange(1, last_day), size=min(
            weeks * DRILL_DAYS_PER_WEEK, last_day - 1), replace=False).tolist())
        for day in days:
            moment = start + timedelta(days=int(day), hours=9 + int(rng.integers(0, 8)))
            mode = "placement" if day == 0 else "drill"
            true_theta = theta0 + growth * day
            demo.answers += _play(db, learner, mode, true_theta, moment, settings, rng, luck)
    return demo


def _play(db: Session, learner: User, mode: str, true_theta: float, moment: datetime,
          settings: Settings, rng: np.random.Generator, luck: _Luck) -> int:
    session_id = sessions.start_session(db, learner, DEMO_LANGUAGE, mode, "b1", None, settings,
                                        moment).id
    learner_id = id_of(learner)
    answered = 0
    while True:
        step = sessions.next_item(db, learner_id, session_id, settings, moment)
        if step.done:
            return answered
        # The simulated learner answers in the ids it was served, as a client does.
        row = db.get(LearningSession, session_id)
        state = SessionState.from_dict(row.state, row.track) if row is not None else None
        if step.item is None or state is None or state.pending is None:
            raise RuntimeError(f"demo session {session_id} is not waiting for an answer")
        item = get_row(db, state.pending)
        p_right = float(np.asarray(probability(true_theta, item.a, item.b, item.c)).squeeze())
        answer = simulated_answer(stored_content(item.content), right=luck.right(p_right), rng=rng)
        answer = served_items.served_answer(to_item(item), state.key, answer)
        moment += timedelta(seconds=int(rng.integers(8, 40)))
        sessions.record_response(db, learner_id, session_id, step.item["id"], answer,
                                 int(rng.integers(3000, 30000)), uuid.uuid4().hex, settings, moment)
        db.expire_all()
        answered += 1


def simulated_answer(content: ItemContent, right: bool, rng: np.random.Generator) -> Any:
    """A right or a wrong answer to an item, in the form the responses endpoint takes."""
    answers = content["answers"]
    options = [option["id"] for option in content.get("options") or ()]
    if content["type"] == "word_order":
        order = list(answers[0])
        return order if right else order[::-1] if len(order) > 1 else order
    if content["type"] == "cloze_typed":
        return answers[0] if right else "feil"
    if right:
        return answers[0]
    wrong = [option for option in options if option not in answers]
    return str(rng.choice(wrong)) if wrong else answers[0]
