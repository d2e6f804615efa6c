"""SQUAREM: EM accelerated by squared extrapolation (Varadhan & Roland, 2008, scheme S3).

The EM is given as an :class:`EMProblem`: an E-step that returns its result
*with the log-likelihood at the state it was taken at* (``step.loglik``), an
M-step from a state and its E-step, and a packing of states into vectors for
the extrapolation. :func:`squarem` reads every log-likelihood it needs (for
convergence and for accepting an extrapolated state) from the E-steps it asks
for, and returns them all in order.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

import numpy as np

#: SQUAREM never extrapolates by less than one plain EM step (Varadhan & Roland, 2008, scheme S3).
MIN_STEP_LENGTH = 1.0

#: Called after every E-step with its number (from 1) and log-likelihood.
Progress = Callable[[int, float], None]


class EStepResult(Protocol):
    """What :func:`squarem` needs of an E-step: the marginal log-likelihood at its state."""

    @property
    def loglik(self) -> float: ...


S = TypeVar("S")
E = TypeVar("E", bound=EStepResult)


class EMProblem(Protocol[S, E]):
    """An EM as :func:`squarem` runs it, on states of type ``S`` with E-step results ``E``."""

    def expectation(self, state: S) -> E:
        """The E-step at ``state``, carrying the log-likelihood there (``loglik``)."""
        ...

    def maximisation(self, state: S, step: E) -> S:
        """The M-step: the next state from ``state`` and its E-step."""
        ...

    def pack(self, state: S) -> np.ndarray:
        """The free parameters of ``state`` as one vector (the space SQUAREM extrapolates in)."""
        ...

    def unpack(self, vector: np.ndarray) -> S:
        """The inverse of :meth:`pack`."""
        ...


@dataclass(frozen=True)
class SquaremResult(Generic[S, E]):
    """The state SQUAREM stopped at, the E-step there, whether it converged, and the
    log-likelihood of every E-step taken, in order (``loglik_history[-1]`` is ``step.loglik``)."""

    state: S
    step: E
    converged: bool
    loglik_history: tuple[float, ...]


def squarem(problem: EMProblem[S, E], state: S, max_iter: int, tolerance: float,
            progress: Progress | None = None) -> SquaremResult[S, E]:
    """EM accelerated by SQUAREM (Varadhan & Roland, 2008, scheme S3), stopping on the log-likelihood.

    One cycle takes two EM steps :math:`\\theta_1 = F(\\theta_0)`,
    :math:`\\theta_2 = F(\\theta_1)`, with :math:`r = \\theta_1 - \\theta_0` and
    :math:`v = \\theta_2 - 2\\theta_1 + \\theta_0` extrapolates to
    :math:`\\theta' = \\theta_0 - 2\\alpha r + \\alpha^2 v` with
    :math:`\\alpha = -\\max(1, \\lVert r\\rVert / \\lVert v\\rVert)`
    (:math:`\\alpha = -1` is :math:`\\theta_2`), and continues from
    :math:`F(\\theta')` when the log-likelihood at :math:`\\theta'` is at least
    that at :math:`\\theta_1`, else from :math:`\\theta_2`. Converged when one
    plain EM step changes the log-likelihood by less than ``tolerance``.

    Every log-likelihood is the ``loglik`` of the E-step
    ``problem.expectation`` returns at that state. Every E-step counts as an
    iteration against ``max_iter`` and is reported to ``progress``; when the
    budget runs out after an M-step, the E-step at the returned state is taken
    too (so the history may hold ``max_iter + 1`` entries).
    """
    history: list[float] = []

    def expectation(at: S) -> E:
        step = problem.expectation(at)
        history.append(step.loglik)
        if progress is not None:
            progress(len(history), step.loglik)
        return step

    def result(final: S, step: E, converged: bool) -> SquaremResult[S, E]:
        return SquaremResult(final, step, converged, tuple(history))

    while True:
        step0 = expectation(state)
        if len(history) >= max_iter:
            return result(state, step0, False)
        state1 = problem.maximisation(state, step0)
        step1 = expectation(state1)
        if abs(step1.loglik - step0.loglik) < tolerance:
            return result(state1, step1, True)
        if len(history) >= max_iter:
            return result(state1, step1, False)
        state2 = problem.maximisation(state1, step1)
        base, first, second = problem.pack(state), problem.pack(state1), problem.pack(state2)
        r, v = first - base, second - 2 * first + base
        size = np.linalg.norm(v)
        ratio = np.linalg.norm(r) / size if size > 0 else MIN_STEP_LENGTH
        alpha = -max(MIN_STEP_LENGTH, ratio)
        if alpha == -MIN_STEP_LENGTH:
            state = state2
            continue
        trial = problem.unpack(base - 2 * alpha * r + alpha**2 * v)
        trial_step = expectation(trial)
        accepted = trial_step.loglik >= step1.loglik and np.isfinite(trial_step.loglik)
        state = problem.maximisation(trial, trial_step) if accepted else state2
        if len(history) >= max_iter:
            return result(state, expectation(state), False)
