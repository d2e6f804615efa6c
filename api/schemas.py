"""Request and response bodies of the HTTP API (separate from the tables in :mod:`api.models`)."""
from __future__ import annotations

from datetime import datetime
import math
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from content.catalog import TRADES, Language, Level, Trade
from content.support import LocalTextDict  # a text with its language and direction

__all__ = ["Language", "Level", "Text", "Trade"]


def _plain_text(value: str) -> str:
    """Text a person typed: valid Unicode (no lone surrogates: JSON's ``\\ud800`` escape gives
    one, and it cannot be stored or exported as UTF-8) and no control characters."""
    for ch in value:
        category = unicodedata.category(ch)
        if category == "Cs":
            raise ValueError("Remove the lone surrogate (a broken \\u escape): it is not valid Unicode")
        if category == "Cc":
            raise ValueError(f"Remove the control character U+{ord(ch):04X}: only printable text is kept")
    return value


#: A string from a person: printable Unicode (see ``_plain_text``).
Text = Annotated[str, AfterValidator(_plain_text)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


Role = Literal["learner", "teacher", "author", "admin"]
#: Passwords: any characters; their rules are the policy's (api.services.passwords), this
#: bound only keeps a body from making the server hash megabytes.
Password = Annotated[str, Field(max_length=1024)]


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds until the token expires")
    password_change_required: bool = Field(
        default=False, description="the password was set by someone else (a reset): change it "
        "with POST /v1/auth/password first; every other call answers 403 until then")


class UserOut(BaseModel):
    id: int
    username: str = Field(description="the login, as given (logins match whatever their case)")
    display_name: str = Field(description="the name people read, in any script")
    role: str
    language: str | None = None
    disabled: bool = Field(default=False, description="cannot log in (an admin disabled it, or a "
                                                      "teacher removed the learner from their class)")
    password_change_required: bool = False
    created_at: datetime | None = None
    support_language: str | None = Field(default=None, description="the language the account's "
                                         "owner reads best (learners; null if none): the pages "
                                         "show themselves in it before a login is complete")


class UserCreate(Strict):
    """A new account of any role (admins): the login exactly as given, or 409 when taken."""

    username: Text = Field(max_length=200, description="letters of one alphabet, digits and . _ - @; "
                                                       "3 to 64 characters")
    display_name: Text | None = Field(default=None, max_length=200,
                                      description="in any script; the username when omitted")
    role: Role
    language: Language | None = None
    password: Password | None = Field(default=None, description="omitted: a one-time password is made "
                                      "and returned once, to be changed at the first login")


class UserUpdate(Strict):
    """An admin's changes to an account: only the fields given."""

    role: Role | None = None
    disabled: bool | None = None
    display_name: Text | None = Field(default=None, max_length=200)
    language: Language | None = None


class UserCreated(UserOut):
    one_time_password: str | None = Field(default=None, description="shown only now: hand it to the "
                                          "person; they choose their own at their first login")


class OneTimePasswordOut(BaseModel):
    user_id: int
    username: str
    one_time_password: str = Field(description="shown only now: hand it to the person; they must "
                                               "choose their own at their next login")


class PasswordChange(Strict):
    current_password: Password
    new_password: Password


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
    """A learner account in the class. The login is the first part given (or the display name's
    first word) followed by digits the server draws, so it never collides with anyone's."""

    display_name: Text | None = Field(default=None, max_length=200,
                                      description="in any script (\"Şükrü Yılmaz\"); the username "
                                                  "when omitted")
    username: Text | None = Field(default=None, max_length=200,
                                  description="the login's first part (\"sukru\" -> \"sukru48\"); the "
                                              "display name's first word when omitted")
    password: Password | None = Field(default=None, description="omitted: a one-time password is made "
                                      "and returned once, to be changed at the first login")
    support_language: str | None = Field(default=None, max_length=8,
                                         description="the language the learner reads best (a code of "
                                                     "`GET /v1/support-languages`); the learner can change it")


class LearnerSettingsIn(Strict):
    """What a learner sets themself."""

    support_language: str | None = Field(
        max_length=8, description="a code of `GET /v1/support-languages`, or null for none")


class SupportLanguageOut(BaseModel):
    code: str
    name: str = Field(description="the language's name in itself")
    english_name: str
    direction: Literal["ltr", "rtl"]
    status: Literal["draft", "reviewed"] = Field(description="draft: its texts await a native reviewer")


class LearnerOut(BaseModel):
    id: int
    username: str = Field(description="the login")
    display_name: str
    disabled: bool = Field(default=False, description="cannot log in (an admin disabled the account)")
    support_language: str | None = Field(default=None, description="the language the learner reads best")


class LearnerCreated(LearnerOut):
    one_time_password: str | None = Field(default=None, description="shown only now (when no "
                                          "password was given)")


class ClassTeacherIn(Strict):
    teacher_id: int = Field(ge=1, le=2**31 - 1, description="an account with the role teacher or admin")


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
    right_answer: str | None = Field(default=None, description="drills only, after a mistake or partial "
                                     "credit: the accepted answer as the learner reads it (the option's "
                                     "text, the sentence in order, the spelling)")
    theta: float | None = Field(default=None, description="drills only")
    se: float | None = Field(default=None, description="drills only")
    level: Level | None = Field(default=None, description="drills only")
    level_probabilities: dict[str, float] | None = Field(default=None, description="drills only")
    level_description: list[LocalTextDict] | None = Field(
        default=None, description="drills only: what the level means, in the target language and the "
                                  "learner's support language")
    done: bool = Field(description="the session is over (the result is in `next`)")
    next: NextOut = Field(description="what comes next, as `GET /v1/sessions/{id}/next` "
                                      "would answer: the next exercise, or the result")


class PreviewOut(BaseModel):
    """A test as a learner takes it, that records nothing (a teacher's preview)."""

    state: str = Field(description="the preview so far, signed by the server (it is not stored "
                                   "anywhere): send it back with the answer")
    language: str
    mode: str
    track: str
    trade: str | None
    next: NextOut = Field(description="the first exercise")


class PreviewAnswerIn(Strict):
    state: str = Field(min_length=1, max_length=32_768, description="the `state` of the last reply")
    item_id: Text = Field(min_length=1, max_length=120)
    answer: Text | list[Text] = Field(description="option id, typed text, or list of token ids")


class PreviewAnswerOut(ResponseOut):
    """The reply a learner would get (placement: nothing per answer), with the next `state`."""

    state: str = Field(description="send it with the next answer; sending an earlier one again "
                                   "answers as it did then (nothing is stored either way)")


class AbilityOut(BaseModel):
    """Ability at the last answer (of a skill: that skill's last answer), the moment `updated_at`."""

    theta: float
    se: float
    level: Level
    level_probabilities: dict[str, float]
    se_levels: float = Field(description="`se` in CEFR levels: divided by one level's width in logits "
                                         "for its language and skill (the mean band between the cuts), "
                                         "for saying 'give or take' without θ")
    updated_at: datetime | None = Field(default=None, description="the answer the estimate is at: the "
                                        "last one (not carried forward to now, as the roster's level)")


#: An estimate as it was reported to the learner then, or one computed again since (a smoothing
#: over later answers, a growth fit, a calibration): curves draw and label them apart.
EstimateKind = Literal["reported", "re-estimated"]


class HistoryPoint(BaseModel):
    time: datetime
    theta: float
    se: float
    level: Level
    kind: EstimateKind = Field(default="re-estimated",
                               description="reported: as the learner was told then (kept as it was); "
                                           "re-estimated: computed again with all the answers and "
                                           "today's item and growth parameters (it can move)")
    parameters: str | None = Field(default=None,
                                   description="the item-parameter version it was computed with: a "
                                               "calibration run's id (null: the content's own "
                                               "parameters)")
    source: Literal["placement", "drill"] | None = Field(default=None,
                                                         description="reported points: what reported it")


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
    support_language: str | None = Field(default=None, description="the language the learner reads best "
                                                                    "(glosses, hints, instructions)")
    overall: AbilityOut | None
    level_description: list[LocalTextDict] = Field(
        default_factory=list, description="what the overall level means, in the target language and "
                                          "the learner's support language")
    skills: dict[str, AbilityOut]
    history: list[HistoryPoint] = Field(description="one page of the estimate after each answer, "
                                                    "oldest first: the latest `history_limit` points "
                                                    "before `history_before`; re-estimated (smoothed "
                                                    "over all the answers with today's parameters), "
                                                    "so past points can move: what the learner was "
                                                    "told is in `reported`")
    reported: list[HistoryPoint] = Field(default_factory=list,
                                         description="the estimates as they were reported then (a "
                                                     "placement test's end, each drill answer), in "
                                                     "the time span of this page of `history`, "
                                                     "oldest first; they never change")
    history_total: int = Field(default=0, description="points in the whole history")
    history_older: int | None = Field(default=None, description="more points are older than this "
                                                                 "page: pass this as `history_before` "
                                                                 "for the page before it (null: none)")
    sessions: list[SessionOut]
    placement_in_progress: bool = Field(
        default=False, description="the learner is taking a placement test in this language: "
        "until it ends, the learner's own view shows no estimate (its moves would tell right "
        "answers from wrong)")
    reviews: list[ReviewOut] = Field(default_factory=list,
                                     description="the learner's own review dates, soonest first "
                                                 "(only in GET /v1/learners/me)")


class RecentAnswer(BaseModel):
    """One of a learner's recent answers, in words: the exercise as the learner saw it and what
    they answered (``GET /v1/learners/{id}/activity``)."""

    answered_at: datetime
    mode: Literal["placement", "drill"]
    instructions: str | None
    prompt: str | None
    passage: str | None
    options: list[str] = Field(description="the options' texts, in alphabetical order (none for typed answers)")
    answer: str | None = Field(description="the answer given, in words (a word order: its tokens in order)")
    correct: bool | None = Field(description="full marks; null in a placement test, which marks no answer "
                                             "right or wrong to anyone")
    partial: bool = Field(default=False, description="some credit, not full marks (drills)")


class LearnerActivity(BaseModel):
    """What a learner did lately and what is due: for the learner and the teacher of their class."""

    learner_id: int
    language: str | None
    days: int = Field(description="the answers of this many days before now")
    answers: list[RecentAnswer] = Field(description="newest first, at most `limit`")
    answers_total: int = Field(description="answers in those days (may exceed the list)")
    due_reviews: list[ReviewOut] = Field(description="vocabulary due for review now, most overdue first")


class CurvePoint(BaseModel):
    time: datetime
    theta: float
    se: float
    growth: float | None = Field(default=None, description="re-estimated points: posterior mean growth "
                                                           "rate at that point (logit/day)")
    level: Level
    kind: EstimateKind = Field(default="re-estimated", description="see `HistoryPoint.kind`")
    parameters: str | None = Field(default=None, description="see `HistoryPoint.parameters`")


class LearnerCurves(BaseModel):
    id: int
    username: str
    overall: list[CurvePoint] = Field(description="re-estimated: smoothed over all the answers with "
                                                  "today's parameters (past points can move)")
    skills: dict[str, list[CurvePoint]] = Field(description="re-estimated, per skill")
    reported: list[CurvePoint] = Field(default_factory=list,
                                       description="the overall estimates as they were reported to "
                                                   "the learner then; they never change")


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
    """Every learner's ability over time: as it was reported (``reported``), and re-estimated
    overall and per skill (smoothed over all answers with today's parameters)."""

    model_config = ConfigDict(populate_by_name=True)

    class_: ClassRef = Field(alias="class")
    cuts: list[float]
    levels: list[Level]
    learners: list[LearnerCurves] = Field(description="one page of the class's learners, by id")
    summary: CurvesSummary = Field(description="the whole class, whatever the page")
    next_cursor: int | None = Field(default=None, description="more learners follow: pass this as "
                                                               "`cursor` for the next page (null: none)")


#: The alert rules, most urgent first (the engine's ``engine.triage.KINDS``; a test checks they agree).
AlertKind = Literal["inactive", "stalled", "slow", "fast"]


class Alert(BaseModel):
    """One learner to follow up (or, for ``fast``, to tell): why, in plain words, and what to do."""

    learner_id: int
    username: str
    display_name: str
    kind: AlertKind
    rank: int = Field(description="1 is the most urgent alert of the class")
    tone: Literal["follow_up", "positive"] = Field(description="positive: good news (fast progress)")
    message: str = Field(description="the reason, in plain words")
    action: str = Field(description="a suggested next step for the teacher")
    days_inactive: int | None = Field(default=None, description="days since the last answer (or since the "
                                                                "account was made, if none)")
    usual_per_week: float | None = Field(default=None, description="practice days per week in the four "
                                                                   "weeks before the last one")
    gain: float | None = Field(default=None, description="ability gained over the window (logits)")
    gain_se: float | None = Field(default=None, description="its posterior SD (logits)")
    gain_levels: float | None = Field(default=None, description="the gain in CEFR levels (one level is "
                                                                "the width of a band between two cuts)")
    window_days: int | None = Field(default=None, description="days the gain is measured over")
    probability: float | None = Field(default=None, description="the probability the rule compares: of a "
                                      "rate below the stalled or slow threshold, or above the fast one")


class AlertRules(BaseModel):
    """The rules' thresholds in force (docs/growth.md, "Alerts"); rates in logits per day."""

    inactive_min_days: float
    inactive_gaps: float
    window_days: float
    min_span_days: float
    min_window_answers: int
    stalled_rate: float
    stalled_probability: float
    slow_rate: float
    slow_probability: float
    fast_rate: float
    fast_probability: float


class ClassAlerts(BaseModel):
    """The class's alerts, most urgent first."""

    class_id: int
    generated_at: datetime
    rules: AlertRules
    alerts: list[Alert]


class Trend(BaseModel):
    """The ability gained over the last weeks (the growth model's smoothed curve) and how sure it is."""

    since: datetime = Field(description="the answer that opens the window (the last one at or before "
                                        "`window_days` ago, or the first)")
    days: float = Field(description="days from `since` to the last answer")
    answers: int = Field(description="answers after `since`")
    gain: float = Field(description="ability gained (logits), posterior mean")
    gain_se: float = Field(description="its posterior SD (logits), from the joint posterior of both ends")
    gain_levels: float = Field(description="the gain in CEFR levels")
    low: float = Field(description="lower end of the 90 % interval of the gain (logits)")
    high: float = Field(description="upper end of the 90 % interval of the gain (logits)")


class RosterLearner(BaseModel):
    """One row of the teacher's roster."""

    id: int
    username: str
    display_name: str
    answers: int
    first_activity: datetime | None
    last_activity: datetime | None = Field(description="the last answer's time: the moment `theta`, `se` "
                                           "and `level` are for")
    days_inactive: int | None = Field(description="whole 24-hour periods since the last answer, as the "
                                      "inactive alert counts them (not calendar days: to say \"today\" or "
                                      "\"yesterday\", compare `last_activity` in the reader's time zone)")
    practice_days_per_week: float | None = Field(description="in the four weeks before the last answer")
    theta: float | None = Field(description="ability at the last answer (logits): the value "
                                "`GET /v1/learners/{id}` gives as `overall`")
    se: float | None
    level: Level | None
    level_probability: float | None = Field(description="the probability of `level`")
    level_probabilities: dict[str, float]
    trend: Trend | None = Field(description="null without answers in the window (none, one, or none "
                                            "in the last `window_days`) or when they span less than a day")
    alerts: list[Alert] = Field(description="the learner's open alerts, most urgent first")


class ClassRoster(BaseModel):
    """Every learner of the class with what a dashboard shows (the class's learner order)."""

    model_config = ConfigDict(populate_by_name=True)

    class_: ClassRef = Field(alias="class")
    generated_at: datetime
    window_days: float = Field(description="the trend's window")
    level_width: float = Field(description="one CEFR level in logits for the class's language: the mean "
                                           "width of a band between two cuts, what a gain is divided by to "
                                           "say it in levels (as `gain_levels` and the alerts do)")
    learners: list[RosterLearner]


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
    ability_history: list[AbilityHistory] = Field(
        default_factory=list, description="per language: the estimates as they were reported, and "
                                          "as they are re-estimated today")


class AbilityHistory(BaseModel):
    """A learner's ability over time in one language, both ways."""

    language: str
    reported: list[HistoryPoint]
    re_estimated: list[HistoryPoint]
    placement_in_progress: bool = Field(
        default=False, description="the learner's own export only: a placement test in this "
        "language is open, so no estimate is given (`reported` and `re_estimated` are empty, and "
        "the language's rows of the estimate tables are left out) until it ends; the teacher's "
        "export holds them")


class PlacementRetakesOut(BaseModel):
    learner_id: int
    placement_retakes: int = Field(description="placement tests allowed before the retake interval is over")


def _trade_name(value: Any) -> Any:
    """A trade as a teacher may type it ("Kitchen", " kitchen "): the catalogue's spelling."""
    if not isinstance(value, str):
        return value  # null, or a wrong type the field's own check names
    folded = value.strip().casefold()
    if folded in TRADES:
        return folded
    raise ValueError(f"Choose the trade from {', '.join(TRADES[:-1])} and {TRADES[-1]} "
                     "(small or capital letters), or null for the B1 track only")


def _share(value: float | None) -> float | None:
    if value is not None and not 0.0 <= value <= 1.0:
        raise ValueError("The share from the trade is a number from 0 to 1: 0.7 for 70 % of the new "
                         "drill items from the trade")
    return value


class PathwayIn(Strict):
    """A learner's drill pathway: B1 track only (trade null), or a trade blended with the B1 track."""

    trade: Annotated[Trade | None, BeforeValidator(_trade_name)] = Field(
        description="one of the trades, in any case (stored as listed); null: the B1 track only")
    trade_share: Annotated[float | None, AfterValidator(_share)] = Field(
        default=None, json_schema_extra={"minimum": 0.0, "maximum": 1.0},
        description="share of new drill items from the trade, above 0 with a trade (omitted or null: "
                    "the trade only); 0 or omitted without a trade")


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
    data: dict[str, Any] | None = Field(default=None, description="the set as it was last sent "
                                                                  "(what an edit starts from)")


#: A vocabulary set's state: a draft (previewed, nothing served), published (its items
#: served), retired (withdrawn for good: nothing served, answers kept, no more edits).
SetStatus = Literal["draft", "published", "retired"]


class VocabularySetSummary(BaseModel):
    """One set in the author's list."""

    id: str
    title: str | None
    language: str
    trade: str | None
    status: SetStatus
    entries: int = Field(description="entries (words) in the set")
    items: int = Field(description="exercises generated from them")
    updated: datetime = Field(description="the latest of created, edited, published")


class VocabularySetList(BaseModel):
    sets: list[VocabularySetSummary]


class VocabularySetFile(Strict):
    """A set's file as text: YAML (the whole set), or CSV (columns lemma, pos, gloss, example,
    cefr; one row per example) with ``language``, ``trade`` and ``title`` given here."""

    filename: str = Field(max_length=200, description="its name: .yaml, .yml or .csv")
    text: str = Field(max_length=500_000)
    language: str | None = Field(default=None, max_length=8)
    trade: str | None = Field(default=None, max_length=32)
    title: str | None = Field(default=None, max_length=200)


class VocabularySetDraft(BaseModel):
    """A file read as a set (not checked yet: send it to ``POST /v1/vocabulary-sets``)."""

    data: dict[str, Any]


class ItemFitOut(BaseModel):
    """How an item's answers fit its parameters: mean squares of the residuals against each
    learner's estimate just before the answer (docs/api.md, "Item fit")."""

    answers: int = Field(description="learners' answers judged (anonymised answers keep no estimate)")
    infit: float = Field(description="information-weighted mean square; 1 when the item fits")
    outfit: float = Field(description="unweighted mean square; 1 when the item fits, high for surprising answers")
    infit_t: float = Field(description="infit standardised: about N(0, 1) when the item fits")
    outfit_t: float = Field(description="outfit standardised: about N(0, 1) when the item fits")
    check: bool = Field(description="underfit: infit or outfit above 1.3 with its t above 2; the answers do "
                                    "not follow the learners' levels, so look at the exercise")
    overfit: bool = Field(description="infit below 0.7 with its t below -2: the item tells levels apart better "
                                      "than its a says (a calibration mends it)")


class SetItemStatistics(BaseModel):
    """One item of a set after its answers: null parameters until it was published."""

    id: str
    type: str
    lemma: str | None
    answers: int
    share_right: float | None = Field(description="answers with full marks / answers (null: none)")
    a: float | None
    b: float | None
    status: str | None = Field(description="prior (the content's guess) or calibrated")
    calibration_id: str | None
    fit: ItemFitOut | None = Field(default=None, description="null until the item has fit_min_answers learners' answers")


class SetStatistics(BaseModel):
    id: str
    items: list[SetItemStatistics]
    fit_min_answers: int = Field(description="learners' answers an item needs before its fit is judged")


def _finite(value: float) -> float:
    # JSON parsers here read NaN and Infinity; neither bounds anything (NaN compares false
    # with every limit, so it would pass the server's ceiling unnoticed).
    if not math.isfinite(value):
        raise ValueError("Use a finite number such as 0.3: NaN and Infinity are not accepted")
    return value


class CalibrationCreate(Strict):
    """A calibration run. ``min_learners`` and ``max_se`` default to the server's settings
    (``B1ENGINE_CALIBRATION_MIN_LEARNERS``, ``B1ENGINE_CALIBRATION_MAX_SE``); a run may be
    stricter than the server, never looser. The server's limits are checked by the service
    (:func:`api.services.calibrations.resolve_options`), the one place that knows them: no
    bound here repeats or contradicts them. Values are taken as sent (``"50"`` is no number,
    ``"yes"`` no boolean); an empty body is ``{}``."""

    language: Language | None = Field(default=None, description="one language (default: every "
                                                                "language with answers, each on its own)")
    min_learners: int | None = Field(default=None, strict=True, le=1_000_000,
                                     description="least distinct learners an item needs before its "
                                                 "parameters may change; at least the server's "
                                                 "B1ENGINE_CALIBRATION_MIN_LEARNERS")
    max_se: Annotated[float, AfterValidator(_finite)] | None = Field(
        default=None, strict=True, gt=0,
        description="largest standard error of b (logits) new parameters may have; a finite "
                    "number, at most the server's B1ENGINE_CALIBRATION_MAX_SE")
    dry_run: bool = Field(default=False, strict=True,
                          description="report what would change (items, learners' levels) and "
                                      "change nothing")

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: Any) -> Any:
        if isinstance(data, dict) and "min_responses" in data:
            raise ValueError("min_responses was replaced by min_learners: the least number of "
                             "distinct learners an item needs (answers from one learner count once)")
        return data


class CalibrationOptions(BaseModel):
    """What a run used (the request's values, the server's defaults filled in)."""

    model_config = ConfigDict(extra="ignore")

    language: str | None = None
    min_learners: int | None = Field(default=None, description="null: a run from before these rules")
    max_se: float | None = None
    alpha: float | None = Field(default=None, description="family-wise error rate of the test that "
                                                          "the answers contradict an item's values")
    dry_run: bool = False


class ItemParameters(BaseModel):
    a: float
    b: float
    c: float


class CalibrationItemOut(BaseModel):
    """An item a run changed (a dry run: would change)."""

    item_id: str
    language: str
    learners: int = Field(description="distinct learners the estimate rests on")
    before: ItemParameters
    after: ItemParameters
    se_a: float
    se_b: float
    p_value: float = Field(description="chance of answers this far from the old values if they were "
                                       "right (Holm-tested over the run's items)")


class CalibrationLearnerOut(BaseModel):
    """A learner whose level a run changed (a dry run: would change): the estimate after their
    last answer, from all their answers, under the parameters before and after."""

    learner_id: int
    username: str
    language: str
    theta_before: float
    theta_after: float
    level_before: Level
    level_after: Level


class MostAnswered(BaseModel):
    item_id: str
    answers: int = Field(description="answers stored, retakes and reviews included")
    learners: int = Field(description="distinct learners (each counts once)")


class AlreadyTested(BaseModel):
    """Nothing was fitted: the live parameters' run was fitted on these very answers."""

    code: Literal["tested_before"] = "tested_before"
    run_id: str
    applied_at: datetime


class NoAnswers(BaseModel):
    """Nothing was fitted: the language has no answers."""

    code: Literal["no_answers"] = "no_answers"


class TooFewLearners(BaseModel):
    """No item has answers from ``min_learners`` learners; ``most_answered`` came closest."""

    code: Literal["too_few_learners"] = "too_few_learners"
    min_learners: int
    most_answered: MostAnswered


class NotPrecise(BaseModel):
    """Items with enough learners whose standard error of b is still above ``max_se``."""

    code: Literal["not_precise"] = "not_precise"
    items: int
    min_learners: int
    smallest_se_b: float | None = Field(description="the smallest among them; null: not estimable")
    max_se: float


class Consistent(BaseModel):
    """Items precise enough to test whose answers agree with their current values."""

    code: Literal["consistent"] = "consistent"
    items: int
    smallest_p_value: float
    alpha: float = Field(description="the family-wise error rate of the Holm test")


class HeldAsAnchors(BaseModel):
    """Calibrated items held fixed to keep the scale."""

    code: Literal["anchors"] = "anchors"
    items: int


#: Why a language's items did not change: one entry per cause, for a page to put in its own words.
NoChangeReason = Annotated[AlreadyTested | NoAnswers | TooFewLearners | NotPrecise | Consistent | HeldAsAnchors,
                           Field(discriminator="code")]


class CalibrationLanguage(BaseModel):
    """One language of a run."""

    language: str
    answers: int = Field(description="answers stored")
    learners: int
    items_answered: int
    population: Literal["held", "estimated"] | None = Field(
        description="held: no calibrated item was answered, so the ability distribution was held "
                    "where the current parameters put it; estimated: with the calibrated items "
                    "as anchors; null: nothing was fitted")
    population_mean: float | None
    population_sd: float | None
    decisions: dict[str, int] = Field(description="items per decision: anchor, too_few_learners, "
                                                  "se_too_large, consistent, changed")
    most_answered: MostAnswered | None
    items_changed: int
    learners_evaluated: int
    levels_changed: int
    through_answer: int = Field(default=0, description="the newest stored answer the run read (its id)")
    through_anonymous: int = Field(default=0, description="the newest anonymised answer the run read")
    mean_theta_change: float = Field(description="mean change of the learners' estimates (logits)")
    largest_theta_change: float = Field(description="largest change of a learner's estimate, either way")
    reason: str | None = Field(default=None, description="why no item changed, in English (`reasons` in parts)")
    reasons: list[NoChangeReason] = Field(default_factory=list, description="why no item changed, one entry "
                                          "per cause (empty when items changed, and in runs stored before them)")


class CalibrationResult(BaseModel):
    applied: bool = Field(description="parameters were written: the run is a version that can be "
                                      "rolled back")
    items_changed: int
    levels_changed: int
    message: str
    method: str = ""
    languages: list[CalibrationLanguage] = Field(default_factory=list)


class LanguageReasons(BaseModel):
    """Why a language of a run changed nothing."""

    language: str
    reasons: list[NoChangeReason]


#: A failed run's cause: the items changed while it was fitting (run it again), or a fault of
#: ours (the server's log has the details). Nothing of a failed run is written.
RunFailure = Literal["stale_parameters", "internal"]
#: A calibration run's state.
RunStatus = Literal["queued", "running", "done", "failed", "rolled_back"]


class CalibrationSummary(BaseModel):
    """A run in the list of runs."""

    id: str
    status: RunStatus
    dry_run: bool
    requested_by: str | None = Field(description="the admin's username (null: the account is gone)")
    options: CalibrationOptions
    created_at: datetime
    finished_at: datetime | None
    applied_at: datetime | None
    rolled_back_at: datetime | None
    rolled_back_by: str | None = Field(description="the admin's username; null when rolled back from "
                                                   "the command line")
    items_changed: int | None
    levels_changed: int | None
    message: str | None = Field(description="what the run did or why it failed, in English")
    error_code: RunFailure | None = Field(
        default=None, description="a failed run's cause: stale_parameters (the items changed while it was "
                                  "fitting: run it again) or internal (the server's log has the details); "
                                  "null: another refusal, said by `message`; nothing of a failed run is written")
    unchanged: list[LanguageReasons] | None = Field(
        description="the run's languages that changed nothing, each with why (`message`'s reasons in parts); "
                    "null for a run without a result or stored before reasons were kept in parts")


class CalibrationOut(CalibrationSummary):
    """A run in full: what it changed (or would change), item by item and learner by learner."""

    started_at: datetime | None
    error: str | None
    result: CalibrationResult | None
    items: list[CalibrationItemOut]
    learners: list[CalibrationLearnerOut]


class Health(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]
    items: int


class FieldError(BaseModel):
    field: str = Field(description="where the value was sent: body.entries[4].examples[1], query.limit, "
                                   "path.class_id, or body for the body as a whole; list positions "
                                   "count from 1")
    message: str = Field(description="what is wrong and what to send instead, in plain words")
    code: str | None = Field(default=None, description="the problem's stable name, where it has one (docs/api.md, "
                                                       "\"Field codes\"): a page says it in its reader's language")
    values: dict[str, str | int | list[str]] = Field(
        default_factory=dict, description="the values the code's sentence needs (the word, the limit, ...)")


class Problem(BaseModel):
    """An error, as RFC 9457 problem details (media type application/problem+json)."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    code: str = Field(description="the problem's stable name for programs (docs/api.md, \"Errors\"): the "
                                  "status's (not_found, conflict, invalid_input, ...) or a narrower one "
                                  "(placement_too_soon, item_not_waiting, ...); `detail` is words for people")
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = Field(default=None, description="bad input (422): one entry per bad field")


class ChartTable(BaseModel):
    """A chart's values as a table: what a screen reader reads instead of the drawing."""

    caption: str
    columns: list[str]
    rows: list[list[str]]


class ChartOut(BaseModel):
    """A chart as the pages show it: the SVG (the same bytes as the `.svg` download), its title,
    its description (naming the levels) and its values as a table."""

    title: str
    description: str
    svg: str = Field(description="an SVG document: role=img, with its title and description inside")
    table: ChartTable


class Jwks(BaseModel):
    """The tool's public keys (RFC 7517 JWK Set): platforms verify its signatures with them
    (client assertions, deep-linking responses)."""

    keys: list[dict[str, Any]]


class LtiRosterSyncOut(BaseModel):
    """A class's roster brought in line with its LTI course (NRPS): learners given an account,
    put in the class, already there, and members left aside (instructors, inactive, or in
    another class)."""

    created: int
    enrolled: int
    present: int
    skipped: int
