"""Adaptive tests: B1 Engine against catsim and mirt on one bank and one set of learners.

Run: ``.venv/bin/python bench/cat_vs_catsim.py`` (needs the ``bench`` extra:
``pip install -e '.[bench]'``; ``make bench`` does it). About a minute.

1. One 500-item 2PL bank, 1,000 learners from N(0, 1), the same for every row:

   - B1 Engine, the classification CAT (:data:`engine.design.CLASSIFICATION`:
     items at the cut nearest the EAP, the GLR at the cuts -1, 0, 1, stochastically
     curtailed; 5 to 40 items);
   - B1 Engine, the precision CAT (:data:`engine.design.PRECISION`: MFI at the EAP,
     stop at SE <= 0.3, 5 to 40 items);
   - B1 Engine, the SPRT as ``simulate-cat --classify`` ran it before issue 18
     (MFI, SPRT with delta 0.3, alpha = beta = 0.05, no curtailment);
   - catsim 0.21: its standard pipeline, maximum information, maximum likelihood
     (bounded search; Dodd's heuristic for all-right or all-wrong patterns), stop
     when the SE at the ML estimate is below 0.3 or at 40 items;
   - mirt (PyPI, Rust backend): ``CATEngine`` with MFI, EAP on 61 quadrature
     points, SE <= 0.3, at most 40 items, ``run_batch_simulation``;
   - a fixed 30-item form (the 30 items with most information averaged over
     N(0, 1)), scored by EAP.

   Printed: mean test length, share placed in the true band, theta RMSE and bias,
   and milliseconds per administered item: for a whole simulation run in batch
   (B1 Engine: all learners in lock step, ``simulate_cat``; mirt: its Rust batch
   simulator), for a whole simulation run one learner at a time (B1 Engine:
   ``simulate_cat(vectorised=False)``, the service's path; catsim's ``Simulator``;
   mirt's ``run_simulation``), and the median time of one step (select the next
   item + update the estimate) for one learner who has answered 10 items. Batch
   runs are timed three times and the fastest kept, for each side.
2. Next-item selection plus posterior update on a 10,000-item bank, one learner
   at a time: median time for MFI and for posterior-weighted information
   (target: under 2 ms per step).
"""
from __future__ import annotations

import argparse
import time
import warnings
from dataclasses import replace

import numpy as np

from engine.cefr import DEFAULT_CUTS, level_index
from engine.design import CLASSIFICATION, PRECISION, CATDesign
from engine.estimation import GridPosterior, eap, update
from engine.models import information
from engine.selection import select_item
from engine.simulate import answer, draw_thetas, simulate_cat

SEED = 20260906
N_ITEMS = 500
N_LEARNERS = 1000
SE_TARGET = PRECISION.se_target
MAX_ITEMS = PRECISION.max_items
FIXED_LENGTH = 30
LARGE_BANK = 10_000
#: Timed select+update calls, and the items already answered before each.
TIMED_STEPS = 2000
ANSWERED_BEFORE = 10
#: Learners run one at a time through the slower simulators.
ONE_AT_A_TIME = 200
#: Batch simulations are timed this many times, the fastest kept (B1 Engine and mirt alike).
REPEATS = 3
#: mirt's quadrature points, as our grid's.
MIRT_POINTS = 61
#: ``simulate-cat --classify`` before issue 18.
OLD_SPRT = CATDesign(selection="mfi", se_target=None, min_items=5, max_items=MAX_ITEMS, classify=True,
                     rule="sprt", delta=0.3, alpha=0.05, beta=0.05, curtail=None, name="old sprt")


def draw_bank(rng: np.random.Generator, n_items: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """2PL items: a ~ lognormal(0.2, 0.25) (median 1.2), b ~ N(0, 1.2^2)."""
    return rng.lognormal(0.2, 0.25, n_items), rng.normal(0.0, 1.2, n_items), np.zeros(n_items)


def median_step_ms(bank, rng, method: str = "mfi", steps: int = TIMED_STEPS) -> float:
    """Median ms of one select_item + update on a learner who has answered ANSWERED_BEFORE items."""
    a, b, c = bank
    times = np.empty(steps)
    for k in range(steps):
        answered = rng.choice(a.size, ANSWERED_BEFORE, replace=False)
        scores = answer(rng, rng.normal(), a[answered], b[answered], c[answered])
        posterior = update(GridPosterior.prior(), a[answered], b[answered], c[answered], scores)
        available = np.ones(a.size, dtype=bool)
        available[answered] = False
        start = time.perf_counter()
        j = select_item(posterior, a, b, c, available, method=method)
        update(posterior, a[j], b[j], c[j], 1)
        times[k] = time.perf_counter() - start
    return float(np.median(times) * 1e3)


def best_of(runs: int, work):
    """The result of ``work()`` and its fastest time in seconds over ``runs`` runs (the machine may be busy)."""
    best, result = np.inf, None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return result, best


def run_ours(thetas, bank, design: CATDesign, seed: int) -> dict:
    results, batch = best_of(REPEATS, lambda: simulate_cat(thetas, *bank, np.random.default_rng(seed), design))
    few = thetas[:ONE_AT_A_TIME]
    start = time.perf_counter()
    single = simulate_cat(few, *bank, np.random.default_rng(seed), design, vectorised=False)
    one = time.perf_counter() - start
    return {"theta_hat": results.theta_hat, "lengths": results.n_items,
            "batch_ms": 1e3 * batch / results.n_items.sum(), "one_ms": 1e3 * one / single.n_items.sum()}


def run_catsim(thetas, bank, seed: int) -> dict:
    from catsim.estimation import NumericalSearchEstimator
    from catsim.initialization import FixedPointInitializer
    from catsim.item_bank import ItemBank
    from catsim.selection import MaxInfoSelector
    from catsim.simulation import Simulator
    from catsim.stopping import MinErrorStopper

    a, b, c = bank
    items = ItemBank(np.column_stack([a, b, c, np.ones_like(a)]))
    simulator = Simulator(items, np.asarray(thetas), seed=seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        simulator.simulate(FixedPointInitializer(0.0), MaxInfoSelector(), NumericalSearchEstimator(),
                           MinErrorStopper(SE_TARGET, max_items=MAX_ITEMS))
    seconds = time.perf_counter() - start
    lengths = np.array([len(x) for x in simulator.administered_items])
    return {"theta_hat": np.asarray(simulator.latest_estimations, dtype=float), "lengths": lengths,
            "batch_ms": None, "one_ms": 1e3 * seconds / lengths.sum(),
            "step_ms": catsim_step_ms(items, np.random.default_rng(SEED + 2))}


def catsim_step_ms(items, rng, steps: int = TIMED_STEPS) -> float:
    """Median ms of catsim's MaxInfoSelector.select + NumericalSearchEstimator.estimate."""
    from catsim.estimation import NumericalSearchEstimator
    from catsim.selection import MaxInfoSelector

    selector, estimator = MaxInfoSelector(), NumericalSearchEstimator()
    a, b = items.discrimination, items.difficulty
    times = np.empty(steps)
    for k in range(steps):
        answered = rng.choice(a.size, ANSWERED_BEFORE, replace=False).tolist()
        scores = answer(rng, rng.normal(), a[answered], b[answered]).astype(bool).tolist()
        scores[0], scores[1] = True, False  # a mixed pattern: the ML search runs
        start = time.perf_counter()
        j = selector.select(item_bank=items, administered_items=answered, est_theta=0.0)
        estimator.estimate(item_bank=items, administered_items=answered + [int(j)],
                           response_vector=scores + [True], est_theta=0.0)
        times[k] = time.perf_counter() - start
    return float(np.median(times) * 1e3)


def mirt_engine(bank, seed: int):
    import mirt
    from mirt.cat import CATEngine

    a, b, _ = bank
    model = mirt.TwoParameterLogistic(n_items=a.size)
    model.set_parameters(discrimination=a, difficulty=b)
    model._is_fitted = True  # known parameters: mirt has no public constructor for a fitted model
    return CATEngine(model, se_threshold=SE_TARGET, max_items=MAX_ITEMS, min_items=1, n_quadpts=MIRT_POINTS,
                     seed=seed)


def run_mirt(thetas, bank, seed: int) -> dict:
    results, batch = best_of(REPEATS, lambda: mirt_engine(bank, seed).run_batch_simulation(np.asarray(thetas)))
    lengths = np.array([r.n_items_administered for r in results])
    few = mirt_engine(bank, seed)
    start = time.perf_counter()
    single = [few.run_simulation(float(theta)) for theta in thetas[:ONE_AT_A_TIME]]
    one = time.perf_counter() - start
    return {"theta_hat": np.array([r.theta for r in results]), "lengths": lengths,
            "batch_ms": 1e3 * batch / lengths.sum(),
            "one_ms": 1e3 * one / sum(r.n_items_administered for r in single),
            "step_ms": mirt_step_ms(bank, np.random.default_rng(SEED + 2))}


def mirt_step_ms(bank, rng, learners: int = 100) -> float:
    """Median ms of one ``administer_item`` (update the estimate, select the next item) in mirt's session."""
    engine = mirt_engine(bank, SEED)
    a, b, c = bank
    times = []
    for _ in range(learners):
        engine.reset()
        theta = rng.normal()
        state = engine.get_current_state()
        while not state.is_complete and len(times) < TIMED_STEPS:
            j = state.next_item
            response = int(answer(rng, theta, a[j:j + 1], b[j:j + 1], c[j:j + 1])[0])
            start = time.perf_counter()
            state = engine.administer_item(response)
            times.append(time.perf_counter() - start)
    return float(np.median(times) * 1e3)


def row(name: str, *values: str) -> str:
    return f"  {name:<20}" + "".join(f"{v:>17}" for v in values)


def cell(value, fmt: str) -> str:
    return "-" if value is None else fmt.format(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=N_LEARNERS)
    parser.add_argument("--ours-only", action="store_true", help="B1 Engine only (no catsim, no mirt)")
    args = parser.parse_args()
    rng = np.random.default_rng(SEED)
    bank = draw_bank(rng, N_ITEMS)
    thetas = draw_thetas(rng, args.learners)
    truth = level_index(thetas, DEFAULT_CUTS)

    print(f"1. {N_ITEMS}-item 2PL bank, {args.learners} learners ~ N(0,1), cuts "
          f"{', '.join(f'{x:g}' for x in DEFAULT_CUTS)}; precision rows stop at SE <= {SE_TARGET} or {MAX_ITEMS} items")
    columns: dict[str, dict] = {}
    step = median_step_ms(bank, np.random.default_rng(SEED + 2))
    for name, design in (("B1 classification", CLASSIFICATION), ("B1 precision", PRECISION),
                         ("B1 old SPRT", OLD_SPRT)):
        columns[name] = {**run_ours(thetas, bank, design, SEED + 1), "step_ms": step}
    if not args.ours_only:
        columns["catsim 0.21"] = run_catsim(thetas, bank, SEED + 1)
        import mirt

        columns[f"mirt {mirt.__version__}"] = run_mirt(thetas, bank, SEED + 1)
    population = GridPosterior.prior()
    fixed = np.argsort(-(population.weights() @ information(population.nodes, *bank)))[:FIXED_LENGTH]
    fixed_items = tuple(x[fixed] for x in bank)
    fixed_scores = answer(np.random.default_rng(SEED + 4), thetas, *fixed_items)
    columns[f"fixed {FIXED_LENGTH}"] = {"theta_hat": eap(*fixed_items, fixed_scores).theta,
                                        "lengths": np.full(thetas.size, FIXED_LENGTH),
                                        "batch_ms": None, "one_ms": None, "step_ms": None}

    print(row("", "mean length", "right band", "theta RMSE", "theta bias", "ms/item batch",
              "ms/item 1-by-1", "ms/step (median)"))
    for name, column in columns.items():
        error = column["theta_hat"] - thetas
        print(row(name, f"{column['lengths'].mean():.2f}",
                  f"{np.mean(level_index(column['theta_hat'], DEFAULT_CUTS) == truth):.3f}",
                  f"{np.sqrt(np.mean(error**2)):.4f}", f"{error.mean():+.4f}", cell(column["batch_ms"], "{:.4f}"),
                  cell(column["one_ms"], "{:.3f}"), cell(column["step_ms"], "{:.3f}")))
    ours, precision = columns["B1 classification"], columns["B1 precision"]
    print(f"  classification / precision mean length: {ours['lengths'].mean() / precision['lengths'].mean():.2f}")
    for name, column in columns.items():
        if name.startswith("mirt"):
            print(f"  batch ms per item, mirt / B1 precision: {column['batch_ms'] / precision['batch_ms']:.1f}x; "
                  f"one step, mirt / B1: {column['step_ms'] / step:.1f}x")

    large = draw_bank(np.random.default_rng(SEED + 5), LARGE_BANK)
    print(f"\n2. Next-item selection + posterior update, {LARGE_BANK:,}-item bank, one learner at a time (median):")
    for method in ("mfi", "pwi"):
        print(f"  {method}: {median_step_ms(large, np.random.default_rng(SEED + 6), method):.3f} ms "
              "(target < 2 ms)")
    timed = replace(PRECISION, selection="pwi")
    start = time.perf_counter()
    results = simulate_cat(thetas[:200], *large, np.random.default_rng(SEED + 7), timed)
    print(f"  pwi, 200 learners in lock step: {1e3 * (time.perf_counter() - start) / results.n_items.sum():.3f} "
          "ms per administered item")


if __name__ == "__main__":
    main()
