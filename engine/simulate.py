"""Simulated learners: draw abilities, answer from the model, run whole adaptive tests.

Every function takes its randomness from an explicit ``numpy.random.Generator``,
so a seed reproduces a run exactly. An adaptive test is the loop

1. stop? (:func:`engine.stopping.should_stop`),
2. choose the next item (:func:`engine.selection.select_item`),
3. the learner answers from the 3PL model (:func:`answer`),
4. update the grid posterior (:func:`engine.estimation.update`),

and, at the end, the final estimate by the chosen estimator on the items
given. The reported level is the band of that estimate between the cuts.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from engine import stopping
from engine.cefr import DEFAULT_CUTS, level_index
from engine.estimation import ESTIMATORS, PRIOR_MEAN, PRIOR_SD, AbilityEstimate, Estimator, GridPosterior, update
from engine.models import probability
from engine.selection import METHODS, Method, select_item


@dataclass(frozen=True)
class CATDesign:
    """How an adaptive test is run (defaults: the ``b1engine simulate-cat`` defaults).

    ``se_target=None`` switches the precision rule off; ``classify=True``
    adds the SPRT at ``cuts`` (see :mod:`engine.stopping`).
    """

    selection: Method = "mfi"
    estimator: Estimator = "eap"
    se_target: float | None = stopping.SE_TARGET
    min_items: int = stopping.MIN_ITEMS
    max_items: int = stopping.MAX_ITEMS
    classify: bool = False
    cuts: tuple[float, ...] = DEFAULT_CUTS
    top_k: int = 1
    delta: float = stopping.INDIFFERENCE_HALF_WIDTH
    alpha: float = stopping.ALPHA
    beta: float = stopping.BETA
    prior_mean: float = PRIOR_MEAN
    prior_sd: float = PRIOR_SD

    def __post_init__(self) -> None:
        if self.selection not in METHODS:
            raise ValueError(f"selection must be one of {METHODS}, got {self.selection!r}")
        if self.estimator not in ESTIMATORS:
            raise ValueError(f"estimator must be one of {tuple(ESTIMATORS)}, got {self.estimator!r}")
        if not 1 <= self.min_items <= self.max_items:
            raise ValueError("need 1 <= min_items <= max_items")


@dataclass(frozen=True)
class CATRecord:
    """One learner's test: items given (bank indices, in order), scores, final estimate, band."""

    items: np.ndarray
    scores: np.ndarray
    estimate: AbilityEstimate[float]
    level: int


@dataclass(frozen=True)
class CATResults:
    """Many learners' tests, one entry per learner (arrays of shape (n,))."""

    theta_true: np.ndarray
    theta_hat: np.ndarray
    se: np.ndarray
    n_items: np.ndarray
    level: np.ndarray
    items: tuple[np.ndarray, ...] = field(default=(), repr=False)

    @property
    def bias(self) -> float:
        """Mean of :math:`\\hat\\theta - \\theta`."""
        return float(np.mean(self.theta_hat - self.theta_true))

    @property
    def rmse(self) -> float:
        """Root mean squared error of :math:`\\hat\\theta`."""
        return float(np.sqrt(np.mean((self.theta_hat - self.theta_true) ** 2)))


def draw_thetas(rng: np.random.Generator, n: int, mean: float = PRIOR_MEAN, sd: float = PRIOR_SD) -> np.ndarray:
    """``n`` abilities from :math:`N(\\text{mean}, \\text{sd}^2)`."""
    return rng.normal(mean, sd, size=n)


def answer(rng: np.random.Generator, theta, a, b, c=0.0) -> np.ndarray:
    """0/1 answers drawn from the 3PL model, shape of ``probability(theta, a, b, c)``."""
    p = probability(theta, a, b, c)
    return (rng.random(p.shape) < p).astype(int)


def run_cat(theta: float, a, b, c, rng: np.random.Generator, design: CATDesign = CATDesign(),
            available=None) -> CATRecord:
    """One adaptive test for a learner of true ability ``theta`` on the bank ``a, b, c`` (m,).

    ``available`` (bool, (m,)) restricts the bank (content filters); items are
    never repeated. The test also ends when the bank runs out.
    """
    a, b, c = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (a, b, c)))
    available = np.ones(a.shape, dtype=bool) if available is None else np.array(available, dtype=bool)
    posterior = GridPosterior.prior(design.prior_mean, design.prior_sd)
    items: list[int] = []
    scores: list[int] = []
    while available.any() and not stopping.should_stop(
            posterior, len(items), cuts=design.cuts, min_items=design.min_items,
            max_items=design.max_items, se_target=design.se_target, classify=design.classify,
            delta=design.delta, alpha=design.alpha, beta=design.beta):
        j = select_item(posterior, a, b, c, available, top_k=design.top_k, rng=rng, method=design.selection)
        score = int(answer(rng, theta, a[j], b[j], c[j]))
        posterior = update(posterior, a[j], b[j], c[j], score)
        available[j] = False
        items.append(j)
        scores.append(score)
    given = np.asarray(items, dtype=int)
    estimate = ESTIMATORS[design.estimator](a[given], b[given], c[given], np.asarray(scores, dtype=float),
                                            prior=GridPosterior.prior(design.prior_mean, design.prior_sd))
    return CATRecord(given, np.asarray(scores, dtype=int), estimate,
                     int(level_index(estimate.theta, design.cuts)))


def simulate_cat(thetas: Sequence[float], a, b, c, rng: np.random.Generator,
                 design: CATDesign = CATDesign(), available=None) -> CATResults:
    """:func:`run_cat` for each true ability in ``thetas``, in order, from one generator."""
    records = [run_cat(theta, a, b, c, rng, design, available) for theta in np.asarray(thetas, dtype=float)]
    return CATResults(theta_true=np.asarray(thetas, dtype=float),
                      theta_hat=np.array([r.estimate.theta for r in records]),
                      se=np.array([r.estimate.se for r in records]),
                      n_items=np.array([r.items.size for r in records], dtype=int),
                      level=np.array([r.level for r in records], dtype=int),
                      items=tuple(r.items for r in records))
