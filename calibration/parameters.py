"""Item parameters in the working (unconstrained) form the M-step optimises.

Every item's parameters are one row of ``psi`` with columns

- ``0``: :math:`\\alpha = \\log a` (so :math:`a > 0`),
- ``1..K``: the difficulty :math:`b` (dichotomous, ``K = 1``) or the GPCM
  step difficulties :math:`b_1..b_K` (NaN for steps an item does not have),
- ``K + 1`` (3PL only): :math:`\\gamma = \\operatorname{logit} c`.

A boolean mask of the same shape says which entries are estimated: anchors
have none; Rasch items only their difficulty (``a = 1``); unused GPCM steps
none. The model probabilities always come from :mod:`engine.models`.

Priors (Mislevy, 1986; Harwell & Baker, 1991) are densities of the working
parameters, so the estimate is the posterior mode in ``psi`` (Bayes modal
estimation; with ``Priors.none()`` the marginal maximum-likelihood estimate):

.. math::

    \\log a \\sim N(\\mu_a, \\sigma_a^2), \\qquad b, b_v \\sim N(\\mu_b, \\sigma_b^2), \\qquad
    \\log p(\\gamma) = \\alpha_c \\log c + \\beta_c \\log(1 - c),

the last being the Beta(:math:`\\alpha_c, \\beta_c`) density of ``c``
carried to :math:`\\gamma = \\operatorname{logit} c` (the Jacobian
:math:`c(1-c)` raises both exponents by one), whose mode is the Beta mean
:math:`\\alpha_c / (\\alpha_c + \\beta_c)`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, log_expit, logit

from calibration.defaults import Model
from engine import models

#: Column of log a in ``psi``; the steps start at STEP_COLUMN.
LOG_A_COLUMN = 0
STEP_COLUMN = 1
#: Step of the central differences of the log-probabilities in ``psi``.
DIFFERENCE_STEP = 1e-5


@dataclass(frozen=True)
class Priors:
    """Prior settings: lognormal ``a``, normal ``b`` (and GPCM steps), Beta ``c``.

    ``enabled=False`` (:meth:`none`) drops every prior term: the estimates
    are then maximum-likelihood (marginal ML), and the SDs and shapes only
    give the starting values.
    """

    log_a_mean: float = 0.0
    log_a_sd: float = 0.5
    b_mean: float = 0.0
    b_sd: float = 3.0
    c_alpha: float = 4.0
    c_beta: float = 16.0
    enabled: bool = True

    def __post_init__(self) -> None:
        if self.log_a_sd <= 0 or self.b_sd <= 0 or self.c_alpha <= 0 or self.c_beta <= 0:
            raise ValueError("prior SDs and Beta shape parameters must be > 0")

    @classmethod
    def none(cls) -> Priors:
        """No priors: marginal maximum likelihood."""
        return cls(enabled=False)

    def describe(self, layout: Layout) -> dict[str, str]:
        """The priors on the parameters ``layout`` estimates, by name (``{}`` without priors), e.g.
        ``{"a": "lognormal: log a ~ N(0, 0.5^2)", "b": "N(0, 3^2)"}``."""
        if not self.enabled:
            return {}
        steps = "b" if not layout.is_gpcm else "b1..bK"
        out = {"a": f"lognormal: log a ~ N({self.log_a_mean:g}, {self.log_a_sd:g}^2)",
               steps: f"N({self.b_mean:g}, {self.b_sd:g}^2)"}
        if layout.model == "rasch":
            del out["a"]
        if layout.has_c:
            out["c"] = f"Beta({self.c_alpha:g}, {self.c_beta:g})"
        return out


@dataclass(frozen=True)
class Layout:
    """Where each kind of parameter sits in ``psi`` for one model."""

    model: Model
    n_steps: int

    @property
    def is_gpcm(self) -> bool:
        return self.model == "gpcm"

    @property
    def has_c(self) -> bool:
        return self.model == "3pl"

    @property
    def width(self) -> int:
        return STEP_COLUMN + self.n_steps + int(self.has_c)

    @property
    def c_column(self) -> int:
        return STEP_COLUMN + self.n_steps

    @property
    def stride(self) -> int:
        """Categories per item in the log-probability table."""
        return self.n_steps + 1

    def names(self) -> tuple[str, ...]:
        steps = ("b",) if not self.is_gpcm else tuple(f"b{v + 1}" for v in range(self.n_steps))
        return ("a",) + steps + (("c",) if self.has_c else ())


def natural(psi: np.ndarray, layout: Layout, c_fixed: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(a, steps, c)`` from the working parameters; ``c_fixed`` when the model has no c column."""
    a = np.exp(psi[:, LOG_A_COLUMN])
    steps = psi[:, STEP_COLUMN:STEP_COLUMN + layout.n_steps]
    c = expit(psi[:, layout.c_column]) if layout.has_c else c_fixed
    return a, steps, c


def working(a: np.ndarray, steps: np.ndarray, c: np.ndarray, layout: Layout) -> np.ndarray:
    """The inverse of :func:`natural`."""
    columns = [np.log(a)[:, None], steps]
    if layout.has_c:
        with np.errstate(divide="ignore"):
            columns.append(logit(c)[:, None])
    return np.concatenate(columns, axis=1)


def log_table(psi: np.ndarray, layout: Layout, c_fixed: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """Log-probabilities :math:`\\log P_{jx}(\\theta_q)`, shape (m, S, Q).

    Categories an item does not have are ``-inf``. Dichotomous items use
    :func:`engine.models.log_probabilities` (category 0 wrong, 1 right),
    GPCM items :func:`engine.models.gpcm_log_probabilities`.
    """
    a, steps, c = natural(psi, layout, c_fixed)
    if layout.is_gpcm:
        return np.transpose(models.gpcm_log_probabilities(nodes, a, steps), (1, 2, 0))
    log_right, log_wrong = models.log_probabilities(nodes, a, steps[:, 0], c)
    return np.stack([log_wrong.T, log_right.T], axis=1)


def log_table_derivatives(psi: np.ndarray, free: np.ndarray, layout: Layout, c_fixed: np.ndarray,
                          nodes: np.ndarray) -> np.ndarray:
    """:math:`\\partial \\log P_{jx}(\\theta_q) / \\partial \\psi_{jp}` by central differences, (m, S, Q, P).

    Each item's parameters move only its own row of the table, so one pair
    of table evaluations per column gives the derivative for all items at
    once. Fixed parameters and absent categories get 0.
    """
    out = np.zeros(psi.shape[:1] + (layout.stride, len(nodes), psi.shape[1]))
    for column in np.flatnonzero(free.any(axis=0)):
        shift = np.where(free[:, column], DIFFERENCE_STEP, 0.0)
        up, down = psi.copy(), psi.copy()
        up[:, column] += shift
        down[:, column] -= shift
        with np.errstate(invalid="ignore"):
            slope = (log_table(up, layout, c_fixed, nodes)
                     - log_table(down, layout, c_fixed, nodes)) / (2 * DIFFERENCE_STEP)
        out[..., column] = np.where(np.isfinite(slope) & free[:, column, None, None], slope, 0.0)
    return out


def log_prior(psi: np.ndarray, free: np.ndarray, layout: Layout, priors: Priors
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Log prior of each item's free parameters, its gradient and its negative second derivative.

    Returns
    -------
    value : (m,), gradient : (m, P), curvature : (m, P)
        ``curvature`` is :math:`-\\partial^2 \\log p / \\partial \\psi_p^2` (the
        prior is separable, so its Hessian is diagonal).
    """
    value = np.zeros(psi.shape)
    gradient = np.zeros(psi.shape)
    curvature = np.zeros(psi.shape)
    if not priors.enabled:
        return value.sum(axis=1), gradient, curvature
    alpha = psi[:, LOG_A_COLUMN]
    value[:, LOG_A_COLUMN] = -0.5 * ((alpha - priors.log_a_mean) / priors.log_a_sd) ** 2
    gradient[:, LOG_A_COLUMN] = -(alpha - priors.log_a_mean) / priors.log_a_sd**2
    curvature[:, LOG_A_COLUMN] = 1.0 / priors.log_a_sd**2
    steps = slice(STEP_COLUMN, STEP_COLUMN + layout.n_steps)
    value[:, steps] = -0.5 * ((psi[:, steps] - priors.b_mean) / priors.b_sd) ** 2
    gradient[:, steps] = -(psi[:, steps] - priors.b_mean) / priors.b_sd**2
    curvature[:, steps] = 1.0 / priors.b_sd**2
    if layout.has_c:
        gamma = psi[:, layout.c_column]
        c = expit(gamma)
        value[:, layout.c_column] = priors.c_alpha * log_expit(gamma) + priors.c_beta * log_expit(-gamma)
        gradient[:, layout.c_column] = priors.c_alpha * (1 - c) - priors.c_beta * c
        curvature[:, layout.c_column] = (priors.c_alpha + priors.c_beta) * c * (1 - c)
    zero = ~free
    value[zero] = gradient[zero] = curvature[zero] = 0.0
    return value.sum(axis=1), gradient, curvature


def initial_values(counts: np.ndarray, layout: Layout, priors: Priors) -> np.ndarray:
    """Starting ``psi`` from each item's category counts, shape (m, S) -> (m, P).

    Difficulties start at the logit of the adjacent-category ratios,
    :math:`b_v = \\log(n_{v-1} + \\tfrac12) - \\log(n_v + \\tfrac12)` (for a
    dichotomous item minus the logit of the proportion right), ``a`` at the
    prior mode and ``c`` at the prior mode.
    """
    smoothed = counts + 0.5
    steps = np.log(smoothed[:, :-1]) - np.log(smoothed[:, 1:])
    psi = np.full((counts.shape[0], layout.width), np.nan)
    psi[:, LOG_A_COLUMN] = priors.log_a_mean
    psi[:, STEP_COLUMN:STEP_COLUMN + layout.n_steps] = steps
    if layout.has_c:
        psi[:, layout.c_column] = np.log(priors.c_alpha / priors.c_beta)
    return psi
