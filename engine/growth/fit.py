r"""Learning the growth model's population parameters from logs by marginal likelihood.

:func:`fit_growth` maximises the marginal likelihood of the answers over
:math:`\psi = (q, \mu_g, \sigma_g, \mu_\theta, \sigma_\theta, c, \lambda, q_g)`.
The four prior parameters are profiled out exactly at every value of the
transition parameters (:mod:`engine.growth.marginal`: one backward pass,
then a small smooth maximisation), so the searches run over the transition
parameters alone, each a bounded 1-D search on a log scale: first on a
sample of learners spread over the log's lengths, then, for the values
kept, a local search on every learner.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy import optimize

from engine.growth.marginal import MIN_GROWTH_SD, MIN_THETA_SD, Evaluation, FitData, MarginalLikelihood
from engine.growth.model import GrowthParameters

#: Search bounds for the drift variance per day, log10 scale.
LOG10_DRIFT_BOUNDS = (-6.0, -0.5)
#: Search bounds for the growth rate's drift variance per day (logit^2/day^3), log10 scale.
LOG10_GROWTH_DRIFT_BOUNDS = (-9.0, -4.0)
#: Search bounds for the days of growth one gap adds, log10 scale (half a day to 90 days).
LOG10_GAP_DAYS_BOUNDS = (-0.3, 1.95)
#: Search bounds for the growth rate's decay per day of growth, log10 scale (1/300 to 1/5 per day).
LOG10_GROWTH_DECAY_BOUNDS = (-2.5, -0.7)
#: Absolute tolerance of every 1-D search, on the log10 scale (a factor of about 1.05).
LOG10_SEARCH_TOLERANCE = 0.02
#: Learners the wide searches run on (spread over the log's lengths); all of them if fewer.
SEARCH_LEARNERS = 200
#: Tolerance (log10) of the wide searches; the local searches stop at LOG10_SEARCH_TOLERANCE.
LOG10_SAMPLE_TOLERANCE = 0.05
#: Sweeps of local searches: at most MAX_SWEEPS, and another only after one gaining more than
#: SWEEP_GAIN in log-likelihood.
MAX_SWEEPS = 3
SWEEP_GAIN = 0.5
#: The local search on every learner: first step either side of the sample's value (log10),
#: and most further evaluations (:func:`_local_search`).
LOG10_REFINE_STEP = 0.1
LOCAL_STEPS = 6

#: Each searched parameter: its bounds and the value that switches it off (None: always on).
_SEARCHED: dict[str, tuple[tuple[float, float], float | None]] = {
    "drift": (LOG10_DRIFT_BOUNDS, None),
    "growth_gap_days": (LOG10_GAP_DAYS_BOUNDS, 0.0),
    "growth_decay": (LOG10_GROWTH_DECAY_BOUNDS, 0.0),
    "growth_drift": (LOG10_GROWTH_DRIFT_BOUNDS, 0.0),
}


def fit_growth(learner: np.ndarray, days: np.ndarray, a: np.ndarray, b: np.ndarray,
               c: np.ndarray, score: np.ndarray, start: GrowthParameters | None = None,
               fit_drift: bool = True, fit_priors: bool = True, fit_gap: bool = True,
               fit_growth_drift: bool = True, fit_growth_decay: bool = True,
               search_learners: int = SEARCH_LEARNERS) -> GrowthParameters:
    r"""Learn the population parameters from logs by marginal likelihood.

    The population prior (:math:`\mu_\theta, \sigma_\theta, \mu_g, \sigma_g`) is
    maximised exactly wherever the likelihood is evaluated (the profile
    likelihood, :func:`engine.growth.marginal.best_priors`); ``fit_priors=False``
    keeps ``start``'s prior instead. Over the transition parameters:

    1. on ``search_learners`` learners spread over the log's lengths
       (:meth:`~engine.growth.marginal.FitData.sample`; every learner if there
       are fewer), a bounded search over :math:`\log_{10} q`
       (:data:`LOG10_DRIFT_BOUNDS`), then, with learner-level growth rates
       (``growth_sd > 0``), over the days of growth one gap adds :math:`c`
       (``fit_gap``), the growth rate's decay :math:`\lambda`
       (``fit_growth_decay``) and its drift :math:`q_g` (``fit_growth_drift``),
       in that order, each kept only if it beats the model without it
       (:math:`c = \infty`, :math:`\lambda = 0`, :math:`q_g = 0`), to
       :data:`LOG10_SAMPLE_TOLERANCE`;
    2. sweeps of local searches over the parameters kept, in the same order
       (successive parabolas from :data:`LOG10_REFINE_STEP` either side of the
       current value, :func:`_local_search`), since they trade off against each
       other: on the sample, then on every learner (if that was a sample),
       each while a sweep gains more than :data:`SWEEP_GAIN` in log-likelihood,
       at most :data:`MAX_SWEEPS` times.

    The item parameters are fixed, so the scale is the bank's.
    """
    params = start or GrowthParameters()
    if fit_priors:
        params = replace(params, growth_sd=max(params.growth_sd, MIN_GROWTH_SD),
                         theta_sd=max(params.theta_sd, MIN_THETA_SD))
    names = [name for name, wanted in (("drift", fit_drift), ("growth_gap_days", fit_gap),
                                       ("growth_decay", fit_growth_decay), ("growth_drift", fit_growth_drift))
             if wanted and (name == "drift" or params.growth_sd > 0)]
    everyone = FitData.of(learner, days, a, b, c, score)
    sample = everyone.sample(search_learners)
    objective = MarginalLikelihood(sample, fit_priors)
    best = objective(params)
    for name in names:
        bounds, off = _SEARCHED[name]
        best = _search(objective, best, name, bounds, off, LOG10_SAMPLE_TOLERANCE)
    best = _sweeps(objective, best, names)
    if sample is not everyone:
        objective = MarginalLikelihood(everyone, fit_priors)
        best = _sweeps(objective, objective(best.params), names)
    return best.params


def _sweeps(objective: MarginalLikelihood, best: Evaluation, names: list[str]) -> Evaluation:
    """Local searches (:func:`_local_search`) over each of ``names`` that is on, in turn, repeated
    while a sweep gains more than :data:`SWEEP_GAIN` (at most :data:`MAX_SWEEPS` sweeps)."""
    for _ in range(MAX_SWEEPS):
        before = best.loglik
        for name in names:
            if getattr(best.params, name) > 0:
                best = _local_search(objective, best, name)
        if best.loglik - before <= SWEEP_GAIN:
            break
    return best


def _search(objective: MarginalLikelihood, incumbent: Evaluation, name: str, bounds: tuple[float, float],
            off: float | None, tolerance: float = LOG10_SEARCH_TOLERANCE) -> Evaluation:
    """The best of ``incumbent``, of a bounded search over ``log10(name)`` in ``bounds`` from its
    parameters and of ``off`` (the feature switched off, if given); ties go to ``off``, then to the incumbent."""
    params = incumbent.params

    def negative(x: float) -> float:
        return -objective(replace(params, **{name: 10.0 ** float(x)})).loglik

    result = optimize.minimize_scalar(negative, bounds=bounds, method="bounded", options={"xatol": tolerance})
    candidates = [] if off is None else [objective(replace(params, **{name: off}))]
    candidates += [incumbent, objective(replace(params, **{name: 10.0 ** float(result.x)}))]
    return max(candidates, key=lambda evaluation: evaluation.loglik)


def _local_search(objective: MarginalLikelihood, best: Evaluation, name: str) -> Evaluation:
    """Refine ``name`` (log10) from the current value by successive parabolas.

    The log-likelihood is evaluated :data:`LOG10_REFINE_STEP` either side of
    the current value. Then, up to :data:`LOCAL_STEPS` times: where the best
    point is the outermost one, a step out beyond it twice as long as the
    last; otherwise the vertex of the parabola through the best point and its
    two neighbours, until that is within :data:`LOG10_SEARCH_TOLERANCE` of a
    point already evaluated.
    """
    (low, high), _ = _SEARCHED[name]
    params = best.params
    tried = {float(np.log10(getattr(params, name))): best}

    def evaluate(x: float) -> bool:
        """Evaluate at ``x`` (within the bounds) unless a point that near is known; whether it was new."""
        x = float(np.clip(x, low, high))
        if any(abs(x - known) < LOG10_SEARCH_TOLERANCE / 2 for known in tried):
            return False
        tried[x] = objective(replace(params, **{name: 10.0**x}))
        return True

    centre = next(iter(tried))
    evaluate(centre - LOG10_REFINE_STEP)
    evaluate(centre + LOG10_REFINE_STEP)
    for _ in range(LOCAL_STEPS):
        xs = sorted(tried)
        top = max(range(len(xs)), key=lambda k: tried[xs[k]].loglik)
        if top in (0, len(xs) - 1):  # the best is outermost: step further out
            inner = xs[1] if top == 0 else xs[-2]
            step = 2.0 * (xs[top] - inner)
            if not evaluate(xs[top] + step):
                break
            continue
        x1, x2, x3 = xs[top - 1:top + 2]
        vertex = _parabola_vertex(x1, x2, x3, *(tried[x].loglik for x in (x1, x2, x3)))
        if min(abs(vertex - x) for x in xs) < LOG10_SEARCH_TOLERANCE or not evaluate(vertex):
            break
    return max(tried.values(), key=lambda evaluation: evaluation.loglik)


def _parabola_vertex(x1: float, x2: float, x3: float, f1: float, f2: float, f3: float) -> float:
    """Where the parabola through three points with ``f2`` the highest peaks (within [x1, x3])."""
    numerator = (x2 - x1) ** 2 * (f2 - f3) - (x2 - x3) ** 2 * (f2 - f1)
    denominator = (x2 - x1) * (f2 - f3) - (x2 - x3) * (f2 - f1)
    if denominator == 0:
        return x2
    return float(np.clip(x2 - 0.5 * numerator / denominator, x1, x3))
