"""Teacher alerts on simulated classes of known truth: precision and recall of each rule.

Classes of 20 (:mod:`engine.simulate_class`: 11 normal, 2 fast, 2 slow, 2
stalled and 3 dropping-out learners each, drilling 15 items on 2 to 5 days a
week for twelve weeks) are simulated with a seed; the service's path is then
run on their answers: the growth model's gain over the last weeks
(:func:`engine.growth.window_gains`) and the practice rhythm, gathered by
:func:`engine.triage.gather` as the service gathers them, and the rules
(:func:`engine.triage.triage`) with their defaults (:class:`engine.triage.TriageRules`). Each rule's flags
are compared with the truth (:meth:`engine.simulate_class.ClassLog.truth`):

- ``inactive``: a dropping-out learner who has stopped for good, and whose
  last drill is at least a week old (no one can tell a stop from a gap sooner);
- ``stalled``, ``slow``, ``fast``: the learner's profile.

Also shown: "stalled or slow" (either flag against either profile: the
learners whose progress needs a look, whichever of the two the rules say).

Precision is the share of a rule's flags that are true, recall the share of
the true cases flagged. Also shown: how many follow-up alerts (all but "fast")
a class gets, and the rule the service had before (``no_progress``: the
slope at the last answer times 21 days below the SE of the estimate).

``--ceiling`` measures what no rule reading the answers can beat: the
Bayes classifier that knows the simulator's own profiles
(:func:`engine.simulate_class.profile_posterior`: the exact 3PL likelihood
of every answer, the design's distributions of start ability, rates and
stall days, and its share of each profile), its threshold chosen on the
training classes.

``--change-point`` (with ``--fitted``) measures an alternative "stalled"
rule that reads the learner's whole history (:func:`change_point`): growth
that stopped some weeks ago against growth at one pace all along. It was
tried for issue 17 and not kept (``docs/growth.md``, "Alerts").

``--tune`` searches the thresholds on separate training classes (another
seed) and prints the best of each rule; the defaults in
:class:`engine.triage.TriageRules` were set from it. ``--fitted`` also runs
the test classes with growth parameters fitted on the training classes
(``b1engine growth fit`` does that in the service), besides the engine's
defaults (what a service without a fit uses).

Run: ``.venv/bin/python bench/alerts.py`` (100 test classes, 2,000 learners;
about 2 minutes on the 2-core machine). ``--classes 20`` for a quick look.
"""
from __future__ import annotations

import argparse
import itertools
import time
from dataclasses import dataclass, replace

import numpy as np
from scipy.special import logsumexp

from engine.growth import GrowthParameters, fit_growth
from engine.simulate import draw_bank
from engine.simulate_class import (
    PROFILES,
    STALL_NODES,
    START_SDS,
    ClassDesign,
    ClassLog,
    CurveFamily,
    curve_evidence,
    profile_posterior,
    simulate_classes,
)
from engine.triage import KINDS, Evidence, Triage, TriageRules, gather, triage

BANK_ITEMS = 600
#: Silence after which a learner who has quit counts as truly inactive (days).
INACTIVE_TRUTH_DAYS = 7.0
#: The rule the service had before (alerts.py until issue 17): window and the comparison.
OLD_PROGRESS_DAYS = 21.0


@dataclass(frozen=True)
class Simulated:
    log: ClassLog
    a: np.ndarray
    b: np.ndarray
    c: np.ndarray

    @classmethod
    def of(cls, log: ClassLog, bank) -> Simulated:
        return cls(log, bank.a[log.item], bank.b[log.item], bank.c[log.item])


def evidence(sim: Simulated, params: GrowthParameters, rules: TriageRules) -> tuple[Evidence, np.ndarray]:
    """What the rules read, as the service gathers it (:func:`engine.triage.gather`); and the old
    rule's flags."""
    log = sim.log
    learners = np.arange(log.profile.size)
    found = gather(log.learner, log.days, sim.a, sim.b, sim.c, log.score, learners, np.zeros(learners.size),
                   log.now, params, rules)
    old = found.window.growth_end * OLD_PROGRESS_DAYS < found.window.se_end
    return found, old


def scores(found: Triage, expected: dict[str, np.ndarray]) -> dict[str, tuple[int, int, float, float]]:
    """Per rule (and for "stalled or slow"): true cases, flags, precision, recall."""
    flags = dict(found.flags)
    flags["stalled or slow"] = found.flags["stalled"] | found.flags["slow"]
    expected = {**expected, "stalled or slow": expected["stalled"] | expected["slow"]}
    out = {}
    for kind, flagged in flags.items():
        true = expected[kind]
        hits = int(np.count_nonzero(flagged & true))
        out[kind] = (int(true.sum()), int(flagged.sum()), hits / max(int(flagged.sum()), 1),
                     hits / max(int(true.sum()), 1))
    return out


def report(title: str, evidence: Evidence, found: Triage, expected: dict[str, np.ndarray], old: np.ndarray,
           profile: np.ndarray, class_size: int) -> None:
    print(f"\n{title}")
    gains, sds = evidence.window.gain, evidence.window.gain_se
    print(f"  {'rule':15s} {'true':>5s} {'flagged':>8s} {'precision':>10s} {'recall':>7s}")
    for kind, (true, flagged, precision, recall) in scores(found, expected).items():
        print(f"  {kind:15s} {true:5d} {flagged:8d} {precision:10.2f} {recall:7.2f}")
    follow_up = np.zeros(found.idle_days.size, dtype=bool)
    for kind in KINDS[:-1]:
        follow_up |= found.flags[kind]
    per_class = follow_up.reshape(-1, class_size).sum(axis=1)
    print(f"  learners with a follow-up alert (all but fast): {follow_up.mean():.0%} "
          f"(per class of {class_size}: mean {per_class.mean():.1f}, most {per_class.max()})")
    print("  gain over the window by profile, median (median posterior SD), logits: " + ", ".join(
        f"{name} {np.nanmedian(gains[profile == name]):+.2f} ({np.nanmedian(sds[profile == name]):.2f})"
        for name in PROFILES))
    stalled = expected["stalled"]
    print(f"  before (no_progress: slope x {OLD_PROGRESS_DAYS:g} days < SE): {old.mean():.0%} of learners "
          f"flagged; precision for stalled {np.count_nonzero(old & stalled) / max(int(old.sum()), 1):.2f}, "
          f"recall {np.count_nonzero(old & stalled) / max(int(stalled.sum()), 1):.2f}")


def tune(sim: Simulated, params: GrowthParameters) -> None:
    """Grid searches on the training classes, rule by rule (the rules read different evidence)."""
    expected = sim.log.truth(INACTIVE_TRUTH_DAYS)
    base = TriageRules()
    print("\ntuning on the training classes (best first by the smaller of precision and recall):")
    grids = {
        "inactive": {"inactive_min_days": (6.0, 7.0, 8.0, 9.0, 10.0, 12.0),
                     "inactive_gaps": (1.5, 2.0, 2.5, 3.0, 4.0)},
        "stalled": {"window_days": (28.0, 42.0), "stalled_rate": (0.0, 0.002, 0.004, 0.006, 0.008),
                    "stalled_probability": (0.5, 0.6, 0.7, 0.8, 0.9)},
        "slow": {"window_days": (28.0, 42.0), "slow_rate": (0.008, 0.01, 0.012, 0.014),
                 "slow_probability": (0.5, 0.6, 0.7, 0.8)},
        "fast": {"window_days": (28.0, 42.0), "fast_rate": (0.02, 0.025, 0.03, 0.035),
                 "fast_probability": (0.5, 0.6, 0.7, 0.8, 0.9)},
    }
    cache: dict[float, Evidence] = {}
    for kind, grid in grids.items():
        results = []
        for values in itertools.product(*grid.values()):
            change = dict(zip(grid, values))
            if "stalled_rate" in change:
                change["slow_rate"] = max(base.slow_rate, change["stalled_rate"])
            if "slow_rate" in change:
                change["stalled_rate"] = min(base.stalled_rate, change["slow_rate"])
            rules = replace(base, **change)
            if rules.window_days not in cache:
                cache[rules.window_days] = evidence(sim, params, rules)[0]
            _, flagged, precision, recall = scores(triage(cache[rules.window_days], rules), expected)[kind]
            results.append((min(precision, recall), precision, recall, flagged, change))
        results.sort(key=lambda r: -r[0])
        for _, precision, recall, flagged, change in results[:3]:
            print(f"  {kind:15s} precision {precision:.2f} recall {recall:.2f} ({flagged} flags) {change}")


def change_point(sim: Simulated, params: GrowthParameters, flat_days: float = 42.0,
                 rate_sds: int = 21) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The whole-history evidence that a learner's growth stopped: per learner, the log marginal
    likelihood of "one pace all along", :math:`\theta_0 + g t`, and of "growth that stopped at a
    day :math:`u` at least ``flat_days`` before now", :math:`\theta_0 + g \min(t, u)`, :math:`u`
    uniform from the first answer; :math:`\theta_0` and :math:`g` from the growth model's
    population prior (``params``); and, under the first, the posterior of :math:`g` on its nodes
    (returned as ``(constant, stopped, weights (n, nodes))`` with the nodes
    ``params.growth_mean + params.growth_sd * linspace(-3, 3, rate_sds)``)."""
    z = np.linspace(-3.0, 3.0, rate_sds)
    rates, rate_weights = params.growth_mean + params.growth_sd * z, -0.5 * z**2
    rate_weights -= logsumexp(rate_weights)
    start = params.theta_mean + params.theta_sd * START_SDS
    start_weights = -0.5 * START_SDS**2
    start_weights -= logsumexp(start_weights)
    log = sim.log
    stops = np.linspace(0.0, max(log.now - flat_days, 0.0), STALL_NODES)
    never = np.array([np.inf])
    families = [CurveFamily(rates, rate_weights, never), CurveFamily(rates, rate_weights, stops)]
    families += [CurveFamily(rates[i:i + 1], np.zeros(1), never) for i in range(rates.size)]
    found = curve_evidence(log.learner, log.days, sim.a, sim.b, sim.c, log.score, log.profile.size, start,
                           start_weights, families)
    per_rate = found[:, 2:] + rate_weights[None, :]
    weights = np.exp(per_rate - logsumexp(per_rate, axis=1, keepdims=True))
    both = found[:, :2]
    return both[:, 0], both[:, 1], weights


def report_change_point(train: Simulated, test: Simulated, params: GrowthParameters,
                        rules: TriageRules) -> None:
    r"""The change-point rule for "stalled": flag a learner who is judged on progress
    (:attr:`engine.triage.Triage.judged`) when :math:`P(\text{stopped}) + P(\text{one pace})
    P(g < r \mid \text{one pace}) \ge p`, the prior share of "stopped" :math:`\pi`, :math:`r`
    and :math:`p` chosen on the training classes."""
    print("\nchange point (whole history: stopped vs one pace), fitted parameters; tuned on the training classes")
    z = np.linspace(-3.0, 3.0, 21)
    rates = params.growth_mean + params.growth_sd * z

    def probabilities(sim: Simulated, share: float, rate: float) -> np.ndarray:
        constant, stopped, weights = cached[id(sim)]
        odds = np.log(share) + stopped - (np.log1p(-share) + constant)
        p_stopped = 1.0 / (1.0 + np.exp(-odds))
        return p_stopped + (1.0 - p_stopped) * weights[:, rates < rate].sum(axis=1)

    def measure(sim: Simulated, judged: np.ndarray, share: float, rate: float, threshold: float
                ) -> tuple[int, float, float]:
        flagged = judged & (probabilities(sim, share, rate) >= threshold)
        truth = sim.log.profile == "stalled"
        hits = int(np.count_nonzero(flagged & truth))
        return int(flagged.sum()), hits / max(int(flagged.sum()), 1), hits / max(int(truth.sum()), 1)

    cached = {id(sim): change_point(sim, params) for sim in (train, test)}
    judged = {id(sim): triage(evidence(sim, params, rules)[0], rules).judged for sim in (train, test)}
    grid = itertools.product((0.05, 0.1, 0.2, 0.3, 0.5), (0.0, 0.003, 0.006), np.arange(0.2, 0.91, 0.05))
    best = max(grid, key=lambda g: min(measure(train, judged[id(train)], *g)[1:]))
    flagged, precision, recall = measure(test, judged[id(test)], *best)
    print(f"  stalled: prior share {best[0]:g}, rate {best[1]:g}, probability {best[2]:.2f}: "
          f"{flagged} flags, precision {precision:.2f}, recall {recall:.2f}")


def report_ceiling(train: Simulated, test: Simulated) -> None:
    """The ceiling's precision and recall per progress rule on the test classes, each with the
    probability threshold best on the training classes (the smaller of precision and recall)."""
    print("\nceiling: the Bayes classifier that knows the simulator's profiles (`profile_posterior`), "
          "threshold chosen on the training classes")
    print(f"  {'rule':15s} {'threshold':>9s} {'true':>5s} {'flagged':>8s} {'precision':>10s} {'recall':>7s}")
    trained, tested = (profile_posterior(sim.log, sim.a, sim.b, sim.c) for sim in (train, test))
    for kind in ("stalled", "slow", "fast"):
        column = PROFILES.index(kind)

        def measure(posterior: np.ndarray, truth: np.ndarray, threshold: float,
                    column: int = column) -> tuple[int, float, float]:
            flagged = posterior[:, column] >= threshold
            hits = int(np.count_nonzero(flagged & truth))
            return int(flagged.sum()), hits / max(int(flagged.sum()), 1), hits / max(int(truth.sum()), 1)

        truth_train, truth_test = train.log.profile == kind, test.log.profile == kind
        best = max(np.arange(0.05, 0.96, 0.05), key=lambda t: min(measure(trained, truth_train, t)[1:]))
        flagged, precision, recall = measure(tested, truth_test, best)
        print(f"  {kind:15s} {best:9.2f} {int(truth_test.sum()):5d} {flagged:8d} {precision:10.2f} {recall:7.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classes", type=int, default=100, help="test classes (default 100)")
    parser.add_argument("--train-classes", type=int, default=40, help="training classes (--tune, --fitted)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--tune", action="store_true", help="search the thresholds on the training classes")
    parser.add_argument("--fitted", action="store_true", help="also with growth parameters fitted on them")
    parser.add_argument("--change-point", action="store_true",
                        help="with --fitted: also the whole-history change-point rule that was tried")
    parser.add_argument("--ceiling", action="store_true",
                        help="also the Bayes classifier that knows the simulator (what no rule can beat)")
    parser.add_argument("--slow-rate", default=None, metavar="LO,HI",
                        help="the slow learners' growth rates (logit/day; default the design's)")
    parser.add_argument("--stalled-weeks", type=float, default=None,
                        help="weeks a stalled learner has not grown, at least (default the design's)")
    parser.add_argument("--profiles", default=None, metavar="N,F,SL,ST,D",
                        help="learners per class: normal, fast, slow, stalled, dropping out (default 11,2,2,2,3)")
    args = parser.parse_args()
    design = ClassDesign()
    if args.slow_rate:
        low, high = (float(x) for x in args.slow_rate.split(","))
        design = replace(design, slow_rate=(low, high))
    if args.profiles:
        design = replace(design, profile_counts=tuple(int(x) for x in args.profiles.split(",")))
    if args.stalled_weeks is not None:
        design = replace(design, stalled_min_days=7.0 * args.stalled_weeks)
    started = time.perf_counter()
    bank = draw_bank(np.random.default_rng(args.seed), BANK_ITEMS)
    test = Simulated.of(simulate_classes(args.classes, bank, np.random.default_rng(args.seed + 2), design), bank)
    print(f"test: {args.classes} classes of {design.class_size}, {test.log.score.size} answers over "
          f"{design.days} days (seed {args.seed}); slow learners {design.slow_rate} logit/day, stalled "
          f"for at least {design.stalled_min_days / 7:g} weeks")
    rules = TriageRules()
    print(f"rules: {rules}")
    expected = test.log.truth(INACTIVE_TRUTH_DAYS)
    found, old = evidence(test, GrowthParameters(), rules)
    report(f"growth model's default parameters (a service before `b1engine growth fit`) "
           f"[{time.perf_counter() - started:.0f} s]", found, triage(found, rules), expected, old, test.log.profile,
           design.class_size)
    if args.tune or args.fitted or args.ceiling:
        train = Simulated.of(simulate_classes(args.train_classes, bank, np.random.default_rng(args.seed + 1),
                                              design), bank)
        if args.tune:
            tune(train, GrowthParameters())
        if args.fitted:
            log = train.log
            fitted = fit_growth(log.learner, log.days, train.a, train.b, train.c, log.score)
            print("\nfitted on the training classes: "
                  + ", ".join(f"{k}={v:.4g}" for k, v in fitted.to_dict().items()))
            found, old = evidence(test, fitted, rules)
            report(f"fitted parameters [{time.perf_counter() - started:.0f} s]", found, triage(found, rules),
                   expected, old, test.log.profile, design.class_size)
            if args.change_point:
                report_change_point(train, test, fitted, rules)
        if args.ceiling:
            report_ceiling(train, test)
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
