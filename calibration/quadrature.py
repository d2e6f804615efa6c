"""The fixed quadrature grid of the EM and the population density on it.

Bock and Aitkin (1981) replace the integral over ability by a sum over a fixed
grid of nodes :math:`\\theta_q` with weights :math:`w_q`. The grid here is
equally spaced and never moves; the population density :math:`N(\\mu,
\\sigma^2)` enters only through the weights

.. math::

    w_q = \\frac{\\varphi\\big((\\theta_q - \\mu)/\\sigma\\big)}
               {\\sum_r \\varphi\\big((\\theta_r - \\mu)/\\sigma\\big)},

so the population mean and SD can be re-estimated between EM cycles (the
empirical-histogram step of Bock and Aitkin, restricted to a normal shape;
Mislevy, 1984) without rebuilding anything that depends on the nodes.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

#: Default number of nodes and half-width of the grid (logits): 41 nodes on
#: [-6, 6] are 0.3 logits apart, fine for a posterior SD of 0.3 or more, and
#: leave room for a population shifted by 2 SD.
DEFAULT_POINTS = 41
DEFAULT_HALF_WIDTH = 6.0

#: The smallest population SD the EM keeps (logits; see :func:`update_population`).
MIN_POPULATION_SD = 0.1


def grid(points: int = DEFAULT_POINTS, half_width: float = DEFAULT_HALF_WIDTH) -> np.ndarray:
    """Equally spaced nodes :math:`\\theta_q` on ``[-half_width, half_width]``."""
    if points < 3:
        raise ValueError(f"need at least 3 quadrature points, got {points}")
    return np.linspace(-half_width, half_width, points)


def normal_log_weights(nodes: np.ndarray, mean: float, sd: float) -> np.ndarray:
    """Log weights :math:`\\log w_q` of :math:`N(\\text{mean}, \\text{sd}^2)` on the grid (sum to 1)."""
    log_density = -0.5 * ((nodes - mean) / sd) ** 2
    return log_density - logsumexp(log_density)


@dataclass(frozen=True)
class Population:
    """Mean and SD of the ability distribution on the calibration scale."""

    mean: float = 0.0
    sd: float = 1.0


def update_population(nodes: np.ndarray, node_mass: np.ndarray, estimate_mean: bool,
                      estimate_sd: bool, current: Population) -> Population:
    """M-step for the population: moments of the posterior mass on the nodes.

    With :math:`\\bar n_q = \\sum_i p_{iq}` the posterior mass of node ``q``
    summed over learners (``node_mass``) and :math:`N = \\sum_q \\bar n_q`:

    .. math::

        \\hat\\mu = \\frac{1}{N}\\sum_q \\bar n_q \\theta_q, \\qquad
        \\hat\\sigma^2 = \\frac{1}{N}\\sum_q \\bar n_q (\\theta_q - \\hat\\mu)^2

    (Bock & Aitkin, 1981; Mislevy, 1984). A parameter not estimated keeps its
    current value.
    """
    total = node_mass.sum()
    mean = float(node_mass @ nodes / total) if estimate_mean else current.mean
    sd = float(np.sqrt(node_mass @ (nodes - mean) ** 2 / total)) if estimate_sd else current.sd
    # One learner (or learners who all answered alike) is no population: each EM step
    # narrows the posterior under a narrower prior and the SD runs to 0 (log 0 in the
    # packed state). The floor is far below any real class's spread, so it never binds there.
    return Population(mean, max(sd, MIN_POPULATION_SD) if estimate_sd else sd)
