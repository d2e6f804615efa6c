r"""The marginal likelihood for fitting: one backward pass, then the population prior profiled out.

The forward filter (:mod:`engine.growth.filter`) gets each learner's
:math:`p(y_{1:T})` as the product of its normalisers. The same number comes
from the backward messages of the smoother: with :math:`\beta_T = 1` and
:math:`\beta_{t-1} = T_t^\top (L_t \odot \beta_t)` (:math:`L_t` answer
:math:`t`'s likelihood on the grid, :math:`T_t` the transition before it),

.. math::

    p(y_{1:T}) = \sum_x \pi(x)\, W(x), \qquad W = L_1 \odot \beta_1,

:math:`\pi` the population prior at the first answer (independent normals
for the growth rate and the ability). The transitions depend on the answers'
times and on the transition parameters :math:`(q, c, \lambda, q_g)` alone,
and :math:`W` does not depend on :math:`\pi` at all. So one backward pass per
value of the transition parameters gives every learner's :math:`W`, and the
marginal likelihood of *any* prior is then a weighted sum:
:func:`best_priors` maximises it over the four prior parameters
:math:`(\mu_\theta, \sigma_\theta, \mu_g, \sigma_g)` exactly (Newton steps on
the analytic gradient; a few milliseconds), the profile likelihood
:math:`\max_\pi \log p(y \mid q, c, \lambda, q_g, \pi)` that
:func:`engine.growth.fit_growth` maximises over the transition parameters.

The pass is organised for speed, not for per-answer estimates:

- learners sorted by their number of answers, so that step :math:`t` works
  on the prefix of learners who have a :math:`t`-th answer (no padding);
- the likelihood factorised: with :math:`s = \pm 1` for a right or wrong
  answer, :math:`\sigma(s a (u + g\tau - b)) = 1 / (1 + e^{-sa(u-b)} e^{-sag\tau})`,
  two exponentials of size (learners x Q) and (learners x G) per step in
  place of a logistic of size (learners x G x Q);
- the messages rescaled every :data:`RESCALE_STEPS` steps only (the
  scales kept in logs);
- learners in chunks of :data:`FIT_CHUNK_LEARNERS`, run in
  :data:`FIT_THREADS` threads (numpy releases the GIL in its loops).

The value equals :func:`engine.growth.log_marginal_likelihood` up to
rounding (the tests pin each learner's to 1e-10 relative), not bit for bit;
the filter keeps its own arithmetic.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from engine.growth.filter import _arrange
from engine.growth.model import TINY, GrowthGrid, GrowthParameters, prior_density
from engine.growth.transitions import _advance_transpose, _plan, _Transition

#: Most learners per chunk of the backward pass (a chunk's arrays are learners x grid). Each
#: answer costs a fixed overhead per chunk (Python, small arrays), which threads do not share (the
#: GIL): 150 learners run faster as one chunk than as two in two threads, 600 faster as two.
FIT_CHUNK_LEARNERS = 300
#: Most backward steps between two rescalings of the messages (a step's likelihood is at least
#: about 1e-3 where it matters, so 16 of them stay far above the smallest double).
RESCALE_STEPS = 16
#: Threads running the chunks (numpy's loops release the GIL).
FIT_THREADS = max(1, min(4, os.cpu_count() or 1))
#: Newton steps for the prior (:func:`best_priors`): central-difference step of the Hessian, at most
#: PRIOR_STEPS steps, stop when one gains less than PRIOR_TOLERANCE in log-likelihood.
PRIOR_DIFFERENCE = 1e-4
PRIOR_STEPS = 50
PRIOR_TOLERANCE = 1e-7
#: Floors for estimated SDs, so the prior never collapses to a point by accident.
MIN_GROWTH_SD = 1e-3
MIN_THETA_SD = 0.05


@dataclass(frozen=True)
class _Chunk:
    """Some learners' answers, learners sorted by decreasing number of answers; arrays step x learner.

    ``active[t]`` learners (the first ones) have an answer ``t``; the cells
    beyond a learner's last answer are never read.
    """

    active: np.ndarray
    elapsed: np.ndarray
    a: np.ndarray
    b: np.ndarray
    c: np.ndarray
    right: np.ndarray

    @property
    def n_learners(self) -> int:
        return int(self.active[0])


@dataclass(frozen=True)
class FitData:
    """A response log arranged for :class:`MarginalLikelihood`: chunks of learners of similar length.

    ``learners`` lists each learner's rows of the input (time order),
    longest first; :meth:`sample` takes a subset spread over the lengths.
    """

    learners: tuple[np.ndarray, ...]
    days: np.ndarray
    a: np.ndarray
    b: np.ndarray
    c: np.ndarray
    right: np.ndarray

    @classmethod
    def of(cls, learner: np.ndarray, days: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray,
           score: np.ndarray) -> FitData:
        days = np.asarray(days, dtype=float)
        batch = _arrange(learner, days)
        starts = np.searchsorted(batch.learner_code, np.arange(batch.n_learners + 1))
        rows = [batch.order[starts[k]:starts[k + 1]] for k in range(batch.n_learners)]
        counts = np.array([r.size for r in rows])
        longest_first = np.argsort(-counts, kind="stable")
        return cls(tuple(rows[k] for k in longest_first), days, np.asarray(a, dtype=float),
                   np.asarray(b, dtype=float), np.asarray(c, dtype=float), np.asarray(score) > 0)

    @property
    def n_learners(self) -> int:
        return len(self.learners)

    @property
    def n_answers(self) -> int:
        return sum(rows.size for rows in self.learners)

    def sample(self, n_learners: int) -> FitData:
        """``n_learners`` learners evenly spaced in the order of their number of answers (all if fewer)."""
        if n_learners >= self.n_learners:
            return self
        chosen = np.unique(np.linspace(0, self.n_learners - 1, n_learners).round().astype(int))
        return replace(self, learners=tuple(self.learners[k] for k in chosen))

    def chunks(self, size: int = FIT_CHUNK_LEARNERS) -> list[_Chunk]:
        """Chunks of at most ``size`` learners, as few as that allows; chunk ``k`` takes every
        ``n``-th learner from the ``k``-th, so the chunks have alike lengths (their work is balanced
        across threads)."""
        n_chunks = -(-self.n_learners // size)
        return [self._chunk(self.learners[k::n_chunks]) for k in range(n_chunks)]

    def _chunk(self, learners: tuple[np.ndarray, ...]) -> _Chunk:
        counts = np.array([r.size for r in learners])
        n_steps = int(counts[0])
        active = (counts[None, :] > np.arange(n_steps)[:, None]).sum(axis=1)
        arrays = {name: np.zeros((n_steps, counts.size)) for name in ("days", "a", "b", "c", "right")}
        for k, rows in enumerate(learners):
            for name, values in (("days", self.days), ("a", self.a), ("b", self.b), ("c", self.c),
                                 ("right", self.right)):
                arrays[name][:rows.size, k] = values[rows]
        elapsed = np.diff(arrays["days"], axis=0, prepend=arrays["days"][:1])
        return _Chunk(active, elapsed, arrays["a"], arrays["b"], arrays["c"], arrays["right"] > 0)


def _likelihood(grid: GrowthGrid, tau: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray,
                right: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    r"""One 3PL answer's likelihood per learner on the grid, (L, G, Q), factorised (module notes).

    With :math:`s a (u + g	au - b) = x_u + y_g`: :math:`(1 - c)\,\sigma(x_u + y_g) =
    (1 - c)\,e^{y_g} / (e^{y_g} + e^{-x_u})`, plus :math:`c` for a right answer. Written into ``out``
    if given (a scratch array of that shape: no fresh allocation per answer).
    """
    signed = np.where(right, a, -a)
    by_u = np.exp(-signed[:, None] * (grid.u[None, :] - b[:, None]))
    by_growth = np.exp((signed * tau)[:, None] * grid.growth[None, :])
    out = np.add(by_growth[:, :, None], by_u[:, None, :], out=out)
    np.divide(((1.0 - c)[:, None] * by_growth)[:, :, None], out, out=out)
    floor = np.where(right, c, 0.0)
    if np.any(floor):
        out += floor[:, None, None]
    return out


def _schedule(chunk: _Chunk, params: GrowthParameters, grid: GrowthGrid
              ) -> tuple[list[np.ndarray], list[_Transition]]:
    """Each step's trend time and transition for the active learners (they depend on the times alone)."""
    n_learners = chunk.n_learners
    tau, pending = np.zeros(n_learners), np.zeros(n_learners)
    taus, transitions = [], []
    for t, n in enumerate(chunk.active):
        step_tau, step_pending, transition = _plan(chunk.elapsed[t, :n], tau[:n], pending[:n], params, grid)
        tau[:n], pending[:n] = step_tau, step_pending
        taus.append(step_tau)
        transitions.append(transition)
    return taus, transitions


def _backward(chunk: _Chunk, params: GrowthParameters, grid: GrowthGrid) -> tuple[np.ndarray, np.ndarray]:
    r"""Each learner's :math:`W = L_1 \odot \beta_1` (L, G, Q), scaled to a maximum near 1, and the log
    of the scale: :math:`p(y) = e^{\text{log\_scale}} \sum_x \pi(x) W(x)`.

    The messages are rescaled by their maximum every :data:`RESCALE_STEPS`
    steps (the transposed transitions are linear, so when does not matter).
    """
    taus, transitions = _schedule(chunk, params, grid)
    beta = np.ones((chunk.n_learners, grid.growth.size, grid.u.size))
    scratch = np.empty_like(beta)
    log_scale = np.zeros(chunk.n_learners)
    for t in range(len(taus) - 1, 0, -1):
        n = int(chunk.active[t])
        message = beta[:n]
        message *= _likelihood(grid, taus[t], chunk.a[t, :n], chunk.b[t, :n], chunk.c[t, :n], chunk.right[t, :n],
                               out=scratch[:n])
        message = _advance_transpose(message, transitions[t], grid)
        if t % RESCALE_STEPS == 0:
            top = np.maximum(message.max(axis=(1, 2)), TINY)
            np.divide(message, top[:, None, None], out=beta[:n])
            log_scale[:n] += np.log(top)
    beta *= _likelihood(grid, taus[0], chunk.a[0], chunk.b[0], chunk.c[0], chunk.right[0], out=scratch)
    return beta, log_scale


@dataclass(frozen=True)
class Evaluation:
    """The log marginal likelihood at some transition parameters, and the parameters (priors fitted
    or kept) it was reached with."""

    loglik: float
    params: GrowthParameters


class MarginalLikelihood:
    """:math:`\\log p(y \\mid \\psi)` summed over learners, by the backward pass (module notes).

    ``fit_priors``: each call maximises over the population prior
    (:func:`best_priors`, warm-started at the parameters given) and returns
    the parameters with the best prior; otherwise the prior given is kept.
    Calls are cached on the transition parameters.
    """

    def __init__(self, data: FitData, fit_priors: bool = True, threads: int = FIT_THREADS):
        self.data = data
        self.fit_priors = fit_priors
        self.threads = threads
        self._chunks = data.chunks()
        self._cache: dict[tuple[float, ...], Evaluation] = {}

    def __call__(self, params: GrowthParameters) -> Evaluation:
        key: tuple[float, ...] = (params.drift, params.growth_drift, params.growth_gap_days,
                                  params.growth_decay, float(params.growth_sd == 0.0))
        if not self.fit_priors:
            key += (params.growth_mean, params.growth_sd, params.theta_mean, params.theta_sd)
        if key not in self._cache:
            self._cache[key] = self._evaluate(params)
        return self._cache[key]

    def weights(self, params: GrowthParameters) -> tuple[np.ndarray, np.ndarray]:
        """Every learner's :math:`W` as (learners, G * Q) and its log scale, for the grid of ``params``."""
        grid = GrowthGrid.default(params)
        if self.threads > 1 and len(self._chunks) > 1:
            with ThreadPoolExecutor(min(self.threads, len(self._chunks))) as pool:
                parts = list(pool.map(lambda chunk: _backward(chunk, params, grid), self._chunks))
        else:
            parts = [_backward(chunk, params, grid) for chunk in self._chunks]
        weights = np.concatenate([w.reshape(w.shape[0], -1) for w, _ in parts])
        return weights, np.concatenate([s for _, s in parts])

    def _evaluate(self, params: GrowthParameters) -> Evaluation:
        weights, log_scale = self.weights(params)
        grid = GrowthGrid.default(params)
        if self.fit_priors and grid.growth.size > 1:
            return best_priors(weights, log_scale, grid, params)
        prior = prior_density(params, grid).ravel()
        return Evaluation(float(np.sum(np.log(np.maximum(np.einsum("lx,x->l", weights, prior), TINY))
                                       + log_scale)), params)


def _normal_on_nodes(nodes: np.ndarray, mean: float, log_sd: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Normalised N(mean, sd^2) weights on the nodes, and the derivatives of their logs by mean and log sd."""
    sd = np.exp(log_sd)
    z = (nodes - mean) / sd
    weights = np.exp(-0.5 * z**2 + 0.5 * np.min(z**2))
    weights /= weights.sum()
    by_mean = z / sd - weights @ z / sd
    by_log_sd = z**2 - weights @ z**2
    return weights, by_mean, by_log_sd


def best_priors(weights: np.ndarray, log_scale: np.ndarray, grid: GrowthGrid, start: GrowthParameters
                ) -> Evaluation:
    r"""The population prior maximising :math:`\sum_i \log \sum_x \pi(x) W_i(x)`, and that maximum.

    :math:`\pi(g, u) = w_g\,w_u`, normal weights on the grid's nodes
    (normalised as :func:`engine.growth.prior_density` does); the variables
    are :math:`(\mu_\theta, \log\sigma_\theta, \mu_g, \log\sigma_g)`, kept within
    the grid and above :data:`MIN_THETA_SD`, :data:`MIN_GROWTH_SD`. The
    gradient of :math:`\log \sum_x \pi W_i` is the posterior mean of
    :math:`\partial \log\pi`, summed over learners; Newton steps with the
    Hessian from central differences of that gradient (eigenvalues mirrored
    where it is not negative definite), projected on the bounds, halved until
    the log-likelihood does not fall, from ``start``'s prior until a step
    changes it by less than :data:`PRIOR_TOLERANCE` (at most
    :data:`PRIOR_STEPS`). No BLAS or LAPACK call but one 4 x 4
    eigendecomposition per step: the library's threads, woken for tiny
    problems on a busy machine, cost more than the work (scipy's L-BFGS-B
    took 60 ms here for 4 variables).
    """
    n_growth, n_u = grid.growth.size, grid.u.size

    def value_and_gradient(x: np.ndarray) -> tuple[float, np.ndarray]:
        w_u, du_mean, du_sd = _normal_on_nodes(grid.u, x[0], x[1])
        w_g, dg_mean, dg_sd = _normal_on_nodes(grid.growth, x[2], x[3])
        prior = np.outer(w_g, w_u)
        total = np.maximum(np.einsum("lx,x->l", weights, prior.ravel()), TINY)
        posterior = np.einsum("l,lx->x", 1.0 / total, weights).reshape(n_growth, n_u) * prior
        by_u, by_growth = posterior.sum(axis=0), posterior.sum(axis=1)
        gradient = np.array([by_u @ du_mean, by_u @ du_sd, by_growth @ dg_mean, by_growth @ dg_sd])
        return float(np.sum(np.log(total))), gradient

    low = np.array([grid.u[0], np.log(MIN_THETA_SD), grid.growth[0], np.log(MIN_GROWTH_SD)])
    high = np.array([grid.u[-1], np.log(grid.u[-1] - grid.u[0]), grid.growth[-1],
                     np.log(grid.growth[-1] - grid.growth[0])])
    x = np.clip(np.array([start.theta_mean, np.log(max(start.theta_sd, MIN_THETA_SD)), start.growth_mean,
                          np.log(max(start.growth_sd, MIN_GROWTH_SD))]), low, high)
    value, gradient = value_and_gradient(x)
    unit = np.eye(4) * PRIOR_DIFFERENCE
    for _ in range(PRIOR_STEPS):
        hessian = np.stack([(value_and_gradient(x + e)[1] - value_and_gradient(x - e)[1]) / (2 * PRIOR_DIFFERENCE)
                            for e in unit], axis=1)
        values, vectors = np.linalg.eigh(0.5 * (hessian + hessian.T))
        step = vectors @ ((vectors.T @ gradient) / np.maximum(np.abs(values), 1e-8))
        scale = 1.0
        while True:
            trial = np.clip(x + scale * step, low, high)
            trial_value, trial_gradient = value_and_gradient(trial)
            if trial_value >= value or scale < 1e-6:
                break
            scale /= 2
        done = trial_value - value < PRIOR_TOLERANCE
        if trial_value >= value:
            x, value, gradient = trial, trial_value, trial_gradient
        if done:
            break
    params = replace(start, theta_mean=float(x[0]), theta_sd=float(np.exp(x[1])), growth_mean=float(x[2]),
                     growth_sd=float(np.exp(x[3])))
    return Evaluation(value + float(np.sum(log_scale)), params)
