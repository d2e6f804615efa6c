"""Request and response bodies of the HTTP API (separate from the tables in :mod:`api.models`)."""
from __future__ import annotations

from datetime import datetime
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from content.catalog import Language, Level, Trade

__all__ = ["Language", "Level", "Text", "Trade"]


def _plain_text(value: str) -> str:
    """Text a person typed: valid Unicode (no lone surrogates: JSON's ``\\ud800`` escape gives
    one, and it cannot be stored or exported as UTF-8) and no control characters."""
    for ch in value:
        category = unicodedata.category(ch)
        if category == "Cs":
            raise ValueError("contains a lone surrogate (not valid Unicode)")
        if category == "Cc":
            raise ValueError(f"contains the control character U+{ord(ch):04X}")
    return value


#: A string from a person: printable Unicode (see ``_plain_text``).
Text = Annotated[str, AfterValidator(_plain_text)]


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
    name: Text = Field(min_length=1, max_length=120)
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
    item_id: Text = Field(min_length=1, max_length=120)
    answer: Text | list[Text] = Field(description="option id, typed text, or list of token ids")
    response_ms: int | None = Field(default=None, ge=0, le=86_400_000)
    client_response_id: Text = Field(min_length=1, max_length=128)


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


class CurvePoint(BaseModel):
    time: datetime
    theta: float
    se: float
    growth: float = Field(description="posterior mean growth rate at that point (logit/day)")
    level: Level


class LearnerCurves(BaseModel):
    id: int
    username: str
    overall: list[CurvePoint]
    skills: dict[str, list[CurvePoint]]


class ClassRef(BaseModel):
    id: int
    name: str
    language: str


class CurvesSummary(BaseModel):
    learners: int
    assessed: int = Field(description="learners with at least one answer")
    mean_theta: float | None
    levels: dict[str, int] = Field(description="learners at each level now")
    generated_at: datetime


class ClassCurves(BaseModel):
    """Every learner's ability over time, overall and per skill (smoothed over all answers)."""

    model_config = ConfigDict(populate_by_name=True)

    class_: ClassRef = Field(alias="class")
    cuts: list[float]
    levels: list[Level]
    learners: list[LearnerCurves]
    summary: CurvesSummary


class Alert(BaseModel):
    learner_id: int
    username: str
    kind: Literal["inactive", "no_progress", "near_boundary"]
    message: str
    days_inactive: int | None = None
    theta_gain: float | None = None
    se: float | None = None
    days: int | None = None
    boundary: str | None = None
    theta: float | None = None
    distance: float | None = None
    probability_above: float | None = None


class AlertSettings(BaseModel):
    inactive_days: int
    progress_days: int
    boundary_margin: float


class ClassAlerts(BaseModel):
    class_id: int
    generated_at: datetime
    settings: AlertSettings
    alerts: list[Alert]


class ExportClass(ClassRef):
    teacher: str | None = Field(description="the teacher's username")


class LearnerExport(BaseModel):
    """Everything stored about a learner (right of access): the account, the class, and every
    row of every table that refers to the learner, answers in words (see docs/privacy.md)."""

    model_config = ConfigDict(populate_by_name=True)

    exported_at: datetime
    account: dict[str, Any]
    class_: ExportClass | None = Field(alias="class", default=None)
    tables: dict[str, list[dict[str, Any]]]


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
