"""The growth model's parameters, its 2-D state grid and the prior on it.

A learner's ability :math:`\\theta(t)` moves between answers by a linear trend
with a learner-specific growth rate :math:`g` plus a Gaussian random walk:

.. math::

    \\theta(t + \\Delta) = \\theta(t) + g\\,\\Delta + \\varepsilon, \\qquad
    \\varepsilon \\sim N(0, q\\,\\Delta),

with :math:`\\Delta` the elapsed time in days, :math:`q` the drift variance per
day, and, from the population, :math:`\\theta(t_0) \\sim N(\\mu_\\theta,
\\sigma_\\theta^2)` and :math:`g \\sim N(\\mu_g, \\sigma_g^2)`. The joint
posterior of :math:`(g, \\theta)` is kept on a small 2-D grid, carried forward
by the transition above and multiplied by each answer's likelihood (the forward
filter of a hidden Markov model; Rabiner, 1989). The forward--backward
smoother gives each past point the benefit of later answers. The marginal
likelihood of the answers, a by-product of the filter, lets
:func:`engine.growth.fit_growth` learn :math:`q, \\mu_g, \\sigma_g, \\mu_\\theta,
\\sigma_\\theta` from logs.

Three extensions let the growth rate change (all 0 by default and in
parameters stored before them, which is exactly the model above):

- growth comes with practice: a gap between two answers adds at most
  :math:`c` days of growth (``growth_gap_days``), so the trend term is
  :math:`g\\,\\min(\\Delta, c)` while the random walk keeps :math:`q\\,\\Delta`;
  a learner away for weeks does not keep growing;
- the growth rate decays as a learner levels off, the damped trend
  (Gardner & McKenzie, 1985; Harvey, 1989, for its
  state-space form): :math:`dg/ds = -\\lambda g` over days of growth
  :math:`s` (``growth_decay`` :math:`= \\lambda`), so :math:`s` days after the
  anchor :math:`\\theta = u + g_a S`, :math:`S = (1 - e^{-\\lambda s})/\\lambda`,
  :math:`g_a` the rate at the anchor (the grid's growth coordinate). The
  frame's time ``tau`` is :math:`S`; where the frame moves the rate has become
  :math:`g_a (1 - \\lambda S)`, a contraction of the growth axis towards 0
  (mass split linearly between the two nearest nodes, mean exact). With a
  decay the growth grid is wider (:data:`DECAY_GROWTH_GRID_MAX`) for the
  steep first weeks;
- the growth rate itself follows a random walk, the "local linear trend" of
  structural time series (Harvey, 1989; Durbin & Koopman, 2012, ch. 3),
  :math:`g \\leftarrow g + \\eta`, :math:`\\eta \\sim N(0, q_g\\,s)` for
  :math:`s` days of growth (``growth_drift`` :math:`= q_g`). It is applied where
  the frame is moved (below), at :math:`t = t_a`, where :math:`u = \\theta` and a
  change of :math:`g` does not move :math:`\\theta`: a diffusion along the growth
  axis with the same kernel, exact in that frame. The rate is thereby
  piecewise constant between frame moves, each step's variance
  :math:`q_g` times the days of growth since the last one.

The grid is laid out in a trend frame: the second coordinate is
:math:`u = \\theta - g\\,(t - t_a)` for an anchor time :math:`t_a` (with
the extensions, :math:`u = \\theta - g_a S`, :math:`S` the trend time above). In it the
trend is exact (no sub-grid shift is ever rounded away) and the transition is
a pure diffusion of :math:`u`; a diffusion smaller than one grid step uses the
three-point kernel :math:`(p/2, 1-p, p/2)`, :math:`p = q\\Delta/h^2`, which keeps
its variance exactly, larger ones the sampled Gaussian. Every
:data:`engine.growth.transitions.REANCHOR_DAYS` the frame is moved to
:math:`u = \\theta` (mass split linearly between the two nearest nodes) so the
grid never runs out; the growth rate decays and takes its random-walk step
there. The smoother's backward pass applies the transposes in reverse order
(growth diffusion, decay, frame move, u diffusion); the operators are in
:mod:`engine.growth.transitions`.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypedDict

import numpy as np

#: Grid of u (ability net of the trend since the anchor); wider than the
#: ability range because theta = u + g (t - t_a).
#: The model's time axis is in days (drift and growth are per day); timestamps in seconds
#: are divided by this.
SECONDS_PER_DAY = 86_400.0
U_GRID_MIN = -7.0
U_GRID_MAX = 7.0
U_GRID_POINTS = 57
#: Default growth-rate grid, in logits per day (+-0.04/day is +-3.6 logits in 90 days).
GROWTH_GRID_MAX = 0.04
GROWTH_GRID_POINTS = 17
#: Growth-rate grid with a decaying rate (``growth_decay > 0``): a learner's
#: first weeks may be steep (0.1/day is 1.5 logits in a fortnight).
DECAY_GROWTH_GRID_MAX = 0.1
DECAY_GROWTH_GRID_POINTS = 21
#: Smallest density total kept before normalising; avoids log(0).
TINY = 1e-300


class GrowthParametersDict(TypedDict):
    """The stored form of :class:`GrowthParameters` (:meth:`GrowthParameters.to_dict`)."""

    drift: float
    growth_mean: float
    growth_sd: float
    theta_mean: float
    theta_sd: float
    growth_drift: float
    growth_gap_days: float
    growth_decay: float


@dataclass(frozen=True)
class GrowthParameters:
    """Population parameters of the growth model.

    Attributes
    ----------
    drift : float
        Random-walk variance per day, :math:`q` (logit² / day).
    growth_mean, growth_sd : float
        Mean and SD of learners' growth rates (logit / day).
    theta_mean, theta_sd : float
        Prior of a new learner's ability at their first answer.
    growth_drift : float
        Random-walk variance of the growth rate per day, :math:`q_g`
        (logit² / day³); 0 keeps each learner's growth rate constant.
    growth_gap_days : float
        Most days of growth (trend and growth-rate drift) that one gap between
        two answers adds, :math:`c`: growth comes with practice, a learner
        away for weeks does not keep growing. 0: no limit (every day counts).
    growth_decay : float
        Rate :math:`\\lambda` (per day of growth) at which a learner's growth
        rate decays towards 0 (damped trend; learners level off); 0: no decay.
        Needs learner-level rates (``growth_sd > 0``); ignored otherwise.
    """

    drift: float = 0.002
    growth_mean: float = 0.005
    growth_sd: float = 0.01
    theta_mean: float = 0.0
    theta_sd: float = 1.0
    growth_drift: float = 0.0
    growth_gap_days: float = 0.0
    growth_decay: float = 0.0

    def __post_init__(self) -> None:
        if (self.drift < 0 or self.growth_sd < 0 or self.theta_sd <= 0 or self.growth_drift < 0
                or self.growth_gap_days < 0 or self.growth_decay < 0):
            raise ValueError("drift, growth_sd, growth_drift, growth_gap_days and growth_decay must be >= 0 "
                             "and theta_sd > 0")

    def to_dict(self) -> GrowthParametersDict:
        return {"drift": float(self.drift), "growth_mean": float(self.growth_mean),
                "growth_sd": float(self.growth_sd), "theta_mean": float(self.theta_mean),
                "theta_sd": float(self.theta_sd), "growth_drift": float(self.growth_drift),
                "growth_gap_days": float(self.growth_gap_days), "growth_decay": float(self.growth_decay)}

    @classmethod
    def from_dict(cls, data: Mapping[str, float]) -> GrowthParameters:
        """Inverse of :meth:`to_dict`; ``growth_drift``, ``growth_gap_days`` and ``growth_decay``
        missing (stored before they existed) are 0: the model as it was."""
        values = {k: float(v) for k, v in data.items()}
        for name in ("growth_drift", "growth_gap_days", "growth_decay"):
            values.setdefault(name, 0.0)
        return cls(**values)

    @classmethod
    def static(cls, theta_mean: float = 0.0, theta_sd: float = 1.0) -> GrowthParameters:
        """No change over time: the filter reduces to static EAP."""
        return cls(drift=0.0, growth_mean=0.0, growth_sd=0.0,
                   theta_mean=theta_mean, theta_sd=theta_sd)


def _decay(params: GrowthParameters) -> float:
    """The growth rate's decay per day of growth, 0 without learner-level rates (one growth row)."""
    return params.growth_decay if params.growth_sd > 0 else 0.0


@dataclass(frozen=True)
class GrowthGrid:
    """Nodes of the 2-D state grid: ``growth`` (G,) by ``u`` (Q,), see the module notes."""

    u: np.ndarray
    growth: np.ndarray

    @classmethod
    def default(cls, params: GrowthParameters) -> GrowthGrid:
        u = np.linspace(U_GRID_MIN, U_GRID_MAX, U_GRID_POINTS)
        if params.growth_sd == 0.0:
            growth = np.array([params.growth_mean])
        elif params.growth_decay > 0:
            growth = np.linspace(-DECAY_GROWTH_GRID_MAX, DECAY_GROWTH_GRID_MAX, DECAY_GROWTH_GRID_POINTS)
        else:
            growth = np.linspace(-GROWTH_GRID_MAX, GROWTH_GRID_MAX, GROWTH_GRID_POINTS)
        return cls(u=u, growth=growth)

    @property
    def spacing(self) -> float:
        return float(self.u[1] - self.u[0])

    def theta(self, tau: np.ndarray) -> np.ndarray:
        """Ability at each node, (L, G, Q), ``tau`` (L,) days after each anchor."""
        return self.u[None, None, :] + self.growth[None, :, None] * np.asarray(tau, dtype=float)[:, None, None]


def prior_density(params: GrowthParameters, grid: GrowthGrid) -> np.ndarray:
    """Normalised prior at the first answer, (G, Q): independent normals for g and theta."""
    theta_weight = np.exp(-0.5 * ((grid.u - params.theta_mean) / params.theta_sd) ** 2)
    if params.growth_sd == 0.0:
        distance = np.abs(grid.growth - params.growth_mean)
        growth_weight = (distance == distance.min()).astype(float)
    else:
        growth_weight = np.exp(-0.5 * ((grid.growth - params.growth_mean) / params.growth_sd) ** 2)
    density = growth_weight[:, None] * theta_weight[None, :]
    return density / density.sum()
