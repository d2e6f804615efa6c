"""Spaced review of vocabulary with FSRS (the maintained ``fsrs`` package).

Every learner x vocabulary entry (an item's ``vocab_key``,
``<language>:<trade>:<lemma>``) has an FSRS memory state (stability,
difficulty, due date). Every answer on an item carrying that key is a review
of the entry, rated from its score:

- wrong (score 0) -> ``Again``: the word comes back soon (relearning steps);
- partial credit (0 < score < max) -> ``Hard``;
- right (full marks) -> ``Good``.

``Easy`` is never given: a right answer in a drill says the word was
recalled, not that it was trivial. Times are always the request's clock
(``now``), passed to ``review_card`` explicitly. Fuzzing is off, so a review
is reproducible. Drills serve due entries first (:mod:`api.services.sessions`).
"""
from __future__ import annotations

import zlib
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Literal, cast

from sqlmodel import Session, col, select

from api.models import ReviewState, utc
from api.schemas import ReviewOut

if TYPE_CHECKING:  # fsrs is imported when first used
    from fsrs import Rating, Scheduler
    from fsrs.card import CardDict

#: A memory state's name, as stored in ``review_states.state`` and shown in :class:`ReviewOut`.
StateName = Literal["learning", "review", "relearning"]
STATE_NAMES: dict[int, StateName] = {1: "learning", 2: "review", 3: "relearning"}


@lru_cache(maxsize=1)
def scheduler() -> Scheduler:
    from fsrs import Scheduler

    return Scheduler(enable_fuzzing=False)


def rating_for(score: int, max_score: int) -> Rating:
    """FSRS rating of an answer: wrong -> Again, partial -> Hard, full marks -> Good."""
    from fsrs import Rating

    if score <= 0:
        return Rating.Again
    if score < max_score:
        return Rating.Hard
    return Rating.Good


def lemma_of(vocab_key: str) -> str:
    return vocab_key.split(":", 2)[-1]


def record(db: Session, learner_id: int, language: str, vocab_key: str, score: int,
           max_score: int, now: datetime) -> ReviewState:
    """Update the learner's memory state of ``vocab_key`` with one answer (staged, not committed)."""
    from fsrs import Card

    stored = db.get(ReviewState, (learner_id, vocab_key))
    if stored is None:
        card = Card(card_id=zlib.crc32(f"{learner_id}:{vocab_key}".encode()), due=now)
    else:
        # The column holds Card.to_dict().
        card = Card.from_dict(cast("CardDict", stored.card))
    rating = rating_for(score, max_score)
    card, _ = scheduler().review_card(card, rating, review_datetime=now)
    if stored is None:
        stored = ReviewState(learner_id=learner_id, vocab_key=vocab_key, language=language,
                             card={}, due=card.due, state="", reviews=0, lapses=0, last_review=now)
    stored.card = dict(card.to_dict())
    stored.due = card.due
    stored.state = STATE_NAMES.get(int(card.state), str(card.state))
    stored.reviews += 1
    stored.lapses += int(score <= 0)
    stored.last_review = now
    db.add(stored)
    return stored


def due_keys(db: Session, learner_id: int, language: str, now: datetime) -> list[str]:
    """The learner's vocabulary entries due for review at ``now``, most overdue first."""
    rows = db.exec(select(ReviewState.vocab_key)
                        .where(col(ReviewState.learner_id) == learner_id,
                               col(ReviewState.language) == language, col(ReviewState.due) <= now)
                        .order_by(col(ReviewState.due), col(ReviewState.vocab_key)))
    return list(rows)


def state_name(stored: str) -> StateName:
    """A stored state's name (:data:`STATE_NAMES`)."""
    for name in STATE_NAMES.values():
        if name == stored:
            return name
    raise ValueError(f"unknown review state {stored!r}")


def schedule(db: Session, learner_id: int, language: str | None = None) -> list[ReviewOut]:
    """The learner's review dates, soonest first."""
    statement = select(ReviewState).where(col(ReviewState.learner_id) == learner_id)
    if language is not None:
        statement = statement.where(col(ReviewState.language) == language)
    rows = db.exec(statement.order_by(col(ReviewState.due), col(ReviewState.vocab_key)))
    return [ReviewOut(vocab_key=r.vocab_key, lemma=lemma_of(r.vocab_key), due=utc(r.due),
                      state=state_name(r.state), reviews=r.reviews, lapses=r.lapses,
                      last_review=utc(r.last_review)) for r in rows]


def scheduled_keys(db: Session, learner_id: int, language: str) -> list[str]:
    """Every vocabulary entry the learner has a memory state for (due or not)."""
    return list(db.exec(select(ReviewState.vocab_key)
                        .where(col(ReviewState.learner_id) == learner_id,
                               col(ReviewState.language) == language)))
