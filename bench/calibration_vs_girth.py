"""Calibration benchmark: our sparse MML-EM against girth's ``twopl_mml`` on simulated 2PL logs.

One run, three data sets with known truth (seeded):

1. dense 2,000 learners x 100 items (both sides);
2. sparse 20,000 learners x 500 items at 10% density (1 M responses);
3. sparse 200,000 learners x 2,000 items, 40 responses each (8 M responses).

girth takes only a complete items x learners matrix (``twopl_mml(dataset)``
with ``dataset`` of shape (items, participants)), so it runs on set 1 only.
For each side the script prints the wall time of the fit and the RMSE and
correlation of ``a`` and ``b`` against the truth; after set 3, the peak
resident memory of the process (``resource.getrusage``).

Run: ``.venv/bin/python bench/calibration_vs_girth.py`` (``make bench``
installs girth from the ``bench`` extra).
"""
from __future__ import annotations

import resource
import time

import numpy as np

from calibration import Calibrator
from engine.models import probability

SEED = 2026
#: Learners simulated together when drawing each learner's distinct items.
DRAW_CHUNK = 10_000
A_LOG_SD = 0.3
KIB_PER_GIB = 1024**2


def simulate(n: int, m: int, per_learner: int | None, rng: np.random.Generator):
    """Long-format 2PL responses; ``per_learner`` distinct random items per learner (None: all)."""
    theta = rng.normal(0.0, 1.0, n)
    a = rng.lognormal(0.0, A_LOG_SD, m)
    b = rng.normal(0.0, 1.0, m)
    if per_learner is None:
        learner, item = np.repeat(np.arange(n), m), np.tile(np.arange(m), n)
    else:
        # copy: a slice would keep each chunk's whole (chunk x m) index array alive
        draws = [np.argpartition(rng.random((min(DRAW_CHUNK, n - s), m)), per_learner, axis=1)
                 [:, :per_learner].copy() for s in range(0, n, DRAW_CHUNK)]
        learner, item = np.repeat(np.arange(n), per_learner), np.concatenate(draws).ravel()
    p = probability(0.0, a[item], b[item] - theta[learner])
    scores = (rng.random(len(p)) < p).astype(np.int8)
    names = np.array([f"item{j:05d}" for j in range(m)])
    return learner, names[item], scores, a, b


def summary(name: str, seconds: float, a_hat: np.ndarray, b_hat: np.ndarray, a: np.ndarray,
            b: np.ndarray) -> str:
    rmse = lambda x, y: float(np.sqrt(np.mean((x - y) ** 2)))  # noqa: E731
    return (f"  {name:<6} {seconds:8.2f} s   a: RMSE {rmse(a_hat, a):.4f} r {np.corrcoef(a_hat, a)[0, 1]:.4f}"
            f"   b: RMSE {rmse(b_hat, b):.4f} r {np.corrcoef(b_hat, b)[0, 1]:.4f}")


def ours(learner, item_ids, scores, a, b) -> str:
    start = time.perf_counter()
    fitted = Calibrator("2pl").fit(learner, item_ids, scores)
    seconds = time.perf_counter() - start
    order = np.argsort([int(i[4:]) for i in fitted.item_ids_])
    line = summary("ours", seconds, fitted.a_[order], fitted.b_[order], a, b)
    return f"{line}   ({fitted.n_iter_} E-steps, converged={fitted.converged_})"


def girth_dense(learner, item_ids, scores, a, b, n: int, m: int) -> str:
    from girth import twopl_mml

    dataset = np.zeros((m, n), dtype=int)
    dataset[np.array([int(i[4:]) for i in item_ids]), learner] = scores
    start = time.perf_counter()
    result = twopl_mml(dataset)
    seconds = time.perf_counter() - start
    return summary("girth", seconds, result["Discrimination"], result["Difficulty"], a, b)


def main() -> None:
    rng = np.random.default_rng(SEED)
    print("2PL calibration, truth: theta ~ N(0,1), a ~ lognormal(0, 0.3), b ~ N(0,1)")

    print("dense 2,000 learners x 100 items (200,000 responses)")
    data = simulate(2000, 100, None, rng)
    print(girth_dense(*data, 2000, 100))
    print(ours(*data))

    print("sparse 20,000 learners x 500 items at 10% density (1,000,000 responses)")
    print("  girth  not run: needs the complete 500 x 20,000 matrix")
    print(ours(*simulate(20_000, 500, 50, rng)))

    print("sparse 200,000 learners x 2,000 items, 40 responses each (8,000,000 responses)")
    print("  girth  not run: needs the complete 2,000 x 200,000 matrix")
    print(ours(*simulate(200_000, 2000, 40, rng)))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / KIB_PER_GIB
    print(f"  peak resident memory of this process: {peak:.2f} GiB")


if __name__ == "__main__":
    main()
