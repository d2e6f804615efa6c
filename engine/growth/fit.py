r"""Learning the growth model's population parameters from logs by marginal likelihood.

:func:`fit_growth` maximises the marginal likelihood the forward filter
(:mod:`engine.growth.filter`) computes as a by-product: bounded 1-D searches
on a log scale for the variances and the growth-change parameters, and EM
updates of the Gaussian population priors from the smoothed posteriors at
each learner's first answer (Dempster, Laird & Rubin, 1977).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import optimize

from engine.growth.filter import _arrange, _Chunk, _chunks, _run_chunk
from engine.growth.model import GrowthGrid, GrowthParameters

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
#: Floors for estimated SDs, so the prior never collapses to a point by accident.
MIN_GROWTH_SD = 1e-3
MIN_THETA_SD = 0.05


@dataclass(frozen=True)
class _Objective:
    """The negative log marginal likelihood of some learners' answers, as a function of the parameters."""

    chunks: list[_Chunk]

    def __call__(self, candidate: GrowthParameters) -> float:
        grid = GrowthGrid.default(candidate)
        return -float(sum(_run_chunk(chunk, candidate, grid, smooth=False, moments=False)
                          .log_marginal.sum() for chunk in self.chunks))

    def mean_span(self) -> float:
        """The learners' mean span in days, first answer to last (:math:`T` in :func:`fit_growth`)."""
        return float(np.mean([np.mean(chunk.days[:, -1] - chunk.days[:, 0]) for chunk in self.chunks]))


def fit_growth(learner: np.ndarray, days: np.ndarray, a: np.ndarray, b: np.ndarray,
               c: np.ndarray, score: np.ndarray, start: GrowthParameters | None = None,
               fit_drift: bool = True, fit_priors: bool = True, n_rounds: int = 4,
               fit_gap: bool = True, fit_growth_drift: bool = True,
               fit_growth_decay: bool = True) -> GrowthParameters:
    r"""Learn the population parameters from logs by marginal likelihood.

    Alternates (``n_rounds`` times) a bounded 1-D maximisation of the marginal
    likelihood over the drift variance :math:`q` (on a log scale) with an EM
    update of the Gaussian population priors: their means and variances are
    set to the mean and variance of the learners' smoothed posteriors of
    :math:`(g, \theta)` at their first answer -- the exact M-step for a normal
    prior (Dempster, Laird & Rubin, 1977) up to the grid. ``fit_priors=False``
    keeps ``start``'s priors and fits the drift alone (one round).

    With learner-level growth rates (``growth_sd > 0``) the first round also
    maximises the marginal likelihood over the days of growth one gap adds,
    :math:`c` (``fit_gap``), the growth rate's decay :math:`\lambda`
    (``fit_growth_decay``) and its drift :math:`q_g` (``fit_growth_drift``):
    bounded 1-D searches on a log scale, each kept only if it beats the model
    without it (:math:`c = \infty`, :math:`\lambda = 0`, :math:`q_g = 0`).
    A decaying rate starts higher for the same growth, so the decay search
    scales the growth-rate prior (mean and SD) by :math:`T / S_\lambda(T)`,
    :math:`T` the learners' mean span in days, which keeps the mean growth
    over that span; the EM steps then refine it. Later rounds refit
    :math:`q` and the priors given them.
    """
    params = start or GrowthParameters()
    if fit_priors:
        params = replace(params, growth_sd=max(params.growth_sd, MIN_GROWTH_SD))
    batch = _arrange(learner, days)
    objective = _Objective([chunk for *_, chunk in _chunks(batch, days, a, b, c, score)])
    for round_number in range(n_rounds if fit_priors else 1):
        if fit_drift:
            params = _search(objective, params, "drift", LOG10_DRIFT_BOUNDS, None)
        if round_number == 0 and params.growth_sd > 0:
            params = _fit_growth_change(objective, params, fit_gap, fit_growth_decay, fit_growth_drift)
        if fit_priors:
            params = _update_priors(objective.chunks, params)
    return params


def _search(objective: _Objective, params: GrowthParameters, name: str, bounds: tuple[float, float],
            off: float | None) -> GrowthParameters:
    """``params`` with ``name`` set by a bounded search over its log10 in ``bounds``.

    With ``off`` given, the value that switches the feature off is kept instead
    unless the search beats it.
    """
    result = optimize.minimize_scalar(lambda x: objective(replace(params, **{name: 10.0**x})),
                                      bounds=bounds, method="bounded", options={"xatol": LOG10_SEARCH_TOLERANCE})
    best = replace(params, **{name: 10.0 ** float(result.x)})
    if off is not None and objective(replace(params, **{name: off})) <= float(result.fun):
        best = replace(params, **{name: off})
    return best


def _decaying(params: GrowthParameters, log10_decay: float, span: float) -> GrowthParameters:
    """``params`` with a decay of ``10**log10_decay``, the growth prior scaled to keep the mean growth over ``span``."""
    decay = 10.0**log10_decay
    scale = span / float(-np.expm1(-decay * span) / decay) if span > 0 else 1.0
    return replace(params, growth_decay=decay, growth_mean=params.growth_mean * scale,
                   growth_sd=params.growth_sd * scale)


def _fit_growth_change(objective: _Objective, params: GrowthParameters, fit_gap: bool, fit_growth_decay: bool,
                       fit_growth_drift: bool) -> GrowthParameters:
    """The first round's searches for the gap limit, the decay and the drift of the growth rate, in that order."""
    if fit_gap:
        params = _search(objective, params, "growth_gap_days", LOG10_GAP_DAYS_BOUNDS, 0.0)
    if fit_growth_decay and params.growth_decay == 0:
        span = objective.mean_span()
        start = params
        result = optimize.minimize_scalar(lambda x: objective(_decaying(start, x, span)),
                                          bounds=LOG10_GROWTH_DECAY_BOUNDS, method="bounded",
                                          options={"xatol": LOG10_SEARCH_TOLERANCE})
        if float(result.fun) < objective(params):
            params = _decaying(params, float(result.x), span)
    if fit_growth_drift:
        params = _search(objective, params, "growth_drift", LOG10_GROWTH_DRIFT_BOUNDS, 0.0)
    return params


def _update_priors(chunks: list[_Chunk], params: GrowthParameters) -> GrowthParameters:
    """EM step for the population priors from the smoothed posterior at each first answer."""
    grid = GrowthGrid.default(params)
    first = np.concatenate([_run_chunk(chunk, params, grid, smooth=True).first for chunk in chunks])
    theta_marginal, growth_marginal = first.sum(axis=1), first.sum(axis=2)
    theta_mean = float((theta_marginal @ grid.u).mean())
    theta_var = float((theta_marginal @ grid.u**2).mean() - theta_mean**2)
    growth_mean = float((growth_marginal @ grid.growth).mean())
    growth_var = float((growth_marginal @ grid.growth**2).mean() - growth_mean**2)
    return replace(params, theta_mean=theta_mean, theta_sd=max(np.sqrt(max(theta_var, 0.0)), MIN_THETA_SD),
                   growth_mean=growth_mean, growth_sd=max(np.sqrt(max(growth_var, 0.0)), MIN_GROWTH_SD))
