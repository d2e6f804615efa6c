"""A learning session's state: what is stored in ``sessions.state`` between requests.

One frozen value read from and written to the JSON column with
:meth:`SessionState.from_dict` / :meth:`SessionState.to_dict`; the policy
(:mod:`api.services.session_policy`) returns a new one rather than mutating it.
``from_dict`` reads every form stored since the first release: the fields
added later take the value that older sessions behaved by.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, NotRequired, Required, TypedDict

from api.services.engine_adapter import Level, LevelEstimateDict, PosteriorDict, SkillLevelDict
from content.support import LocalTextDict


class Mode(StrEnum):
    """What a session is for."""

    PLACEMENT = "placement"
    DRILL = "drill"


class Status(StrEnum):
    ACTIVE = "active"
    DONE = "done"


#: A trade drill's share of trade items in sessions stored before pathways existed (the
#: share was fixed then); pathways set it per learner since (``pathways.DEFAULT_TRADE_SHARE``).
LEGACY_TRADE_SHARE = 0.5


class SessionStateDict(TypedDict, total=False):
    """The JSON form in ``sessions.state``."""

    posterior: PosteriorDict       # engine.estimation.GridPosterior.to_dict()
    served: list[str]              # bank ids, in the order served
    pending: str | None            # the bank id waiting for an answer
    answered: int
    seed: int                      # the randomesque draws' seed (random, never sent)
    key: str                       # the served ids' HMAC key (api.services.served_items)
    trade_share: float             # drills: share of new items from the trade
    reviews: int                   # drills: reviews served so far
    new: int                       # drills: new items served so far
    new_trade: int                 # drills: of which from the trade
    support: str | None            # the learner's support language at the start (or None)


class SessionResultDict(LevelEstimateDict):
    """The JSON form in ``sessions.result``: a finished session's final estimate
    (theta, se, level, level_probabilities) and its answers."""

    items_answered: int
    mode: str
    correct: NotRequired[int]      # drills: answers with full marks
    skills: NotRequired[dict[str, SkillLevelDict]]  # placement tests: a level per skill asked
    level_description: NotRequired[list[LocalTextDict]]  # what the level means (target, support)


class AnswerResultDict(TypedDict, total=False):
    """The JSON form in ``responses.result``: what an answer's reply said (a retry repeats it).
    A placement test's says only ``items_answered``."""

    items_answered: Required[int]
    score: int
    max_score: int
    correct: bool
    feedback: str | None
    right_answer: str | None  # the accepted answer as text, after a mistake (None when right)
    theta: float
    se: float
    level: Level
    level_probabilities: dict[str, float]
    level_description: list[LocalTextDict]


@dataclass(frozen=True)
class SessionState:
    """The engine's posterior, the items served, and the drill's counters."""

    posterior: PosteriorDict
    key: str
    seed: int
    served: tuple[str, ...] = ()
    pending: str | None = None
    answered: int = 0
    trade_share: float = 0.0
    reviews: int = 0
    new: int = 0
    new_trade: int = 0
    #: The learner's support language when the session started (gloss items, hints, instructions).
    support: str | None = None

    def to_dict(self) -> SessionStateDict:
        return {"posterior": self.posterior, "served": list(self.served), "pending": self.pending,
                "answered": self.answered, "seed": self.seed, "key": self.key,
                "trade_share": self.trade_share, "reviews": self.reviews, "new": self.new,
                "new_trade": self.new_trade, "support": self.support}

    @classmethod
    def from_dict(cls, data: SessionStateDict | dict[str, Any], track: str) -> SessionState:
        """Any stored form. Drill counters came later (0 before); the trade share later still
        (a trade session without one had :data:`LEGACY_TRADE_SHARE`); ``key`` and ``seed``
        are in every state since migration 0007."""
        return cls(posterior=data["posterior"].copy(), key=str(data["key"]), seed=int(data["seed"]),
                   served=tuple(data.get("served") or ()), pending=data.get("pending"),
                   answered=int(data.get("answered", 0)),
                   trade_share=float(data.get("trade_share",
                                              LEGACY_TRADE_SHARE if track == "trade" else 0.0)),
                   reviews=int(data.get("reviews", 0)), new=int(data.get("new", 0)),
                   new_trade=int(data.get("new_trade", 0)), support=data.get("support"))

    def serving(self, item_id: str) -> SessionState:
        """The state once ``item_id`` is served and waits for its answer."""
        return replace(self, served=(*self.served, item_id), pending=item_id)

    def answered_with(self, posterior: PosteriorDict) -> SessionState:
        """The state once the pending item is answered, with the updated posterior."""
        return replace(self, posterior=posterior, pending=None, answered=self.answered + 1)
