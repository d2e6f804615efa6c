"""Alerts that triage: the few learners of a class to follow up, ranked, each with a reason and an action.

The rules are the engine's (:mod:`engine.triage`, tuned on simulated classes
with ``bench/alerts.py``); this module gathers what they read from the
database — the class's answers, through the growth model's gain over the
last weeks (:func:`engine.growth.window_gains`) and the days each learner
practised — and puts their verdicts in words a teacher reads, in the page's
interface language (the ``alert_*`` texts of ``api/i18n``). The roster
(:mod:`api.services.roster`) shows the same assessment learner by learner.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import get_args

import numpy as np
from sqlmodel import Session

from api.models import SchoolClass, User, utc
from api.schemas import Alert, AlertKind, AlertRules, ClassAlerts
from api.services import ability, answer_log, interface
from api.services import engine_adapter as adapter
from api.services.answer_log import days_of
from api.services.classes import learners_of
from api.services.rows import id_of

#: The rules in force (their home and their tuning: :mod:`engine.triage`).
RULES = adapter.TriageRules()
#: The trend's interval: 90 % (z = 1.645) of a normal posterior.
INTERVAL_Z = 1.645

#: Practice days per week below which "before that" says "less than once a week" (rounds to 0).
ONCE_A_WEEK = 0.75
#: The rules whose alerts are good news, not a call to follow up.
POSITIVE = frozenset({"fast"})
#: The engine's rule names as the API's type (the same names: checked here, at import).
_KINDS: dict[str, AlertKind] = {kind: kind for kind in get_args(AlertKind)}
if tuple(_KINDS) != adapter.TRIAGE_KINDS:
    raise RuntimeError(f"api.schemas.AlertKind {tuple(_KINDS)} is not the engine's {adapter.TRIAGE_KINDS}")


@dataclass(frozen=True)
class ClassAssessment:
    """What the rules read (``evidence``) and what they found (``triage``) for every learner of a
    class, rows in ``learners`` order (by id); ``level_width`` is the mean width of a CEFR band
    in logits, to say gains in levels."""

    school_class: SchoolClass
    learners: tuple[User, ...]
    now: datetime
    rules: adapter.TriageRules
    evidence: adapter.Evidence
    triage: adapter.Triage
    level_width: float

    @property
    def practice(self) -> adapter.Practice:
        return self.evidence.practice

    @property
    def window(self) -> adapter.WindowGains:
        return self.evidence.window


@dataclass(frozen=True)
class _Facts:
    """The numbers behind an alert (the optional fields of :class:`api.schemas.Alert`)."""

    days_inactive: int | None = None
    usual_per_week: float | None = None
    gain: float | None = None
    gain_se: float | None = None
    gain_levels: float | None = None
    window_days: int | None = None
    probability: float | None = None


def rounded(value: float, digits: int) -> float:
    """``value`` rounded for a reply, never a negative zero (``round(-0.0001, 3)`` is ``-0.0``,
    which a page shows as "-0")."""
    return round(float(value), digits) + 0.0


def moment(days: float) -> datetime | None:
    """A time on the growth model's axis (:func:`answer_log.days_of`) as a datetime; None for NaN."""
    if not np.isfinite(days):
        return None
    return datetime.fromtimestamp(float(days) * adapter.SECONDS_PER_DAY, tz=UTC)


def assess(db: Session, school_class: SchoolClass, now: datetime,
           rules: adapter.TriageRules = RULES) -> ClassAssessment:
    """Every learner's practice and gain over ``rules.window_days``, and the rules' verdicts."""
    learners = tuple(sorted(learners_of(db, school_class), key=id_of))  # the engine reads sorted ids
    language = school_class.language
    log = answer_log.answers(db, language, [id_of(learner) for learner in learners])
    evidence = adapter.gather(log.learner, log.days, log.a, log.b, log.c, log.right,
                              np.array([id_of(learner) for learner in learners], dtype=int),
                              np.array([days_of(utc(learner.created_at)) for learner in learners]),
                              days_of(now), ability.growth_parameters(db, language), rules)
    return ClassAssessment(school_class=school_class, learners=learners, now=now, rules=rules,
                           evidence=evidence, triage=adapter.triage(evidence, rules),
                           level_width=adapter.level_width(language))


@dataclass(frozen=True)
class _Words:
    """The alerts' words in one interface language: ``words("alert_slow", gain=...)`` fills the
    text's fields; ``signed`` writes a share of a level."""

    texts: Mapping[str, str]
    right_to_left: bool

    def __call__(self, key: str, **values: object) -> str:
        return self.texts[key].format(**values)

    def signed(self, levels: float) -> str:
        """A share of a level with its sign, one decimal, never "-0.0", with the language's
        decimal sign and minus (``number_decimal``, ``number_minus``: "+0,3", "−0,1" in French);
        on a right-to-left page after a left-to-right mark, which keeps the sign before the
        digits. As the roster's page writes it (api/static/app.js ``formatNumber``)."""
        text = f"{abs(levels):.1f}"
        sign = self.texts["number_minus"] if levels < 0 and float(text) != 0 else "+"
        return ("\u200e" if self.right_to_left else "") + sign + text.replace(".", self.texts["number_decimal"])


def _words(language: str | None) -> _Words:
    chosen = interface.interface(language)
    return _Words(chosen.texts, chosen.direction == "rtl")


def alerts_of(assessment: ClassAssessment, language: str | None = None) -> list[Alert]:
    """Every alert of the class, most urgent first (ranks 1, 2, ...), in the interface language
    ``language`` (English for anything not offered)."""
    words = _words(language)
    return [_alert(assessment, row, kind, rank, words)
            for rank, (row, kind) in enumerate(assessment.triage.ranked(), start=1)]


def class_alerts(db: Session, school_class: SchoolClass, now: datetime,
                 language: str | None = None) -> ClassAlerts:
    assessment = assess(db, school_class, now)
    return ClassAlerts(class_id=id_of(school_class), generated_at=now,
                       rules=AlertRules(**vars(assessment.rules)), alerts=alerts_of(assessment, language))


def _alert(assessment: ClassAssessment, row: int, kind: str, rank: int, words: _Words) -> Alert:
    learner = assessment.learners[row]
    p, found = assessment.practice, assessment.triage
    idle = int(found.idle_days[row])
    if kind == "inactive":
        usual = _number(p.usual_per_week[row])
        facts = _Facts(days_inactive=idle, usual_per_week=usual)
        practised = int(p.practice_days[row])
        if usual is not None and usual >= ONCE_A_WEEK:
            message = words("alert_inactive_usual", idle=idle, per_week=round(usual))
        elif usual is not None:
            message = words("alert_inactive_rare", idle=idle)
        elif practised == 1:
            message = words("alert_inactive_so_far_one", idle=idle)
        elif practised:
            message = words("alert_inactive_so_far", idle=idle, practised=practised)
        else:
            message = words("alert_not_started", idle=idle)
    else:
        facts, message = _progress(assessment, row, kind, words)
    return Alert(learner_id=id_of(learner), username=learner.username, display_name=learner.display_name,
                 kind=_KINDS[kind], rank=rank, tone="positive" if kind in POSITIVE else "follow_up",
                 message=message, action=words(f"alert_action_{kind}"), **asdict(facts))


def _progress(assessment: ClassAssessment, row: int, kind: str, words: _Words) -> tuple[_Facts, str]:
    """The facts and the reason of a stalled, slow or fast alert (the learner has a window)."""
    window = assessment.window
    gain, se, span = float(window.gain[row]), float(window.gain_se[row]), float(window.span_days[row])
    width = assessment.level_width
    found = assessment.triage
    probability = {"stalled": found.probability_below_stalled, "slow": found.probability_below_slow,
                   "fast": found.probability_above_fast}[kind][row]
    weeks = max(1, round(span / 7))
    days = int(assessment.practice.days_since[row])
    levels = gain / width
    low, high = (gain - INTERVAL_Z * se) / width, (gain + INTERVAL_Z * se) / width
    facts = _Facts(gain=rounded(gain, 3), gain_se=rounded(se, 3), gain_levels=rounded(levels, 2),
                   window_days=round(span), probability=rounded(probability, 3))
    # Each text takes the fields it names: the fast note says no upper bound or practice days.
    message = words(f"alert_{kind}", weeks=weeks, days=days, gain=words.signed(levels),
                    low=words.signed(low), high=words.signed(high))
    return facts, message


def _number(value: float) -> float | None:
    return rounded(value, 1) if np.isfinite(value) else None
