r"""The gain over a recent window: the smoother's joint posterior of two points of a learner's curve.

The smoother (:func:`engine.growth.filter_abilities` with ``smooth=True``)
gives the posterior mean and SD of the ability at every answer, one point at
a time. A teacher asks something else: *how much has this learner gained
over the last weeks, and how sure is that?* The gain
:math:`\Delta = \theta_T - \theta_s` between the answer :math:`s` that opens
the window and the last answer :math:`T` has the posterior mean
:math:`\mathrm{E}[\theta_T] - \mathrm{E}[\theta_s]`, but its variance

.. math::

    \mathrm{Var}[\Delta \mid y] = \mathrm{Var}[\theta_T \mid y] + \mathrm{Var}[\theta_s \mid y]
    - 2\,\mathrm{Cov}[\theta_s, \theta_T \mid y]

needs the covariance of the two points, which the two marginals do not give
(their SEs share most of their uncertainty, the learner's level, so
:math:`\sqrt{\mathrm{SE}_s^2 + \mathrm{SE}_T^2}` would overstate it several
times).

The covariance comes from one more backward message. With the forward
filter's :math:`\alpha_t` and the smoother's :math:`\beta_t`
(:math:`\beta_T = 1`, :math:`\beta_{t-1} = T_t^\top (L_t \odot \beta_t)`),
carry alongside :math:`\beta` the message

.. math::

    m_T(x) = \theta_T(x), \qquad m_{t-1} = T_t^\top (L_t \odot m_t),

the same linear recursion started from the ability at each grid node instead
of from 1, so that :math:`m_t(x) = \mathrm{E}[\theta_T \mid x_t = x, y_{t+1:T}]\,\beta_t(x)`.
Then, at the window's first answer,

.. math::

    \mathrm{E}[\theta_s \theta_T \mid y] = \frac{\sum_x \alpha_s(x)\,\theta_s(x)\,m_s(x)}
    {\sum_x \alpha_s(x)\,\beta_s(x)},

exact for the model on its grid, like the smoother itself (the recursion is
the standard one for smoothed expectations of an additive functional in a
hidden Markov model; Cappé, Moulines & Rydén, 2005, *Inference in Hidden
Markov Models*, §4.1.2 and §3.2). Both messages are rescaled by the same
factor at each step.

:func:`window_gains` runs it for many learners at once, in the chunks of the
batch filter (:mod:`engine.growth.filter`), keeping the forward density of
each learner only at its window's first answer.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.growth.filter import _arrange, _Chunk, _chunks
from engine.growth.likelihood import _moments
from engine.growth.model import TINY, GrowthGrid, GrowthParameters, _decay, prior_density
from engine.growth.transitions import _advance, _advance_transpose, _Transition


@dataclass(frozen=True)
class WindowGains:
    """Each learner's curve over a recent window, in the order of the sorted learner codes.

    Attributes
    ----------
    learner : ndarray (L,)
        The learner codes, sorted.
    answers : ndarray of int (L,)
        All of each learner's answers.
    start_days, end_days : ndarray (L,)
        Time of the window's first answer (the last answer at or before
        ``since``, or the learner's first answer if none is) and of the last answer.
    window_answers : ndarray of int (L,)
        Answers after the window's first one, up to and including the last.
    theta_start, se_start : ndarray (L,)
        Smoothed posterior mean and SD of the ability at the window's first answer.
    theta_end, se_end : ndarray (L,)
        The same at the last answer (where smoothed and filtered agree).
    growth_end : ndarray (L,)
        Posterior mean growth rate at the last answer (logit/day).
    gain, gain_se : ndarray (L,)
        Posterior mean and SD of :math:`\\theta_T - \\theta_s` (module notes);
        0 and 0 for a learner whose window holds one answer.
    """

    learner: np.ndarray
    answers: np.ndarray
    start_days: np.ndarray
    end_days: np.ndarray
    window_answers: np.ndarray
    theta_start: np.ndarray
    se_start: np.ndarray
    theta_end: np.ndarray
    se_end: np.ndarray
    growth_end: np.ndarray
    gain: np.ndarray
    gain_se: np.ndarray

    @property
    def span_days(self) -> np.ndarray:
        """Days from the window's first answer to the last."""
        return self.end_days - self.start_days


def window_gains(learner: np.ndarray, days: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray,
                 score: np.ndarray, params: GrowthParameters, since: float) -> WindowGains:
    r"""The posterior of each learner's gain since ``since`` (module notes).

    Parameters
    ----------
    learner, days, a, b, c, score : array (R,)
        As for :func:`engine.growth.filter_abilities`: each answer's learner,
        time (days), item parameters and 0/1 score.
    params : GrowthParameters
    since : float
        Start of the window (days, the answers' time axis). The window opens
        at each learner's last answer at or before it (or at the learner's
        first answer), so it spans at least ``end - since`` days.

    Returns
    -------
    WindowGains
        One entry per learner, in the order of the sorted learner codes.
    """
    grid = GrowthGrid.default(params)
    batch = _arrange(learner, days)
    n = batch.n_learners
    out = {name: np.zeros(n) for name in ("start_days", "end_days", "theta_start", "se_start", "theta_end",
                                          "se_end", "growth_end", "gain", "gain_se")}
    counts = np.bincount(batch.learner_code, minlength=n)
    window_answers = np.zeros(n, dtype=int)
    for _, _, _, codes, chunk in _chunks(batch, days, a, b, c, score):
        length = chunk.valid.sum(axis=1)
        last = length - 1
        inside = chunk.valid & (chunk.days <= since)
        first = np.maximum(inside.sum(axis=1) - 1, 0)
        result = _chunk_gains(chunk, params, grid, first, last)
        rows = np.arange(codes.size)
        out["start_days"][codes] = chunk.days[rows, first]
        out["end_days"][codes] = chunk.days[rows, last]
        window_answers[codes] = last - first
        for name, values in result.items():
            out[name][codes] = values
    return WindowGains(learner=np.unique(np.asarray(learner)), answers=counts, window_answers=window_answers,
                       **out)


def _chunk_gains(chunk: _Chunk, params: GrowthParameters, grid: GrowthGrid, first: np.ndarray,
                 last: np.ndarray) -> dict[str, np.ndarray]:
    """Forward pass keeping each learner's density at ``first``, moments at ``last``; then the
    backward pass with the two messages (module notes)."""
    n_learners, n_steps = chunk.valid.shape
    decay = _decay(params)
    density = np.broadcast_to(prior_density(params, grid), (n_learners, grid.growth.size, grid.u.size)).copy()
    tau, pending = np.zeros(n_learners), np.zeros(n_learners)
    elapsed = np.diff(chunk.days, axis=1, prepend=chunk.days[:, :1])
    taus = np.empty((n_steps, n_learners))
    transitions: list[_Transition] = []
    at_first = np.empty_like(density)
    theta_end, se_end, growth_end = np.empty(n_learners), np.empty(n_learners), np.empty(n_learners)
    for t in range(n_steps):
        density, tau, pending, transition = _advance(density, elapsed[:, t], tau, pending, params, grid)
        density = density * chunk.likelihood(grid, tau, t)
        density /= np.maximum(density.sum(axis=(1, 2)), TINY)[:, None, None]
        taus[t] = tau
        transitions.append(transition)
        here = first == t
        at_first[here] = density[here]
        ending = last == t
        if ending.any():
            mean, sd, growth = _moments(density[ending], grid, tau[ending], decay)
            theta_end[ending], se_end[ending], growth_end[ending] = mean, sd, growth
    # theta at each node at the chunk's last step: a learner's padding after its last answer
    # moves neither time nor the frame, so this is the ability at its own last answer.
    backward = np.ones_like(density)
    message = np.array(grid.theta(taus[-1]))
    theta_start, se_start = np.empty(n_learners), np.empty(n_learners)
    cross = np.empty(n_learners)
    for t in range(n_steps - 1, -1, -1):
        here = first == t
        if here.any():
            theta = grid.theta(taus[t, here])
            weight = at_first[here] * backward[here]
            total = np.maximum(weight.sum(axis=(1, 2)), TINY)
            mean = np.sum(weight * theta, axis=(1, 2)) / total
            second = np.sum(weight * theta**2, axis=(1, 2)) / total
            theta_start[here] = mean
            se_start[here] = np.sqrt(np.maximum(second - mean**2, 0.0))
            cross[here] = np.sum(at_first[here] * theta * message[here], axis=(1, 2)) / total
        if t == 0 or not (first < t).any():
            break
        likelihood = chunk.likelihood(grid, taus[t], t)
        backward = _advance_transpose(backward * likelihood, transitions[t], grid)
        message = _advance_transpose(message * likelihood, transitions[t], grid)
        scale = np.maximum(backward.max(axis=(1, 2)), TINY)[:, None, None]
        backward /= scale
        message /= scale
    covariance = cross - theta_start * theta_end
    variance = np.maximum(se_end**2 + se_start**2 - 2.0 * covariance, 0.0)
    same = first == last
    return {"theta_start": theta_start, "se_start": se_start, "theta_end": theta_end, "se_end": se_end,
            "growth_end": growth_end, "gain": np.where(same, 0.0, theta_end - theta_start),
            "gain_se": np.where(same, 0.0, np.sqrt(variance))}
