"""Request and response bodies of the HTTP API (separate from the tables in :mod:`api.models`)."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Language = Literal["nb", "en", "tr", "it"]
Trade = Literal["care", "childcare", "construction", "kitchen", "cleaning", "logistics"]
Level = Literal["A1", "A2", "B1", "B2"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds until the token expires")


class UserOut(BaseModel):
    id: int
    username: str
    role: str
    language: str | None = None


class ClassCreate(Strict):
    name: str = Field(min_length=1, max_length=120)
    language: Language


class ClassOut(BaseModel):
    id: int
    name: str
    language: str
    teacher_id: int
    learner_count: int = 0
    created_at: datetime


class LearnerCreate(Strict):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")
    password: str = Field(min_length=8, max_length=256)


class LearnerOut(BaseModel):
    id: int
    username: str


class SessionCreate(Strict):
    language: Language
    mode: Literal["placement", "drill"]
    track: Literal["b1", "trade"] = "b1"
    trade: Trade | None = None

    @model_validator(mode="after")
    def _trade_matches_track(self) -> SessionCreate:
        if self.track == "trade" and self.trade is None:
            raise ValueError("trade is required when track is 'trade'")
        if self.track == "b1" and self.trade is not None:
            raise ValueError("trade must be null when track is 'b1'")
        return self


class SessionOut(BaseModel):
    id: str
    language: str
    mode: str
    track: str
    trade: str | None
    status: str
    items_answered: int
    created_at: datetime


class NextOut(BaseModel):
    done: bool
    item: dict[str, Any] | None = Field(default=None, description="the exercise, without its answers")
    result: dict[str, Any] | None = None


class ResponseIn(Strict):
    item_id: str = Field(min_length=1, max_length=120)
    answer: str | list[str] = Field(description="option id, typed text, or list of token ids")
    response_ms: int | None = Field(default=None, ge=0, le=86_400_000)
    client_response_id: str = Field(min_length=1, max_length=128)


class ResponseOut(BaseModel):
    """An answer's reply. In a drill: the score, feedback and new estimate. In a placement
    test only ``items_answered``: nothing per answer (the level comes at the end)."""

    items_answered: int | None = Field(default=None, description="answers recorded in this session so far")
    score: int | None = Field(default=None, description="drills only")
    max_score: int | None = Field(default=None, description="drills only")
    correct: bool | None = Field(default=None, description="drills only")
    feedback: str | None = Field(default=None, description="drills only")
    theta: float | None = Field(default=None, description="drills only")
    se: float | None = Field(default=None, description="drills only")
    level: Level | None = Field(default=None, description="drills only")
    level_probabilities: dict[str, float] | None = Field(default=None, description="drills only")
    done: bool = Field(description="the session is over (the result is in `next`)")
    next: NextOut = Field(description="what comes next, as `GET /v1/sessions/{id}/next` "
                                      "would answer: the next exercise, or the result")


class AbilityOut(BaseModel):
    theta: float
    se: float
    level: Level
    level_probabilities: dict[str, float]
    updated_at: datetime | None = None


class HistoryPoint(BaseModel):
    time: datetime
    theta: float
    se: float
    level: Level


class ReviewOut(BaseModel):
    """When a vocabulary entry is next due for review (FSRS)."""

    vocab_key: str = Field(description="<language>:<trade>:<lemma>")
    lemma: str
    due: datetime
    state: Literal["learning", "review", "relearning"]
    reviews: int
    lapses: int
    last_review: datetime


class LearnerProgress(BaseModel):
    id: int
    username: str
    language: str | None
    overall: AbilityOut | None
    skills: dict[str, AbilityOut]
    history: list[HistoryPoint]
    sessions: list[SessionOut]
    placement_in_progress: bool = Field(
        default=False, description="the learner is taking a placement test in this language: "
        "until it ends, the learner's own view shows no estimate (its moves would tell right "
        "answers from wrong)")
    reviews: list[ReviewOut] = Field(default_factory=list,
                                     description="the learner's own review dates, soonest first "
                                                 "(only in GET /v1/learners/me)")


class PlacementRetakesOut(BaseModel):
    learner_id: int
    placement_retakes: int = Field(description="placement tests allowed before the retake interval is over")


class PathwayIn(Strict):
    """A learner's drill pathway: B1 track only (trade null), or a trade blended with the B1 track."""

    trade: Trade | None
    trade_share: float = Field(default=1.0, ge=0.0, le=1.0,
                               description="share of new drill items from the trade (0 without a trade)")

    @model_validator(mode="before")
    @classmethod
    def _no_share_without_trade(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("trade") is None and "trade_share" not in data:
            return {**data, "trade_share": 0.0}
        return data


class PathwayOut(BaseModel):
    learner_id: int
    trade: str | None
    trade_share: float
    set_by: int
    updated_at: datetime


class VocabularySetOut(BaseModel):
    id: str
    status: str
    language: str
    trade: str | None
    title: str | None
    items: list[dict[str, Any]]
    created_at: datetime
    published_at: datetime | None = None


class CalibrationCreate(Strict):
    language: Language | None = Field(default=None, description="restrict to one language")
    min_responses: int = Field(default=30, ge=1, description="least answers an item needs to be recalibrated")


class CalibrationOut(BaseModel):
    id: str
    status: str
    options: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class Health(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]
    items: int


class FieldError(BaseModel):
    field: str = Field(description="where, e.g. body.language or query.limit")
    message: str
    type: str


class Problem(BaseModel):
    """An error, as RFC 9457 problem details (media type application/problem+json)."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = Field(default=None, description="422: one entry per bad field")
