"""SQUAREM reads every log-likelihood from the E-steps it asks for, and reports them all."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from calibration.squarem import squarem


@dataclass(frozen=True)
class Step:
    loglik: float


class Linear:
    """The EM map x -> x/2 + 1 (fixed point 2) with log-likelihood -(x - 2)^2.

    SQUAREM's extrapolation from any x0 lands exactly on 2 (alpha = -2), so
    the path is known by hand. ``spoil`` makes that many E-steps (by number,
    from 1) report a non-finite log-likelihood.
    """

    def __init__(self, spoil: tuple[int, ...] = ()) -> None:
        self.asked: list[float] = []
        self.spoil = spoil

    def expectation(self, state: float) -> Step:
        self.asked.append(state)
        return Step(float("nan") if len(self.asked) in self.spoil else -(state - 2.0) ** 2)

    def maximisation(self, state: float, step: Step) -> float:
        return 0.5 * state + 1.0

    def pack(self, state: float) -> np.ndarray:
        return np.array([state])

    def unpack(self, vector: np.ndarray) -> float:
        return float(vector[0])


def test_an_accepted_extrapolation_continues_from_its_em_step_and_converges():
    problem, seen = Linear(), []
    run = squarem(problem, 0.0, max_iter=50, tolerance=1e-12, progress=lambda i, ll: seen.append((i, ll)))
    # E at x0 = 0, at F(x0) = 1, at the extrapolation 2 (accepted: 0 >= -1), then a plain step from F(2) = 2.
    assert problem.asked == [0.0, 1.0, 2.0, 2.0, 2.0]
    assert run.state == 2.0 and run.converged and run.step.loglik == 0.0
    assert run.loglik_history == (-4.0, -1.0, 0.0, 0.0, 0.0)
    assert seen == list(enumerate(run.loglik_history, start=1))


def test_an_extrapolation_whose_e_step_is_not_finite_is_rejected_for_the_second_em_step():
    problem = Linear(spoil=(3,))  # the E-step at the first extrapolation
    run = squarem(problem, 0.0, max_iter=50, tolerance=1e-12)
    # Rejected: the next cycle starts from F(F(0)) = 1.5, not from F(2).
    assert problem.asked[:4] == [0.0, 1.0, 2.0, 1.5]
    assert run.state == 2.0 and run.converged
    assert np.isnan(run.loglik_history[2]) and len(run.loglik_history) == len(problem.asked)


def test_max_iter_counts_e_steps():
    problem = Linear()
    run = squarem(problem, 0.0, max_iter=1, tolerance=0.0)
    assert problem.asked == [0.0] and run.state == 0.0 and not run.converged
    assert run.loglik_history == (-4.0,)
