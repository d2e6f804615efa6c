"""Seeded simulated response logs with known item parameters for the calibration tests."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.models import gpcm_probabilities, probability


@dataclass(frozen=True)
class Simulated:
    learners: np.ndarray
    item_ids: np.ndarray
    scores: np.ndarray
    theta: np.ndarray
    a: np.ndarray
    b: np.ndarray
    c: np.ndarray


def item_names(m: int) -> np.ndarray:
    return np.array([f"item{j:03d}" for j in range(m)])


def design(n: int, m: int, per_learner: int | None, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Long-format (learner, item) pairs: every item, or ``per_learner`` random distinct items each."""
    if per_learner is None:
        return np.repeat(np.arange(n), m), np.tile(np.arange(m), n)
    items = np.argsort(rng.random((n, m)), axis=1)[:, :per_learner]
    return np.repeat(np.arange(n), per_learner), items.ravel()


def dichotomous(n: int, m: int, rng: np.random.Generator, per_learner: int | None = None,
                theta_mean: float = 0.0, theta_sd: float = 1.0, a_sd: float = 0.3,
                c_range: tuple[float, float] | None = None, rasch: bool = False) -> Simulated:
    theta = rng.normal(theta_mean, theta_sd, n)
    a = np.ones(m) if rasch else rng.lognormal(0.0, a_sd, m)
    b = rng.normal(0.0, 1.0, m)
    c = rng.uniform(*c_range, m) if c_range else np.zeros(m)
    learner, item = design(n, m, per_learner, rng)
    p = probability(0.0, a[item], b[item] - theta[learner], c[item])
    scores = (rng.random(len(p)) < p).astype(np.int64)
    return Simulated(learner, item_names(m)[item], scores, theta, a, b, c)


def gpcm(n: int, m: int, steps: np.ndarray, rng: np.random.Generator) -> tuple[Simulated, np.ndarray]:
    """GPCM responses; ``steps[j]`` steps for item j (thresholds NaN-padded)."""
    theta = rng.normal(0.0, 1.0, n)
    a = rng.lognormal(0.0, 0.25, m)
    width = int(steps.max())
    thresholds = np.full((m, width), np.nan)
    for j, k in enumerate(steps):
        thresholds[j, :k] = np.sort(rng.normal(0.0, 1.0, k)) + np.linspace(-0.5, 0.5, k)
    learner, item = design(n, m, None, rng)
    p = gpcm_probabilities(0.0, a[item], thresholds[item] - theta[learner, None])
    scores = (rng.random((len(item), 1)) > np.cumsum(p, axis=1)).sum(axis=1)
    b = np.nanmean(thresholds, axis=1)
    return Simulated(learner, item_names(m)[item], scores, theta, a, b, np.zeros(m)), thresholds


def rmse(estimate: np.ndarray, truth: np.ndarray) -> float:
    return float(np.sqrt(np.nanmean((np.asarray(estimate) - truth) ** 2)))
