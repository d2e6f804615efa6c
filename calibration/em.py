"""The two steps of Bock--Aitkin EM on sparse data, and the standard errors.

E-step (Bock & Aitkin, 1981). With :math:`X` the sparse indicator of
:mod:`calibration.data` and :math:`T` the table of log-probabilities,

.. math::

    p_{iq} = \\frac{w_q \\exp (XT)_{iq}}{\\sum_r w_r \\exp (XT)_{ir}}, \\qquad
    \\log L = \\sum_i \\log \\sum_q w_q \\exp (XT)_{iq},

and the expected counts :math:`\\bar r_{jxq} = (X^\\top P)_{(j,x),q}` (how
many learners at node ``q`` are expected to have answered item ``j`` with
category ``x``).

M-step: each item maximises its expected complete-data log posterior

.. math::

    Q_j(\\psi_j) = \\sum_q \\sum_x \\bar r_{jxq} \\log P_{jx}(\\theta_q; \\psi_j) + \\log p(\\psi_j)

by Fisher scoring, all items at once: gradient
:math:`g_j = \\sum_{q,x} \\bar r_{jxq} d_{jxq}` and information
:math:`I_j = \\sum_q \\bar n_{jq} \\sum_x P_{jxq} d_{jxq} d_{jxq}^\\top` with
:math:`d = \\partial \\log P / \\partial \\psi` and :math:`\\bar n_{jq} =
\\sum_x \\bar r_{jxq}`, plus the prior's curvature; the step is halved until
:math:`Q_j` does not fall.

Standard errors: the cross-product (XPD, empirical Fisher) information of
the marginal likelihood, per item block (Mislevy, 1984; Cai, 2008). By
Fisher's identity learner ``i``'s score for item ``j`` is
:math:`s_{ij} = \\sum_q p_{iq} d_{j x_{ij} q}`; the block is
:math:`\\sum_i s_{ij} s_{ij}^\\top` plus the prior's curvature, and its
inverse gives the covariance of :math:`\\psi_j`. Cross-item covariances are
ignored (block-diagonal approximation). :func:`xpd_full_covariance` keeps
them: each learner's score vector over every free parameter (items and the
estimated population), the whole :math:`\\sum_i s_i s_i^\\top` inverted at
once (for short tests, where the items' estimates are correlated through the
learners' uncertain abilities).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from calibration.data import Indicator, Responses
from calibration.parameters import Layout, Priors, log_prior, log_table, log_table_derivatives

#: Fisher-scoring steps per M-step (generalised EM: one improving step per cycle suffices).
NEWTON_STEPS = 1
#: Largest change of one working parameter in one step.
MAX_STEP = 1.0
#: Step halvings tried before an item keeps its old value.
MAX_HALVINGS = 6
#: Responses processed together when computing the standard errors.
SE_CHUNK = 1 << 17
#: Most free parameters the full cross-product covariance is computed for (a K x K matrix is inverted).
MAX_FULL_PARAMETERS = 4000


@dataclass(frozen=True)
class EStep:
    """Posterior weights (n, Q), each learner's marginal log-likelihood (n,), counts (m, S, Q),
    and the marginal log-likelihood :math:`\\log L` of all learners (the sum of ``learner_loglik``),
    which :func:`calibration.squarem.squarem` reads to stop and to accept an extrapolation."""

    posterior: np.ndarray
    learner_loglik: np.ndarray
    counts: np.ndarray
    loglik: float


def finite_table(table: np.ndarray) -> np.ndarray:
    """The table as (m * S, Q) with absent categories at 0 (no response ever indexes them)."""
    flat = table.reshape(-1, table.shape[-1])
    return np.where(np.isfinite(flat), flat, 0.0)


def e_step(x: Indicator, table: np.ndarray, log_weights: np.ndarray) -> EStep:
    """Posterior on the nodes for every learner and the expected counts (see module docstring)."""
    joint = x.matrix @ finite_table(table)
    joint += log_weights
    top = joint.max(axis=1)
    joint -= top[:, None]
    np.exp(joint, out=joint)
    total = joint.sum(axis=1)
    joint /= total[:, None]
    counts = (x.transpose @ joint).reshape(table.shape)
    learner_loglik = np.log(total) + top
    return EStep(joint, learner_loglik, counts, float(learner_loglik.sum()))


def expected_objective(psi: np.ndarray, free: np.ndarray, layout: Layout, c_fixed: np.ndarray,
                       nodes: np.ndarray, counts: np.ndarray, priors: Priors) -> np.ndarray:
    """:math:`Q_j(\\psi_j)` for every item, shape (m,)."""
    table = log_table(psi, layout, c_fixed, nodes)
    data = np.where(counts > 0, counts * np.where(np.isfinite(table), table, 0.0), 0.0)
    return data.sum(axis=(1, 2)) + log_prior(psi, free, layout, priors)[0]


def m_step(psi: np.ndarray, free: np.ndarray, layout: Layout, c_fixed: np.ndarray, nodes: np.ndarray,
           counts: np.ndarray, priors: Priors, steps: int = NEWTON_STEPS) -> np.ndarray:
    """Fisher-scoring steps with step halving on every free item at once; returns the new ``psi``."""
    fitted = free.any(axis=1)
    if not fitted.any():
        return psi
    psi = psi.copy()
    sub_free, sub_c, sub_counts = free[fitted], c_fixed[fitted], counts[fitted]
    current = psi[fitted]
    for _ in range(steps):
        table = log_table(current, layout, sub_c, nodes)
        slope = log_table_derivatives(current, sub_free, layout, sub_c, nodes)
        probability = np.exp(table)
        gradient = np.einsum("jxq,jxqp->jp", sub_counts, slope)
        weighted = (sub_counts.sum(axis=1)[:, None, :] * probability)[..., None] * slope
        information = np.einsum("jxqp,jxqr->jpr", weighted, slope)
        _, prior_gradient, prior_curvature = log_prior(current, sub_free, layout, priors)
        gradient += prior_gradient
        information += _diagonal(prior_curvature + ~sub_free)  # 1 on fixed entries keeps I invertible
        step = np.linalg.solve(information, np.where(sub_free, gradient, 0.0)[..., None])[..., 0]
        step = np.clip(np.where(sub_free, step, 0.0), -MAX_STEP, MAX_STEP)
        before = expected_objective(current, sub_free, layout, sub_c, nodes, sub_counts, priors)
        current = _halve_until_better(current, step, before, sub_free, layout, sub_c, nodes,
                                      sub_counts, priors)
    psi[fitted] = current
    return psi


def _diagonal(values: np.ndarray) -> np.ndarray:
    """Stack of diagonal matrices from rows of ``values``, (m, P) -> (m, P, P)."""
    return values[:, :, None] * np.eye(values.shape[1])


def _halve_until_better(psi, step, before, free, layout, c_fixed, nodes, counts, priors) -> np.ndarray:
    """Take ``step`` where it does not lower :math:`Q_j`; halve it for the other items."""
    accepted = psi.copy()
    pending = np.ones(len(psi), dtype=bool)
    scale = 1.0
    for _ in range(MAX_HALVINGS):
        trial = psi[pending] + scale * np.nan_to_num(step[pending])
        after = expected_objective(trial, free[pending], layout, c_fixed[pending], nodes,
                                   counts[pending], priors)
        better = after >= before[pending]
        rows = np.flatnonzero(pending)
        accepted[rows[better]] = trial[better]
        pending[rows[better]] = False
        if not pending.any():
            break
        scale /= 2
    return accepted


def _response_scores(responses: Responses, posterior: np.ndarray, slope: np.ndarray, stride: int
                     ) -> Iterator[tuple[slice, list[np.ndarray]]]:
    r"""Each response's score :math:`s = \sum_q p_{iq}\, d_{j x q}` for every parameter column,
    in chunks of :data:`SE_CHUNK` responses: (rows, one (chunk,) array per column)."""
    m, _, n_nodes, width = slope.shape
    columns = responses.item * stride + responses.score
    per_parameter = [np.ascontiguousarray(slope[..., p].reshape(m * stride, n_nodes)) for p in range(width)]
    for start in range(0, len(columns), SE_CHUNK):
        chunk = slice(start, start + SE_CHUNK)
        weights = posterior[responses.learner[chunk]]
        yield chunk, [np.einsum("nq,nq->n", weights, table[columns[chunk]]) for table in per_parameter]


def xpd_covariance(responses: Responses, posterior: np.ndarray, psi: np.ndarray, free: np.ndarray,
                   layout: Layout, c_fixed: np.ndarray, nodes: np.ndarray, priors: Priors) -> np.ndarray:
    """Covariance of each item's working parameters, (m, P, P), from the XPD information per item block.

    Fixed parameters get variance 0; items without free parameters are all zero.
    """
    m, width = psi.shape
    slope = log_table_derivatives(psi, free, layout, c_fixed, nodes)
    information = np.zeros((m, width, width))
    for chunk, score in _response_scores(responses, posterior, slope, layout.stride):
        for p in range(width):
            for r in range(p, width):
                block = np.bincount(responses.item[chunk], weights=score[p] * score[r], minlength=m)
                information[:, p, r] += block
                if r != p:
                    information[:, r, p] += block
    _, _, prior_curvature = log_prior(psi, free, layout, priors)
    information += _diagonal(prior_curvature + ~free)
    covariance = np.linalg.inv(information)
    mask = free[:, :, None] & free[:, None, :]
    return np.where(mask, covariance, 0.0)


class TooManyParameters(ValueError):
    """The full cross-product matrix would be too large (more than :data:`MAX_FULL_PARAMETERS`)."""


@dataclass(frozen=True)
class FullCovariance:
    """The full XPD covariance of every free parameter (:func:`xpd_full_covariance`).

    ``matrix`` (K, K) in the working parameters, items' free entries first
    (item by item, column by column: ``index[j, p]``, -1 where fixed), then
    the population's mean and log SD where they are estimated
    (``population_index``); ``blocks`` (m, P, P) the items' diagonal blocks,
    laid out as :func:`xpd_covariance` returns them.
    """

    matrix: np.ndarray
    index: np.ndarray
    population_index: dict[str, int]
    blocks: np.ndarray


def population_scores(posterior: np.ndarray, nodes: np.ndarray, mean: float, sd: float,
                      estimate_mean: bool, estimate_sd: bool) -> dict[str, np.ndarray]:
    r"""Each learner's score for the estimated population parameters: by Fisher's identity the
    posterior mean of :math:`\partial \log w_q` with :math:`w_q \propto \varphi((\theta_q - \mu)/\sigma)`
    normalised on the nodes (:mod:`calibration.quadrature`), for ``mean`` and ``log_sd``."""
    z = (nodes - mean) / sd
    weights = np.exp(-0.5 * z**2)
    weights /= weights.sum()
    out = {}
    if estimate_mean:
        out["mean"] = posterior @ (z / sd - weights @ z / sd)
    if estimate_sd:
        out["log_sd"] = posterior @ (z**2 - weights @ z**2)
    return out


def xpd_full_covariance(responses: Responses, posterior: np.ndarray, psi: np.ndarray, free: np.ndarray,
                        layout: Layout, c_fixed: np.ndarray, nodes: np.ndarray, priors: Priors,
                        population: dict[str, np.ndarray] | None = None) -> FullCovariance:
    r"""The covariance of all free parameters from the full cross-product (XPD) information.

    Learner ``i``'s score vector :math:`s_i` holds, for every free item
    parameter, the sum of :math:`s_{ij}` over the learner's responses to
    item ``j`` (zero for items not answered), and the population scores
    (``population``, :func:`population_scores`) where the population is
    estimated; the information is :math:`\sum_i s_i s_i^\top` plus the
    prior's curvature, inverted whole, so covariances between items (through
    the learners they share) and with the population are kept (Mislevy, 1984;
    Cai, 2008; Paek & Cai, 2014). Its size is the number of free parameters
    squared: meant for short tests (at most :data:`MAX_FULL_PARAMETERS`).
    """
    m, width = psi.shape
    population = population or {}
    index = np.full(free.shape, -1, dtype=np.int64)
    index[free] = np.arange(int(free.sum()))
    population_index = {name: int(free.sum()) + k for k, name in enumerate(population)}
    size = int(free.sum()) + len(population)
    if size > MAX_FULL_PARAMETERS:
        raise TooManyParameters(f"full cross-product standard errors need a {size} x {size} matrix; "
                         f"at most {MAX_FULL_PARAMETERS} free parameters (a short test) are allowed")
    slope = log_table_derivatives(psi, free, layout, c_fixed, nodes)
    rows, cols, values = [], [], []
    for chunk, score in _response_scores(responses, posterior, slope, layout.stride):
        item = responses.item[chunk]
        for p in range(width):
            used = index[item, p] >= 0
            rows.append(responses.learner[chunk][used])
            cols.append(index[item, p][used])
            values.append(score[p][used])
    n_learners = posterior.shape[0]
    for name, column in population_index.items():
        rows.append(np.arange(n_learners))
        cols.append(np.full(n_learners, column))
        values.append(population[name])
    scores = sparse.csr_matrix((np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))),
                               shape=(n_learners, size))  # repeated (learner, item) responses add up
    information = (scores.T @ scores).toarray()
    _, _, prior_curvature = log_prior(psi, free, layout, priors)
    information[np.diag_indices(size)] += np.concatenate([prior_curvature[free], np.zeros(len(population))])
    matrix = np.linalg.inv(information)
    blocks = np.zeros((m, width, width))
    for p in range(width):
        for r in range(width):
            both = (index[:, p] >= 0) & (index[:, r] >= 0)
            blocks[both, p, r] = matrix[index[both, p], index[both, r]]
    return FullCovariance(matrix, index, population_index, blocks)
