"""Transition operators of the growth model and their adjoints (transposes).

Between two answers :func:`_advance` carries each learner's density on the
(growth rate, u) grid forward (the model and the trend frame are in
:mod:`engine.growth.model`):

1. diffusion of :math:`u` by :math:`q\\,\\Delta` (:func:`diffuse`), small
   variances deferred (:data:`DEFERRED_VARIANCE`);
2. the trend, exact in the frame: only the frame's trend time ``tau`` moves
   (:func:`_trend_advance`);
3. where ``tau`` has grown beyond :data:`REANCHOR_DAYS` of growth, the frame
   moves to :math:`u = \\theta` (:func:`shift`), and there the growth rate
   decays (:func:`contract_growth`) and takes its random-walk step
   (:func:`diffuse_growth`).

It records what it applied in a :class:`_Transition`, so the smoother's
backward pass can apply the transposes in reverse order
(:func:`_advance_transpose`: growth diffusion, decay, frame move, u diffusion).
The diffusions are symmetric, so they are their own adjoints; the frame move
and the decay take ``transpose=True``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.growth.model import TINY, GrowthGrid, GrowthParameters, _decay

#: Move the frame when the trend since the anchor could reach
#: GROWTH_GRID_MAX * REANCHOR_DAYS = 1.2 logits.
REANCHOR_DAYS = 30.0
#: Kernel half-width in standard deviations for the sampled Gaussian diffusion.
KERNEL_HALF_WIDTH_SD = 4.0
#: Diffusion variance (logit^2) small enough to defer to the next step: 1e-5
#: is the drift of a few minutes and far below any posterior variance.
DEFERRED_VARIANCE = 1e-5


def _diffusion_kernel(variance: np.ndarray, spacing: float) -> np.ndarray:
    """Symmetric kernels over offsets -K..K (rows: learners) with the given variances.

    Each learner's sampled Gaussian is cut at its own
    :data:`KERNEL_HALF_WIDTH_SD` standard deviations (zero beyond, however
    wide another learner's is) and normalised by a sum taken from the centre
    outwards in order, so trailing zeros leave it unchanged: a learner's
    kernel, and so its estimates, do not depend on which learners share the
    batch (the online :class:`~engine.growth.GrowthState` of one learner and
    the batch filter agree bit for bit).
    """
    variance = np.asarray(variance, dtype=float)
    ratio = variance / spacing**2
    half_width = max(1, int(np.ceil(KERNEL_HALF_WIDTH_SD * np.sqrt(ratio.max(initial=0.0)))))
    offsets = np.arange(-half_width, half_width + 1, dtype=float)
    small = ratio <= 1.0
    kernel = np.zeros((variance.size, offsets.size))
    # Three-point kernel: mean 0 and variance exactly ratio * spacing**2.
    kernel[small, half_width] = 1.0 - ratio[small]
    kernel[small, half_width - 1] = ratio[small] / 2
    kernel[small, half_width + 1] = ratio[small] / 2
    if np.any(~small):
        wide = ratio[~small, None]
        own = np.ceil(KERNEL_HALF_WIDTH_SD * np.sqrt(wide))
        sampled = np.where(np.abs(offsets)[None, :] <= own, np.exp(-0.5 * offsets[None, :] ** 2 / wide), 0.0)
        outward = sampled[:, half_width:]
        total = outward[:, 0] + 2.0 * np.cumsum(outward[:, 1:], axis=1)[:, -1]
        kernel[~small] = sampled / total[:, None]
    return kernel


def diffuse(density: np.ndarray, variance: np.ndarray, grid: GrowthGrid) -> np.ndarray:
    """Add N(0, variance) (L,) to u: convolve each (G, Q) density along Q.

    The kernel is symmetric, so the same operator serves the backward pass.
    """
    kernel = _diffusion_kernel(variance, grid.spacing)
    half_width = kernel.shape[1] // 2
    n_u = density.shape[-1]
    padded = np.pad(density, [(0, 0), (0, 0), (half_width, half_width)])
    out = kernel[:, half_width, None, None] * density
    for k in range(kernel.shape[1]):
        if k != half_width:
            out += kernel[:, k, None, None] * padded[..., k:k + n_u]
    return out


def diffuse_growth(density: np.ndarray, variance: np.ndarray, grid: GrowthGrid) -> np.ndarray:
    """Add N(0, variance) (L,) to the growth rate g at fixed u: convolve each (G, Q) density along G.

    Exact for the state only where the frame is anchored (``tau = 0``, so
    ``u = theta`` and a change of g does not move theta). Same kernel as
    :func:`diffuse` (zero outside the grid), symmetric, so it is its own adjoint.
    """
    n_growth = density.shape[1]
    if n_growth < 2:
        return density
    kernel = _diffusion_kernel(variance, float(grid.growth[1] - grid.growth[0]))
    half_width = kernel.shape[1] // 2
    padded = np.pad(density, [(0, 0), (half_width, half_width), (0, 0)])
    out = kernel[:, half_width, None, None] * density
    for k in range(kernel.shape[1]):
        if k != half_width:
            out += kernel[:, k, None, None] * padded[:, k:k + n_growth, :]
    return out


def _trend_elapsed(elapsed: np.ndarray, params: GrowthParameters) -> np.ndarray:
    """Days of growth in a gap of ``elapsed`` days: at most ``params.growth_gap_days`` (0: no limit)."""
    if params.growth_gap_days == 0:
        return elapsed
    return np.minimum(elapsed, params.growth_gap_days)


def _trend_advance(tau: np.ndarray, elapsed: np.ndarray, params: GrowthParameters) -> np.ndarray:
    """The trend time ``tau`` after a gap of ``elapsed`` days.

    ``tau`` is :math:`S = \\int_0^s e^{-\\lambda r}\\,dr = (1 - e^{-\\lambda s})/\\lambda`
    for :math:`s` days of growth since the anchor (:math:`S = s` without decay),
    so that theta = u + g tau with g the rate at the anchor. Since
    :math:`e^{-\\lambda s} = 1 - \\lambda S`, ``tau`` alone carries it forward.
    """
    grown = _trend_elapsed(elapsed, params)
    decay = _decay(params)
    if decay == 0:
        return tau + grown
    return tau + (1.0 - decay * tau) * -np.expm1(-decay * grown) / decay


def _reanchor_tau(params: GrowthParameters) -> float:
    """The trend time of REANCHOR_DAYS days of growth: the frame moves beyond it."""
    decay = _decay(params)
    return REANCHOR_DAYS if decay == 0 else float(-np.expm1(-decay * REANCHOR_DAYS) / decay)


def _reanchor_steps(tau: np.ndarray, params: GrowthParameters) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where the frame moves at trend time ``tau`` (L,), and what happens to the growth rate there.

    Returns ``moved``, the factor by which the decayed rate has shrunk since
    the anchor (:math:`1 - \\lambda S = e^{-\\lambda s}`; 1 where not moved),
    and the variance of the rate's random-walk step (:math:`q_g s`; 0 where not moved).
    """
    moved = tau > _reanchor_tau(params)
    decay = _decay(params)
    ratio = np.where(moved, 1.0 - decay * tau, 1.0)
    days = tau if decay == 0 else -np.log(np.maximum(ratio, TINY)) / decay
    return moved, ratio, np.where(moved, params.growth_drift * days, 0.0)


def contract_growth(density: np.ndarray, ratio: np.ndarray, grid: GrowthGrid,
                    transpose: bool = False) -> np.ndarray:
    """Scale the growth rate by ``ratio`` (L,) in (0, 1] at fixed u: mass at g goes to ratio * g.

    Split linearly between the two nearest growth nodes (mean exact), as
    :func:`shift` does along u; ``transpose=True`` applies the adjoint, for
    the backward pass. The growth grid is symmetric about 0.
    """
    n_growth = grid.growth.size
    centre = (n_growth - 1) / 2
    position = centre + np.asarray(ratio, dtype=float)[:, None] * (np.arange(n_growth) - centre)
    lower = np.clip(np.floor(position).astype(np.int64), 0, n_growth - 1)
    fraction = position - lower
    upper = np.minimum(lower + 1, n_growth - 1)
    matrix = np.zeros((position.shape[0], n_growth, n_growth))  # [learner, to, from]
    learners = np.arange(position.shape[0])[:, None]
    sources = np.arange(n_growth)[None, :]
    np.add.at(matrix, (learners, lower, sources), 1.0 - fraction)
    np.add.at(matrix, (learners, upper, sources), fraction)
    return np.einsum("lij,ljq->liq" if not transpose else "lji,ljq->liq", matrix, density)


def shift(density: np.ndarray, steps: np.ndarray, transpose: bool = False) -> np.ndarray:
    """Move mass along Q by a real number of grid steps, (L, G) of them.

    Mass at node j goes to j + n and j + n + 1 with weights 1 - f and f, where
    steps = n + f (mean exact); ``transpose=True`` applies the adjoint, for the
    backward pass.
    """
    n_u = density.shape[-1]
    whole = np.floor(steps)
    fraction = (steps - whole)[..., None]
    whole = whole.astype(np.int64)[..., None]
    nodes = np.arange(n_u)
    padded = np.concatenate([np.zeros(density.shape[:-1] + (1,)), density], axis=-1)

    def gather(source: np.ndarray) -> np.ndarray:
        index = np.where((source >= 0) & (source < n_u), source + 1, 0)  # 0 reads the zero pad
        return np.take_along_axis(padded, np.broadcast_to(index, density.shape), axis=-1)

    direction = -1 if transpose else 1
    return ((1 - fraction) * gather(nodes - direction * whole)
            + fraction * gather(nodes - direction * (whole + 1)))


@dataclass(frozen=True)
class _Transition:
    """What one step of :func:`_advance` applied to each learner's density, for its transpose.

    Attributes
    ----------
    applied_variance : ndarray (L,)
        Variance of the u diffusion applied (0: none, all deferred).
    moved_steps : ndarray (L, G)
        Grid steps along u each growth row moved with the frame (0 where the frame did not move).
    growth_ratio : ndarray (L,)
        Factor of the growth rate's decay where the frame moved (1: none).
    growth_variance : ndarray (L,)
        Variance of the growth rate's random-walk step where the frame moved (0: none).
    moved : ndarray of bool (L,), optional
        Where the frame moved (default: where any row moved).
    """

    applied_variance: np.ndarray
    moved_steps: np.ndarray
    growth_ratio: np.ndarray
    growth_variance: np.ndarray
    moved: np.ndarray | None = None


def _plan(elapsed: np.ndarray, tau: np.ndarray, pending: np.ndarray, params: GrowthParameters,
          grid: GrowthGrid) -> tuple[np.ndarray, np.ndarray, _Transition]:
    """The bookkeeping of one :func:`_advance` step, without the density: new tau, pending variance
    and the :class:`_Transition` to apply. It depends on the answers' times alone, not on the answers."""
    pending = pending + params.drift * elapsed
    applied = np.where(pending > DEFERRED_VARIANCE, pending, 0.0)
    pending = pending - applied
    tau = _trend_advance(tau, elapsed, params)
    moved, ratio, growth_variance = _reanchor_steps(tau, params)
    steps = np.zeros((tau.size, grid.growth.size))
    if np.any(moved):
        steps[moved] = grid.growth[None, :] * tau[moved, None] / grid.spacing
        tau = np.where(moved, 0.0, tau)
    return tau, pending, _Transition(applied, steps, ratio, growth_variance, moved)


def _apply(density: np.ndarray, transition: _Transition, params: GrowthParameters,
           grid: GrowthGrid) -> np.ndarray:
    """Apply one planned step (:func:`_plan`) to the densities: u diffusion, then where the frame
    moves the shift, the decay and the growth rate's random-walk step. Returns a new array where
    anything changed, else ``density`` itself."""
    diffusing = transition.applied_variance > 0
    if np.any(diffusing):
        density = density.copy()
        density[diffusing] = diffuse(density[diffusing], transition.applied_variance[diffusing], grid)
    moved = transition.moved if transition.moved is not None else np.any(transition.moved_steps != 0.0, axis=1)
    if np.any(moved):
        density = density.copy()
        density[moved] = shift(density[moved], transition.moved_steps[moved])
        # At the new anchor u = theta: the growth rate's decay and random-walk
        # step leave theta alone.
        if _decay(params) > 0:
            density[moved] = contract_growth(density[moved], transition.growth_ratio[moved], grid)
        if params.growth_drift > 0:
            density[moved] = diffuse_growth(density[moved], transition.growth_variance[moved], grid)
    return density


def _advance(density: np.ndarray, elapsed: np.ndarray, tau: np.ndarray, pending: np.ndarray,
             params: GrowthParameters, grid: GrowthGrid
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, _Transition]:
    """Carry densities forward by ``elapsed`` days; re-anchor where ``tau`` got long.

    Diffusion variance below :data:`DEFERRED_VARIANCE` is held in ``pending``
    and applied with the next larger step: answers a few seconds apart then
    cost no convolution, at an error below that variance.

    Returns the new density, tau and pending variance, and the
    :class:`_Transition` applied (for the backward pass, :func:`_advance_transpose`).
    """
    tau, pending, transition = _plan(elapsed, tau, pending, params, grid)
    return _apply(density, transition, params, grid), tau, pending, transition


def _advance_transpose(message: np.ndarray, transition: _Transition, grid: GrowthGrid) -> np.ndarray:
    """The transpose of one :func:`_advance` step, for the smoother's backward messages.

    Growth-rate diffusion, decay, frame move, then u diffusion: the forward
    operators' adjoints in reverse order, each on the learners it was applied
    to. Works in place on ``message`` (an array the caller owns) and returns it.
    """
    diffusing_growth = transition.growth_variance > 0
    if np.any(diffusing_growth):
        message[diffusing_growth] = diffuse_growth(message[diffusing_growth],
                                                   transition.growth_variance[diffusing_growth], grid)
    decaying = transition.growth_ratio < 1.0
    if np.any(decaying):
        message[decaying] = contract_growth(message[decaying], transition.growth_ratio[decaying], grid,
                                            transpose=True)
    moved = np.any(transition.moved_steps != 0.0, axis=1)
    if np.any(moved):
        message[moved] = shift(message[moved], transition.moved_steps[moved], transpose=True)
    diffusing = transition.applied_variance > 0
    if np.any(diffusing):
        message[diffusing] = diffuse(message[diffusing], transition.applied_variance[diffusing], grid)
    return message
