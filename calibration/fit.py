"""Item fit: infit and outfit mean squares from the learners' EAP abilities.

For response :math:`x_{ij}` with model expectation :math:`E_{ij} =
E[X_j \\mid \\hat\\theta_i]` and variance :math:`W_{ij} = \\operatorname{Var}[X_j
\\mid \\hat\\theta_i]` at the learner's EAP :math:`\\hat\\theta_i` (Wright &
Masters, 1982, ch. 5; Linacre, 2002):

.. math::

    \\text{outfit}_j = \\frac{1}{N_j}\\sum_i \\frac{(x_{ij} - E_{ij})^2}{W_{ij}}, \\qquad
    \\text{infit}_j = \\frac{\\sum_i (x_{ij} - E_{ij})^2}{\\sum_i W_{ij}},

over the learners who answered item ``j`` (sparse: one term per response).
Both have expectation 1 when the item fits; outfit is sensitive to
surprising answers far from the item's difficulty, infit to misfit near it.
An item is flagged (with at least :data:`MIN_FIT_RESPONSES` responses) when
infit leaves [:data:`MISFIT_LOW`, :data:`MISFIT_HIGH`] or outfit exceeds
:data:`MISFIT_HIGH` (the bands of Wright & Linacre, 1994). Residuals at
EAPs are smaller than at the true abilities (the EAP follows the learner's
own answers, the item's included), which pulls both statistics below 1 for
short tests, most of all outfit of items far from the learners (0.7 is
reached by fitting items with 20 answers per learner); so low outfit alone
(overfit, "not degrading" in Linacre's words) is reported but not flagged.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine import models

MISFIT_LOW = 0.7
MISFIT_HIGH = 1.3
MIN_FIT_RESPONSES = 30
#: Variances below this are treated as this (a response the model calls certain).
MIN_VARIANCE = 1e-9


@dataclass(frozen=True)
class ItemFit:
    """Infit and outfit mean squares and the misfit flag of every item, arrays of shape (m,)."""

    infit: np.ndarray
    outfit: np.ndarray
    n_responses: np.ndarray
    misfit: np.ndarray


def expected_and_variance(theta: np.ndarray, a: np.ndarray, steps: np.ndarray, c: np.ndarray,
                          gpcm: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per-response :math:`E` and :math:`W` at abilities ``theta`` (all arrays per response).

    Uses the engine's models elementwise by shifting the difficulties:
    :math:`a(\\theta - b) = a(0 - (b - \\theta))`, so each response is its own
    item evaluated at ability 0. Dichotomous: :math:`E = P`, :math:`W =
    P(1-P)`; GPCM: :math:`E = \\sum_k k P_k`, :math:`W = \\sum_k k^2 P_k - E^2`.
    """
    if gpcm:
        p = models.gpcm_probabilities(0.0, a, steps - theta[:, None])
        k = np.arange(p.shape[-1], dtype=float)
        expected = p @ k
        return expected, np.maximum(p @ k**2 - expected**2, MIN_VARIANCE)
    p = models.probability(0.0, a, steps[:, 0] - theta, c)
    return p, np.maximum(p * (1 - p), MIN_VARIANCE)


def mean_squares(item: np.ndarray, score: np.ndarray, expected: np.ndarray, variance: np.ndarray,
                 n_items: int) -> ItemFit:
    """Infit/outfit of each item from per-response expectations (see module docstring)."""
    squared = (score - expected) ** 2
    count = np.bincount(item, minlength=n_items)
    with np.errstate(invalid="ignore", divide="ignore"):
        outfit = np.bincount(item, weights=squared / variance, minlength=n_items) / count
        infit = (np.bincount(item, weights=squared, minlength=n_items)
                 / np.bincount(item, weights=variance, minlength=n_items))
    outside = (infit < MISFIT_LOW) | (infit > MISFIT_HIGH) | (outfit > MISFIT_HIGH)
    return ItemFit(infit, outfit, count, outside & (count >= MIN_FIT_RESPONSES))
