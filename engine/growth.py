"""Ability that changes over time: a state-space model on a grid.

A learner's ability :math:`\\theta(t)` moves between answers by a linear trend
with a learner-specific growth rate :math:`g` plus a Gaussian random walk:

.. math::

    \\theta(t + \\Delta) = \\theta(t) + g\\,\\Delta + \\varepsilon, \\qquad
    \\varepsilon \\sim N(0, q\\,\\Delta),

with :math:`\\Delta` the elapsed time in days, :math:`q` the drift variance per
day, and, from the population, :math:`\\theta(t_0) \\sim N(\\mu_\\theta,
\\sigma_\\theta^2)` and :math:`g \\sim N(\\mu_g, \\sigma_g^2)`. The joint
posterior of :math:`(g, \\theta)` is kept on a small 2-D grid, carried forward
by the transition above and multiplied by each answer's likelihood (the forward
filter of a hidden Markov model; Rabiner, 1989). The forward--backward
smoother gives each past point the benefit of later answers. The marginal
likelihood of the answers, a by-product of the filter, lets :func:`fit_growth`
learn :math:`q, \\mu_g, \\sigma_g, \\mu_\\theta, \\sigma_\\theta` from logs.

Three extensions let the growth rate change (all 0 by default and in
parameters stored before them, which is exactly the model above):

- growth comes with practice: a gap between two answers adds at most
  :math:`c` days of growth (``growth_gap_days``), so the trend term is
  :math:`g\\,\\min(\\Delta, c)` while the random walk keeps :math:`q\\,\\Delta`;
  a learner away for weeks does not keep growing;
- the growth rate decays as a learner levels off, the damped trend
  (Gardner & McKenzie, 1985; Harvey, 1989, for its
  state-space form): :math:`dg/ds = -\\lambda g` over days of growth
  :math:`s` (``growth_decay`` :math:`= \\lambda`), so :math:`s` days after the
  anchor :math:`\\theta = u + g_a S`, :math:`S = (1 - e^{-\\lambda s})/\\lambda`,
  :math:`g_a` the rate at the anchor (the grid's growth coordinate). The
  frame's time ``tau`` is :math:`S`; where the frame moves the rate has become
  :math:`g_a (1 - \\lambda S)`, a contraction of the growth axis towards 0
  (mass split linearly between the two nearest nodes, mean exact). With a
  decay the growth grid is wider (:data:`DECAY_GROWTH_GRID_MAX`) for the
  steep first weeks;
- the growth rate itself follows a random walk, the "local linear trend" of
  structural time series (Harvey, 1989; Durbin & Koopman, 2012, ch. 3),
  :math:`g \\leftarrow g + \\eta`, :math:`\\eta \\sim N(0, q_g\\,s)` for
  :math:`s` days of growth (``growth_drift`` :math:`= q_g`). It is applied where
  the frame is moved (below), at :math:`t = t_a`, where :math:`u = \\theta` and a
  change of :math:`g` does not move :math:`\\theta`: a diffusion along the growth
  axis with the same kernel, exact in that frame. The rate is thereby
  piecewise constant between frame moves, each step's variance
  :math:`q_g` times the days of growth since the last one.

The grid is laid out in a trend frame: the second coordinate is
:math:`u = \\theta - g\\,(t - t_a)` for an anchor time :math:`t_a` (with
the extensions, :math:`u = \\theta - g_a S`, :math:`S` the trend time above). In it the
trend is exact (no sub-grid shift is ever rounded away) and the transition is
a pure diffusion of :math:`u`; a diffusion smaller than one grid step uses the
three-point kernel :math:`(p/2, 1-p, p/2)`, :math:`p = q\\Delta/h^2`, which keeps
its variance exactly, larger ones the sampled Gaussian. Every
:data:`REANCHOR_DAYS` the frame is moved to :math:`u = \\theta` (mass split
linearly between the two nearest nodes) so the grid never runs out; the
growth rate decays and takes its random-walk step there. The smoother's
backward pass applies the transposes in reverse order (growth diffusion,
decay, frame move, u diffusion).

Everything is vectorised over learners: a batch of response sequences is
processed in lock-step, one answer index at a time, in chunks of learners.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
from scipy import optimize
from scipy.special import expit

from engine.estimation import AbilityEstimate

#: Grid of u (ability net of the trend since the anchor); wider than the
#: ability range because theta = u + g (t - t_a).
U_GRID_MIN = -7.0
U_GRID_MAX = 7.0
U_GRID_POINTS = 57
#: Default growth-rate grid, in logits per day (+-0.04/day is +-3.6 logits in 90 days).
GROWTH_GRID_MAX = 0.04
GROWTH_GRID_POINTS = 17
#: Growth-rate grid with a decaying rate (``growth_decay > 0``): a learner's
#: first weeks may be steep (0.1/day is 1.5 logits in a fortnight).
DECAY_GROWTH_GRID_MAX = 0.1
DECAY_GROWTH_GRID_POINTS = 21
#: Move the frame when the trend since the anchor could reach
#: GROWTH_GRID_MAX * REANCHOR_DAYS = 1.2 logits.
REANCHOR_DAYS = 30.0
#: Kernel half-width in standard deviations for the sampled Gaussian diffusion.
KERNEL_HALF_WIDTH_SD = 4.0
#: Diffusion variance (logit^2) small enough to defer to the next step: 1e-5
#: is the drift of a few minutes and far below any posterior variance.
DEFERRED_VARIANCE = 1e-5
#: Learners processed together: bounds the smoother's memory (steps x chunk x grid).
CHUNK_LEARNERS = 256
#: Smallest density total kept before normalising; avoids log(0).
TINY = 1e-300


@dataclass(frozen=True)
class GrowthParameters:
    """Population parameters of the growth model.

    Attributes
    ----------
    drift : float
        Random-walk variance per day, :math:`q` (logit² / day).
    growth_mean, growth_sd : float
        Mean and SD of learners' growth rates (logit / day).
    theta_mean, theta_sd : float
        Prior of a new learner's ability at their first answer.
    growth_drift : float
        Random-walk variance of the growth rate per day, :math:`q_g`
        (logit² / day³); 0 keeps each learner's growth rate constant.
    growth_gap_days : float
        Most days of growth (trend and growth-rate drift) that one gap between
        two answers adds, :math:`c`: growth comes with practice, a learner
        away for weeks does not keep growing. 0: no limit (every day counts).
    growth_decay : float
        Rate :math:`\\lambda` (per day of growth) at which a learner's growth
        rate decays towards 0 (damped trend; learners level off); 0: no decay.
        Needs learner-level rates (``growth_sd > 0``); ignored otherwise.
    """

    drift: float = 0.002
    growth_mean: float = 0.005
    growth_sd: float = 0.01
    theta_mean: float = 0.0
    theta_sd: float = 1.0
    growth_drift: float = 0.0
    growth_gap_days: float = 0.0
    growth_decay: float = 0.0

    def __post_init__(self) -> None:
        if (self.drift < 0 or self.growth_sd < 0 or self.theta_sd <= 0 or self.growth_drift < 0
                or self.growth_gap_days < 0 or self.growth_decay < 0):
            raise ValueError("drift, growth_sd, growth_drift, growth_gap_days and growth_decay must be >= 0 "
                             "and theta_sd > 0")

    def to_dict(self) -> dict[str, float]:
        return {name: float(getattr(self, name)) for name in
                ("drift", "growth_mean", "growth_sd", "theta_mean", "theta_sd", "growth_drift",
                 "growth_gap_days", "growth_decay")}

    @classmethod
    def from_dict(cls, data: dict[str, float]) -> GrowthParameters:
        """Inverse of :meth:`to_dict`; ``growth_drift``, ``growth_gap_days`` and ``growth_decay``
        missing (stored before they existed) are 0: the model as it was."""
        values = {k: float(v) for k, v in data.items()}
        for name in ("growth_drift", "growth_gap_days", "growth_decay"):
            values.setdefault(name, 0.0)
        return cls(**values)

    @classmethod
    def static(cls, theta_mean: float = 0.0, theta_sd: float = 1.0) -> GrowthParameters:
        """No change over time: the filter reduces to static EAP."""
        return cls(drift=0.0, growth_mean=0.0, growth_sd=0.0,
                   theta_mean=theta_mean, theta_sd=theta_sd)


@dataclass(frozen=True)
class GrowthGrid:
    """Nodes of the 2-D state grid: ``growth`` (G,) by ``u`` (Q,), see the module notes."""

    u: np.ndarray
    growth: np.ndarray

    @classmethod
    def default(cls, params: GrowthParameters) -> GrowthGrid:
        u = np.linspace(U_GRID_MIN, U_GRID_MAX, U_GRID_POINTS)
        if params.growth_sd == 0.0:
            growth = np.array([params.growth_mean])
        elif params.growth_decay > 0:
            growth = np.linspace(-DECAY_GROWTH_GRID_MAX, DECAY_GROWTH_GRID_MAX, DECAY_GROWTH_GRID_POINTS)
        else:
            growth = np.linspace(-GROWTH_GRID_MAX, GROWTH_GRID_MAX, GROWTH_GRID_POINTS)
        return cls(u=u, growth=growth)

    @property
    def spacing(self) -> float:
        return float(self.u[1] - self.u[0])

    def theta(self, tau: np.ndarray) -> np.ndarray:
        """Ability at each node, (L, G, Q), ``tau`` (L,) days after each anchor."""
        return self.u[None, None, :] + self.growth[None, :, None] * np.asarray(tau, dtype=float)[:, None, None]


def prior_density(params: GrowthParameters, grid: GrowthGrid) -> np.ndarray:
    """Normalised prior at the first answer, (G, Q): independent normals for g and theta."""
    theta_weight = np.exp(-0.5 * ((grid.u - params.theta_mean) / params.theta_sd) ** 2)
    if params.growth_sd == 0.0:
        distance = np.abs(grid.growth - params.growth_mean)
        growth_weight = (distance == distance.min()).astype(float)
    else:
        growth_weight = np.exp(-0.5 * ((grid.growth - params.growth_mean) / params.growth_sd) ** 2)
    density = growth_weight[:, None] * theta_weight[None, :]
    return density / density.sum()


def _diffusion_kernel(variance: np.ndarray, spacing: float) -> np.ndarray:
    """Symmetric kernels over offsets -K..K (rows: learners) with the given variances."""
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
        sampled = np.exp(-0.5 * offsets[None, :] ** 2 / ratio[~small, None])
        kernel[~small] = sampled / sampled.sum(axis=1, keepdims=True)
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


def _decay(params: GrowthParameters) -> float:
    """The growth rate's decay per day of growth, 0 without learner-level rates (one growth row)."""
    return params.growth_decay if params.growth_sd > 0 else 0.0


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


@dataclass(frozen=True)
class _ChunkResult:
    log_marginal: np.ndarray
    theta: np.ndarray
    se: np.ndarray
    growth: np.ndarray
    first: np.ndarray


def _advance(density: np.ndarray, elapsed: np.ndarray, tau: np.ndarray, pending: np.ndarray,
             params: GrowthParameters, grid: GrowthGrid
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Carry densities forward by ``elapsed`` days; re-anchor where ``tau`` got long.

    Diffusion variance below :data:`DEFERRED_VARIANCE` is held in ``pending``
    and applied with the next larger step: answers a few seconds apart then
    cost no convolution, at an error below that variance.

    Returns the new density, tau, pending variance, the variance applied, and
    the steps moved by re-anchoring (0 where not moved), the last two for the
    backward pass.
    """
    pending = pending + params.drift * elapsed
    applied = np.where(pending > DEFERRED_VARIANCE, pending, 0.0)
    pending = pending - applied
    diffusing = applied > 0
    if np.any(diffusing):
        density = density.copy()
        density[diffusing] = diffuse(density[diffusing], applied[diffusing], grid)
    tau = _trend_advance(tau, elapsed, params)
    moved, ratio, growth_variance = _reanchor_steps(tau, params)
    steps = np.zeros((tau.size, grid.growth.size))
    if np.any(moved):
        steps[moved] = grid.growth[None, :] * tau[moved, None] / grid.spacing
        density = density.copy()
        density[moved] = shift(density[moved], steps[moved])
        # At the new anchor u = theta: the growth rate's decay and random-walk
        # step leave theta alone.
        if _decay(params) > 0:
            density[moved] = contract_growth(density[moved], ratio[moved], grid)
        if params.growth_drift > 0:
            density[moved] = diffuse_growth(density[moved], growth_variance[moved], grid)
        tau = np.where(moved, 0.0, tau)
    return density, tau, pending, applied, steps


def _run_chunk(chunk: _Chunk, params: GrowthParameters, grid: GrowthGrid, smooth: bool,
               moments: bool = True) -> _ChunkResult:
    n_learners, n_steps = chunk.valid.shape
    density = np.broadcast_to(prior_density(params, grid),
                              (n_learners, grid.growth.size, grid.u.size)).copy()
    tau = np.zeros(n_learners)
    pending = np.zeros(n_learners)
    log_marginal = np.zeros(n_learners)
    elapsed = np.diff(chunk.days, axis=1, prepend=chunk.days[:, :1])
    taus = np.empty((n_steps, n_learners))
    moved_steps = np.empty((n_steps, n_learners, grid.growth.size)) if smooth else None
    applied_variance = np.empty((n_steps, n_learners)) if smooth else None
    filtered = np.empty((n_steps,) + density.shape) if smooth else None
    growth_variance = np.zeros((n_steps, n_learners)) if smooth else None
    growth_ratio = np.ones((n_steps, n_learners)) if smooth else None
    decay = _decay(params)
    theta = np.empty((n_steps, n_learners))
    se = np.empty_like(theta)
    growth = np.empty_like(theta)
    for t in range(n_steps):
        if smooth and (params.growth_drift > 0 or decay > 0):
            _, growth_ratio[t], growth_variance[t] = _reanchor_steps(_trend_advance(tau, elapsed[:, t], params),
                                                                     params)
        density, tau, pending, applied, steps = _advance(density, elapsed[:, t], tau, pending, params, grid)
        likelihood = _likelihood(grid, tau, chunk.a[:, t], chunk.b[:, t], chunk.c[:, t], chunk.score[:, t])
        likelihood[~chunk.valid[:, t]] = 1.0
        density = density * likelihood
        total = np.maximum(density.sum(axis=(1, 2)), TINY)
        log_marginal += np.where(chunk.valid[:, t], np.log(total), 0.0)
        density /= total[:, None, None]
        taus[t] = tau
        if smooth:
            filtered[t] = density
            moved_steps[t] = steps
            applied_variance[t] = applied
        elif moments:
            theta[t], se[t], growth[t] = _moments(density, grid, tau, decay)
        if t == 0:
            first = density
    if not smooth:
        return _ChunkResult(log_marginal, theta, se, growth, first)
    backward = np.ones_like(density)
    for t in range(n_steps - 1, -1, -1):
        smoothed = filtered[t] * backward
        smoothed /= np.maximum(smoothed.sum(axis=(1, 2)), TINY)[:, None, None]
        theta[t], se[t], growth[t] = _moments(smoothed, grid, taus[t], decay)
        if t == 0:
            first = smoothed
            break
        likelihood = _likelihood(grid, taus[t], chunk.a[:, t], chunk.b[:, t], chunk.c[:, t], chunk.score[:, t])
        likelihood[~chunk.valid[:, t]] = 1.0
        message = backward * likelihood
        # The transpose of _advance: growth-rate diffusion, decay, frame move, then u diffusion.
        diffusing_growth = growth_variance[t] > 0
        if np.any(diffusing_growth):
            message[diffusing_growth] = diffuse_growth(message[diffusing_growth],
                                                       growth_variance[t][diffusing_growth], grid)
        decaying = growth_ratio[t] < 1.0
        if np.any(decaying):
            message[decaying] = contract_growth(message[decaying], growth_ratio[t][decaying], grid,
                                                transpose=True)
        moved = np.any(moved_steps[t] != 0.0, axis=1)
        if np.any(moved):
            message[moved] = shift(message[moved], moved_steps[t][moved], transpose=True)
        diffusing = applied_variance[t] > 0
        if np.any(diffusing):
            message[diffusing] = diffuse(message[diffusing], applied_variance[t][diffusing], grid)
        backward = message / np.maximum(message.max(axis=(1, 2)), TINY)[:, None, None]
    return _ChunkResult(log_marginal, theta, se, growth, first)


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


def _chunks(batch: _Batch, days: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray,
            score: np.ndarray):
    """Yield (rows in sorted order, chunk) for groups of CHUNK_LEARNERS learners."""
    sorted_values = [np.asarray(v, dtype=float)[batch.order] for v in (days, a, b, c, score)]
    for first in range(0, batch.n_learners, CHUNK_LEARNERS):
        rows = np.flatnonzero((batch.learner_code >= first) & (batch.learner_code < first + CHUNK_LEARNERS))
        learners = batch.learner_code[rows] - first
        steps = batch.step[rows]
        shape = (int(learners.max()) + 1, int(steps.max()) + 1)
        valid = np.zeros(shape, dtype=bool)
        valid[learners, steps] = True

        def place(values: np.ndarray, fill: float) -> np.ndarray:
            out = np.full(shape, fill)
            out[learners, steps] = values[rows]
            return out

        day_grid = np.where(valid, place(sorted_values[0], 0.0), -np.inf)
        # Padding after a learner's last answer repeats that time: no elapsed time.
        day_grid = np.maximum.accumulate(day_grid, axis=1)
        yield rows, learners, steps, _Chunk(valid, day_grid, place(sorted_values[1], 1.0),
                                            place(sorted_values[2], 0.0), place(sorted_values[3], 0.0),
                                            place(sorted_values[4], 0.0))


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
    first_learner = 0
    for rows, learners, steps, chunk in _chunks(batch, days, a, b, c, score):
        result = _run_chunk(chunk, params, grid, smooth)
        for out, values in zip(results, (result.theta, result.se, result.growth)):
            out[batch.order[rows]] = values[steps, learners]
        log_marginal[first_learner:first_learner + result.log_marginal.size] = result.log_marginal
        first_learner += result.log_marginal.size
    return GrowthTrack(*results, log_marginal=log_marginal)


def log_marginal_likelihood(learner: np.ndarray, days: np.ndarray, a: np.ndarray, b: np.ndarray,
                            c: np.ndarray, score: np.ndarray, params: GrowthParameters) -> float:
    r"""Total :math:`\log p(y \mid q, \mu_g, \sigma_g, \mu_\theta, \sigma_\theta)` over learners."""
    grid = GrowthGrid.default(params)
    batch = _arrange(learner, days)
    return float(sum(_run_chunk(chunk, params, grid, smooth=False, moments=False).log_marginal.sum()
                     for *_, chunk in _chunks(batch, days, a, b, c, score)))


#: Search bounds for the drift variance per day, log10 scale.
LOG10_DRIFT_BOUNDS = (-6.0, -0.5)
#: Search bounds for the growth rate's drift variance per day (logit^2/day^3), log10 scale.
LOG10_GROWTH_DRIFT_BOUNDS = (-9.0, -4.0)
#: Search bounds for the days of growth one gap adds, log10 scale (half a day to 90 days).
LOG10_GAP_DAYS_BOUNDS = (-0.3, 1.95)
#: Search bounds for the growth rate's decay per day of growth, log10 scale (1/300 to 1/5 per day).
LOG10_GROWTH_DECAY_BOUNDS = (-2.5, -0.7)
#: Floors for estimated SDs, so the prior never collapses to a point by accident.
MIN_GROWTH_SD = 1e-3
MIN_THETA_SD = 0.05


def fit_growth(learner: np.ndarray, days: np.ndarray, a: np.ndarray, b: np.ndarray,
               c: np.ndarray, score: np.ndarray, start: GrowthParameters | None = None,
               fit_drift: bool = True, fit_priors: bool = True, n_rounds: int = 4,
               fit_gap: bool = True, fit_growth_drift: bool = True,
               fit_growth_decay: bool = True) -> GrowthParameters:
    r"""Learn the population parameters from logs by marginal likelihood.

    Alternates (``n_rounds`` times) a bounded 1-D maximisation of the marginal
    likelihood over the drift variance :math:`q` (on a log scale) with an EM
    update of the Gaussian population priors: their means and variances are
    set to the mean and variance of the learners' smoothed posteriors of
    :math:`(g, \theta)` at their first answer -- the exact M-step for a normal
    prior (Dempster, Laird & Rubin, 1977) up to the grid. ``fit_priors=False``
    keeps ``start``'s priors and fits the drift alone (one round).

    With learner-level growth rates (``growth_sd > 0``) the first round also
    maximises the marginal likelihood over the days of growth one gap adds,
    :math:`c` (``fit_gap``), the growth rate's decay :math:`\lambda`
    (``fit_growth_decay``) and its drift :math:`q_g` (``fit_growth_drift``):
    bounded 1-D searches on a log scale, each kept only if it beats the model
    without it (:math:`c = \infty`, :math:`\lambda = 0`, :math:`q_g = 0`).
    A decaying rate starts higher for the same growth, so the decay search
    scales the growth-rate prior (mean and SD) by :math:`T / S_\lambda(T)`,
    :math:`T` the learners' mean span in days, which keeps the mean growth
    over that span; the EM steps then refine it. Later rounds refit
    :math:`q` and the priors given them.
    """
    params = start or GrowthParameters()
    if fit_priors:
        params = replace(params, growth_sd=max(params.growth_sd, MIN_GROWTH_SD))
    batch = _arrange(learner, days)
    chunks = [chunk for *_, chunk in _chunks(batch, days, a, b, c, score)]

    def negative_log_marginal(candidate: GrowthParameters) -> float:
        grid = GrowthGrid.default(candidate)
        return -float(sum(_run_chunk(chunk, candidate, grid, smooth=False, moments=False)
                          .log_marginal.sum() for chunk in chunks))

    def search(name: str, bounds: tuple[float, float], off: float | None) -> None:
        nonlocal params
        result = optimize.minimize_scalar(lambda x: negative_log_marginal(replace(params, **{name: 10.0**x})),
                                          bounds=bounds, method="bounded", options={"xatol": 0.02})
        best = replace(params, **{name: 10.0 ** float(result.x)})
        if off is not None and negative_log_marginal(replace(params, **{name: off})) <= float(result.fun):
            best = replace(params, **{name: off})
        params = best

    span = float(np.mean([np.mean(chunk.days[:, -1] - chunk.days[:, 0]) for chunk in chunks]))

    def decaying(log10_decay: float) -> GrowthParameters:
        decay = 10.0**log10_decay
        scale = span / float(-np.expm1(-decay * span) / decay) if span > 0 else 1.0
        return replace(params, growth_decay=decay, growth_mean=params.growth_mean * scale,
                       growth_sd=params.growth_sd * scale)

    for round_number in range(n_rounds if fit_priors else 1):
        if fit_drift:
            search("drift", LOG10_DRIFT_BOUNDS, None)
        if round_number == 0 and params.growth_sd > 0:
            if fit_gap:
                search("growth_gap_days", LOG10_GAP_DAYS_BOUNDS, 0.0)
            if fit_growth_decay and params.growth_decay == 0:
                result = optimize.minimize_scalar(lambda x: negative_log_marginal(decaying(x)),
                                                  bounds=LOG10_GROWTH_DECAY_BOUNDS, method="bounded",
                                                  options={"xatol": 0.02})
                if float(result.fun) < negative_log_marginal(params):
                    params = decaying(float(result.x))
            if fit_growth_drift:
                search("growth_drift", LOG10_GROWTH_DRIFT_BOUNDS, 0.0)
        if fit_priors:
            params = _update_priors(chunks, params)
    return params


def _update_priors(chunks: list[_Chunk], params: GrowthParameters) -> GrowthParameters:
    """EM step for the population priors from the smoothed posterior at each first answer."""
    grid = GrowthGrid.default(params)
    first = np.concatenate([_run_chunk(chunk, params, grid, smooth=True).first for chunk in chunks])
    theta_marginal, growth_marginal = first.sum(axis=1), first.sum(axis=2)
    theta_mean = float((theta_marginal @ grid.u).mean())
    theta_var = float((theta_marginal @ grid.u**2).mean() - theta_mean**2)
    growth_mean = float((growth_marginal @ grid.growth).mean())
    growth_var = float((growth_marginal @ grid.growth**2).mean() - growth_mean**2)
    return replace(params, theta_mean=theta_mean, theta_sd=max(np.sqrt(max(theta_var, 0.0)), MIN_THETA_SD),
                   growth_mean=growth_mean, growth_sd=max(np.sqrt(max(growth_var, 0.0)), MIN_GROWTH_SD))


@dataclass(frozen=True)
class GrowthState:
    """One learner's posterior over (growth rate, u) after their answers so far.

    ``days`` is the time of the last answer (None before the first), ``tau``
    the days since the frame's anchor. The service stores it (``to_dict``)
    and updates it one answer at a time, exactly as the batch filter does.
    """

    density: np.ndarray
    days: float | None
    tau: float
    params: GrowthParameters
    pending_variance: float = 0.0

    @classmethod
    def new(cls, params: GrowthParameters) -> GrowthState:
        return cls(prior_density(params, GrowthGrid.default(params)), None, 0.0, params)

    @property
    def grid(self) -> GrowthGrid:
        return _state_grid(self.params)

    def estimate(self) -> AbilityEstimate:
        mean, sd, _ = _moments(self.density[None], self.grid, np.array([self.tau]))
        return AbilityEstimate(theta=float(mean[0]), se=float(sd[0]))

    def growth_rate(self) -> float:
        """Posterior mean growth rate (logit / day)."""
        return float(_moments(self.density[None], self.grid, np.array([self.tau]), _decay(self.params))[2][0])

    def predict(self, days: float) -> GrowthState:
        """The state at a later time, before any new answer."""
        if self.days is None:
            return replace(self, days=float(days))
        elapsed = max(float(days) - self.days, 0.0)
        density, tau, pending, _, _ = _advance(self.density[None], np.array([elapsed]), np.array([self.tau]),
                                               np.array([self.pending_variance]), self.params, self.grid)
        return replace(self, density=density[0] / density[0].sum(), days=self.days + elapsed,
                       tau=float(tau[0]), pending_variance=float(pending[0]))

    def update(self, a: float, b: float, c: float, score: int, days: float) -> GrowthState:
        """Carry forward to ``days``, then multiply by the answer's likelihood."""
        state = self.predict(days)
        likelihood = _likelihood(self.grid, np.array([state.tau]), np.array([a]), np.array([b]),
                                 np.array([c]), np.array([score]))[0]
        density = state.density * likelihood
        return replace(state, density=density / max(density.sum(), TINY))

    def to_dict(self) -> dict:
        """JSON-ready. The density is stored compactly and exactly: its float64 bytes
        (little-endian, C order) in base64, with its shape; see :func:`_encode_density`."""
        return {"density": _encode_density(self.density), "days": self.days, "tau": self.tau,
                "pending_variance": self.pending_variance, "params": self.params.to_dict()}

    @classmethod
    def from_dict(cls, data: dict) -> GrowthState:
        """Inverse of :meth:`to_dict` (bit-exact); also reads the older form, the density as nested lists."""
        return cls(_decode_density(data["density"]), data["days"], float(data["tau"]),
                   GrowthParameters.from_dict(data["params"]), float(data.get("pending_variance", 0.0)))


@lru_cache(maxsize=64)
def _state_grid(params: GrowthParameters) -> GrowthGrid:
    """The default grid of ``params``, built once (its arrays are read-only)."""
    grid = GrowthGrid.default(params)
    grid.u.setflags(write=False)
    grid.growth.setflags(write=False)
    return grid


def _encode_density(density: np.ndarray) -> dict:
    """``{"shape": [G, Q], "f8": base64}``: a few microseconds, where a JSON list of ~1000
    floats costs a millisecond each way."""
    values = np.ascontiguousarray(density, dtype="<f8")
    return {"shape": list(values.shape), "f8": base64.b64encode(values.tobytes()).decode("ascii")}


def _decode_density(data) -> np.ndarray:
    if isinstance(data, dict):
        values = np.frombuffer(base64.b64decode(data["f8"]), dtype="<f8")
        return values.reshape([int(n) for n in data["shape"]]).astype(float)
    return np.asarray(data, dtype=float)  # stored before the compact form
