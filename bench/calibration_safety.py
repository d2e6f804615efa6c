"""Safe recalibration: which rules move items only where the answers say so (defaults of
``calibration.recalibrate.Rules``).

Simulated live banks: 400 items of one language with known 3PL truth (a ~
lognormal(0, 0.3), b ~ N(-0.3, 1), c = 1/4 for 60 % of them, choice items, 0
otherwise), learners from N(-0.6, 1) (mostly A2, as a class of migrants) who
answer 150 items each, chosen the way a live engine chooses them: near the
learner, by the items' *current* parameters. Three banks of current parameters:

- ``agree``: the current parameters are the truth. The answers hold no new
  information; a safe recalibration changes nothing: no learner changes level.
- ``priors``: the current parameters are content priors (a = 1, b = the truth
  plus N(0, 0.6²) error). A recalibration should correct items; levels hardly
  depend on random item errors (150 answers average them out), so learners
  near a cut may move either way.
- ``block``: the truth, except 40 items whose b is 1 logit too high (a group
  of items an author misjudged). Learners who met them are placed too high;
  a recalibration should correct those items and move those learners down,
  to their true level.

For each number of learners and seed, :func:`calibration.recalibrate.recalibrate`
(the population held where the current parameters put it, purified; c held)
with the decision rules on a grid of ``min_learners``, ``max_se`` and the family-wise
``alpha`` of Holm's procedure (and, for comparison, every item tested alone at
1 %). A learner's level is the CEFR band (cuts -1, 0, 1) of the EAP of all
their answers (prior N(0, 1)) under the parameters before and after.
Also the old behaviour (free calibration with θ ~ N(0, 1), every item with 30
answers replaced) for comparison.

Reported per setting (means over seeds): items changed; mean |b − truth| of
the changed items before and after; learners whose level changed; of those,
how many moved to their true level and away from it; share of learners at
their true level before and after.

Run: ``.venv/bin/python bench/calibration_safety.py`` (21 minutes on two busy
cores; ``--learners 50 200 --seeds 1`` for a quick look);
``--false-changes 20 --learners 400`` counts, over 20 seeded runs on ``agree``
banks with the default rules, the runs where any item or level changed.
"""
from __future__ import annotations

import argparse
import itertools
import time
from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2

from calibration import Calibrator
from calibration.recalibrate import PARAMETERS_PER_ITEM, CurrentItem, Parameters, Rules, decide, recalibrate
from engine.cefr import DEFAULT_CUTS
from engine.models import probability

BANK = 400
ANSWERS_PER_LEARNER = 150
THETA_MEAN, THETA_SD = -0.6, 1.0
PRIOR_B_ERROR = 0.6
CHOICE_SHARE, GUESSING = 0.6, 0.25
#: Items a learner answers at random before the rest are chosen near the estimate from them.
PLACEMENT_ITEMS = 20
NODES = np.linspace(-5, 5, 101)
#: Items of the ``block`` scenario whose current b is off, and by how much.
BLOCK_ITEMS, BLOCK_ERROR = 40, 1.0
SCENARIOS = ("agree", "priors", "block")
MIN_LEARNERS = (20, 50, 100)
MAX_SE = (0.2, 0.3, 0.4)
#: Family-wise levels of Holm's procedure; "each 1%": every item tested alone at 1 %.
ALPHAS: tuple[float | str, ...] = (0.05, 0.2, "each 1%")
OLD_MIN_RESPONSES = 30


@dataclass(frozen=True)
class World:
    truth: dict[str, Parameters]
    current: dict[str, CurrentItem]
    theta: np.ndarray
    learners: np.ndarray
    items: np.ndarray
    scores: np.ndarray


def simulate(n: int, scenario: str, rng: np.random.Generator) -> World:
    ids = np.array([f"i{j:03d}" for j in range(BANK)])
    a = rng.lognormal(0.0, 0.3, BANK)
    b = rng.normal(-0.3, 1.0, BANK)
    c = np.where(rng.random(BANK) < CHOICE_SHARE, GUESSING, 0.0)
    if scenario == "agree":
        current_a, current_b = a, b
    elif scenario == "block":
        current_a, current_b = a, b.copy()
        current_b[rng.choice(BANK, BLOCK_ITEMS, replace=False)] += BLOCK_ERROR
    else:
        current_a, current_b = np.ones(BANK), b + rng.normal(0.0, PRIOR_B_ERROR, BANK)
    theta = rng.normal(THETA_MEAN, THETA_SD, n)
    learner, item, scores = answer_adaptively(theta, a, b, c, current_a, current_b, rng, ANSWERS_PER_LEARNER)
    return World({ids[j]: Parameters(a[j], b[j], c[j]) for j in range(BANK)},
                 {ids[j]: CurrentItem(current_a[j], current_b[j], c[j]) for j in range(BANK)},
                 theta, learner, ids[item], scores)


def answer_adaptively(theta, a, b, c, current_a, current_b, rng, answers, start=PLACEMENT_ITEMS):
    """Each learner answers ``start`` items drawn at random (a placement test's opening), then
    the rest near the EAP of those answers under the *current* parameters, as a live engine
    chooses. The choice depends only on answers the engine saw (missing at random), so the
    marginal likelihood may ignore it; choosing by the true ability would bias every fit."""
    n, bank = theta.size, a.size
    first = np.argsort(rng.random((n, bank)), axis=1)[:, :start]
    right_first = rng.random((n, start)) < probability(0.0, a[first], b[first] - theta[:, None], c[first])
    p = probability(NODES, current_a[first].ravel(), current_b[first].ravel(), c[first].ravel()).T
    p = p.reshape(n, start, NODES.size)
    loglik = np.where(right_first[..., None], np.log(p), np.log1p(-p)).sum(axis=1) - 0.5 * NODES**2
    weights = np.exp(loglik - loglik.max(axis=1, keepdims=True))
    guess = weights @ NODES / weights.sum(axis=1)
    rows, cols = [], []
    for i in range(n):
        rest = np.setdiff1d(np.arange(bank), first[i])
        weight = np.exp(-0.5 * (current_b[rest] - guess[i]) ** 2)
        chosen = rng.choice(rest, answers - start, replace=False, p=weight / weight.sum())
        rows.append(np.full(answers, i))
        cols.append(np.concatenate([first[i], chosen]))
    learner, item = np.concatenate(rows), np.concatenate(cols)
    scores = np.empty(item.size, dtype=int)
    scores.reshape(n, answers)[:, :start] = right_first
    later = np.ones((n, answers), dtype=bool)
    later[:, :start] = False
    later = later.ravel()
    p_right = probability(0.0, a[item[later]], b[item[later]] - theta[learner[later]], c[item[later]])
    scores[later] = rng.random(int(later.sum())) < p_right
    return learner, item, scores


def levels_of(world: World, parameters: dict[str, Parameters]) -> np.ndarray:
    """CEFR band of each learner's EAP (prior N(0, 1)) under ``parameters``."""
    a = np.array([parameters[i].a for i in world.items])
    b = np.array([parameters[i].b for i in world.items])
    c = np.array([parameters[i].c for i in world.items])
    p = probability(NODES, a, b, c).T  # (answers, nodes)
    loglik = np.where(world.scores[:, None] == 1, np.log(p), np.log1p(-p))
    total = np.zeros((world.theta.size, NODES.size))
    np.add.at(total, world.learners, loglik)
    total += -0.5 * NODES**2
    weights = np.exp(total - total.max(axis=1, keepdims=True))
    eap = weights @ NODES / weights.sum(axis=1)
    return np.searchsorted(DEFAULT_CUTS, eap, side="right")


def outcome(world: World, changed: dict[str, Parameters]) -> dict[str, float]:
    current = {i: item.parameters for i, item in world.current.items()}
    before = levels_of(world, current)
    after = levels_of(world, {**current, **changed})
    truth = np.searchsorted(DEFAULT_CUTS, world.theta, side="right")
    moved = before != after
    errors_before = [abs(world.current[i].b - world.truth[i].b) for i in changed]
    errors_after = [abs(p.b - world.truth[i].b) for i, p in changed.items()]
    return {"items": len(changed),
            "err_before": float(np.mean(errors_before)) if changed else np.nan,
            "err_after": float(np.mean(errors_after)) if changed else np.nan,
            "moved": int(moved.sum()), "to_truth": int((moved & (after == truth)).sum()),
            "away": int((moved & (before == truth)).sum()),
            "right_before": float(np.mean(before == truth)), "right_after": float(np.mean(after == truth))}


def changes(world: World, fits: dict, min_learners: int, max_se: float, alpha: float | str) -> dict[str, Parameters]:
    """The items :func:`recalibrate` changes; with ``"each 1%"`` each item tested alone at 1 %
    (one fit, no purification: what Holm's procedure is compared with)."""
    if isinstance(alpha, float):
        decided = recalibrate(world.learners, world.items, world.scores, world.current,
                              Rules(min_learners=min_learners, max_se=max_se, alpha=alpha), fits=fits)
        return {o.item.item_id: o.new for o in decided.changed() if o.new is not None}
    fit = fits[()]
    threshold = chi2.ppf(0.99, PARAMETERS_PER_ITEM)
    decided = decide(fit, Rules(min_learners=min_learners, max_se=max_se, alpha=0.999))
    return {o.item.item_id: o.item.estimate for o in decided.outcomes
            if o.decision in ("changed", "consistent") and o.item.statistic is not None
            and o.item.statistic > threshold
            and o.item.estimate is not None}


def old_behaviour(world: World) -> dict[str, float]:
    """The run before safe recalibration: free calibration (θ ~ N(0, 1)), c dropped,
    every item with 30 answers replaced."""
    fitted = Calibrator().fit(world.learners, world.items, world.scores)
    changed = {str(i): Parameters(float(a), float(b), 0.0)
               for i, a, b, n in zip(fitted.item_ids_, fitted.a_, fitted.b_, fitted.n_responses_)
               if n >= OLD_MIN_RESPONSES and np.isfinite(b)}
    return outcome(world, changed)


def false_changes(n: int, runs: int) -> None:
    """Runs on ``agree`` banks with the default rules: how often any item, or any level, moves."""
    items_moved = levels_moved = 0
    started = time.perf_counter()
    for seed in range(runs):
        world = simulate(n, "agree", np.random.default_rng([2027, n, seed]))
        rules = Rules()
        changed = {o.item.item_id: o.new for o in recalibrate(world.learners, world.items, world.scores,
                                                              world.current, rules).changed() if o.new is not None}
        found = outcome(world, changed)
        items_moved += found["items"] > 0
        levels_moved += found["moved"] > 0
    print(f"{runs} runs of {n} learners whose answers agree with the parameters, default rules "
          f"(min_learners {rules.min_learners}, max_se {rules.max_se}, alpha {rules.alpha}): "
          f"an item changed in {items_moved}, a level in {levels_moved} ({time.perf_counter() - started:.0f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, nargs="+", default=[50, 200, 1000])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--false-changes", type=int, metavar="RUNS",
                        help="instead: RUNS seeded runs of the agree bank with the default rules, counting "
                             "the runs where any item or any level changed")
    args = parser.parse_args()
    if args.false_changes:
        for n in args.learners:
            false_changes(n, args.false_changes)
        return
    rows: dict[tuple, list[dict[str, float]]] = {}
    started = time.perf_counter()
    for n, scenario, seed in itertools.product(args.learners, SCENARIOS, range(args.seeds)):
        world = simulate(n, scenario, np.random.default_rng([2026, n, seed, SCENARIOS.index(scenario)]))
        fits: dict = {}
        for min_learners, max_se, alpha in itertools.product(MIN_LEARNERS, MAX_SE, ALPHAS):
            rows.setdefault((n, scenario, min_learners, max_se, alpha), []).append(
                outcome(world, changes(world, fits, min_learners, max_se, alpha)))
        rows.setdefault((n, scenario, "old", "", ""), []).append(old_behaviour(world))
    print(f"{sum(len(v) for v in rows.values())} evaluations in {time.perf_counter() - started:.0f} s; "
          f"{ANSWERS_PER_LEARNER} answers per learner, bank of {BANK}, means over {args.seeds} seeds")
    print("| learners | bank | min_learners | max_se | alpha | items changed | |b err| before → after "
          "| levels moved | to truth | away | at true level before → after |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for key, found in rows.items():
        mean = {k: float(np.nanmean([r[k] for r in found])) if not all(np.isnan(r[k]) for r in found)
                else np.nan for k in found[0]}
        n, scenario, min_learners, max_se, alpha = key
        print(f"| {n} | {scenario} | {min_learners} | {max_se} | {alpha} | {mean['items']:.1f} "
              f"| {mean['err_before']:.2f} → {mean['err_after']:.2f} | {mean['moved']:.1f} "
              f"| {mean['to_truth']:.1f} | {mean['away']:.1f} "
              f"| {mean['right_before']:.3f} → {mean['right_after']:.3f} |")


if __name__ == "__main__":
    main()
