"""Item response models: Rasch/1PL, 2PL, 3PL and the generalized partial credit model.

All functions use the logistic metric (no scaling constant D = 1.7): a
discrimination of 1 means a one-logit change of ability multiplies the odds of
success by e. Shapes follow one convention throughout the package: ability
dimensions come first, item dimensions last, so ``probability(theta, a, b, c)``
with ``theta`` of shape ``(n,)`` and items of shape ``(m,)`` is ``(n, m)``, and
a scalar ``theta`` gives ``(m,)``.

Dichotomous models (Birnbaum, 1968; Lord, 1980):

.. math::

    P_j(\\theta) = c_j + (1 - c_j)\\,\\sigma\\big(a_j(\\theta - b_j)\\big),
    \\qquad \\sigma(x) = 1 / (1 + e^{-x}),

with Rasch/1PL the case :math:`a_j = 1, c_j = 0` and 2PL :math:`c_j = 0`.

Generalized partial credit model (Muraki, 1992), categories
:math:`k = 0..K_j`, step difficulties :math:`b_{j1}..b_{jK_j}`:

.. math::

    P_{jk}(\\theta) = \\frac{\\exp \\sum_{v=1}^{k} a_j(\\theta - b_{jv})}
                           {\\sum_{h=0}^{K_j} \\exp \\sum_{v=1}^{h} a_j(\\theta - b_{jv})}.
"""
from __future__ import annotations

import numpy as np
from scipy.special import expit, log_expit, logsumexp

#: Probabilities are kept inside [PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR] before
#: taking logs, so a pattern the model calls impossible gives a finite likelihood.
PROBABILITY_FLOOR = 1e-12


def _outer(theta: np.ndarray | float) -> np.ndarray:
    """Ability with a trailing axis for items (scalars stay scalars)."""
    theta = np.asarray(theta, dtype=float)
    return theta[..., np.newaxis] if theta.ndim else theta


def probability(theta, a, b, c=0.0) -> np.ndarray:
    """Probability of a right answer under the 3PL model (2PL when ``c = 0``).

    Parameters
    ----------
    theta : float or array_like, shape (n,)
        Ability.
    a, b, c : array_like, shape (m,)
        Discrimination, difficulty and lower asymptote of each item.

    Returns
    -------
    numpy.ndarray, shape (n, m), or (m,) for a scalar ``theta``.
    """
    a, b, c = (np.asarray(x, dtype=float) for x in (a, b, c))
    return c + (1.0 - c) * expit(a * (_outer(theta) - b))


def log_probabilities(theta, a, b, c=0.0) -> tuple[np.ndarray, np.ndarray]:
    """``(log P, log(1 - P))`` of the 3PL model, computed without cancellation.

    For ``c = 0`` both come from ``log_expit``, exact far into the tails; with
    ``c > 0`` :math:`\\log(1-P) = \\log(1-c) + \\log(1-\\sigma)`.
    """
    a, b, c = (np.asarray(x, dtype=float) for x in (a, b, c))
    z = a * (_outer(theta) - b)
    if not np.any(c):
        return log_expit(z), log_expit(-z)
    log_wrong = np.log1p(-c) + log_expit(-z)
    log_right = np.logaddexp(np.log(np.maximum(c, PROBABILITY_FLOOR)), log_wrong + z)
    log_right = np.where(c > 0, log_right, log_expit(z))
    return log_right, log_wrong


def log_likelihood(theta, a, b, c, score) -> np.ndarray:
    """Log-likelihood of 0/1 ``score`` on items ``a, b, c``, summed over items.

    Returns
    -------
    numpy.ndarray with the shape of ``theta``.
    """
    log_right, log_wrong = log_probabilities(theta, a, b, c)
    score = np.asarray(score, dtype=float)
    return np.sum(score * log_right + (1.0 - score) * log_wrong, axis=-1)


def information(theta, a, b, c=0.0) -> np.ndarray:
    """Fisher information of each item (Lord, 1980, eq. 5-6; Birnbaum, 1968).

    .. math::

        I_j(\\theta) = a_j^2 \\frac{Q_j}{P_j} \\left(\\frac{P_j - c_j}{1 - c_j}\\right)^2,

    which is :math:`a_j^2 P_j Q_j` for 2PL. Computed as
    :math:`a_j^2 (1 - c_j) P^*_j Q^*_j \\, P^*_j / P_j` with
    :math:`P^*_j = \\sigma(a_j(\\theta - b_j))`: no cancellation, and 0 (not
    NaN) where :math:`P^*_j` underflows.
    """
    a, b, c = (np.asarray(x, dtype=float) for x in (a, b, c))
    p_star = expit(a * (_outer(theta) - b))
    two_pl = a**2 * p_star * (1.0 - p_star)
    if not np.any(c):
        return two_pl
    return two_pl * (1.0 - c) * guessing_ratio(p_star, c)


def guessing_ratio(p_star, c) -> np.ndarray:
    """:math:`P^*_j / P_j`, the share of the success probability above the guessing floor.

    Exactly 1 for 2PL items (``c = 0``), also where :math:`P^*_j` underflows to 0.
    """
    p_star, c = np.asarray(p_star, dtype=float), np.asarray(c, dtype=float)
    p = c + (1.0 - c) * p_star
    return np.divide(p_star, p, out=np.ones(np.broadcast_shapes(p.shape, c.shape)), where=c > 0)


def _gpcm_steps(thresholds) -> tuple[np.ndarray, np.ndarray]:
    """Step difficulties as a float array (NaN pads unused steps) and the mask of used steps."""
    thresholds = np.atleast_2d(np.asarray(thresholds, dtype=float))
    return thresholds, ~np.isnan(thresholds)


def gpcm_log_probabilities(theta, a, thresholds) -> np.ndarray:
    """Log category probabilities of the GPCM (Muraki, 1992).

    Parameters
    ----------
    theta : float or array_like, shape (n,)
    a : array_like, shape (m,)
        Discrimination of each item.
    thresholds : array_like, shape (m, K)
        Step difficulties :math:`b_{jv}`; an item with fewer than ``K`` steps
        pads the rest with NaN (those categories get probability 0).

    Returns
    -------
    numpy.ndarray, shape (n, m, K + 1), or (m, K + 1) for a scalar ``theta``.
    """
    a = np.asarray(a, dtype=float)
    steps, used = _gpcm_steps(thresholds)
    z = a[:, np.newaxis] * (_outer(theta)[..., np.newaxis] - np.where(used, steps, 0.0))
    cumulative = np.cumsum(np.where(used, z, 0.0), axis=-1)
    zero = np.zeros(cumulative.shape[:-1] + (1,))
    numerator = np.concatenate([zero, cumulative], axis=-1)
    available = np.concatenate([np.ones(used.shape[:-1] + (1,), dtype=bool), used], axis=-1)
    numerator = np.where(available, numerator, -np.inf)
    return numerator - logsumexp(numerator, axis=-1, keepdims=True)


def gpcm_probabilities(theta, a, thresholds) -> np.ndarray:
    """Category probabilities of the GPCM; they sum to 1 over the last axis."""
    return np.exp(gpcm_log_probabilities(theta, a, thresholds))


def gpcm_log_likelihood(theta, a, thresholds, score) -> np.ndarray:
    """Log-likelihood of category ``score`` (0..K) on each item, summed over items."""
    log_p = gpcm_log_probabilities(theta, a, thresholds)
    score = np.asarray(score, dtype=int)
    chosen = np.take_along_axis(log_p, np.broadcast_to(score, log_p.shape[:-1])[..., np.newaxis],
                                axis=-1)[..., 0]
    return np.sum(chosen, axis=-1)


def gpcm_expected_score(theta, a, thresholds) -> np.ndarray:
    """Expected category :math:`E_j(\\theta) = \\sum_k k P_{jk}(\\theta)`."""
    p = gpcm_probabilities(theta, a, thresholds)
    return p @ np.arange(p.shape[-1], dtype=float)


def gpcm_information(theta, a, thresholds) -> np.ndarray:
    """Fisher information of each GPCM item (Muraki, 1993; Donoghue, 1994).

    .. math::

        I_j(\\theta) = a_j^2 \\left[\\sum_k k^2 P_{jk} - \\Big(\\sum_k k P_{jk}\\Big)^2\\right],

    :math:`a_j^2` times the variance of the category.
    """
    a = np.asarray(a, dtype=float)
    p = gpcm_probabilities(theta, a, thresholds)
    k = np.arange(p.shape[-1], dtype=float)
    mean = p @ k
    return a**2 * (p @ k**2 - mean**2)
