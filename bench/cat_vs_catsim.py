"""Adaptive tests: B1 Engine against catsim on one bank and one set of learners.

Run: ``.venv/bin/python bench/cat_vs_catsim.py`` (needs the ``bench`` extra:
``pip install -e '.[bench]'``; ``make bench`` does it).

1. Precision run: a 500-item 2PL bank, 1,000 learners from N(0, 1), stop at
   SE <= 0.3 or 40 items. B1 Engine: maximum information at the EAP, grid
   posterior, EAP. catsim 0.21: its standard pipeline, maximum information,
   maximum likelihood (bounded search; Dodd's heuristic for all-right or
   all-wrong patterns), stop when the SE at the ML estimate is below 0.3.
   Printed: mean test length, theta RMSE and bias, and time per administered
   item (whole loop: select, answer, update, stop) and per select+update step.
2. Classification run: the SPRT at cuts -1, 0, 1 (``--classify``), next to a
   fixed 30-item form (the 30 items with most information averaged over the
   N(0, 1) population), both scored by EAP: share placed in the right band
   and mean length.
3. Next-item selection plus posterior update on a 10,000-item bank: median time.
"""
from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from engine.cefr import DEFAULT_CUTS, level_index
from engine.estimation import GridPosterior, eap, update
from engine.models import information
from engine.selection import select_item
from engine.simulate import CATDesign, answer, draw_thetas, simulate_cat

SEED = 20260906
N_ITEMS = 500
N_LEARNERS = 1000
SE_TARGET = 0.3
MAX_ITEMS = 40
FIXED_LENGTH = 30
LARGE_BANK = 10_000
#: Timed select+update calls, and the items already answered before each.
TIMED_STEPS = 2000
ANSWERED_BEFORE = 10


def draw_bank(rng: np.random.Generator, n_items: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """2PL items: a ~ lognormal(0.2, 0.25) (median 1.2), b ~ N(0, 1.2^2)."""
    return rng.lognormal(0.2, 0.25, n_items), rng.normal(0.0, 1.2, n_items), np.zeros(n_items)


def run_engine(thetas, bank, rng, design: CATDesign):
    start = time.perf_counter()
    results = simulate_cat(thetas, *bank, rng, design)
    return results, time.perf_counter() - start


def median_step_ms(bank, rng, steps: int = TIMED_STEPS) -> float:
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
        j = select_item(posterior, a, b, c, available)
        update(posterior, a[j], b[j], c[j], 1)
        times[k] = time.perf_counter() - start
    return float(np.median(times) * 1e3)


def run_catsim(thetas, bank, seed: int):
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
    theta_hat = np.asarray(simulator.latest_estimations, dtype=float)
    lengths = np.array([len(x) for x in simulator.administered_items])
    return theta_hat, lengths, seconds, items


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


def row(name: str, *values: str) -> str:
    return f"  {name:<34}" + "".join(f"{v:>14}" for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=N_LEARNERS)
    parser.add_argument("--no-catsim", action="store_true", help="B1 Engine only")
    args = parser.parse_args()
    rng = np.random.default_rng(SEED)
    bank = draw_bank(rng, N_ITEMS)
    thetas = draw_thetas(rng, args.learners)

    print(f"Precision run: {N_ITEMS}-item 2PL bank, {args.learners} learners ~ N(0,1), "
          f"stop at SE <= {SE_TARGET} or {MAX_ITEMS} items")
    design = CATDesign(se_target=SE_TARGET, min_items=1, max_items=MAX_ITEMS)
    ours, seconds = run_engine(thetas, bank, np.random.default_rng(SEED + 1), design)
    our_step = median_step_ms(bank, np.random.default_rng(SEED + 2))
    print(row("", "B1 Engine", "catsim 0.21"))
    columns = [(ours.n_items.mean(), ours.rmse, ours.bias, 1e3 * seconds / ours.n_items.sum(), our_step)]
    if not args.no_catsim:
        theta_hat, lengths, catsim_seconds, items = run_catsim(thetas, bank, SEED + 1)
        error = theta_hat - thetas
        columns.append((lengths.mean(), float(np.sqrt(np.mean(error**2))), float(error.mean()),
                        1e3 * catsim_seconds / lengths.sum(), catsim_step_ms(items, np.random.default_rng(SEED + 2))))
    labels = ("mean test length", "theta RMSE", "theta bias", "ms per item (whole loop)",
              "ms per select+update (median)")
    formats = ("{:.2f}", "{:.4f}", "{:+.4f}", "{:.3f}", "{:.3f}")
    for k, (label, fmt) in enumerate(zip(labels, formats)):
        print(row(label, *(fmt.format(column[k]) for column in columns)))
    if len(columns) == 2:
        print(f"  speed-up per select+update step: {columns[1][4] / columns[0][4]:.0f}x; "
              f"whole loop: {columns[1][3] / columns[0][3]:.0f}x")

    cuts = DEFAULT_CUTS
    print(f"\nClassification run: cuts {', '.join(f'{x:g}' for x in cuts)}, same bank and learners")
    truth = level_index(thetas, cuts)
    classify = CATDesign(se_target=None, min_items=5, max_items=MAX_ITEMS, classify=True, cuts=cuts)
    sprt, _ = run_engine(thetas, bank, np.random.default_rng(SEED + 3), classify)
    population = GridPosterior.prior()
    fixed = np.argsort(-(population.weights() @ information(population.nodes, *bank)))[:FIXED_LENGTH]
    fixed_items = tuple(x[fixed] for x in bank)
    fixed_scores = answer(np.random.default_rng(SEED + 4), thetas, *fixed_items)
    fixed_level = level_index(eap(*fixed_items, fixed_scores).theta, cuts)
    print(row("", "SPRT (--classify)", f"fixed {FIXED_LENGTH}"))
    print(row("placed in the right band", f"{np.mean(sprt.level == truth):.3f}",
              f"{np.mean(fixed_level == truth):.3f}"))
    print(row("mean test length", f"{sprt.n_items.mean():.2f}", f"{FIXED_LENGTH:d}"))

    large = draw_bank(np.random.default_rng(SEED + 5), LARGE_BANK)
    print(f"\nNext-item selection (MFI) + posterior update, {LARGE_BANK:,}-item bank: "
          f"median {median_step_ms(large, np.random.default_rng(SEED + 6)):.3f} ms (target < 1 ms)")


if __name__ == "__main__":
    main()
