"""Ability that changes over time: a state-space model on a grid.

Read this first
---------------
A learner's ability drifts and grows between answers:

.. math::

    \\theta(t + \\Delta) = \\theta(t) + g\\,\\Delta + \\varepsilon, \\qquad
    \\varepsilon \\sim N(0, q\\,\\Delta),

with a learner-specific growth rate :math:`g` (logits per day) and drift
variance :math:`q` per day; the population gives the priors of
:math:`\\theta` at the first answer and of :math:`g`. Optionally the growth
rate counts only days of practice, decays as a learner levels off, and drifts
itself. The posterior of :math:`(g, \\theta)` is kept as a density on a small
2-D grid (growth rate x ability net of the trend): a hidden Markov model whose
forward filter gives the ability after each answer, whose forward--backward
smoother gives every past point the benefit of later answers, and whose
marginal likelihood fits the population parameters.

Where things are (read them in this order):

- :mod:`~engine.growth.model` -- the full model with its sources,
  :class:`GrowthParameters`, the grid (:class:`GrowthGrid`) and the prior;
- :mod:`~engine.growth.transitions` -- what happens between two answers:
  diffusion, the trend frame and its moves, the growth rate's decay and
  drift, each with its adjoint for the smoother;
- :mod:`~engine.growth.likelihood` -- one answer's 3PL likelihood on the grid,
  and the posterior moments read off a density;
- :mod:`~engine.growth.filter` -- the batch filter and smoother over many
  learners at once (:func:`filter_abilities`, :func:`log_marginal_likelihood`);
- :mod:`~engine.growth.marginal` -- the marginal likelihood as fitting
  computes it: one backward pass, the population prior profiled out;
- :mod:`~engine.growth.fit` -- learning the population parameters from logs
  (:func:`fit_growth`);
- :mod:`~engine.growth.state` -- one learner's state updated answer by answer
  as the service does (:class:`GrowthState`), and its stored JSON form;
- :mod:`~engine.growth.window` -- the gain over a recent window with its
  uncertainty, from the smoother's joint posterior of two points
  (:func:`window_gains`).

Everything public is importable from ``engine.growth`` itself.
"""
from engine.growth.filter import CHUNK_LEARNERS, GrowthTrack, filter_abilities, log_marginal_likelihood
from engine.growth.fit import (
    LOG10_DRIFT_BOUNDS,
    LOG10_GAP_DAYS_BOUNDS,
    LOG10_GROWTH_DECAY_BOUNDS,
    LOG10_GROWTH_DRIFT_BOUNDS,
    LOG10_GROWTH_DRIFT_PROBES,
    LOG10_NEWTON_DIFFERENCE,
    LOG10_NEWTON_MAX_STEP,
    LOG10_SEARCH_TOLERANCE,
    MIN_GROWTH_SD,
    MIN_THETA_SD,
    NEWTON_STEPS,
    NEWTON_STEPS_EVERYONE,
    NEWTON_TOLERANCE,
    SEARCH_LEARNERS,
    SURFACE_ALLOWANCE,
    fit_growth,
)
from engine.growth.model import (
    DECAY_GROWTH_GRID_MAX,
    DECAY_GROWTH_GRID_POINTS,
    GROWTH_GRID_MAX,
    GROWTH_GRID_POINTS,
    SECONDS_PER_DAY,
    TINY,
    U_GRID_MAX,
    U_GRID_MIN,
    U_GRID_POINTS,
    GrowthGrid,
    GrowthParameters,
    GrowthParametersDict,
    prior_density,
)
from engine.growth.state import DensityDict, GrowthState, GrowthStateDict
from engine.growth.transitions import (
    DEFERRED_VARIANCE,
    KERNEL_HALF_WIDTH_SD,
    REANCHOR_DAYS,
    contract_growth,
    diffuse,
    diffuse_growth,
    shift,
)
from engine.growth.transitions import _advance as _advance  # internal; tests/engine/test_growth.py checks one step
from engine.growth.window import WindowGains, window_gains

__all__ = [
    "CHUNK_LEARNERS",
    "DECAY_GROWTH_GRID_MAX",
    "DECAY_GROWTH_GRID_POINTS",
    "DEFERRED_VARIANCE",
    "GROWTH_GRID_MAX",
    "GROWTH_GRID_POINTS",
    "KERNEL_HALF_WIDTH_SD",
    "LOG10_DRIFT_BOUNDS",
    "LOG10_GAP_DAYS_BOUNDS",
    "LOG10_GROWTH_DECAY_BOUNDS",
    "LOG10_GROWTH_DRIFT_BOUNDS",
    "LOG10_GROWTH_DRIFT_PROBES",
    "LOG10_NEWTON_DIFFERENCE",
    "LOG10_NEWTON_MAX_STEP",
    "LOG10_SEARCH_TOLERANCE",
    "MIN_GROWTH_SD",
    "MIN_THETA_SD",
    "NEWTON_STEPS",
    "NEWTON_STEPS_EVERYONE",
    "NEWTON_TOLERANCE",
    "REANCHOR_DAYS",
    "SEARCH_LEARNERS",
    "SECONDS_PER_DAY",
    "SURFACE_ALLOWANCE",
    "TINY",
    "U_GRID_MAX",
    "U_GRID_MIN",
    "U_GRID_POINTS",
    "DensityDict",
    "GrowthGrid",
    "GrowthParameters",
    "GrowthParametersDict",
    "GrowthState",
    "GrowthStateDict",
    "GrowthTrack",
    "WindowGains",
    "contract_growth",
    "diffuse",
    "diffuse_growth",
    "filter_abilities",
    "fit_growth",
    "log_marginal_likelihood",
    "prior_density",
    "shift",
    "window_gains",
]
