"""Differential item functioning by Mantel--Haenszel, with the ETS A/B/C classes.

Learners of a reference and a focal group (e.g. first language) are matched
on ability; for each item and stratum ``k`` the 2x2 table has :math:`A_k, B_k`
(reference right, wrong) and :math:`C_k, D_k` (focal right, wrong), :math:`N_k`
in all (Holland & Thayer, 1988):

.. math::

    \\hat\\alpha_{MH} = \\frac{\\sum_k A_k D_k / N_k}{\\sum_k B_k C_k / N_k}, \\qquad
    \\text{MH D-DIF} = -2.35 \\ln \\hat\\alpha_{MH},

negative when the item is harder for the focal group at equal ability. The
test is the continuity-corrected MH chi-square (1 df),

.. math::

    \\chi^2_{MH} = \\frac{(|\\sum_k A_k - \\sum_k E(A_k)| - \\tfrac12)^2}{\\sum_k \\operatorname{Var}(A_k)}, \\quad
    E(A_k) = \\frac{n_{Rk} m_{1k}}{N_k}, \\quad
    \\operatorname{Var}(A_k) = \\frac{n_{Rk} n_{Fk} m_{1k} m_{0k}}{N_k^2 (N_k - 1)},

and the SE of D-DIF is 2.35 times the Robins--Breslow--Greenland (1986) SE
of :math:`\\ln\\hat\\alpha_{MH}`.

ETS classes (Zwick, 2012; Dorans & Holland, 1993): **A** when D-DIF is not
significant (:math:`p \\ge 0.05`) or :math:`|D| < 1`; **C** when
:math:`|D| \\ge 1.5` and :math:`|D|` is significantly above 1 (one-sided
:math:`(|D| - 1)/SE > 1.645`); **B** otherwise.

Matching. Sparse logs have no common total score, so learners are matched on
strata of their EAP ability from the calibration (quantiles over the
learners in the comparison; :data:`DEFAULT_STRATA`). The EAP uses every answer
of the learner, the studied item included, as Holland and Thayer recommend
for the total score.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

#: ETS scale: D-DIF is -2.35 ln(alpha), the delta metric (4 x the logit / 1.7).
DELTA_SCALE = 2.35
ETS_A_BOUND = 1.0
ETS_C_BOUND = 1.5
SIGNIFICANCE = 0.05
#: One-sided 5% normal quantile for "|D| significantly above 1".
ONE_SIDED_Z = stats.norm.ppf(1 - SIGNIFICANCE)
CONTINUITY = 0.5
DEFAULT_STRATA = 10
#: Items with fewer responses than this in either group get no class.
MIN_GROUP_RESPONSES = 20


@dataclass(frozen=True)
class MantelHaenszel:
    """MH statistics per item, arrays of shape (m,); NaN where not computable."""

    n_reference: np.ndarray
    n_focal: np.ndarray
    alpha: np.ndarray
    d_dif: np.ndarray
    se_d_dif: np.ndarray
    chi_square: np.ndarray
    p_value: np.ndarray
    ets_class: np.ndarray


def strata_of(theta: np.ndarray, n_strata: int = DEFAULT_STRATA) -> np.ndarray:
    """Stratum 0..n_strata-1 of each ability by its quantile among ``theta``."""
    edges = np.quantile(theta, np.linspace(0, 1, n_strata + 1)[1:-1])
    return np.searchsorted(edges, theta, side="right")


def contingency_tables(item: np.ndarray, right: np.ndarray, stratum: np.ndarray, focal: np.ndarray,
                       n_items: int, n_strata: int) -> np.ndarray:
    """Counts (m, strata, group, right) with group 0 = reference, 1 = focal; per-response inputs."""
    cell = ((item * n_strata + stratum) * 2 + focal.astype(np.int64)) * 2 + right.astype(np.int64)
    return np.bincount(cell, minlength=n_items * n_strata * 4).reshape(n_items, n_strata, 2, 2).astype(float)


def mantel_haenszel(tables: np.ndarray) -> MantelHaenszel:
    """MH common odds ratio, D-DIF, its RBG SE, the MH chi-square and the ETS class (module docstring)."""
    a, b = tables[:, :, 0, 1], tables[:, :, 0, 0]
    c, d = tables[:, :, 1, 1], tables[:, :, 1, 0]
    n = a + b + c + d
    usable = n >= 2
    with np.errstate(invalid="ignore", divide="ignore"):
        inverse_n = np.where(usable, 1.0 / np.where(usable, n, 1.0), 0.0)
        r, s = a * d * inverse_n, b * c * inverse_n
        p, q = (a + d) * inverse_n, (b + c) * inverse_n
        r_sum, s_sum = r.sum(axis=1), s.sum(axis=1)
        alpha = r_sum / s_sum
        log_variance = ((p * r).sum(axis=1) / (2 * r_sum**2)
                        + (p * s + q * r).sum(axis=1) / (2 * r_sum * s_sum)
                        + (q * s).sum(axis=1) / (2 * s_sum**2))
        n_ref, n_foc, right, wrong = a + b, c + d, a + c, b + d
        expected = np.where(usable, n_ref * right * inverse_n, 0.0).sum(axis=1)
        variance = np.where(usable, n_ref * n_foc * right * wrong * inverse_n**2
                            / np.where(usable, n - 1, 1.0), 0.0).sum(axis=1)
        chi_square = (np.maximum(np.abs(np.where(usable, a, 0).sum(axis=1) - expected) - CONTINUITY, 0.0) ** 2
                      / variance)
        d_dif = -DELTA_SCALE * np.log(alpha)
        se = DELTA_SCALE * np.sqrt(log_variance)
    p_value = stats.chi2.sf(chi_square, df=1)
    n_reference, n_focal = n_ref.sum(axis=1), n_foc.sum(axis=1)
    enough = (n_reference >= MIN_GROUP_RESPONSES) & (n_focal >= MIN_GROUP_RESPONSES) & np.isfinite(d_dif)
    return MantelHaenszel(n_reference, n_focal, alpha, d_dif, se, chi_square, p_value,
                          np.where(enough, ets_classes(d_dif, se, p_value), ""))


def ets_classes(d_dif: np.ndarray, se: np.ndarray, p_value: np.ndarray) -> np.ndarray:
    """ETS A/B/C class of each item (module docstring)."""
    size = np.abs(d_dif)
    with np.errstate(invalid="ignore", divide="ignore"):
        above_one = (size - ETS_A_BOUND) / se > ONE_SIDED_Z
    negligible = (p_value >= SIGNIFICANCE) | (size < ETS_A_BOUND) | ~np.isfinite(d_dif)
    large = (size >= ETS_C_BOUND) & above_one
    return np.where(negligible, "A", np.where(large, "C", "B"))
