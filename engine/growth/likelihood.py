"""One answer's likelihood on the growth grid, and the posterior moments read off a density.

Both work in the trend frame of :mod:`engine.growth.model`: the ability at
node :math:`(g, u)` is :math:`\\theta = u + g\\,\\tau`, ``tau`` the trend time
since the frame's anchor (:meth:`~engine.growth.model.GrowthGrid.theta`).
"""
from __future__ import annotations

import numpy as np
from scipy.special import expit

from engine.growth.model import GrowthGrid


def _likelihood(grid: GrowthGrid, tau: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray,
                score: np.ndarray) -> np.ndarray:
    """Likelihood of one dichotomous 3PL answer per learner on the grid: (L, G, Q).

    With :math:`s = \\pm 1` for a right or wrong answer, the 2PL part is
    :math:`\\sigma(s\\,a(\\theta - b))`; the 3PL adds :math:`c` to a right answer.
    """
    a, b, c, score = (np.asarray(v, dtype=float) for v in (a, b, c, score))
    sign = np.where(score > 0, 1.0, -1.0)
    slope = (sign * a)[:, None, None]
    offset = (sign * a)[:, None] * (grid.growth[None, :] * np.asarray(tau, dtype=float)[:, None] - b[:, None])
    logistic = np.add(slope * grid.u[None, None, :], offset[:, :, None])
    expit(logistic, out=logistic)
    if not np.any(c):
        return logistic
    c = c[:, None, None]
    return np.where(score[:, None, None] > 0, c + (1.0 - c) * logistic, (1.0 - c) * logistic)


def _moments(density: np.ndarray, grid: GrowthGrid, tau: np.ndarray, decay: float = 0.0
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Posterior mean and SD of theta, and mean growth rate (now: decayed by 1 - decay tau), per learner."""
    theta = grid.theta(tau)
    mean = np.sum(density * theta, axis=(1, 2))
    variance = np.maximum(np.sum(density * theta**2, axis=(1, 2)) - mean**2, 0.0)
    growth_mean = density.sum(axis=2) @ grid.growth
    if decay > 0:
        growth_mean = growth_mean * (1.0 - decay * np.asarray(tau, dtype=float))
    return mean, np.sqrt(variance), growth_mean
