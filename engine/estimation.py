"""Ability estimation for one learner: EAP on a grid, MAP and Warm's WLE.

The posterior of ability :math:`\\theta` is kept on an equally spaced
quadrature grid (Bock & Mislevy, 1982) as two separate parts, the log-prior
and the accumulated log-likelihood of the answers,

.. math::

    \\log p(\\theta_q \\mid u) = \\log \\pi(\\theta_q) + \\sum_j \\log L_j(\\theta_q) + \\text{const},

so one answer is one addition (:func:`update`) and the likelihood alone stays
available to MAP, WLE and the SPRT. The default grid is 61 nodes on
:math:`[-6, 6]` (spacing 0.2): it reaches six prior SDs on either side and,
for a posterior SD of 0.2 or more, the equally spaced rule's error in the mean
and variance of a near-normal posterior is of order
:math:`\\exp(-2\\pi^2\\sigma^2/h^2) < 10^{-8}` (Trefethen & Weideman, 2014).
Abilities beyond :math:`\\pm 6` logits are outside every bank we serve.

Batch estimators (:func:`eap`, :func:`map_estimate`, :func:`wle`) take the
items answered, shape ``(m,)``, and scores of shape ``(m,)`` or ``(n, m)``
(``n`` learners who answered the same items); they return an
:class:`AbilityEstimate` of floats or of ``(n,)`` arrays accordingly.

Extreme patterns (all right or all wrong):

- EAP and MAP are finite: the prior bounds them.
- WLE is finite for Rasch/2PL items (Warm, 1989). For 3PL items (and any
  pattern whose root lies outside the grid) the estimate is bounded to the
  grid, :math:`[-6, 6]`, and its SE is taken there.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any, Generic, Literal, TypedDict, TypeVar

import numpy as np
from scipy.special import expit

from engine.models import gpcm_log_likelihood, guessing_ratio, information, log_likelihood

#: Quadrature grid: nodes from GRID_MIN to GRID_MAX (logits), GRID_POINTS of them.
GRID_MIN = -6.0
GRID_MAX = 6.0
GRID_POINTS = 61
#: Default population prior N(PRIOR_MEAN, PRIOR_SD^2).
PRIOR_MEAN = 0.0
PRIOR_SD = 1.0
#: Bisection halvings of a grid cell when solving for MAP and WLE (0.2 / 2**14 ~ 1e-5),
#: then one chord step: the error is of order (1e-5)^2 times the equation's curvature.
BISECTION_STEPS = 14
#: Nodes used to interpolate the log-likelihood between nodes (cubic).
CUBIC_POINTS = 4
#: Information below this is treated as none (avoids 0/0 far from every item).
TINY_INFORMATION = 1e-300


#: What an estimate holds: a float for one learner, an (n,) array for a batch.
Value = TypeVar("Value", float, np.ndarray)


@dataclass(frozen=True)
class AbilityEstimate(Generic[Value]):
    """An ability estimate and its standard error: floats (``AbilityEstimate[float]``), or
    ``(n,)`` arrays for a batch (``AbilityEstimate[np.ndarray]``)."""

    theta: Value
    se: Value


class PosteriorDict(TypedDict):
    """The stored form of a :class:`GridPosterior` (:meth:`GridPosterior.to_dict`).

    ``grid`` is ``[lower, upper, points]`` (``points`` an integer), ``prior``
    ``[mean, sd]``, ``log_likelihood`` one value per node.
    """

    grid: list[float]
    prior: list[float]
    log_likelihood: list[float]


@dataclass(frozen=True, eq=False)
class GridPosterior:
    """Posterior of ability on a quadrature grid, with a normal prior.

    Attributes
    ----------
    nodes : numpy.ndarray, shape (Q,)
        Equally spaced grid of abilities.
    prior_mean, prior_sd : float
        The normal prior :math:`N(\\mu, \\sigma^2)`.
    log_likelihood : numpy.ndarray, shape (Q,)
        :math:`\\sum_j \\log L_j(\\theta_q)` of the answers so far (0 before any).
    """

    nodes: np.ndarray
    prior_mean: float
    prior_sd: float
    log_likelihood: np.ndarray

    @classmethod
    def prior(cls, mean: float = PRIOR_MEAN, sd: float = PRIOR_SD, lower: float = GRID_MIN,
              upper: float = GRID_MAX, points: int = GRID_POINTS) -> GridPosterior:
        """The prior :math:`N(\\text{mean}, \\text{sd}^2)` on ``points`` nodes over ``[lower, upper]``."""
        if not sd > 0 or not upper > lower or points < 3:
            raise ValueError("need sd > 0, upper > lower and at least 3 grid points")
        return cls(np.linspace(lower, upper, points), float(mean), float(sd), np.zeros(points))

    @property
    def log_prior(self) -> np.ndarray:
        """:math:`\\log \\pi(\\theta_q)` up to a constant: :math:`-(\\theta_q - \\mu)^2 / 2\\sigma^2`."""
        return _normal_log_density(self.nodes, self.prior_mean, self.prior_sd)

    def weights(self) -> np.ndarray:
        """Normalised posterior weights of the nodes, shape (Q,)."""
        return _normalise(self.log_prior + self.log_likelihood)

    def estimate(self) -> AbilityEstimate[float]:
        """EAP and posterior SD (see :func:`eap`)."""
        mean, sd = _moments(self.nodes, self.log_prior + self.log_likelihood)
        return AbilityEstimate(float(mean), float(sd))

    def log_likelihood_at(self, theta) -> np.ndarray:
        """Log-likelihood at any ``theta``, clipped to the grid: cubic through the 4 nearest nodes.

        Lagrange interpolation (error :math:`O(h^4)`) of the smooth
        :math:`\\log L`, with :math:`t` the position in grid steps from the first of the four:

        .. math::

            \\log L(\\theta) \\approx \\sum_{i=0}^{3} \\log L(\\theta_{k+i})
            \\prod_{l \\ne i} \\frac{t - l}{i - l}.
        """
        return interpolate(self.nodes, self.log_likelihood, theta)

    def to_dict(self) -> PosteriorDict:
        """JSON-ready: the grid as ``[lower, upper, points]``, the prior, the log-likelihood."""
        return {"grid": [float(self.nodes[0]), float(self.nodes[-1]), int(self.nodes.size)],
                "prior": [self.prior_mean, self.prior_sd],
                "log_likelihood": self.log_likelihood.tolist()}

    @classmethod
    def from_dict(cls, data: PosteriorDict | Mapping[str, Any]) -> GridPosterior:
        """Inverse of :meth:`to_dict` (exact: floats survive JSON)."""
        lower, upper, points = data["grid"]
        mean, sd = data["prior"]
        log_lik = np.asarray(data["log_likelihood"], dtype=float)
        if log_lik.shape != (int(points),):
            raise ValueError(f"log_likelihood has {log_lik.size} values for a {points}-node grid")
        return replace(cls.prior(mean, sd, lower, upper, int(points)), log_likelihood=log_lik)


def interpolate(nodes: np.ndarray, values: np.ndarray, theta) -> np.ndarray:
    """Values given on the grid ``nodes`` (last axis), at any ``theta`` clipped to the grid.

    The cubic through the four nearest nodes (the formula of
    :meth:`GridPosterior.log_likelihood_at`). ``values`` of shape ``(..., Q)``
    and ``theta`` of shape ``S`` give ``(..., *S)``: one learner's
    log-likelihood or a batch of them, evaluated with the same arithmetic.
    """
    position = (np.clip(np.asarray(theta, dtype=float), nodes[0], nodes[-1]) - nodes[0]) / (nodes[1] - nodes[0])
    first = np.clip(np.floor(position).astype(int) - 1, 0, nodes.size - CUBIC_POINTS)
    t = position - first
    basis = np.stack([-(t - 1) * (t - 2) * (t - 3) / 6, t * (t - 2) * (t - 3) / 2,
                      -t * (t - 1) * (t - 3) / 2, t * (t - 1) * (t - 2) / 6], axis=-1)
    return np.sum(basis * values[..., first[..., np.newaxis] + np.arange(CUBIC_POINTS)], axis=-1)


def posterior_moments(nodes: np.ndarray, log_posterior: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and SD over the last axis of grid posteriors given up to a constant, ``(..., Q)``.

    What :meth:`GridPosterior.estimate` computes, for one learner or a batch.
    """
    return _moments(nodes, log_posterior)


def _normal_log_density(theta, mean: float, sd: float) -> np.ndarray:
    return -0.5 * ((np.asarray(theta, dtype=float) - mean) / sd) ** 2


def _normalise(log_weights: np.ndarray) -> np.ndarray:
    """Weights summing to 1 over the last axis from logs given up to a constant (softmax)."""
    weights = np.exp(log_weights - log_weights.max(axis=-1, keepdims=True))
    return weights / weights.sum(axis=-1, keepdims=True)


def _moments(nodes: np.ndarray, log_posterior: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and SD over the last axis of a grid posterior given up to a constant."""
    # Sums over the last axis, not matrix products: one learner's row and a batch's rows
    # are then added in the same order, so both give the same bits.
    weights = _normalise(log_posterior)
    mean = np.sum(weights * nodes, axis=-1)
    variance = np.sum(weights * nodes**2, axis=-1) - mean**2
    return mean, np.sqrt(np.maximum(variance, 0.0))


def update(posterior: GridPosterior, a, b, c, score) -> GridPosterior:
    """Posterior after a dichotomous answer: add :math:`\\log L_j(\\theta_q)` on the grid.

    ``a, b, c, score`` are scalars (one answer) or equal-length arrays (several).
    """
    a, b, c, score = (np.atleast_1d(np.asarray(x, dtype=float)) for x in (a, b, c, score))
    return replace(posterior, log_likelihood=posterior.log_likelihood
                   + log_likelihood(posterior.nodes, a, b, c, score))


def update_gpcm(posterior: GridPosterior, a, thresholds, category) -> GridPosterior:
    """Posterior after an answer scored in category ``category`` (0..K) of a GPCM item.

    ``thresholds`` are the item's step difficulties, shape (K,) (or (m, K) with
    arrays ``a`` and ``category`` for several answers).
    """
    a = np.atleast_1d(np.asarray(a, dtype=float))
    thresholds = np.asarray(thresholds, dtype=float).reshape(a.size, -1)
    category = np.atleast_1d(np.asarray(category, dtype=int))
    return replace(posterior, log_likelihood=posterior.log_likelihood
                   + gpcm_log_likelihood(posterior.nodes, a, thresholds, category))


# --- batch estimators -------------------------------------------------------------------------


def _items(a, b, c, score) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Item parameters (m,) and scores as a 2-D (n, m) float array."""
    a, b, c = np.broadcast_arrays(*(np.atleast_1d(np.asarray(x, dtype=float)) for x in (a, b, c)))
    score = np.asarray(score, dtype=float)
    return a, b, c, np.atleast_2d(score)


def _result(theta: np.ndarray, se: np.ndarray, score) -> AbilityEstimate[Any]:
    """Floats for one learner's 1-D scores, arrays for a batch."""
    if np.ndim(score) <= 1:
        return AbilityEstimate(float(theta[0]), float(se[0]))
    return AbilityEstimate(theta, se)


def _grid_log_likelihood(nodes, a, b, c, score) -> np.ndarray:
    """(n, Q) log-likelihood of each learner's scores at each node."""
    return log_likelihood(nodes, a, b, c, score[:, np.newaxis, :])


def eap(a, b, c, score, prior: GridPosterior | None = None) -> AbilityEstimate[Any]:
    """Expected a posteriori ability and posterior SD (Bock & Mislevy, 1982).

    .. math::

        \\hat\\theta = \\frac{\\sum_q \\theta_q L(\\theta_q)\\pi(\\theta_q)}{\\sum_q L(\\theta_q)\\pi(\\theta_q)},
        \\qquad
        SE^2 = \\frac{\\sum_q (\\theta_q - \\hat\\theta)^2 L(\\theta_q)\\pi(\\theta_q)}{\\sum_q L(\\theta_q)\\pi(\\theta_q)}.

    Parameters
    ----------
    a, b, c : array_like, shape (m,)
        Parameters of the items answered.
    score : array_like, shape (m,) or (n, m)
        0/1 scores.
    prior : GridPosterior, optional
        Grid and prior (default N(0, 1) on the default grid); any likelihood
        it holds is ignored.
    """
    prior = prior or GridPosterior.prior()
    a, b, c, scores = _items(a, b, c, score)
    mean, sd = _moments(prior.nodes, prior.log_prior + _grid_log_likelihood(prior.nodes, a, b, c, scores))
    return _result(mean, sd, score)


def _derivatives(theta: np.ndarray, a, b, c, score) -> tuple[np.ndarray, ...]:
    """Score function, test information, Warm's :math:`J` and observed information at ``theta`` (n, K).

    With :math:`P^* = \\sigma(a(\\theta - b))`, :math:`P = c + (1-c)P^*`,
    :math:`r = P^*/P`:

    - :math:`\\partial \\log L / \\partial\\theta = \\sum_j a_j r_j (u_j - P_j)`,
    - :math:`I = \\sum_j I_j`,
    - :math:`J = \\sum_j P'_j P''_j / (P_j Q_j) = \\sum_j a_j (1 - 2P^*_j) I_j`.

    and, for MAP's SE, the observed information :math:`-\\partial^2 \\log L / \\partial\\theta^2 = \\sum_j I_j
    + a_j^2 r_j (u_j - P_j)\\,[r_j (1 - 2P_j) - (1 - 2P^*_j)]`; each (n, K).
    """
    p_star = expit(a * (theta[..., np.newaxis] - b))
    p = c + (1.0 - c) * p_star
    ratio = guessing_ratio(p_star, c)
    residual = score[:, np.newaxis, :] - p
    item_information = information(theta, a, b, c)
    gradient = np.sum(a * ratio * residual, axis=-1)
    curvature = np.sum(a * (1.0 - 2.0 * p_star) * item_information, axis=-1)
    observed = np.sum(item_information + a**2 * ratio * residual
                      * (ratio * (1.0 - 2.0 * p) - (1.0 - 2.0 * p_star)), axis=-1)
    return gradient, item_information.sum(axis=-1), curvature, observed


def _solve(equation, objective: np.ndarray, nodes: np.ndarray, n: int) -> np.ndarray:
    """Root of a decreasing-through-zero estimating equation, per learner, within the grid.

    ``equation(theta (n, K)) -> (n, K)``. On the grid, the down-crossing
    (positive to non-positive) with the largest ``objective`` (n, Q) is
    bracketed, bisected and finished by regula falsi. Without a crossing the root lies beyond the grid:
    the estimate is the end the equation points to.
    """
    on_grid = equation(np.broadcast_to(nodes, (n, nodes.size)))
    down = (on_grid[:, :-1] > 0) & (on_grid[:, 1:] <= 0)
    rank = np.where(down, np.maximum(objective[:, :-1], objective[:, 1:]), -np.inf)
    cell = np.argmax(rank, axis=1)
    rows = np.arange(n)
    lower, upper = nodes[cell], nodes[cell + 1]
    f_lower, f_upper = on_grid[rows, cell], on_grid[rows, cell + 1]
    for _ in range(BISECTION_STEPS):
        middle = 0.5 * (lower + upper)
        f_middle = equation(middle[:, np.newaxis])[:, 0]
        positive = f_middle > 0
        lower, f_lower = np.where(positive, middle, lower), np.where(positive, f_middle, f_lower)
        upper, f_upper = np.where(positive, upper, middle), np.where(positive, f_upper, f_middle)
    # The last bracket is short enough for the chord through its ends to hit the root.
    root = lower + (upper - lower) * f_lower / np.where(down.any(axis=1), f_lower - f_upper, 1.0)
    beyond = np.where(on_grid[:, -1] > 0, nodes[-1], nodes[0])
    return np.where(down.any(axis=1), root, beyond)


def map_estimate(a, b, c, score, prior: GridPosterior | None = None) -> AbilityEstimate[Any]:
    """Maximum a posteriori ability (Bayes modal; Mislevy, 1986), SE from the curvature.

    Solves :math:`\\partial \\log L / \\partial\\theta - (\\theta - \\mu)/\\sigma^2 = 0`
    and reports

    .. math::

        SE = \\left(-\\frac{\\partial^2 \\log L}{\\partial\\theta^2}\\Big|_{\\hat\\theta}
             + \\frac{1}{\\sigma^2}\\right)^{-1/2},

    using the expected (Fisher) information instead of the observed where the
    observed curvature is not positive (possible for 3PL items only).
    Parameters as for :func:`eap`.
    """
    prior = prior or GridPosterior.prior()
    a, b, c, scores = _items(a, b, c, score)
    precision = 1.0 / prior.prior_sd**2

    def equation(theta):
        return _derivatives(theta, a, b, c, scores)[0] - (theta - prior.prior_mean) * precision

    objective = prior.log_prior + _grid_log_likelihood(prior.nodes, a, b, c, scores)
    theta = _solve(equation, objective, prior.nodes, scores.shape[0])
    _, expected, _, observed = (x[:, 0] for x in _derivatives(theta[:, np.newaxis], a, b, c, scores))
    curvature = np.where(observed > 0, observed, expected) + precision
    return _result(theta, 1.0 / np.sqrt(curvature), score)


def wle(a, b, c, score, prior: GridPosterior | None = None) -> AbilityEstimate[Any]:
    """Warm's (1989) weighted likelihood estimate, SE from the test information.

    Solves

    .. math::

        \\frac{\\partial \\log L}{\\partial\\theta} + \\frac{J(\\theta)}{2 I(\\theta)} = 0,
        \\qquad SE = I(\\hat\\theta)^{-1/2},

    with :math:`J = \\sum_j P'_j P''_j / (P_j Q_j)`. For 2PL :math:`J = I'`, so
    WLE maximises :math:`L(\\theta)\\sqrt{I(\\theta)}` and is finite for
    all-right and all-wrong patterns. The root is sought on ``prior``'s grid
    (its prior is not used) and bounded to it.
    """
    nodes = (prior or GridPosterior.prior()).nodes
    a, b, c, scores = _items(a, b, c, score)
    if a.size == 0:
        raise ValueError("WLE needs at least one answer")

    def equation(theta):
        gradient, test_information, curvature, _ = _derivatives(theta, a, b, c, scores)
        return gradient + 0.5 * curvature / np.maximum(test_information, TINY_INFORMATION)

    test_information = information(nodes, a, b, c).sum(axis=-1)
    objective = (_grid_log_likelihood(nodes, a, b, c, scores)
                 + 0.5 * np.log(np.maximum(test_information, TINY_INFORMATION)))
    theta = _solve(equation, objective, nodes, scores.shape[0])
    test_information = information(theta, a, b, c).sum(axis=-1)
    return _result(theta, 1.0 / np.sqrt(np.maximum(test_information, TINY_INFORMATION)), score)


#: A batch estimator's name.
Estimator = Literal["eap", "map", "wle"]
#: Batch estimators by name, as the command line and the simulator choose them.
ESTIMATORS: Mapping[Estimator, Callable[..., AbilityEstimate[Any]]] = MappingProxyType(
    {"eap": eap, "map": map_estimate, "wle": wle})
