r"""Alerts that triage: which learners a teacher should follow up, why, and most urgent first.

Four rules, each on what a teacher can check: when the learner practised
(:class:`Practice`, from the answers' times) and how much the learner gained
over a recent window, with its uncertainty (:class:`~engine.growth.window.WindowGains`,
the growth model's smoothed curve); :func:`gather` reads both from the
answers, :func:`triage` applies the rules. For a learner with answers, with
:math:`d` the days since the last answer and :math:`w` the learner's usual
practice days per week (over the :data:`RHYTHM_DAYS` before the last one):

- **inactive**: :math:`d \ge \max(D_{\min}, k \cdot 7 / w)`, i.e. at least
  :attr:`TriageRules.inactive_min_days` and at least
  :attr:`TriageRules.inactive_gaps` of the learner's own usual gaps (a learner
  who comes once a week is not "inactive" after 8 days; one who came daily
  is; with fewer than :data:`MIN_RHYTHM_PRACTICE` practice days there is no
  rhythm yet, and the days alone count). A learner without answers: once the
  account is that many days old.
  This is the "dropping out" rule: a learner who drifts away is caught when
  the silence is long for them (a rule on a falling practice rate, tried,
  flagged mostly learners with an ordinary quiet fortnight: ``bench/alerts.py``);
- **stalled**, **slow**, **fast**: on the gain over the last
  :attr:`TriageRules.window_days` (from the learner's last answer at or
  before the window's start), taken as a rate :math:`r = \Delta / s` over its
  span :math:`s` with posterior :math:`N(\hat\Delta / s, (\mathrm{SD}_\Delta / s)^2)`
  (:func:`engine.growth.window.window_gains`); judged only for a learner who
  is not inactive and whose window spans :attr:`TriageRules.min_span_days`
  with :attr:`TriageRules.min_window_answers` answers:

  .. math::

      \text{stalled}: P(r < r_{\text{stalled}}) \ge p_{\text{stalled}},\quad
      \text{slow}: P(r < r_{\text{slow}}) \ge p_{\text{slow}} \text{ (not stalled)},\quad
      \text{fast}: P(r > r_{\text{fast}}) \ge p_{\text{fast}}.

  "Fast" is a positive note, not an alarm.

Ranking: inactive, stalled, slow, then fast; within a rule, the strongest
first (days away over the usual gap; the probability).

The thresholds were tuned on simulated classes of known truth and their
precision and recall measured on others (``bench/alerts.py``,
``docs/growth.md``); :class:`TriageRules` holds them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from engine.growth import GrowthParameters, WindowGains, window_gains

#: The rules, most urgent first (the order of the ranking).
KINDS = ("inactive", "stalled", "slow", "fast")
#: Days before the last practice over which the learner's usual rhythm is counted.
RHYTHM_DAYS = 28.0
#: Shortest span a practice rate is counted over (a learner's first days say little of a rhythm).
MIN_RHYTHM_DAYS = 7.0
#: Practice days a rhythm needs: with fewer, the usual rate is unknown (NaN) and "inactive" waits
#: for :attr:`TriageRules.inactive_min_days` alone (one placement test is no rhythm).
MIN_RHYTHM_PRACTICE = 3


@dataclass(frozen=True)
class TriageRules:
    """The rules' thresholds (module notes); rates in logits per day.

    Chosen by grid search on 40 simulated training classes (``bench/alerts.py --tune``,
    each rule for the best of the smaller of its precision and recall) and measured on
    100 others (``docs/growth.md``, "Alerts"): inactive 0.87 / 0.90, stalled 0.61 / 0.67
    (hard to tell from slow with weeks of drills), slow 0.29 / 0.29, fast 0.95 / 0.90. The
    ceiling on those classes, the Bayes classifier that knows the simulator
    (:func:`engine.simulate_class.profile_posterior`, ``bench/alerts.py --ceiling``), is
    stalled 0.63 / 0.69, slow 0.44 / 0.41, fast 0.95 / 0.95: no rule reading the answers
    reaches 0.8 for "stalled" there, and a change-point rule on the whole history
    (``--change-point``: 0.64 / 0.69) was no better than this one.
    A probability threshold of 0.5 lets the population prior alone come close to
    deciding when the data are few; the minimum span and answers guard against that.
    """

    inactive_min_days: float = 10.0
    inactive_gaps: float = 2.5
    window_days: float = 42.0
    min_span_days: float = 21.0
    min_window_answers: int = 40
    stalled_rate: float = 0.004
    stalled_probability: float = 0.5
    slow_rate: float = 0.010
    slow_probability: float = 0.6
    fast_rate: float = 0.025
    fast_probability: float = 0.8

    def __post_init__(self) -> None:
        if not (0 <= self.stalled_rate <= self.slow_rate < self.fast_rate):
            raise ValueError("rates must satisfy 0 <= stalled_rate <= slow_rate < fast_rate")
        for name in ("stalled_probability", "slow_probability", "fast_probability"):
            if not 0 < getattr(self, name) < 1:
                raise ValueError(f"{name} must be in (0, 1)")
        if self.min_span_days > self.window_days:
            raise ValueError("min_span_days must be at most window_days")


@dataclass(frozen=True)
class Practice:
    """When each learner practised, per learner (arrays (L,), NaN where a learner has no answers).

    ``first``, ``last``: times of the first and last answer (days). ``usual_per_week``:
    practice days per week over the :data:`RHYTHM_DAYS` before the last answer
    (over the learner's whole history if shorter, at least :data:`MIN_RHYTHM_DAYS`;
    NaN with fewer than :data:`MIN_RHYTHM_PRACTICE` practice days there).
    ``practice_days``: all the learner's practice days. ``days_since``: practice days after ``since``
    (0 without answers). A practice day is a calendar day (``floor(days)``) with an answer.
    """

    first: np.ndarray
    last: np.ndarray
    usual_per_week: np.ndarray
    practice_days: np.ndarray
    days_since: np.ndarray


def practice(learner: np.ndarray, days: np.ndarray, learners: np.ndarray, now: float,
             since: float) -> Practice:
    """The practice (:class:`Practice`) of ``learners`` (sorted codes) from answers ``learner``, ``days`` (R,)."""
    learners = np.asarray(learners)
    out = {name: np.full(learners.size, np.nan) for name in ("first", "last", "usual_per_week")}
    out["days_since"] = np.zeros(learners.size)
    out["practice_days"] = np.zeros(learners.size)
    learner, days = np.asarray(learner), np.asarray(days, dtype=float)
    order = np.lexsort((days, learner))
    codes, starts = np.unique(learner[order], return_index=True)
    for code, chunk in zip(codes, np.split(days[order], starts[1:])):
        where = np.searchsorted(learners, code)
        if where >= learners.size or learners[where] != code:
            continue
        first, last = float(chunk[0]), float(chunk[-1])
        out["first"][where], out["last"][where] = first, last
        start = max(last - RHYTHM_DAYS, first)
        if np.unique(np.floor(chunk[chunk >= start])).size >= MIN_RHYTHM_PRACTICE:
            out["usual_per_week"][where] = _per_week(chunk, start, last)
        out["practice_days"][where] = np.unique(np.floor(chunk)).size
        out["days_since"][where] = np.unique(np.floor(chunk[(chunk > since) & (chunk <= now)])).size
    return Practice(**out)


def _per_week(times: np.ndarray, start: float, end: float) -> float:
    """Calendar days with an answer in ``[start, end]``, per week of ``max(end - start, MIN_RHYTHM_DAYS)``."""
    inside = times[(times >= start) & (times <= end)]
    return float(np.unique(np.floor(inside)).size) * 7.0 / max(end - start, MIN_RHYTHM_DAYS)


@dataclass(frozen=True)
class Evidence:
    """What the rules read about ``learners`` (sorted codes; every array (L,) in their order).

    ``joined``: the day each account was made (for learners who never answered);
    ``practice``: when they practised; ``window``: their gain over the last
    ``window_days`` (:class:`~engine.growth.window.WindowGains`, with ``answers``
    and ``window_answers`` 0 and the estimates NaN for learners without answers).
    """

    now: float
    learners: np.ndarray
    joined: np.ndarray
    practice: Practice
    window: WindowGains


def gather(learner: np.ndarray, days: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray,
           score: np.ndarray, learners: np.ndarray, joined: np.ndarray, now: float,
           params: GrowthParameters, rules: TriageRules) -> Evidence:
    """The :class:`Evidence` of ``learners`` (sorted codes, some perhaps without answers) from the
    answers (R,) as :func:`engine.growth.filter_abilities` takes them, at time ``now`` (days)."""
    learners = np.asarray(learners)
    since = now - rules.window_days
    found = practice(learner, days, learners, now, since)
    window = _aligned(window_gains(learner, days, a, b, c, score, params, since) if np.size(learner) else None,
                      learners)
    return Evidence(now=float(now), learners=learners, joined=np.asarray(joined, dtype=float), practice=found,
                    window=window)


def _aligned(gains: WindowGains | None, learners: np.ndarray) -> WindowGains:
    """``gains`` rearranged to ``learners``' order: zero counts and NaN estimates for those it lacks."""
    rows = np.full(learners.size, -1)
    if gains is not None and gains.learner.size:
        at = np.minimum(np.searchsorted(gains.learner, learners), gains.learner.size - 1)
        rows = np.where(gains.learner[at] == learners, at, -1)
    has = rows >= 0
    values = {}
    for name in ("answers", "window_answers", "start_days", "end_days", "theta_start", "se_start", "theta_end",
                 "se_end", "growth_end", "gain", "gain_se"):
        counts = name in ("answers", "window_answers")
        column = np.zeros(learners.size, dtype=int) if counts else np.full(learners.size, np.nan)
        if gains is not None:
            column[has] = getattr(gains, name)[rows[has]]
        values[name] = column
    return WindowGains(learner=learners, **values)


@dataclass(frozen=True)
class Triage:
    """The rules' verdicts per learner (arrays (L,)).

    ``flags[kind]`` is whether the rule fires; ``strength[kind]`` what ranks the
    learners a rule flags (module notes; NaN where it cannot be judged).
    ``probability_below_stalled``, ``probability_below_slow``, ``probability_above_fast``:
    the probabilities the progress rules compare (NaN where not judged).
    """

    flags: dict[str, np.ndarray]
    strength: dict[str, np.ndarray]
    idle_days: np.ndarray
    judged: np.ndarray
    probability_below_stalled: np.ndarray
    probability_below_slow: np.ndarray
    probability_above_fast: np.ndarray
    rules: TriageRules

    def ranked(self) -> list[tuple[int, str]]:
        """(learner index, kind) of every alert, most urgent first (module notes); ties by learner index."""
        order = []
        for rank, kind in enumerate(KINDS):
            flagged = np.flatnonzero(self.flags[kind])
            strength = np.nan_to_num(self.strength[kind][flagged], nan=0.0)
            for i in flagged[np.lexsort((flagged, -strength))]:
                order.append((rank, int(i), kind))
        return [(i, kind) for _, i, kind in order]


def triage(evidence: Evidence, rules: TriageRules = TriageRules()) -> Triage:
    """Apply the rules (module notes) to every learner of ``evidence``."""
    p = evidence.practice
    answered = np.isfinite(p.last)
    idle = np.where(answered, evidence.now - p.last, evidence.now - evidence.joined)
    rhythm = np.isfinite(p.usual_per_week)
    usual_gap = 7.0 / np.where(rhythm, np.maximum(p.usual_per_week, 1e-9), 1.0)
    limit = np.where(rhythm, np.maximum(rules.inactive_min_days, rules.inactive_gaps * usual_gap),
                     rules.inactive_min_days)
    inactive = idle >= limit
    window = evidence.window
    judged = (~inactive & answered & (np.nan_to_num(window.span_days) >= rules.min_span_days)
              & (window.window_answers >= rules.min_window_answers))
    span = np.maximum(np.nan_to_num(window.span_days), 1e-9)
    rate = np.nan_to_num(window.gain) / span
    rate_sd = np.maximum(np.nan_to_num(window.gain_se) / span, 1e-12)
    below_stalled = np.where(judged, ndtr((rules.stalled_rate - rate) / rate_sd), np.nan)
    below_slow = np.where(judged, ndtr((rules.slow_rate - rate) / rate_sd), np.nan)
    above_fast = np.where(judged, ndtr((rate - rules.fast_rate) / rate_sd), np.nan)
    stalled = judged & (np.nan_to_num(below_stalled) >= rules.stalled_probability)
    slow = judged & ~stalled & (np.nan_to_num(below_slow) >= rules.slow_probability)
    fast = judged & (np.nan_to_num(above_fast) >= rules.fast_probability)
    flags = {"inactive": inactive, "stalled": stalled, "slow": slow, "fast": fast}
    strength = {"inactive": idle / np.where(rhythm, usual_gap, rules.inactive_min_days),
                "stalled": below_stalled, "slow": below_slow, "fast": above_fast}
    return Triage(flags=flags, strength=strength, idle_days=idle, judged=judged,
                  probability_below_stalled=below_stalled, probability_below_slow=below_slow,
                  probability_above_fast=above_fast, rules=rules)
