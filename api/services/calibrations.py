"""Calibration runs: refit the item parameters on the stored answers, safely, in the background.

A run is queued by the request (``POST /v1/calibrations``) and executed after the
reply, never inside it. For each language (the run's, or every language with
answers, each on its own: ability in one language says nothing of another) it

1. reads every answer (each learner's first answer to each item: an item met again
   was seen before; erased learners' anonymised answers count too) and the answered
   items' current parameters;
2. refits them and decides item by item (:mod:`calibration.recalibrate`, through
   the engine adapter): the scale stays where it is (calibrated items are anchors;
   without any, the population is held where the current parameters put it), a
   choice item keeps its guessing ``c``, and an item changes only with answers from
   ``min_learners`` distinct learners, an SE of b at most ``max_se``, and answers
   that contradict its current values (Holm's test over the items at ``alpha``);
3. re-estimates every learner's level from all their answers under the parameters
   before and after (the growth model's filter, as their growth state computes it)
   and lists the learners whose level changes.

A **dry run** stores what would change (items, levels) and changes nothing. Any
other run that changes items is a **version**: in one transaction it writes the
new parameters, the values they replace (``calibration_item_changes``), the level
changes, and resets the language's growth states, which are rebuilt from the
answers under the new parameters when next read. What learners were told before
stays as it was told (:mod:`api.services.reported`). A **rollback** writes the
values back, exactly, and resets the growth states again: every level is then
what it was before the run. Only the newest change of a language's parameters may be
undone (:func:`api.services.parameter_versions.latest_change`): a later run, or a growth
fit stored after the run, is rolled back first. One run per language at a time.
"""
from __future__ import annotations

import logging
import traceback
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

import anyio.to_thread
import numpy as np
import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.db import begin_write
from api.errors import Conflict, DomainError, InvalidInput, NotFound
from api.models import (
    AnonymousResponse,
    CalibrationItemChange,
    CalibrationLevelChange,
    CalibrationRun,
    ItemRow,
    ResponseRow,
    User,
    utc,
)
from api.schemas import (
    AlreadyTested,
    CalibrationCreate,
    CalibrationItemOut,
    CalibrationLanguage,
    CalibrationLearnerOut,
    CalibrationOptions,
    CalibrationOut,
    CalibrationResult,
    CalibrationSummary,
    Consistent,
    HeldAsAnchors,
    ItemParameters,
    LanguageReasons,
    MostAnswered,
    NoAnswers,
    NoChangeReason,
    NotPrecise,
    RunFailure,
    RunStatus,
    TooFewLearners,
)
from api.services import ability, answer_log, parameter_versions
from api.services import engine_adapter as adapter
from api.services.rows import id_of
from api.settings import Settings

logger = logging.getLogger("b1engine.calibration")
#: Runs listed by ``GET /v1/calibrations`` when the client does not say.
LIST_DEFAULT = 50
#: What the result calls the method.
METHOD = ("marginal maximum likelihood (EM), 2PL with each item's guessing c held; calibrated items as "
          "anchors (population estimated) or, without any, the population held where the current "
          "parameters put it; an item changes with enough learners, a small enough SE of b, and "
          "answers that contradict its current values (likelihood-ratio test, Holm over the items)")
#: The item statuses: content priors, or set by a calibration run.
PRIOR, CALIBRATED = "prior", "calibrated"
#: A run queued or running for longer than this was lost (the server stopped during it: runs
#: live in the server's process) and no longer holds its language. A run of the largest bank
#: we measured takes minutes; a day leaves room for any log.
RUN_LOST_AFTER = timedelta(hours=24)


# ---------------------------------------------------------------- creating and reading runs

def resolve_options(body: CalibrationCreate, settings: Settings) -> CalibrationOptions:
    """The run's options with the server's defaults filled in; 422 for a looser rule than the
    server's (the settings are the floor an operator chose; a run may only be stricter).

    The floor and the ceiling are checked here only (the request's schema repeats neither),
    so an admin reads the server's own numbers ("at least 50 on this server") whatever they
    sent, 0 and negative numbers included."""
    floor = settings.calibration_min_learners or adapter.DEFAULT_RECALIBRATION_RULES.min_learners
    ceiling = settings.calibration_max_se or adapter.DEFAULT_RECALIBRATION_RULES.max_se
    min_learners = floor if body.min_learners is None else body.min_learners
    max_se = ceiling if body.max_se is None else body.max_se
    if min_learners < floor:
        raise InvalidInput(f"min_learners: at least {floor} on this server (B1ENGINE_CALIBRATION_MIN_LEARNERS): "
                           "parameters from fewer learners are too uncertain to move anyone's level",
                           field="min_learners")
    if max_se > ceiling:
        raise InvalidInput(f"max_se: at most {ceiling:g} on this server (B1ENGINE_CALIBRATION_MAX_SE): a less "
                           "precise b would move learners on noise", field="max_se")
    return CalibrationOptions(language=body.language, min_learners=min_learners, max_se=max_se,
                              alpha=adapter.DEFAULT_RECALIBRATION_RULES.alpha, dry_run=body.dry_run)


def create_run(db: Session, admin: User, body: CalibrationCreate, settings: Settings,
               now: datetime) -> CalibrationRun:
    """Queue a run; 409 while another run of the same language (or of every language) is
    queued or running: two runs fit the same parameters, and the second would find them
    changed under it."""
    options = resolve_options(body, settings)
    busy = in_progress(db, options.language, now)
    if busy is not None:
        scope = f"for {busy.options.get('language')}" if busy.options.get("language") else "of every language"
        raise Conflict(f"a calibration run {scope} is in progress (id {busy.id}, {busy.status} since "
                       f"{utc(busy.started_at or busy.created_at):%Y-%m-%d %H:%M} UTC): wait for it to finish",
                       code="calibration_running", running=busy.id,
                       since=utc(busy.started_at or busy.created_at).isoformat())
    run = CalibrationRun(id=uuid.uuid4().hex, requested_by=id_of(admin), status="queued",
                         options=options.model_dump(), created_at=now)
    db.add(run)
    db.commit()
    db.refresh(run)
    return run


def in_progress(db: Session, language: str | None, now: datetime) -> CalibrationRun | None:
    """A queued or running run that covers ``language`` (None: every language), if any."""
    for run in db.exec(select(CalibrationRun).where(col(CalibrationRun.status).in_(("queued", "running")))
                       .order_by(col(CalibrationRun.created_at))):
        other = (run.options or {}).get("language")
        if utc(run.created_at) >= now - RUN_LOST_AFTER and (language is None or other is None or other == language):
            return run
    return None


def get_run(db: Session, run_id: str) -> CalibrationRun:
    run = db.get(CalibrationRun, run_id)
    if run is None:
        raise NotFound(f"calibration '{run_id}' not found: GET /v1/calibrations lists the runs")
    return run


def options_of(run: CalibrationRun) -> CalibrationOptions:
    """The stored options (a run from before these rules has no min_learners)."""
    return CalibrationOptions.model_validate(run.options or {})


def result_of(run: CalibrationRun) -> CalibrationResult | None:
    """The stored result; a run from before versions (migration 0012) in the words it allows."""
    if run.result is None:
        return None
    try:
        return CalibrationResult.model_validate(run.result)
    except ValidationError:
        updated = int(run.result.get("items_updated", 0))
        return CalibrationResult(applied=False, items_changed=updated, levels_changed=0,
                                 message=f"{updated} items updated by a run from before parameter versions: "
                                         "the values it replaced were not kept, so it cannot be rolled back")


def _usernames(db: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {i: name for i, name in db.exec(select(User.id, User.username).where(col(User.id).in_(wanted)))
            if i is not None}


def _summary(run: CalibrationRun, names: Mapping[int, str]) -> CalibrationSummary:
    result = result_of(run)
    options = options_of(run)
    return CalibrationSummary(
        id=run.id, status=cast(RunStatus, run.status), dry_run=options.dry_run, requested_by=names.get(run.requested_by),
        options=options, created_at=utc(run.created_at), finished_at=utc(run.finished_at),
        applied_at=utc(run.applied_at), rolled_back_at=utc(run.rolled_back_at),
        rolled_back_by=names.get(run.rolled_back_by) if run.rolled_back_by is not None else None,
        items_changed=result.items_changed if result else None,
        levels_changed=result.levels_changed if result else None,
        message=result.message if result else run.error, error_code=cast(RunFailure | None, run.error_code),
        unchanged=_unchanged(result))


def _unchanged(result: CalibrationResult | None) -> list[LanguageReasons] | None:
    """The languages that changed nothing, each with its reasons; None where a stored result has
    only the English ``message``: a run stored before ``reasons`` (its languages give a ``reason``
    alone) or before parameter versions (no ``method``), or a run without a result."""
    if result is None or not result.method or any(lang.reason and not lang.reasons for lang in result.languages):
        return None
    return [LanguageReasons(language=lang.language, reasons=lang.reasons) for lang in result.languages if lang.reasons]


def list_runs(db: Session, limit: int = LIST_DEFAULT) -> list[CalibrationSummary]:
    """The latest runs, newest first: who, when, with what options, what they changed."""
    runs = list(db.exec(select(CalibrationRun).order_by(col(CalibrationRun.created_at).desc(),
                                                        col(CalibrationRun.id)).limit(limit)))
    names = _usernames(db, [r.requested_by for r in runs] + [r.rolled_back_by for r in runs])
    return [_summary(run, names) for run in runs]


def describe(db: Session, run: CalibrationRun) -> CalibrationOut:
    """A run in full: its summary, result, and every item and learner it changed (would change)."""
    names = _usernames(db, (run.requested_by, run.rolled_back_by))
    summary = _summary(run, names)
    items = [CalibrationItemOut(item_id=change.item_id, language=language, learners=change.learners,
                                before=ItemParameters(a=change.a_before, b=change.b_before, c=change.c_before),
                                after=ItemParameters(a=change.a_after, b=change.b_after, c=change.c_after),
                                se_a=change.se_a, se_b=change.se_b, p_value=change.p_value)
             for change, language in db.exec(
                 select(CalibrationItemChange, ItemRow.language)
                 .join(ItemRow, col(ItemRow.id) == col(CalibrationItemChange.item_id))
                 .where(col(CalibrationItemChange.run_id) == run.id).order_by(col(CalibrationItemChange.item_id)))]
    learners = [CalibrationLearnerOut(learner_id=change.learner_id, username=username, language=change.language,
                                      theta_before=change.theta_before, theta_after=change.theta_after,
                                      level_before=adapter.as_level(change.level_before),
                                      level_after=adapter.as_level(change.level_after))
                for change, username in db.exec(
                    select(CalibrationLevelChange, User.username)
                    .join(User, col(User.id) == col(CalibrationLevelChange.learner_id))
                    .where(col(CalibrationLevelChange.run_id) == run.id)
                    .order_by(col(CalibrationLevelChange.language), col(CalibrationLevelChange.learner_id)))]
    return CalibrationOut(**summary.model_dump(), started_at=utc(run.started_at), error=run.error,
                          result=result_of(run), items=items, learners=learners)


# ---------------------------------------------------------------- running

def _now() -> datetime:
    # The background job has no request clock: it stamps real time.
    return datetime.now(UTC)


async def run_after_reply(db_engine: Engine, run_id: str) -> None:
    """:func:`run` on a thread of its own, not one of the request threads (a run takes
    minutes on a large log; requests must not wait for it)."""
    await anyio.to_thread.run_sync(run, db_engine, run_id, limiter=anyio.CapacityLimiter(1))


class StaleRun(Conflict):
    """The items changed while the run was fitting (a rollback, a bank load)."""


def run(db_engine: Engine, run_id: str, clock: Callable[[], datetime] = _now) -> None:
    """Execute a queued run; records 'done' with its result or 'failed' with the error."""
    with Session(db_engine) as db:
        job = db.get(CalibrationRun, run_id)
        if job is None or job.status != "queued":
            return
        job.status, job.started_at = "running", clock()
        db.add(job)
        db.commit()
        options = options_of(job)
    try:
        with Session(db_engine) as db:
            plans = [_plan(db, language, options) for language in _languages(db, options.language)]
            db.rollback()  # the reads are done; the writes take the write lock afresh
            _finish(db, run_id, options, plans, clock())
    except Exception as error:  # noqa: BLE001 - a failed run must be reported, not lost
        logger.error("calibration %s failed: %s", run_id, traceback.format_exc())
        with Session(db_engine) as db:
            job = get_run(db, run_id)
            # The admin reads this: a refusal in its own words; anything else is a fault of ours.
            message = (error.detail if isinstance(error, DomainError)
                       else f"internal error ({type(error).__name__}): the server's log has the details")
            job.status, job.error, job.finished_at = "failed", message, clock()
            job.error_code = ("stale_parameters" if isinstance(error, StaleRun)
                              else None if isinstance(error, DomainError) else "internal")
            db.add(job)
            db.commit()


def _languages(db: Session, language: str | None) -> list[str]:
    """The run's language, or every language with answers (anonymised ones included)."""
    if language is not None:
        return [language]
    found = set(db.exec(select(ItemRow.language).join(ResponseRow, col(ResponseRow.item_id) == col(ItemRow.id))
                        .distinct()))
    found |= set(db.exec(select(ItemRow.language)
                         .join(AnonymousResponse, col(AnonymousResponse.item_id) == col(ItemRow.id)).distinct()))
    return sorted(found)


@dataclass(frozen=True)
class Answers:
    """One language's answers as the fit takes them, and every stored answer counted per item."""

    learners: np.ndarray
    items: np.ndarray
    scores: np.ndarray
    #: item -> (answers stored, distinct learners)
    per_item: dict[str, tuple[int, int]]
    #: The newest answer read (``responses.id``) and anonymised answer (``anonymous_responses.id``).
    through: tuple[int, int] = (0, 0)


def calibration_answers(db: Session, language: str) -> Answers:
    """Every answer in ``language``, erased learners' included, each learner's first per item.

    Learners are labelled ``u<id>``; an erased learner's anonymised answers
    (``anonymous_responses``) carry their random key instead, so they still count
    as one person's answers without pointing to anyone. One answer per learner and
    item, their first: an item met again (a retake, a review) was seen before, and a
    learner who takes many sessions must not weigh more. Scores are dichotomised by
    the one rule (:func:`api.services.answer_log.right`).
    """
    # SQLAlchemy's select: SQLModel's is typed for at most four columns.
    statement = (sa.select(col(ResponseRow.learner_id), col(ResponseRow.item_id), col(ResponseRow.score),
                           col(ResponseRow.max_score), col(ResponseRow.id))
                 .join(ItemRow, col(ItemRow.id) == col(ResponseRow.item_id))
                 .where(col(ItemRow.language) == language)
                 .order_by(col(ResponseRow.answered_at), col(ResponseRow.id)))
    anonymous = (sa.select(col(AnonymousResponse.learner_key), col(AnonymousResponse.item_id),
                           col(AnonymousResponse.score), col(AnonymousResponse.max_score), col(AnonymousResponse.id))
                 .join(ItemRow, col(ItemRow.id) == col(AnonymousResponse.item_id))
                 .where(col(ItemRow.language) == language)
                 .order_by(col(AnonymousResponse.answered_on), col(AnonymousResponse.id)))
    named = db.execute(statement).all()
    erased = db.execute(anonymous).all()
    rows = [(f"u{learner}", item, score, top) for learner, item, score, top, _ in named]
    rows += [(f"a{key}", item, score, top) for key, item, score, top, _ in erased]
    through = (max((row[4] for row in named), default=0), max((row[4] for row in erased), default=0))
    answers: dict[str, int] = defaultdict(int)
    first: dict[tuple[str, str], tuple[str, str, int]] = {}
    for learner, item, score, top in rows:
        answers[item] += 1
        first.setdefault((learner, item), (learner, item, int(answer_log.right(score, top))))
    kept = list(first.values())
    learners_per_item: dict[str, int] = defaultdict(int)
    for _, item, _ in kept:
        learners_per_item[item] += 1
    return Answers(np.array([r[0] for r in kept], dtype=object), np.array([r[1] for r in kept], dtype=object),
                   np.array([r[2] for r in kept], dtype=np.int64),
                   {item: (answers[item], learners_per_item[item]) for item in answers}, through)


@dataclass(frozen=True)
class LevelShift:
    """One learner's estimate after their last answer, under the parameters before and after."""

    learner_id: int
    theta_before: float
    theta_after: float
    level_before: adapter.Level
    level_after: adapter.Level


@dataclass(frozen=True)
class LanguagePlan:
    """What a run found in one language: the answers, the decisions, the learners' shifts,
    and the items as they were read (checked again before anything is written)."""

    language: str
    answers: Answers
    recalibration: adapter.Recalibration | None
    shifts: tuple[LevelShift, ...]
    read: dict[str, tuple[float, float, float, str, str | None]]
    #: Not refitted: the live version was fitted on these very answers (its run's id, when).
    tested_by: tuple[str, datetime] | None = None

    def changed(self) -> tuple[adapter.ItemOutcome, ...]:
        return self.recalibration.changed() if self.recalibration else ()


def _plan(db: Session, language: str, options: CalibrationOptions) -> LanguagePlan:
    answers = calibration_answers(db, language)
    if not answers.per_item:
        return LanguagePlan(language, answers, None, (), {})
    tested = _tested_on(db, language, answers.through)
    if tested is not None:
        return LanguagePlan(language, answers, None, (), {}, tested)
    rows = {row.id: row for row in db.exec(select(ItemRow).where(col(ItemRow.id).in_(list(answers.per_item))))}
    read = {i: (row.a, row.b, row.c, row.status, row.calibration_id) for i, row in rows.items()}
    current = {i: adapter.CurrentItem(row.a, row.b, row.c, calibrated=row.status == CALIBRATED)
               for i, row in rows.items()}
    defaults = adapter.DEFAULT_RECALIBRATION_RULES
    rules = adapter.RecalibrationRules(min_learners=options.min_learners or defaults.min_learners,
                          max_se=options.max_se or defaults.max_se, alpha=options.alpha or defaults.alpha)
    recalibration = adapter.recalibrate(answers.learners, answers.items, answers.scores, current, rules)
    new = {o.item.item_id: o.new for o in recalibration.changed() if o.new is not None}
    return LanguagePlan(language, answers, recalibration, level_shifts(db, language, new), read)


def _tested_on(db: Session, language: str, through: tuple[int, int]) -> tuple[str, datetime] | None:
    """The live version's run, when it was fitted on exactly these answers (none added since).

    The same answers are tested once: fitting them again could only change items by
    re-testing until something passes (the scale the changed items now anchor, or the
    number of items tested, differs a little), not by evidence.
    """
    version = parameter_versions.current(db, language)
    run = db.get(CalibrationRun, version) if version else None
    result = result_of(run) if run is not None else None
    if run is None or result is None or run.applied_at is None:
        return None
    for done in result.languages:
        if done.language == language and (done.through_answer, done.through_anonymous) == through:
            return run.id, utc(run.applied_at)
    return None


def level_shifts(db: Session, language: str, new: Mapping[str, adapter.Parameters]) -> tuple[LevelShift, ...]:
    """Every learner's estimate after their last answer in ``language``, from all their answers
    (the growth model's forward filter, what their growth state holds), under the current
    parameters and with ``new`` in place of some."""
    log = answer_log.answers(db, language)
    if not len(log):
        return ()
    growth = ability.growth_parameters(db, language)
    before = adapter.filter_abilities(log.learner, log.days, log.a, log.b, log.c, log.right, growth)
    if new:
        replaced = np.array([item in new for item in log.item])
        a, b, c = log.a.copy(), log.b.copy(), log.c.copy()
        for index in np.flatnonzero(replaced):
            found = new[log.item[index]]
            a[index], b[index], c[index] = found.a, found.b, found.c
        after = adapter.filter_abilities(log.learner, log.days, a, b, c, log.right, growth)
    else:
        after = before
    last = len(log.learner) - 1 - np.unique(log.learner[::-1], return_index=True)[1]
    return tuple(LevelShift(int(log.learner[i]), float(before.theta[i]), float(after.theta[i]),
                            adapter.level_of(float(before.theta[i]), language),
                            adapter.level_of(float(after.theta[i]), language)) for i in sorted(last))


# ---------------------------------------------------------------- the result

def _language_result(plan: LanguagePlan, options: CalibrationOptions) -> CalibrationLanguage:
    recalibration, answers = plan.recalibration, plan.answers
    most = max(answers.per_item.items(), key=lambda kv: (kv[1][1], kv[1][0], kv[0]), default=None)
    shifts = [s.theta_after - s.theta_before for s in plan.shifts]
    counts = {str(k): v for k, v in recalibration.counts().items()} if recalibration else {}
    reasons = [] if plan.changed() else _reasons(plan, options, most)
    fit = recalibration.fit if recalibration else None
    return CalibrationLanguage(
        language=plan.language, answers=sum(n for n, _ in answers.per_item.values()),
        learners=len(set(answers.learners.tolist())), items_answered=len(answers.per_item),
        population=None if fit is None else "held" if fit.population_held else "estimated",
        population_mean=fit.population.mean if fit else None, population_sd=fit.population.sd if fit else None,
        decisions=counts,
        most_answered=MostAnswered(item_id=most[0], answers=most[1][0], learners=most[1][1]) if most else None,
        items_changed=len(plan.changed()), learners_evaluated=len(plan.shifts),
        levels_changed=sum(s.level_before != s.level_after for s in plan.shifts),
        mean_theta_change=float(np.mean(shifts)) if shifts else 0.0,
        largest_theta_change=float(max(shifts, key=abs)) if shifts else 0.0,
        through_answer=answers.through[0], through_anonymous=answers.through[1],
        reasons=reasons, reason=reason_words(reasons) if reasons else None)


def _reasons(plan: LanguagePlan, options: CalibrationOptions,
             most: tuple[str, tuple[int, int]] | None) -> list[NoChangeReason]:
    """Why no item of the language changed: one entry per cause, in the order an admin acts on them."""
    recalibration = plan.recalibration
    if plan.tested_by is not None:
        run_id, applied = plan.tested_by
        return [AlreadyTested(run_id=run_id, applied_at=applied)]
    if recalibration is None or most is None:
        return [NoAnswers()]
    min_learners, max_se, alpha = options.min_learners, options.max_se, options.alpha
    if min_learners is None or max_se is None or alpha is None:
        raise RuntimeError("a run's options without their defaults")  # resolve_options fills them in
    outcomes = recalibration.outcomes
    enough = [o for o in outcomes if o.decision in ("se_too_large", "consistent")]
    anchors = sum(o.decision == "anchor" for o in outcomes)
    reasons: list[NoChangeReason] = []
    if not enough:
        item_id, (answers, learners) = most
        reasons.append(TooFewLearners(min_learners=min_learners,
                                      most_answered=MostAnswered(item_id=item_id, answers=answers, learners=learners)))
    imprecise = [o for o in enough if o.decision == "se_too_large"]
    if imprecise:
        reasons.append(NotPrecise(items=len(imprecise), min_learners=min_learners, max_se=max_se, smallest_se_b=min(
            (o.item.se_b for o in imprecise if o.item.se_b is not None), default=None)))
    consistent = [o for o in enough if o.decision == "consistent"]
    if consistent:
        reasons.append(Consistent(items=len(consistent), alpha=alpha, smallest_p_value=min(
            o.p_value for o in consistent if o.p_value is not None)))
    if anchors:
        reasons.append(HeldAsAnchors(items=anchors))
    return reasons


def reason_words(reasons: Sequence[NoChangeReason]) -> str:
    """The reasons in English: the API's ``reason`` and ``message``, and the command line's.
    (The admin page puts ``reasons`` in its own language.)"""
    parts = []
    for reason in reasons:
        match reason:
            case AlreadyTested(run_id=run_id, applied_at=applied):
                parts.append(f"no answers since calibration {run_id} (applied {applied:%Y-%m-%d %H:%M} UTC) was "
                             "fitted on them: the same answers are not tested twice")
            case NoAnswers():
                parts.append("no answers in this language yet")
            case TooFewLearners(min_learners=floor, most_answered=most):
                parts.append(f"no item has answers from {floor} learners yet; the item with the most has "
                             f"{most.answers} answers from {most.learners} learners ({most.item_id})")
            case NotPrecise(items=items, min_learners=floor, smallest_se_b=se, max_se=max_se):
                parts.append(f"{items} items have answers from {floor} learners or more but are not precise "
                             f"enough yet (smallest SE of b {'not estimable' if se is None else f'{se:.2f}'}; "
                             f"at most {max_se})")
            case Consistent(items=items, smallest_p_value=p, alpha=alpha):
                parts.append(f"the answers agree with the current parameters of the {items} items precise "
                             f"enough to test (smallest p-value {p:.3g}; Holm at {alpha})")
            case HeldAsAnchors(items=items):
                parts.append(f"{items} calibrated items were held as anchors")
    return "; ".join(parts)


def _result(plans: Sequence[LanguagePlan], options: CalibrationOptions) -> CalibrationResult:
    languages = [_language_result(plan, options) for plan in plans]
    changed = sum(lang.items_changed for lang in languages)
    levels = sum(lang.levels_changed for lang in languages)
    if not languages:
        message = "no answers yet: nothing to calibrate"
    elif changed == 0:
        message = "no item changed: " + " | ".join(f"{lang.language}: {lang.reason}" for lang in languages)
    else:
        verb = "would change" if options.dry_run else "changed"
        message = (f"{changed} items {verb}"
                   f" ({', '.join(f'{lang.language}: {lang.items_changed}' for lang in languages)});"
                   f" {levels} learners' levels {verb}")
    return CalibrationResult(applied=changed > 0 and not options.dry_run, items_changed=changed,
                             levels_changed=levels, message=message, method=METHOD, languages=languages)


# ---------------------------------------------------------------- writing

def _finish(db: Session, run_id: str, options: CalibrationOptions, plans: Sequence[LanguagePlan],
            now: datetime) -> None:
    """Store the result and what changed (would change); apply it unless a dry run. One transaction."""
    result = _result(plans, options)
    connection = begin_write(db)
    if result.applied:
        connection.execute(parameter_versions.LOCK_LEARNERS)
        _check_unchanged(db, plans)
    for plan in plans:
        for outcome in plan.changed():
            item, new = outcome.item, outcome.new
            if new is None or item.se_a is None or item.se_b is None or outcome.p_value is None:
                raise RuntimeError(f"changed item {item.item_id} without an estimate")  # decide() never does
            a, b, c, status, calibration = plan.read[item.item_id]
            db.add(CalibrationItemChange(run_id=run_id, item_id=item.item_id, learners=item.learners,
                                         a_before=a, b_before=b, c_before=c, status_before=status,
                                         calibration_before=calibration, a_after=new.a, b_after=new.b,
                                         c_after=new.c, se_a=item.se_a, se_b=item.se_b, p_value=outcome.p_value))
            if result.applied:
                row = db.get(ItemRow, item.item_id)
                if row is not None:
                    row.a, row.b, row.c = new.a, new.b, new.c
                    row.status, row.calibration_id = CALIBRATED, run_id
                    db.add(row)
        db.add_all(CalibrationLevelChange(run_id=run_id, learner_id=shift.learner_id, language=plan.language,
                                          theta_before=shift.theta_before, theta_after=shift.theta_after,
                                          level_before=shift.level_before, level_after=shift.level_after)
                   for shift in plan.shifts if shift.level_before != shift.level_after)
        if result.applied and plan.changed():
            parameter_versions.reset_growth_states(connection, plan.language,
                                                   ability.growth_parameters(db, plan.language))
    job = get_run(db, run_id)
    job.status, job.result, job.finished_at = "done", result.model_dump(mode="json"), now
    job.applied_at = now if result.applied else None
    db.add(job)
    db.commit()


def _check_unchanged(db: Session, plans: Sequence[LanguagePlan]) -> None:
    """Under the write lock: every item the fit read has the values it read (else the fit is stale)."""
    for plan in plans:
        if not plan.read:
            continue
        now = {row.id: (row.a, row.b, row.c, row.status, row.calibration_id)
               for row in db.exec(select(ItemRow).where(col(ItemRow.id).in_(list(plan.read))))}
        moved = sorted(i for i, values in plan.read.items() if now.get(i) != values)
        if moved:
            raise StaleRun(f"the parameters of {len(moved)} {plan.language} items changed while this run was "
                           f"fitting (e.g. {moved[0]}: another run, a rollback or a content update); start "
                           "the run again")


def rollback(db: Session, run_id: str, by: User | None, now: datetime) -> CalibrationOut:
    """Write back every parameter the run replaced, exactly, and start the growth states of its
    languages afresh; 409 when there is nothing to roll back or it is not the newest change of
    its languages' parameters (a later run, a later growth fit: roll that back first)."""
    job = get_run(db, run_id)
    if job.rolled_back_at is not None:
        raise Conflict(f"calibration '{run_id}' was rolled back already, on "
                       f"{utc(job.rolled_back_at).isoformat(timespec='seconds')}")
    if options_of(job).dry_run:
        raise Conflict(f"calibration '{run_id}' was a dry run: it changed nothing, so there is nothing to roll back")
    if job.status in ("queued", "running"):
        raise Conflict(f"calibration '{run_id}' is {job.status}: only an applied run that changed items can be "
                       "rolled back; wait for it to finish")
    if job.status == "failed":
        raise Conflict(f"calibration '{run_id}' failed: only an applied run that changed items can be rolled "
                       "back, and a failed run changed nothing")
    if job.applied_at is None:
        raise Conflict(f"calibration '{run_id}' changed no parameters that were kept: nothing to roll back")
    connection = begin_write(db)
    connection.execute(parameter_versions.LOCK_LEARNERS)
    changes = list(db.exec(select(CalibrationItemChange).where(col(CalibrationItemChange.run_id) == run_id)))
    items = [change.item_id for change in changes]
    rows = {row.id: row for row in db.exec(select(ItemRow).where(col(ItemRow.id).in_(items)))}
    languages = sorted({row.language for row in rows.values()})
    for language in languages:
        latest = parameter_versions.latest_change(db, language)
        if latest is not None and (latest.kind, latest.id) != ("calibration", run_id):
            db.rollback()
            raise Conflict(f"calibration '{run_id}' is not the latest change of the {language} parameters: "
                           f"{latest.undo_first()}", code="rollback_not_latest", later=latest.id)
    for change in changes:
        row = rows.get(change.item_id)
        if row is None or (row.a, row.b, row.c, row.calibration_id) != (change.a_after, change.b_after,
                                                                         change.c_after, run_id):
            db.rollback()
            raise Conflict(f"item '{change.item_id}' was changed after this run: its parameters are no longer "
                           "the ones the run wrote, so they cannot be restored safely")
        row.a, row.b, row.c = change.a_before, change.b_before, change.c_before
        row.status, row.calibration_id = change.status_before, change.calibration_before
        db.add(row)
    for language in languages:
        parameter_versions.reset_growth_states(connection, language, ability.growth_parameters(db, language))
    job.status, job.rolled_back_at = "rolled_back", now
    job.rolled_back_by = id_of(by) if by is not None else None
    db.add(job)
    db.commit()
    return describe(db, get_run(db, run_id))
