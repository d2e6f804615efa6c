r"""Learning the growth model's population parameters from logs by marginal likelihood.

:func:`fit_growth` maximises the marginal likelihood of the answers over
:math:`\psi = (q, \mu_g, \sigma_g, \mu_\theta, \sigma_\theta, c, \lambda, q_g)`.
The four prior parameters are profiled out exactly at every value of the
transition parameters (:mod:`engine.growth.marginal`: one backward pass,
then a small smooth maximisation), so the searches run over the transition
parameters :math:`(q, c, \lambda, q_g)` alone, on a log scale: bounded 1-D
searches on a sample of learners (which of them to use, and roughly where),
then Newton steps for those kept, jointly (they trade off against each
other: a random walk, a limit on the growth per gap and a decaying rate all
bend a learner's curve), on the sample and then on every learner.
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
#: Values (log10) of the growth rate's drift tried first: if neither beats none, it stays off
#: without a search (logs where rates do not wander, the common case, then cost two evaluations).
LOG10_GROWTH_DRIFT_PROBES = (-6.5, -5.0)
#: Learners the 1-D searches run on (spread over the log's lengths); all of them if fewer.
SEARCH_LEARNERS = 150
#: Absolute tolerance of the 1-D searches, log10 scale (a factor of about 1.6: they find the basin, the
#: Newton steps refine).
LOG10_SEARCH_TOLERANCE = 0.2
#: Newton steps (:func:`_newton`): the half-width of the stencil (log10, a factor 1.78), the
#: longest step (log10, in each coordinate), at most NEWTON_STEPS of them (NEWTON_STEPS_EVERYONE
#: on every learner after a sample), stopping once one is
#: shorter than NEWTON_TOLERANCE (log10); a stencil point better than the step's end by more than
#: SURFACE_ALLOWANCE (log-likelihood) is taken instead.
LOG10_NEWTON_DIFFERENCE = 0.25
LOG10_NEWTON_MAX_STEP = 0.5
NEWTON_STEPS = 2
NEWTON_STEPS_EVERYONE = 2
NEWTON_TOLERANCE = 0.03
SURFACE_ALLOWANCE = 3.0
#: Where the Hessian is not negative definite it is shifted so that its largest eigenvalue is
#: -NEWTON_DAMPING times the largest in size (Levenberg-Marquardt); a step whose end falls more
#: than SURFACE_ALLOWANCE below the stencil's best is halved, at most NEWTON_HALVINGS times.
NEWTON_DAMPING = 0.05
NEWTON_HALVINGS = 2

#: Each searched parameter: its bounds, the value that switches it off (None: always on) and the
#: values (log10) probed before searching (none: search at once).
_SEARCHED: dict[str, tuple[tuple[float, float], float | None, tuple[float, ...]]] = {
    "drift": (LOG10_DRIFT_BOUNDS, None, ()),
    "growth_gap_days": (LOG10_GAP_DAYS_BOUNDS, 0.0, ()),
    "growth_decay": (LOG10_GROWTH_DECAY_BOUNDS, 0.0, ()),
    "growth_drift": (LOG10_GROWTH_DRIFT_BOUNDS, 0.0, LOG10_GROWTH_DRIFT_PROBES),
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
       (:math:`c = \infty`, :math:`\lambda = 0`, :math:`q_g = 0`), each to
       :data:`LOG10_SEARCH_TOLERANCE` (:math:`q_g` only if one of
       :data:`LOG10_GROWTH_DRIFT_PROBES` beats none);
    2. Newton steps over the logs of the parameters kept, jointly
       (:func:`_newton`: gradient and Hessian from a wide stencil), since
       they trade off against each other and one at a time would zig-zag: on
       the sample (:data:`NEWTON_STEPS`), then, if that was a sample, on every
       learner (:data:`NEWTON_STEPS_EVERYONE`).

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
        best = _search(objective, best, name)
    kept = [name for name in names if getattr(best.params, name) > 0]
    best = _newton(objective, best, kept, NEWTON_STEPS)
    if sample is not everyone:
        objective = MarginalLikelihood(everyone, fit_priors)
        best = _newton(objective, objective(best.params), kept, NEWTON_STEPS_EVERYONE)
    return best.params


def _search(objective: MarginalLikelihood, incumbent: Evaluation, name: str) -> Evaluation:
    """The best of ``incumbent``, of a bounded search over ``log10(name)`` within its bounds from
    its parameters and of the feature switched off (if it can be); ties go to off, then to the
    incumbent. With probes (:data:`_SEARCHED`), the search runs only if a probe beats off."""
    bounds, off, probes = _SEARCHED[name]
    params = incumbent.params

    def at(x: float) -> Evaluation:
        return objective(replace(params, **{name: 10.0 ** float(x)}))

    candidates = [] if off is None else [objective(replace(params, **{name: off}))]
    candidates.append(incumbent)
    tried = [at(x) for x in probes]
    if not probes or max(e.loglik for e in tried) > max(e.loglik for e in candidates):
        result = optimize.minimize_scalar(lambda x: -at(x).loglik, bounds=bounds, method="bounded",
                                          options={"xatol": LOG10_SEARCH_TOLERANCE})
        tried.append(at(result.x))
    return max(candidates + tried, key=lambda evaluation: evaluation.loglik)


def _newton(objective: MarginalLikelihood, best: Evaluation, names: list[str], steps: int = NEWTON_STEPS
            ) -> Evaluation:
    """Newton steps on the log-likelihood over ``log10`` of ``names`` (all > 0), within their bounds.

    Each step evaluates the log-likelihood on a stencil around the current
    point: :data:`LOG10_NEWTON_DIFFERENCE` either side along each coordinate
    and at the pairwise diagonal points (``k(k+3)/2`` evaluations for ``k``
    parameters, the centre known), for the gradient and the Hessian. The step
    goes to the maximum of that quadratic (Levenberg-Marquardt where the
    Hessian is not negative definite, :data:`NEWTON_DAMPING`), cut to
    :data:`LOG10_NEWTON_MAX_STEP` in each coordinate and to the bounds, halved
    while its end falls more than :data:`SURFACE_ALLOWANCE` below the
    stencil's best (at most :data:`NEWTON_HALVINGS` times; then that best
    point is taken). The stencil is wide on purpose: the likelihood is rough
    in :math:`c` at the scale of a unit of log-likelihood (where the trend
    frame moves depends on it), and the quadratic's maximum follows the trend
    rather than the highest bump (response-surface steps; Box & Wilson, 1951).
    At most ``steps`` steps; stop when one is shorter than
    :data:`NEWTON_TOLERANCE`.
    """
    if not names:
        return best
    low = np.array([_SEARCHED[name][0][0] for name in names])
    high = np.array([_SEARCHED[name][0][1] for name in names])
    h = LOG10_NEWTON_DIFFERENCE
    unit = np.eye(len(names)) * h
    for _ in range(steps):
        params = best.params

        def at(x: np.ndarray, params: GrowthParameters = params) -> Evaluation:
            return objective(replace(params, **{name: 10.0 ** float(v) for name, v in zip(names, x)}))

        x0 = np.log10([getattr(params, name) for name in names])
        centre = np.clip(x0, low + h, high - h)  # the stencil stays within the bounds
        stencil = [at(centre)] + [at(centre + e) for e in unit] + [at(centre - e) for e in unit]
        f0 = stencil[0].loglik
        up = np.array([e.loglik for e in stencil[1:1 + len(names)]])
        down = np.array([e.loglik for e in stencil[1 + len(names):]])
        gradient = (up - down) / (2 * h)
        hessian = np.diag((up - 2 * f0 + down) / h**2)
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                both = at(centre + unit[i] + unit[j])
                stencil.append(both)
                hessian[i, j] = hessian[j, i] = (both.loglik - up[i] - up[j] + f0) / h**2
        values, vectors = np.linalg.eigh(hessian)
        values = values - max(0.0, float(values.max()) + NEWTON_DAMPING * float(np.abs(values).max()))
        step = -vectors @ ((vectors.T @ gradient) / values)
        step *= min(1.0, LOG10_NEWTON_MAX_STEP / max(float(np.max(np.abs(step))), 1e-12))
        top = max(stencil + [best], key=lambda evaluation: evaluation.loglik)
        for _ in range(1 + NEWTON_HALVINGS):
            target = np.clip(centre + step, low, high)
            reached = at(target)
            if reached.loglik >= top.loglik - SURFACE_ALLOWANCE:
                break
            step /= 2
        best = reached if reached.loglik >= top.loglik - SURFACE_ALLOWANCE else top
        if np.max(np.abs(target - x0)) < NEWTON_TOLERANCE:
            break
    return best
