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
Each mean square is also standardised (Wright & Masters, 1982, eqs. 5.4.7–5.4.9;
Wilson–Hilferty cube root): with :math:`C_{ij} = E[(X - E_{ij})^4]`,

.. math::

    q_{\\text{out}}^2 = \\frac{1}{N_j^2}\\sum_i \\Bigl(\\frac{C_{ij}}{W_{ij}^2} - 1\\Bigr), \\qquad
    q_{\\text{in}}^2 = \\frac{\\sum_i (C_{ij} - W_{ij}^2)}{(\\sum_i W_{ij})^2}, \\qquad
    t = \\bigl(\\text{MS}^{1/3} - 1\\bigr)\\frac{3}{q} + \\frac{q}{3},

approximately standard normal when the item fits. An item (with at least
:data:`MIN_FIT_RESPONSES` responses) *underfits* when infit or outfit exceeds
:data:`MISFIT_HIGH` with :math:`t` above :data:`MISFIT_T`: its answers follow the
learners' abilities less than the model says (a wrong key, two right answers, a clue,
a slip of the eye). It *overfits* when infit is below :data:`MISFIT_LOW` with
:math:`t` below :math:`-`:data:`MISFIT_T`: it tells abilities apart better than its
:math:`a` says, which a calibration mends; not the exercise's fault ("not degrading",
Linacre). ``misfit`` is either (the bands of Wright & Linacre, 1994). :math:`t` is
required as well because a mean square far from 1 is common by chance for an easy or
hard item, whose fit rests on a few surprising answers. About 1.5 % of fitting items
are still flagged by chance (3 of 200 simulated ones, ``tests/calibration/test_fit.py``;
one, an easy item with 875 answers, infit 1.45 and :math:`t = 2.7`).

Residuals at EAPs (the calibration report) are smaller than at the true abilities
(the EAP follows the learner's own answers, the item's included), which pulls both
statistics below 1 for short tests, most of all outfit of items far from the
learners (0.7 is reached by fitting items with 20 answers per learner): low outfit
is never a flag, and overfit there says little.

The service, which keeps every learner's estimate as it was before each answer,
uses the *predictive* expectation instead (:func:`predictive_moments`):
the answer's probability averaged over the ability's posterior before it,
:math:`\\bar P_{ij} = \\int P_j(\\theta)\\,N(\\theta; \\hat\\theta_{i}^-, s_{i}^{-2})\\,d\\theta`,
and :math:`W_{ij} = \\bar P_{ij}(1 - \\bar P_{ij})`. When the posterior is right, :math:`E[(x_{ij} -
\\bar P_{ij})^2] = W_{ij}` exactly (the estimate does not contain the answer, and its
uncertainty is in :math:`\\bar P`), so both statistics have expectation 1 without the
pull below 1 of residuals at EAPs; this is the posterior predictive check of Gelman,
Meng & Stern (1996) applied to one answer at a time.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine import models

MISFIT_LOW = 0.7
MISFIT_HIGH = 1.3
MIN_FIT_RESPONSES = 30
#: |t| beyond which a mean square outside its band is flagged (Linacre's "significant").
MISFIT_T = 2.0
#: Variances below this are treated as this (a response the model calls certain).
MIN_VARIANCE = 1e-9
#: Gauss–Hermite nodes for the predictive probability: within 1e-5 of adaptive quadrature
#: for a up to 3 and posterior SDs up to the prior's 1 (tests/calibration/test_fit.py).
PREDICTIVE_NODES = 41
# Computed once (a third of a millisecond each time): the probabilists' nodes and their
# weights, normalised to sum to 1.
_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(PREDICTIVE_NODES)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()


@dataclass(frozen=True)
class ItemFit:
    """Infit and outfit mean squares, their standardised :math:`t`, and the under- and
    overfit flags of every item, arrays of shape (m,)."""

    infit: np.ndarray
    outfit: np.ndarray
    n_responses: np.ndarray
    underfit: np.ndarray
    overfit: np.ndarray
    infit_t: np.ndarray
    outfit_t: np.ndarray

    @property
    def misfit(self) -> np.ndarray:
        return self.underfit | self.overfit


@dataclass(frozen=True)
class AnswerMoments:
    """Per-response model moments of the score: expectation :math:`E`, variance :math:`W`
    and fourth central moment :math:`C`."""

    expected: np.ndarray
    variance: np.ndarray
    fourth: np.ndarray


def _dichotomous(p: np.ndarray) -> AnswerMoments:
    variance = np.maximum(p * (1 - p), MIN_VARIANCE)
    return AnswerMoments(p, variance, np.maximum(variance * (p**3 + (1 - p) ** 3), MIN_VARIANCE**2))


def moments(theta: np.ndarray, a: np.ndarray, steps: np.ndarray, c: np.ndarray, gpcm: bool) -> AnswerMoments:
    """Per-response :math:`E`, :math:`W`, :math:`C` at abilities ``theta`` (all arrays per response).

    Uses the engine's models elementwise by shifting the difficulties:
    :math:`a(\\theta - b) = a(0 - (b - \\theta))`, so each response is its own
    item evaluated at ability 0. Dichotomous: :math:`E = P`, :math:`W =
    P(1-P)`, :math:`C = W(P^3 + (1-P)^3)`; GPCM: :math:`E = \\sum_k k P_k`,
    :math:`W = \\sum_k (k - E)^2 P_k`, :math:`C = \\sum_k (k - E)^4 P_k`.
    """
    if gpcm:
        p = models.gpcm_probabilities(0.0, a, steps - theta[:, None])
        k = np.arange(p.shape[-1], dtype=float)
        expected = p @ k
        deviation = k - expected[:, None]
        return AnswerMoments(expected, np.maximum((p * deviation**2).sum(axis=1), MIN_VARIANCE),
                             np.maximum((p * deviation**4).sum(axis=1), MIN_VARIANCE**2))
    return _dichotomous(models.probability(0.0, a, steps[:, 0] - theta, c))


def predictive_moments(theta: np.ndarray, se: np.ndarray, a: np.ndarray, b: np.ndarray,
                       c: np.ndarray) -> AnswerMoments:
    """Per-response predictive :math:`\\bar P`, and :math:`W` and :math:`C` of a
    dichotomous (3PL) answer with that probability, the ability :math:`N(\\theta, se^2)`
    before it (all arrays per response; see the module docstring).

    :math:`\\bar P = \\sum_k w_k P(\\theta + se\\,x_k)` with the probabilists' Gauss–Hermite
    nodes :math:`x_k` and weights :math:`w_k` (normalised to sum to 1).
    """
    theta, se, a, b, c = (np.asarray(x, dtype=float)[:, None] for x in (theta, se, a, b, c))
    # Each response its own item at ability 0, as in moments.
    p = models.probability(0.0, a, b - (theta + se * _NODES), c)
    return _dichotomous(p @ _WEIGHTS)


def standardised(mean_square: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Wilson–Hilferty :math:`t = (\\text{MS}^{1/3} - 1)(3/q) + q/3` of a mean square with
    model SD ``q``."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return (np.cbrt(mean_square) - 1) * 3 / q + q / 3


def mean_squares(item: np.ndarray, score: np.ndarray, answer: AnswerMoments, n_items: int) -> ItemFit:
    """Infit/outfit of each item and their :math:`t` from per-response moments (see module docstring)."""
    expected, variance, fourth = answer.expected, answer.variance, answer.fourth

    def total(weights: np.ndarray) -> np.ndarray:
        return np.bincount(item, weights=weights, minlength=n_items)

    squared = (score - expected) ** 2
    count = np.bincount(item, minlength=n_items)
    with np.errstate(invalid="ignore", divide="ignore"):
        outfit = total(squared / variance) / count
        infit = total(squared) / total(variance)
        outfit_t = standardised(outfit, np.sqrt(total(fourth / variance**2 - 1)) / count)
        infit_t = standardised(infit, np.sqrt(total(fourth - variance**2)) / total(variance))
    enough = count >= MIN_FIT_RESPONSES
    underfit = ((infit > MISFIT_HIGH) & (infit_t > MISFIT_T)) | ((outfit > MISFIT_HIGH) & (outfit_t > MISFIT_T))
    overfit = (infit < MISFIT_LOW) & (infit_t < -MISFIT_T)
    return ItemFit(infit, outfit, count, underfit & enough, overfit & enough, infit_t, outfit_t)
