"""Simulated classes over weeks: learners of known growth and practice habits drilling on a bank.

The adaptive tests of :mod:`engine.simulate` measure ability at one moment;
a teacher's alerts are about weeks. Here a class of learners, each with a
known story (a *profile*), practises from day 0 to the day the teacher looks
(``now``), and the truth the alerts should find is kept beside the answers:

- ``normal``: grows at a steady rate (:attr:`ClassDesign.normal_rate`),
  practises on a share of days; some take a break of a week or two and come
  back (:attr:`ClassDesign.break_share`);
- ``fast``: grows at :attr:`ClassDesign.fast_rate`;
- ``slow``: grows at :attr:`ClassDesign.slow_rate`;
- ``stalled``: grew at a normal rate, then stopped growing, at least
  :attr:`ClassDesign.stalled_min_days` before ``now``, while practising as before;
- ``dropping_out``: grows at a normal rate, then comes less and less over a
  few weeks (:attr:`ClassDesign.fade_days`) and stops at a day drawn from
  :attr:`ClassDesign.stop_days` before ``now`` (some have stopped long ago,
  some are still fading).

Every true curve wanders a little from day to day (as in
``bench/growth_vs_elo.py``). A practice day is one drill of
:attr:`ClassDesign.drill_length` items at a random hour; the first is a
placement of :attr:`ClassDesign.placement_length` items near 50 % success.
Items are picked near the drill's target success rate for a noisy view of
the learner (the live system knows the learner only through its estimate),
never twice in a session, and answered from the 3PL model
(:func:`engine.simulate.answer`'s arithmetic). The bank is
:func:`engine.simulate.draw_bank`'s, shaped like the bundled one.

Every draw comes from one ``numpy.random.Generator``: a seed gives the same
classes.

What the answers can tell at best: :func:`profile_posterior` is the Bayes
classifier that knows the design (each profile's curves and share); no rule
reading the answers beats it, so its precision and recall are the ceiling
for :mod:`engine.triage`'s (``bench/alerts.py --ceiling``).
:func:`curve_evidence`, its core, gives the marginal likelihood of each
learner's answers under families of curves (start ability plus rate times the days of growth,
``theta_0 + g min(t, u)``).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit, logsumexp

from engine.simulate import SimulatedBank

#: The profiles, in the order of :attr:`ClassDesign.profile_counts`.
PROFILES = ("normal", "fast", "slow", "stalled", "dropping_out")
#: Seconds between two answers of a drill, drawn uniformly.
ANSWER_SECONDS = (15.0, 60.0)
#: Hours of the day a drill starts, drawn uniformly.
DRILL_HOURS = (8.0, 21.0)
SECONDS_PER_DAY = 86_400.0
#: Abilities each practice day's log-likelihood is tabulated on (:func:`curve_evidence`).
EVIDENCE_THETA = np.linspace(-8.0, 8.0, 321)
#: Start abilities of :func:`profile_posterior`, in prior SDs either side of the design's mean.
START_SDS = np.linspace(-4.0, 4.0, 61)
#: Nodes of each uniform range of rates and of stall days (:func:`profile_posterior`).
RATE_NODES = 9
STALL_NODES = 15


@dataclass(frozen=True)
class ClassDesign:
    """How a simulated class is drawn (module notes). Rates are in logits per day.

    ``profile_counts`` gives the number of learners of each profile of
    :data:`PROFILES` in every class (by default 20 learners: 11 normal, 2
    fast, 2 slow, 2 stalled, 3 dropping out).
    """

    days: int = 84
    profile_counts: tuple[int, ...] = (11, 2, 2, 2, 3)
    theta_mean: float = -1.0
    theta_sd: float = 0.7
    normal_rate: tuple[float, float] = (0.012, 0.025)
    fast_rate: tuple[float, float] = (0.035, 0.06)
    slow_rate: tuple[float, float] = (0.006, 0.010)
    #: A stalled learner has not grown for at least this many days before ``now``.
    stalled_min_days: float = 42.0
    #: Share of days with a drill (2 to 5 days a week).
    practice_share: tuple[float, float] = (2 / 7, 5 / 7)
    #: Share of normal learners who take one break, of this many days.
    break_share: float = 0.25
    break_days: tuple[float, float] = (5.0, 14.0)
    #: Days over which a dropping-out learner's practice fades to nothing, and days before ``now``
    #: of the stop (negative: still fading at ``now``).
    fade_days: tuple[float, float] = (7.0, 21.0)
    stop_days: tuple[float, float] = (-14.0, 28.0)
    drill_length: int = 15
    placement_length: int = 20
    target_success: float = 0.75
    #: SD of the live system's error about the learner when it picks items, and how many of the
    #: items nearest the target it picks among.
    view_sd: float = 0.4
    view_top: int = 40
    #: Day-to-day wander of every true curve (logit^2 per day).
    wander: float = 0.0005

    def __post_init__(self) -> None:
        if len(self.profile_counts) != len(PROFILES) or min(self.profile_counts) < 0:
            raise ValueError(f"profile_counts needs {len(PROFILES)} counts >= 0, one per profile {PROFILES}")
        if self.days < 1 or self.drill_length < 1 or self.placement_length < 1:
            raise ValueError("days, drill_length and placement_length must be >= 1")

    @property
    def class_size(self) -> int:
        return sum(self.profile_counts)


@dataclass(frozen=True)
class ClassLog:
    """Answers of simulated classes, sorted by learner then time, and each learner's truth.

    Answer arrays (R,): ``learner`` (0..n-1; class ``learner // class_size``),
    ``days`` (time since the classes started, days), ``item`` (index into the
    bank), ``score`` (0/1), ``theta`` (the true ability when answering).
    Learner arrays (n,): ``profile`` (a name of :data:`PROFILES`),
    ``theta_now`` (true ability at ``now``), ``gain`` (true gain over the
    ``window`` days before ``now``, :meth:`true_gain`), ``fade`` and ``stop`` (days a
    dropping-out learner's practice began to fall and ended; ``inf`` for the others).
    """

    design: ClassDesign
    now: float
    learner: np.ndarray
    days: np.ndarray
    item: np.ndarray
    score: np.ndarray
    theta: np.ndarray
    profile: np.ndarray
    theta_now: np.ndarray
    fade: np.ndarray
    stop: np.ndarray
    curves: tuple[_Curve, ...] = field(repr=False)

    def truth(self, silent_days: float = 7.0) -> dict[str, np.ndarray]:
        """Which learners a teacher's alert rules (:mod:`engine.triage`) should flag, per rule.

        ``inactive``: a dropping-out learner who has stopped for good and whose last answer is
        at least ``silent_days`` old (no one can tell a stop from an ordinary gap sooner);
        ``stalled``, ``slow``, ``fast``: the learner's profile.
        """
        last = np.full(self.profile.size, -np.inf)
        np.maximum.at(last, self.learner, self.days)
        stopped = (self.profile == "dropping_out") & (self.stop <= self.now) & (self.now - last >= silent_days)
        return {"inactive": stopped, "stalled": self.profile == "stalled", "slow": self.profile == "slow",
                "fast": self.profile == "fast"}

    def true_gain(self, since: float) -> np.ndarray:
        """Each learner's true gain from ``since`` to ``now`` (without the day-to-day wander)."""
        return np.array([curve.at(self.now) - curve.at(since) for curve in self.curves])


@dataclass(frozen=True)
class _Curve:
    """A true ability curve without its wander: theta0 + rate * min(t, until)."""

    theta0: float
    rate: float
    until: float = np.inf

    def at(self, days: float | np.ndarray) -> np.ndarray:
        return self.theta0 + self.rate * np.minimum(days, self.until)


def simulate_classes(n_classes: int, bank: SimulatedBank, rng: np.random.Generator,
                     design: ClassDesign = ClassDesign()) -> ClassLog:
    """``n_classes`` classes of ``design.class_size`` learners, from day 0 to ``design.days`` (``now``)."""
    profiles = np.repeat(np.array(PROFILES), design.profile_counts)
    parts: list[tuple[np.ndarray, ...]] = []
    profile_of, curves, fades, stops = [], [], [], []
    for person in range(n_classes * design.class_size):
        profile = str(profiles[person % design.class_size])
        curve, practice, (fade, stop) = _story(profile, design, rng)
        parts.append(_drills(person, curve, practice, bank, design, rng))
        profile_of.append(profile)
        curves.append(curve)
        fades.append(fade)
        stops.append(stop)
    learner, days, item, score, theta = (np.concatenate(column) for column in zip(*parts))
    return ClassLog(design=design, now=float(design.days), learner=learner, days=days, item=item,
                    score=score, theta=theta, profile=np.array(profile_of),
                    theta_now=np.array([curve.at(design.days) for curve in curves]),
                    fade=np.array(fades), stop=np.array(stops), curves=tuple(curves))


def _story(profile: str, design: ClassDesign, rng: np.random.Generator
           ) -> tuple[_Curve, np.ndarray, tuple[float, float]]:
    """A learner's true curve, the days they practise (bool, one per day), and when their practice
    begins to fall and when it ends (``inf``: never)."""
    theta0 = float(rng.normal(design.theta_mean, design.theta_sd))
    ranges = {"fast": design.fast_rate, "slow": design.slow_rate}
    rate = float(rng.uniform(*ranges.get(profile, design.normal_rate)))
    until = np.inf
    if profile == "stalled":
        until = float(rng.uniform(0.0, design.days - design.stalled_min_days))
    day = np.arange(design.days)
    chance = np.full(design.days, rng.uniform(*design.practice_share))
    fade = stop = np.inf
    if profile == "dropping_out":
        stop = design.days - float(rng.uniform(*design.stop_days))
        length = float(rng.uniform(*design.fade_days))
        fade = stop - length
        chance *= np.clip((stop - day) / length, 0.0, 1.0)
    elif profile == "normal" and rng.random() < design.break_share:
        start = float(rng.uniform(0.0, design.days))
        chance[(day >= start) & (day < start + rng.uniform(*design.break_days))] = 0.0
    practice = rng.random(design.days) < chance
    practice[0] = True  # the placement
    return _Curve(theta0, rate, until), practice, (fade, stop)


def _drills(person: int, curve: _Curve, practice: np.ndarray, bank: SimulatedBank, design: ClassDesign,
            rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """One learner's answers: a placement on day 0, a drill on every other practice day."""
    wander = np.cumsum(rng.normal(0.0, np.sqrt(design.wander), practice.size))
    learner, days, item, score, theta = [], [], [], [], []
    for day in np.flatnonzero(practice):
        placement = day == 0
        n = design.placement_length if placement else design.drill_length
        start = day + rng.uniform(*DRILL_HOURS) / 24
        moments = start + np.cumsum(rng.uniform(*ANSWER_SECONDS, n)) / SECONDS_PER_DAY
        true = curve.at(moments) + wander[day]
        view = true[0] + rng.normal(0.0, design.view_sd)
        success = bank.c + (1.0 - bank.c) * expit(bank.a * (view - bank.b))
        target = 0.5 if placement else design.target_success
        near = np.argsort(np.abs(success - target))[:max(design.view_top, n)]
        chosen = rng.choice(near, size=n, replace=False)
        p_right = bank.c[chosen] + (1.0 - bank.c[chosen]) * expit(bank.a[chosen] * (true - bank.b[chosen]))
        learner.append(np.full(n, person))
        days.append(moments)
        item.append(chosen)
        score.append((rng.random(n) < p_right).astype(int))
        theta.append(true)
    return tuple(np.concatenate(column) for column in (learner, days, item, score, theta))


@dataclass(frozen=True)
class CurveFamily:
    """True curves :math:`\\theta_0 + g\\,\\min(t, u)` (``t`` in days): the rates ``rates`` (G,) with
    normalised log weights ``log_weights`` (G,), the stall days ``until`` (U,) equally likely
    (``[inf]``: growth never stops)."""

    rates: np.ndarray
    log_weights: np.ndarray
    until: np.ndarray

    @classmethod
    def uniform(cls, low: float, high: float, until: np.ndarray | None = None) -> CurveFamily:
        """Rates uniform on ``[low, high]`` (the midpoints of :data:`RATE_NODES` equal parts)."""
        rates = _midpoints(low, high, RATE_NODES)
        return cls(rates, np.full(RATE_NODES, -np.log(RATE_NODES)),
                   np.array([np.inf]) if until is None else np.asarray(until, dtype=float))


def _midpoints(low: float, high: float, n: int) -> np.ndarray:
    """Midpoints of ``n`` equal parts of ``[low, high]`` (a uniform distribution's quadrature)."""
    return low + (high - low) * (np.arange(n) + 0.5) / n


def _day_likelihoods(days: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray,
                     score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One learner's practice days (calendar days with answers): their mean time (D,) and the
    log-likelihood of their answers on :data:`EVIDENCE_THETA` (D, Q), 3PL; a drill lasts minutes,
    so its answers share one ability."""
    _, start = np.unique(np.floor(days), return_index=True)
    p = c[:, None] + (1.0 - c[:, None]) * expit(a[:, None] * (EVIDENCE_THETA[None, :] - b[:, None]))
    log_lik = np.where(score[:, None] > 0, np.log(p), np.log1p(-p))
    return np.add.reduceat(days, start) / np.diff(np.append(start, days.size)), np.add.reduceat(log_lik, start, axis=0)


def curve_evidence(learner: np.ndarray, days: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray,
                   score: np.ndarray, n_learners: int, start: np.ndarray, start_log_weights: np.ndarray,
                   families: Sequence[CurveFamily]) -> np.ndarray:
    r"""Log marginal likelihood (n, F) of each learner's answers under each family of curves.

    For learner answers sorted by learner (codes ``0..n_learners-1``), with the start ability on
    the nodes ``start`` (normalised log weights ``start_log_weights``) and a family's rates and
    stall days,

    .. math:: \log p(y \mid k) = \log \sum_{\theta_0, g, u} w(\theta_0)\,w_k(g)\,\frac{1}{U_k}
              \prod_d \prod_{i \in d} P_i\bigl(y_i \mid \theta_0 + g \min(t_d, u)\bigr),

    :math:`d` the learner's practice days (mean time :math:`t_d`), :math:`P_i` the 3PL (Birnbaum,
    1968) read off each day's log-likelihood tabulated on :data:`EVIDENCE_THETA` and interpolated
    linearly. Quadrature of the Bayes factor between curve families (Kass & Raftery, 1995).
    """
    step = EVIDENCE_THETA[1] - EVIDENCE_THETA[0]
    bounds = np.searchsorted(learner, np.arange(n_learners + 1))
    out = np.full((n_learners, len(families)), np.nan)
    for person in range(n_learners):
        rows = slice(bounds[person], bounds[person + 1])
        if rows.start == rows.stop:
            continue
        times, table = _day_likelihoods(days[rows], a[rows], b[rows], c[rows], score[rows])
        day = np.arange(times.size)
        for column, family in enumerate(families):
            reach = np.minimum(times[None, :], family.until[:, None])  # (U, D) days of growth by each day
            theta = start[:, None, None, None] + family.rates[None, :, None, None] * reach[None, None]
            where = np.clip((theta - EVIDENCE_THETA[0]) / step, 0.0, EVIDENCE_THETA.size - 1.000001)
            low = where.astype(int)
            frac = where - low
            total = ((1.0 - frac) * table[day, low] + frac * table[day, low + 1]).sum(axis=-1)
            weights = start_log_weights[:, None, None] + family.log_weights[None, :, None]
            out[person, column] = logsumexp(total + weights) - np.log(family.until.size)
    return out


def profile_posterior(log: ClassLog, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    r"""Each learner's posterior probability of each profile of :data:`PROFILES` (n, 5): the Bayes
    classifier that knows ``log.design``.

    A profile's curves (:class:`CurveFamily`): start :math:`N(\mu, \sigma^2)` of the design, the
    rate uniform on the profile's range, and, for a stalled learner, the stop uniform on
    ``[0, days - stalled_min_days]``; the prior is the design's share of each profile. A
    dropping-out learner grows as a normal one, so the two share one family (their practice
    differs; no truth but "inactive" depends on it). Left out: the curves' day-to-day wander (an SD
    of at most 0.2 logit over the term), so the classifier is optimal up to that and its grids.
    ``a``, ``b``, ``c``: each answer's item parameters.
    """
    design = log.design
    start = design.theta_mean + design.theta_sd * START_SDS
    start_log_weights = -0.5 * START_SDS**2
    start_log_weights -= logsumexp(start_log_weights)
    stalls = _midpoints(0.0, design.days - design.stalled_min_days, STALL_NODES)
    families = [CurveFamily.uniform(*design.normal_rate), CurveFamily.uniform(*design.fast_rate),
                CurveFamily.uniform(*design.slow_rate), CurveFamily.uniform(*design.normal_rate, until=stalls)]
    evidence = curve_evidence(log.learner, log.days, a, b, c, log.score, log.profile.size, start,
                              start_log_weights, families)
    share = np.array(design.profile_counts, dtype=float) / design.class_size
    with np.errstate(divide="ignore"):
        log_post = np.log(share)[None, :] + evidence[:, [0, 1, 2, 3, 0]]
    return np.exp(log_post - logsumexp(log_post, axis=1, keepdims=True))
