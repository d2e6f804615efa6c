"""Calibration benchmark: our sparse MML-EM against PyPI ``mirt`` and girth on simulated 2PL logs.

One run, four data sets with known truth (seeded):

1. dense 2,000 learners x 100 items;
2. dense 10,000 learners x 100 items;
3. sparse 20,000 learners x 500 items at 10% density (1 M responses);
4. sparse 200,000 learners x 2,000 items, 40 responses each (8 M responses).

On the dense sets every side runs: ours with its default item priors
(posterior modes, ``Calibrator("2pl")``) and without priors
(``Priors.none()``: marginal maximum likelihood, what the others estimate);
``mirt.fit_mirt(data, "2PL")`` (a Rust-backed port of R's mirt; EM, no
priors) at its default 21 quadrature nodes and at 61 (ours uses 41 on
[-6, 6]), parameters only (``compute_standard_errors=False``; ours includes
its standard errors); girth's ``twopl_mml`` (items x learners matrix). mirt
and girth take only a learners x items (or items x learners) matrix, so the
sparse sets are ours alone. For each side the script prints the wall time of
the fit and the RMSE and correlation of ``a`` and ``b`` against the truth;
after set 4, the peak resident memory of the process
(``resource.getrusage``). mirt and girth are warmed up on a small fit first.

Run: ``.venv/bin/python bench/calibration_vs_girth.py`` (about two minutes;
``make bench`` installs mirt and girth from the ``bench`` extra).
"""
from __future__ import annotations

import resource
import time

import numpy as np

from calibration import Calibrator, Priors
from engine.models import probability

SEED = 2026
#: Learners simulated together when drawing each learner's distinct items.
DRAW_CHUNK = 10_000
#: mirt's default number of quadrature nodes, and the finer grid compared.
MIRT_NODES = (21, 61)
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
    return (f"  {name:<8} {seconds:8.2f} s   a: RMSE {rmse(a_hat, a):.4f} r {np.corrcoef(a_hat, a)[0, 1]:.4f}"
            f"   b: RMSE {rmse(b_hat, b):.4f} r {np.corrcoef(b_hat, b)[0, 1]:.4f}")


def _order(item_ids) -> np.ndarray:
    return np.argsort([int(i[4:]) for i in item_ids])


def ours(learner, item_ids, scores, a, b, priors: Priors | None = None, name: str = "ours") -> str:
    start = time.perf_counter()
    fitted = Calibrator("2pl", priors=priors).fit(learner, item_ids, scores)
    seconds = time.perf_counter() - start
    order = _order(fitted.item_ids_)
    line = summary(name, seconds, fitted.a_[order], fitted.b_[order], a, b)
    return f"{line}   ({fitted.n_iter_} E-steps, converged={fitted.converged_})"


def _matrix(learner, item_ids, scores, n: int, m: int) -> np.ndarray:
    """Learners x items 0/1 matrix of a dense log."""
    data = np.zeros((n, m), dtype=int)
    data[learner, np.array([int(i[4:]) for i in item_ids])] = scores
    return data


def mirt_dense(learner, item_ids, scores, a, b, n: int, m: int, nodes: int) -> str:
    from mirt import fit_mirt

    data = _matrix(learner, item_ids, scores, n, m)
    start = time.perf_counter()
    result = fit_mirt(data, model="2PL", n_quadpts=nodes, compute_standard_errors=False)
    seconds = time.perf_counter() - start
    parameters = result.model.parameters
    line = summary(f"mirt {nodes}", seconds, np.asarray(parameters["discrimination"]).ravel(),
                   np.asarray(parameters["difficulty"]).ravel(), a, b)
    return f"{line}   ({result.n_iterations} EM cycles, converged={result.converged})"


def girth_dense(learner, item_ids, scores, a, b, n: int, m: int) -> str:
    from girth import twopl_mml

    dataset = _matrix(learner, item_ids, scores, n, m).T
    start = time.perf_counter()
    result = twopl_mml(dataset)
    seconds = time.perf_counter() - start
    return summary("girth", seconds, result["Discrimination"], result["Difficulty"], a, b)


def warm_up(rng: np.random.Generator) -> None:
    """One small fit each for mirt and girth, so that no first-call cost lands in a timing."""
    from girth import twopl_mml
    from mirt import fit_mirt

    data = (rng.random((200, 10)) < 0.6).astype(int)
    fit_mirt(data, model="2PL", compute_standard_errors=False)
    twopl_mml(data.T)


def dense(n: int, m: int, rng: np.random.Generator) -> None:
    print(f"dense {n:,} learners x {m} items ({n * m:,} responses)")
    data = simulate(n, m, None, rng)
    print(girth_dense(*data, n, m))
    for nodes in MIRT_NODES:
        print(mirt_dense(*data, n, m, nodes))
    print(ours(*data, priors=Priors.none(), name="ours ML"))
    print(ours(*data))


def main() -> None:
    rng = np.random.default_rng(SEED)
    print("2PL calibration, truth: theta ~ N(0,1), a ~ lognormal(0, 0.3), b ~ N(0,1)")
    print("(ours ML: no item priors, marginal maximum likelihood like mirt and girth; "
          "ours: default priors, posterior modes)")
    warm_up(np.random.default_rng(SEED + 1))
    dense(2000, 100, rng)
    dense(10_000, 100, rng)

    print("sparse 20,000 learners x 500 items at 10% density (1,000,000 responses)")
    print("  mirt and girth not run: they need the complete 20,000 x 500 matrix")
    print(ours(*simulate(20_000, 500, 50, rng)))

    print("sparse 200,000 learners x 2,000 items, 40 responses each (8,000,000 responses)")
    print("  mirt and girth not run: they need the complete 200,000 x 2,000 matrix")
    print(ours(*simulate(200_000, 2000, 40, rng)))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / KIB_PER_GIB
    print(f"  peak resident memory of this process: {peak:.2f} GiB")


if __name__ == "__main__":
    main()
