"""The classification defaults and the placement design, chosen by simulation (seeded).

Run: ``.venv/bin/python bench/cat_designs.py`` (about a minute and a half of CPU time; ``--quick``
for a smaller run).
``docs/model.md`` ("Choosing the defaults") quotes its output.

1. **Classification CAT against a precision CAT.** The engine's classification
   defaults (:data:`engine.design.CLASSIFICATION`: items at the nearest cut, the
   GLR at the cuts, stochastically curtailed) and their neighbours, against
   :data:`engine.design.PRECISION` (MFI, SE <= 0.3, 5 to 40 items) on the same
   learners answering the same items, on two kinds of bank, three draws each:

   - "like ours": 500 items over the four bands, 2PL and 3PL (types and skills in
     the bundled bank's proportions, c = 1/k on choice items, k = 3 or 4,
     a = exp(N(0, 0.3^2)), b = band centre +- 0.5 band width);
   - the 2PL bank of ``bench/cat_vs_catsim.py`` (500 items, a ~ lognormal(0.2, 0.25),
     b ~ N(0, 1.2^2)).

   Printed: mean length as a share of the precision CAT's, and the difference in
   the share of learners placed in their true band (the target: at most 0.85 and
   at least 0).
2. **The placement test.** :data:`engine.design.PLACEMENT` on a simulated bank
   shaped like the bundled one with its prior parameters (250 items, a = 1,
   c = 1/3 on choice items) and on the bundled bank's B1 track in each language
   (``b1engine content export --format bank-csv``, when the bank and the command
   are there): median and mean length, the share of tests at the maximum,
   agreement with the level the same test reaches when run to 40 items,
   agreement with an independent 40-item precision test
   (:data:`engine.design.REFERENCE`) taken by the same learners (same answers to
   the same items), and the share placed in the true band; beside it, the
   service's design before this one (precision, SE <= 0.35, 10 to 30 items, top 3
   randomesque, no content balance) and the placement design at other curtailment levels.
3. **Placement exposure.** The same banks and learners: how often the most used
   items are given and how many items two tests share (the test overlap rate),
   for the placement design's randomesque set, the 48 best at the first item
   halved with each answer down to 3, against the 3 best throughout and other
   openings; on the simulated bank shaped like ours and on a bank whose items
   differ in discrimination, as a calibrated one would.
4. **Stopping rules replayed.** Each learner's placement test run to 40 items,
   replayed step by step: a stopping rule that reads only the test's state
   (the posterior, the GLR's decision, the curtailment probability) stops each
   learner where the design would have, with the same items and answers, so any
   rule can be scored without running the tests again. Scored: the design's
   curtailment levels (which reproduce part 2's figures), and a level that is low
   up to the 15th item and high after it, the rule that meets the issue's
   "median <= 15 items at >= 85 % agreement" and is not kept (docs/model.md):
   agreement and true band of the learners who stop by the 15th item and of the others.
   Run alone: ``--part 4`` (about 15 s).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ scripts import each other

from cat_vs_catsim import draw_bank as draw_2pl_bank

from engine import stopping
from engine.cefr import level_index
from engine.design import CLASSIFICATION, PLACEMENT, PRECISION, REFERENCE, CATDesign
from engine.estimation import posterior_moments
from engine.models import information, log_probabilities
from engine.simulate import draw_bank, simulate_cat

SEED = 20261101
LEARNERS = 4000
PLACEMENT_LEARNERS = 1500
LANGUAGES = ("nb", "en", "tr", "it")
#: The service's placement test before issue 18.
OLD_PLACEMENT = CATDesign(selection="mfi", top_k=3, se_target=0.35, min_items=10, max_items=30, name="old placement")


def like_ours(rng: np.random.Generator):
    bank = draw_bank(rng, 500, a_log_sd=0.3, spread=0.5, options=(3, 4))
    return bank.a, bank.b, bank.c


def two_pl(rng: np.random.Generator):
    return draw_2pl_bank(rng, 500)


def classification_rows(learners: int, seeds: int) -> None:
    variants = [("defaults", CLASSIFICATION),
                ("curtail 0.90", replace(CLASSIFICATION, curtail=0.90)),
                ("curtail 0.94", replace(CLASSIFICATION, curtail=0.94)),
                ("curtail_se 0.22", replace(CLASSIFICATION, curtail_se=0.22)),
                ("curtail at 40 items", replace(CLASSIFICATION, curtail=0.9, curtail_se=None, delta=0.4)),
                ("GLR alone (delta 0.3, alpha 0.15)", replace(CLASSIFICATION, curtail=None, alpha=0.15, beta=0.15)),
                ("SPRT alone (delta 0.3, alpha 0.15)", replace(CLASSIFICATION, curtail=None, rule="sprt",
                                                               alpha=0.15, beta=0.15))]
    print(f"1. Classification CAT vs precision CAT (SE <= 0.3): {learners} learners ~ N(0, 1) per bank; "
          "cells: mean length / precision's, band accuracy - precision's")
    for bank_name, draw in (("like ours", like_ours), ("2PL bench bank", two_pl)):
        print(f"\n  {bank_name}")
        header = "".join(f"{'draw ' + str(k + 1):>16}" for k in range(seeds))
        print(f"  {'':<36}{header}")
        results: dict[str, list[str]] = {"precision CAT (length, accuracy)": []}
        for k in range(seeds):
            rng = np.random.default_rng([SEED, k])
            a, b, c = draw(rng)
            thetas = rng.normal(size=learners)
            base = simulate_cat(thetas, a, b, c, np.random.default_rng([SEED, k, 1]), PRECISION)
            results["precision CAT (length, accuracy)"].append(
                f"{base.n_items.mean():.1f}, {base.accuracy(PRECISION.cuts):.3f}")
            for name, design in variants:
                run = simulate_cat(thetas, a, b, c, np.random.default_rng([SEED, k, 1]), design)
                ratio = run.n_items.mean() / base.n_items.mean()
                gain = run.accuracy(design.cuts) - base.accuracy(PRECISION.cuts)
                mark = "*" if ratio <= 0.85 and gain >= 0 else " "
                results.setdefault(name, []).append(f"{ratio:.2f} / {gain:+.3f}{mark}")
        for name, cells in results.items():
            print(f"  {name:<36}" + "".join(f"{cell:>16}" for cell in cells))
    print("  (* meets the target)")


def bundled_banks() -> dict[str, tuple]:
    """The bundled bank's B1 track per language, through one content export (empty if unavailable).

    The export has no language column; an item's id starts with its language (``nb-...``).
    """
    from calibration.simulate_cli import read_bank_with_content

    banks = {}
    b1engine = Path(sys.executable).with_name("b1engine")
    with tempfile.TemporaryDirectory() as folder:
        export = Path(folder) / "b1.csv"
        try:
            with export.open("w", encoding="utf-8") as handle:
                subprocess.run([str(b1engine), "content", "export", "--format", "bank-csv", "--track", "b1"],
                               stdout=handle, check=True, timeout=600)
        except (OSError, subprocess.SubprocessError) as error:
            print(f"  (bundled bank not exported: {error})")
            return banks
        header, *rows = export.read_text(encoding="utf-8").splitlines()
        for language in LANGUAGES:
            path = Path(folder) / f"{language}.csv"
            path.write_text("\n".join([header, *(r for r in rows if r.startswith(f"{language}-"))]) + "\n",
                            encoding="utf-8")
            bank, skills, types = read_bank_with_content(path)
            banks[f"bundled {language} B1 track ({bank.a.size} items)"] = (bank.a, bank.b, bank.c, skills, types)
    return banks


def placement_banks(with_bundled: bool) -> dict[str, tuple]:
    """The simulated bank shaped like ours and (``with_bundled``) the bundled bank's B1 track per language."""
    simulated = draw_bank(np.random.default_rng([SEED, 99]), 250)
    banks = {"simulated, shaped like ours (250, a = 1, c = 1/3)":
             (simulated.a, simulated.b, simulated.c, simulated.skill, simulated.type)}
    if with_bundled:
        banks.update(bundled_banks())
    return banks


def run_to_40(design: CATDesign, thetas, a, b, c, skills, types):
    """``design``'s tests run to 40 items whatever their stopping rule says, with the same answers
    and choices as ``design`` itself (the same seed): the level its curtailment predicts."""
    full = replace(design, classify=False, se_target=None, min_items=40, max_items=40)
    return simulate_cat(thetas, a, b, c, np.random.default_rng([SEED, 8]), full, skills=skills, types=types)


def placement_rows(learners: int, banks: dict[str, tuple]) -> None:
    print(f"\n2. Placement: {learners} learners ~ N(0, 1) per bank. Columns: median and mean length, share at the "
          "maximum, agreement with the same test run to 40 items, agreement with an independent 40-item "
          "precision test on the same answers, share in the true band")
    designs = [("placement (the design)", PLACEMENT),
               ("  curtail 0.75", replace(PLACEMENT, curtail=0.75)),
               ("  curtail 0.80", replace(PLACEMENT, curtail=0.80)),
               ("  curtail 0.85", replace(PLACEMENT, curtail=0.85)),
               ("  max 30 items", replace(PLACEMENT, max_items=30)),
               ("  no content balance", replace(PLACEMENT, skill_targets=(), type_targets=())),
               # What 15 items can tell at best without a stopping rule: the bound behind the
               # target "median <= 15 items at >= 85 % agreement" (docs/model.md).
               ("  fixed 15 items", replace(PLACEMENT, classify=False, curtail=None, se_target=None,
                                            min_items=15, max_items=15)),
               ("  fixed 15, no content balance", replace(PLACEMENT, classify=False, curtail=None,
                                                          se_target=None, min_items=15, max_items=15,
                                                          skill_targets=(), type_targets=())),
               ("old placement (precision, 10-30)", OLD_PLACEMENT)]
    for name, (a, b, c, skills, types) in banks.items():
        print(f"\n  {name}")
        print(f"  {'':<36}{'median':>8}{'mean':>8}{'at max':>8}{'agree40':>9}{'agreeRef':>9}{'truth':>8}")
        thetas = np.random.default_rng([SEED, 7]).normal(size=learners)
        reference = simulate_cat(thetas, a, b, c, np.random.default_rng([SEED, 8]), REFERENCE)
        for label, design in designs:
            run = simulate_cat(thetas, a, b, c, np.random.default_rng([SEED, 8]), design, skills=skills, types=types)
            to_40 = run_to_40(design, thetas, a, b, c, skills, types)
            print(f"  {label:<36}{np.median(run.n_items):>8.0f}{run.n_items.mean():>8.1f}"
                  f"{np.mean(run.n_items == design.max_items):>8.2f}{np.mean(run.level == to_40.level):>9.3f}"
                  f"{np.mean(run.level == reference.level):>9.3f}{run.accuracy(design.cuts):>8.3f}")
            if design is PLACEMENT:
                print(f"  {'  the same test run to 40 items':<36}{40:>8}{40.0:>8.1f}{1.0:>8.2f}{1.0:>9.3f}"
                      f"{np.mean(to_40.level == reference.level):>9.3f}{to_40.accuracy(design.cuts):>8.3f}")
        print(f"  {'reference (40 items, MFI)':<36}{40:>8}{40.0:>8.1f}{1.0:>8.2f}{'':>9}{1.0:>9.3f}"
              f"{reference.accuracy(REFERENCE.cuts):>8.3f}")


def exposure_rows(learners: int, banks: dict[str, tuple]) -> None:
    print(f"\n3. Placement exposure: {learners} learners ~ N(0, 1) per bank, the randomesque set narrowing from "
          "the opening's (opening_top_k) to the 3 best. Columns: median and mean length, agreement with the same test run "
          "to 40 items, the largest exposure rate (share of tests that gave an item), items given in more than 30 % "
          "of tests, the test overlap rate (items two tests share / mean length), distinct first items")
    designs = [("placement (opening 48, halved)", PLACEMENT),
               ("  the 3 best throughout", replace(PLACEMENT, opening_top_k=None)),
               ("  opening 12, halved", replace(PLACEMENT, opening_top_k=12)),
               ("  opening 96, halved", replace(PLACEMENT, opening_top_k=96))]
    varied = draw_bank(np.random.default_rng([SEED, 98]), 250, a_log_sd=0.3, spread=0.5, options=(3, 4))
    banks = {**banks, "simulated, a varying as after calibration (250, a = exp N(0, 0.3^2))":
             (varied.a, varied.b, varied.c, varied.skill, varied.type)}
    for name, (a, b, c, skills, types) in banks.items():
        print(f"\n  {name}")
        print(f"  {'':<36}{'median':>8}{'mean':>7}{'agree40':>9}{'max':>7}{'>0.3':>6}{'overlap':>9}{'first':>7}")
        thetas = np.random.default_rng([SEED, 7]).normal(size=learners)
        for label, design in designs:
            run = simulate_cat(thetas, a, b, c, np.random.default_rng([SEED, 8]), design, skills=skills, types=types)
            to_40 = run_to_40(design, thetas, a, b, c, skills, types)
            rates = run.exposure(a.size)
            first = np.unique([items[0] for items in run.items]).size
            print(f"  {label:<36}{np.median(run.n_items):>8.0f}{run.n_items.mean():>7.1f}"
                  f"{np.mean(run.level == to_40.level):>9.3f}"
                  f"{rates.max():>7.2f}{np.count_nonzero(rates > 0.3):>6}{run.overlap():>9.3f}{first:>7}")


def replay(design: CATDesign, a, b, c, thetas, to_40) -> dict[str, np.ndarray]:
    """The state of each learner's test after each of its 40 answers, shape (n, 41).

    ``to_40``: the design's tests run to 40 items (:func:`simulate_cat`). Returned:
    each step's level (the EAP's band), whether the GLR has decided it, and the
    curtailment probability, as :meth:`CATDesign.should_stop` computes them.
    """
    prior = design.prior()
    right, wrong = (x.T for x in log_probabilities(prior.nodes, a, b, c))
    table = information(prior.nodes, a, b, c)
    items, scores = np.stack(to_40.items), np.stack(to_40.scores).astype(bool)
    n, length = items.shape
    level = np.zeros((n, length + 1), dtype=int)
    decided = np.zeros((n, length + 1), dtype=bool)
    probability = np.ones((n, length + 1))
    log_likelihood = np.zeros((n, prior.nodes.size))
    available = np.ones((n, a.size), dtype=bool)
    for step in range(length + 1):
        mean, sd = posterior_moments(prior.nodes, prior.log_prior + log_likelihood)
        level[:, step] = level_index(mean, design.cuts)
        ratios = stopping.log_ratios(prior.nodes, log_likelihood, design.cuts, design.delta, design.rule)
        decided[:, step] = stopping.decided(level[:, step], stopping.verdicts_of(ratios, design.alpha, design.beta))
        future = stopping.future_information(table[stopping.nearest_node(prior.nodes, mean)], available,
                                             length - step)
        probability[:, step] = stopping.curtailment_probability(mean, sd, future, design.cuts, design.curtail_se)
        if step < length:
            chosen = items[:, step]
            log_likelihood += np.where(scores[:, step, np.newaxis], right[chosen], wrong[chosen])
            available[np.arange(n), chosen] = False
    return {"level": level, "decided": decided, "probability": probability,
            "final": to_40.level, "truth": level_index(thetas, design.cuts)}


def replay_rows(learners: int, banks: dict[str, tuple]) -> None:
    print(f"\n4. Stopping rules replayed on the placement test run to 40 items: {learners} learners ~ N(0, 1) per bank. "
          "Columns: median, 90th percentile and mean length, agreement with the test run to 40 items, share in the "
          "true band; "
          "then the share stopped by the 15th item, and agreement / true band for those and for the others")
    steps = np.arange(PLACEMENT.max_items + 1)
    rules = [(f"curtail {level:.2f}", np.full(steps.size, level)) for level in (0.75, 0.80, PLACEMENT.curtail)]
    rules.append(("0.70 to item 15, then 0.95", np.where(steps <= 15, 0.70, 0.95)))
    for name, (a, b, c, skills, types) in banks.items():
        print(f"\n  {name}")
        print(f"  {'':<30}{'median':>7}{'p90':>5}{'mean':>6}{'agree40':>9}{'truth':>7}{'<= 15':>7}"
              f"{'agree40 / truth, <= 15':>24}{'> 15':>16}")
        thetas = np.random.default_rng([SEED, 7]).normal(size=learners)
        to_40 = run_to_40(PLACEMENT, thetas, a, b, c, skills, types)
        state = replay(PLACEMENT, a, b, c, thetas, to_40)
        for label, level in rules:
            stop = state["decided"] | (state["probability"] >= level)
            stop[:, :PLACEMENT.min_items] = False
            stop[:, -1] = True
            length = np.argmax(stop, axis=1)
            placed = state["level"][np.arange(length.size), length]
            agree, true = placed == state["final"], placed == state["truth"]
            short = length <= 15
            print(f"  {label:<30}{np.median(length):>7.0f}{np.percentile(length, 90):>5.0f}{length.mean():>6.1f}{agree.mean():>9.3f}{true.mean():>7.3f}"
                  f"{short.mean():>7.2f}{agree[short].mean():>15.3f} / {true[short].mean():.3f}"
                  f"{agree[~short].mean():>9.3f} / {true[~short].mean():.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer learners and draws")
    parser.add_argument("--no-bundled", action="store_true", help="skip the bundled bank")
    parser.add_argument("--part", type=int, choices=(1, 2, 3, 4), help="run one part only")
    args = parser.parse_args()
    start = time.perf_counter()
    if args.part in (None, 1):
        classification_rows(1000 if args.quick else LEARNERS, 1 if args.quick else 3)
    if args.part in (None, 2, 3, 4):
        banks = placement_banks(not args.no_bundled)
        if args.part in (None, 2):
            placement_rows(500 if args.quick else PLACEMENT_LEARNERS, banks)
        if args.part in (None, 3):
            exposure_rows(500 if args.quick else PLACEMENT_LEARNERS, banks)
        if args.part in (None, 4):
            replay_rows(500 if args.quick else PLACEMENT_LEARNERS, banks)
    print(f"\n({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
