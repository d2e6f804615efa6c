r"""The batch forward filter and the forward--backward smoother.

Everything is vectorised over learners: a batch of response sequences is
processed in lock-step, one answer index at a time, in chunks of
:data:`CHUNK_LEARNERS` learners (:func:`_chunks`). For each chunk the forward
pass (:func:`_forward`) alternates the transition of
:mod:`engine.growth.transitions` with each answer's likelihood
(:mod:`engine.growth.likelihood`), normalising as it goes; the normalisers
add up to each learner's log marginal likelihood. The smoother's backward
pass (:func:`_backward`) carries the messages
:math:`\beta_t(x) = \sum_{x'} T(x, x')\,L_{t+1}(x')\,\beta_{t+1}(x')` back
through the transposed transitions the forward pass recorded, and reads the
moments of :math:`\alpha_t(x)\,\beta_t(x)`.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from engine.growth.likelihood import _likelihood, _moments
from engine.growth.model import TINY, GrowthGrid, GrowthParameters, _decay, prior_density
from engine.growth.transitions import _advance, _advance_transpose, _Transition

#: Learners processed together: bounds the smoother's memory (steps x chunk x grid).
CHUNK_LEARNERS = 256


@dataclass(frozen=True)
class GrowthTrack:
    """Estimates after each response of a batch, in the input order.

    ``theta`` and ``se`` are the posterior mean and SD of ability; ``growth``
    the posterior mean growth rate (logit/day); ``log_marginal`` each learner's
    log marginal likelihood, in order of the sorted learner codes.
    """

    theta: np.ndarray
    se: np.ndarray
    growth: np.ndarray
    log_marginal: np.ndarray = field(default_factory=lambda: np.zeros(0))


@dataclass(frozen=True)
class _Chunk:
    """Responses of some learners arranged learner x answer index, padded."""

    valid: np.ndarray
    days: np.ndarray
    a: np.ndarray
    b: np.ndarray
    c: np.ndarray
    score: np.ndarray

    def likelihood(self, grid: GrowthGrid, tau: np.ndarray, t: int) -> np.ndarray:
        """Likelihood of answer ``t`` of every learner on the grid, (L, G, Q); 1 for padding."""
        likelihood = _likelihood(grid, tau, self.a[:, t], self.b[:, t], self.c[:, t], self.score[:, t])
        likelihood[~self.valid[:, t]] = 1.0
        return likelihood


@dataclass(frozen=True)
class _ChunkResult:
    log_marginal: np.ndarray
    theta: np.ndarray
    se: np.ndarray
    growth: np.ndarray
    first: np.ndarray


@dataclass(frozen=True)
class _Forward:
    """The forward pass over a chunk.

    ``taus`` (T, L) is each step's trend time; ``filtered`` and
    ``transitions`` hold each step's normalised density (L, G, Q) and the
    :class:`~engine.growth.transitions._Transition` that led to it (both
    empty unless kept for the smoother); ``first`` is the density after each
    learner's first answer.
    """

    result: _ChunkResult
    taus: np.ndarray
    filtered: list[np.ndarray]
    transitions: list[_Transition]


def _normalised(density: np.ndarray) -> np.ndarray:
    """Each learner's density divided by its total (in place)."""
    density /= np.maximum(density.sum(axis=(1, 2)), TINY)[:, None, None]
    return density


def _forward(chunk: _Chunk, params: GrowthParameters, grid: GrowthGrid, keep: bool, moments: bool) -> _Forward:
    """Filter every learner of the chunk; ``keep`` what the backward pass needs, or the filtered ``moments``."""
    n_learners, n_steps = chunk.valid.shape
    density = np.broadcast_to(prior_density(params, grid),
                              (n_learners, grid.growth.size, grid.u.size)).copy()
    tau = np.zeros(n_learners)
    pending = np.zeros(n_learners)
    log_marginal = np.zeros(n_learners)
    elapsed = np.diff(chunk.days, axis=1, prepend=chunk.days[:, :1])
    taus = np.empty((n_steps, n_learners))
    filtered: list[np.ndarray] = []
    transitions: list[_Transition] = []
    decay = _decay(params)
    theta = np.empty((n_steps, n_learners))
    se = np.empty_like(theta)
    growth = np.empty_like(theta)
    first = density
    for t in range(n_steps):
        density, tau, pending, transition = _advance(density, elapsed[:, t], tau, pending, params, grid)
        density = density * chunk.likelihood(grid, tau, t)
        total = np.maximum(density.sum(axis=(1, 2)), TINY)
        log_marginal += np.where(chunk.valid[:, t], np.log(total), 0.0)
        density /= total[:, None, None]
        taus[t] = tau
        if keep:
            filtered.append(density)
            transitions.append(transition)
        elif moments:
            theta[t], se[t], growth[t] = _moments(density, grid, tau, decay)
        if t == 0:
            first = density
    return _Forward(_ChunkResult(log_marginal, theta, se, growth, first), taus, filtered, transitions)


def _backward(chunk: _Chunk, forward: _Forward, params: GrowthParameters, grid: GrowthGrid) -> _ChunkResult:
    """Smoothed moments at every step from a kept forward pass (module notes)."""
    decay = _decay(params)
    theta, se, growth = (np.empty_like(forward.result.theta) for _ in range(3))
    backward = np.ones_like(forward.filtered[-1])
    for t in range(len(forward.filtered) - 1, 0, -1):
        smoothed = _normalised(forward.filtered[t] * backward)
        theta[t], se[t], growth[t] = _moments(smoothed, grid, forward.taus[t], decay)
        message = _advance_transpose(backward * chunk.likelihood(grid, forward.taus[t], t),
                                     forward.transitions[t], grid)
        backward = message / np.maximum(message.max(axis=(1, 2)), TINY)[:, None, None]
    first = _normalised(forward.filtered[0] * backward)
    theta[0], se[0], growth[0] = _moments(first, grid, forward.taus[0], decay)
    return _ChunkResult(forward.result.log_marginal, theta, se, growth, first)


def _run_chunk(chunk: _Chunk, params: GrowthParameters, grid: GrowthGrid, smooth: bool,
               moments: bool = True) -> _ChunkResult:
    """Filtered (or, with ``smooth``, smoothed) estimates and log marginal likelihoods of one chunk.

    ``moments=False`` skips the filtered moments (only ``log_marginal`` and
    ``first`` are then meaningful), for the likelihood alone.
    """
    forward = _forward(chunk, params, grid, keep=smooth, moments=moments)
    return _backward(chunk, forward, params, grid) if smooth else forward.result


@dataclass(frozen=True)
class _Batch:
    """Index bookkeeping: which (learner, step) each response goes to."""

    order: np.ndarray
    learner_code: np.ndarray
    step: np.ndarray
    n_learners: int


def _arrange(learner: np.ndarray, days: np.ndarray) -> _Batch:
    learner = np.asarray(learner)
    days = np.asarray(days, dtype=float)
    order = np.lexsort((np.arange(days.size), days, learner))
    codes, learner_code = np.unique(learner[order], return_inverse=True)
    starts = np.searchsorted(learner_code, np.arange(codes.size))
    return _Batch(order, learner_code, np.arange(order.size) - starts[learner_code], codes.size)


def _padded(values: np.ndarray, rows: np.ndarray, learners: np.ndarray, steps: np.ndarray,
            shape: tuple[int, int], fill: float) -> np.ndarray:
    """``values[rows]`` placed at (learner, step) of a learner x step array, ``fill`` elsewhere."""
    out = np.full(shape, fill)
    out[learners, steps] = values[rows]
    return out


def _chunks(batch: _Batch, days: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray,
            score: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, _Chunk]]:
    """Yield (rows in sorted order, learner and step of each row, the chunk's learner codes, chunk) for
    groups of CHUNK_LEARNERS learners.

    Learners are grouped by their number of answers (longest first), so a
    chunk pads little; each learner's estimates do not depend on who shares
    its chunk (:func:`engine.growth.transitions._diffusion_kernel`).
    """
    sorted_days, sorted_a, sorted_b, sorted_c, sorted_score = (
        np.asarray(v, dtype=float)[batch.order] for v in (days, a, b, c, score))
    counts = np.bincount(batch.learner_code, minlength=batch.n_learners)
    by_length = np.argsort(-counts, kind="stable")
    rank = np.empty(batch.n_learners, dtype=np.int64)
    rank[by_length] = np.arange(batch.n_learners)
    rank_of_row = rank[batch.learner_code]
    for first in range(0, batch.n_learners, CHUNK_LEARNERS):
        rows = np.flatnonzero((rank_of_row >= first) & (rank_of_row < first + CHUNK_LEARNERS))
        learners = rank_of_row[rows] - first
        steps = batch.step[rows]
        shape = (int(learners.max()) + 1, int(steps.max()) + 1)
        valid = np.zeros(shape, dtype=bool)
        valid[learners, steps] = True
        day_grid = np.where(valid, _padded(sorted_days, rows, learners, steps, shape, 0.0), -np.inf)
        # Padding after a learner's last answer repeats that time: no elapsed time.
        day_grid = np.maximum.accumulate(day_grid, axis=1)
        yield rows, learners, steps, by_length[first:first + CHUNK_LEARNERS], _Chunk(
            valid, day_grid, _padded(sorted_a, rows, learners, steps, shape, 1.0),
            _padded(sorted_b, rows, learners, steps, shape, 0.0), _padded(sorted_c, rows, learners, steps, shape, 0.0),
            _padded(sorted_score, rows, learners, steps, shape, 0.0))


def filter_abilities(learner: np.ndarray, days: np.ndarray, a: np.ndarray, b: np.ndarray,
                     c: np.ndarray, score: np.ndarray, params: GrowthParameters,
                     smooth: bool = False) -> GrowthTrack:
    r"""Ability after each response, filtered (default) or smoothed.

    Parameters
    ----------
    learner : array (R,)
        Learner of each response (any sortable codes).
    days : array (R,)
        Time of each response in days (any origin).
    a, b, c : array (R,)
        3PL parameters of the item answered (c = 0 for 2PL).
    score : array (R,)
        0/1 scores.
    params : GrowthParameters
    smooth : bool
        If True, use all of a learner's answers for every point
        (forward--backward): :math:`p(x_t \mid y_{1:T}) \propto
        \alpha_t(x)\,\beta_t(x)`, :math:`\beta_t(x) = \sum_{x'} T(x, x')\,
        L_{t+1}(x')\,\beta_{t+1}(x')`.

    Returns
    -------
    GrowthTrack
        Estimates in the order of the input responses.
    """
    grid = GrowthGrid.default(params)
    batch = _arrange(learner, days)
    results = [np.empty(batch.order.size) for _ in range(3)]
    log_marginal = np.empty(batch.n_learners)
    for rows, learners, steps, codes, chunk in _chunks(batch, days, a, b, c, score):
        result = _run_chunk(chunk, params, grid, smooth)
        for out, values in zip(results, (result.theta, result.se, result.growth)):
            out[batch.order[rows]] = values[steps, learners]
        log_marginal[codes] = result.log_marginal
    theta, se, growth = results
    return GrowthTrack(theta, se, growth, log_marginal=log_marginal)


def log_marginal_likelihood(learner: np.ndarray, days: np.ndarray, a: np.ndarray, b: np.ndarray,
                            c: np.ndarray, score: np.ndarray, params: GrowthParameters) -> float:
    r"""Total :math:`\log p(y \mid q, \mu_g, \sigma_g, \mu_\theta, \sigma_\theta)` over learners
    (summed in groups of CHUNK_LEARNERS learners in the order of their codes)."""
    grid = GrowthGrid.default(params)
    batch = _arrange(learner, days)
    by_learner = np.empty(batch.n_learners)
    for *_, codes, chunk in _chunks(batch, days, a, b, c, score):
        by_learner[codes] = _run_chunk(chunk, params, grid, smooth=False, moments=False).log_marginal
    return float(sum(by_learner[first:first + CHUNK_LEARNERS].sum()
                     for first in range(0, batch.n_learners, CHUNK_LEARNERS)))
