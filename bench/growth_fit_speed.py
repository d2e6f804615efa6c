"""Growth fitting on a 300,000-answer log: time, and recovery of known parameters and abilities.

The log is simulated from the growth model itself (``engine.growth``), so
every fitted parameter has a true value: 600 learners over 90 days, each
with an ability at the first answer :math:`\\theta_0 \\sim N(\\mu_\\theta,
\\sigma_\\theta^2)`, a growth rate :math:`g \\sim N(\\mu_g, \\sigma_g^2)` that
decays by :math:`\\lambda` per day of growth, at most :math:`c` days of growth
per gap between two answers, and a random walk of :math:`q` per day. They
answer 3PL items (800, 35 % with a guessing floor of 0.2) in sessions of 6 to
14 items on 30 to 82 % of days; the items are chosen near 75 % success for
an Elo rating of the learner's answers so far (so the choice depends on
observed answers only and the likelihood may ignore it).

The script prints the wall and CPU time of :func:`engine.growth.fit_growth`,
the fitted and true parameters, the marginal log-likelihood at both, and
the RMSE of the filtered (and, with ``--smooth``, smoothed) abilities against
the true ability at every answer, with the fitted and with the true
parameters.

Run: ``.venv/bin/python bench/growth_fit_speed.py`` (about a minute).
``--write DIR`` also writes ``DIR/responses.csv`` and ``DIR/bank.csv`` for
``b1engine track DIR/responses.csv --bank DIR/bank.csv --out ... --fit-drift``.
"""
from __future__ import annotations

import argparse
import csv
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from scipy.special import expit

from engine.growth import GrowthParameters, filter_abilities, fit_growth, log_marginal_likelihood

DAYS = 90
BANK_SIZE = 800
GUESSING_SHARE, GUESSING = 0.35, 0.2
TARGET_SUCCESS, SELECTION_TOP, ELO_K = 0.75, 40, 0.1
SECONDS = 1.0 / 86_400
#: The population the learners are drawn from (the model's own parameters).
TRUTH = GrowthParameters(drift=0.002, growth_mean=0.03, growth_sd=0.015, theta_mean=-1.0, theta_sd=0.7,
                         growth_gap_days=4.0, growth_decay=0.02)
START = datetime(2026, 9, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Log:
    learner: np.ndarray
    days: np.ndarray
    item: np.ndarray
    score: np.ndarray
    truth: np.ndarray
    a: np.ndarray
    b: np.ndarray
    c: np.ndarray


def make_bank(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a = np.clip(rng.lognormal(0.0, 0.3, BANK_SIZE), 0.5, 2.5)
    b = rng.normal(-0.3, 1.3, BANK_SIZE)
    c = np.where(rng.random(BANK_SIZE) < GUESSING_SHARE, GUESSING, 0.0)
    return a, b, c


def _probability(theta, a, b, c):
    return c + (1.0 - c) * expit(a * (theta - b))


def simulate(n_learners: int, truth: GrowthParameters, rng: np.random.Generator) -> Log:
    """A log from the growth model with parameters ``truth`` (module notes)."""
    bank_a, bank_b, bank_c = make_bank(rng)
    learner, days, item, score, theta = [], [], [], [], []
    for person in range(n_learners):
        practise = rng.random(DAYS) < rng.uniform(0.3, 0.82)
        practise[0] = True
        sessions = np.flatnonzero(practise)
        sizes = rng.integers(6, 15, sessions.size)
        moments = np.concatenate([day + rng.uniform(8.0, 20.0) / 24 + np.cumsum(rng.uniform(15.0, 60.0, n)) * SECONDS
                                  for day, n in zip(sessions, sizes)])
        elapsed = np.diff(moments, prepend=moments[0])
        grown = np.cumsum(np.minimum(elapsed, truth.growth_gap_days))
        decay = truth.growth_decay
        trend = -np.expm1(-decay * grown) / decay if decay > 0 else grown
        walk = np.cumsum(rng.normal(0.0, np.sqrt(truth.drift * elapsed)))
        true_theta = (rng.normal(truth.theta_mean, truth.theta_sd)
                      + rng.normal(truth.growth_mean, truth.growth_sd) * trend + walk)
        rating, first = truth.theta_mean, 0
        for n in sizes:
            rows = slice(first, first + n)
            near = np.argsort(np.abs(_probability(rating, bank_a, bank_b, bank_c) - TARGET_SUCCESS))[:SELECTION_TOP]
            chosen = rng.choice(near, size=n, replace=False)
            right = rng.random(n) < _probability(true_theta[rows], bank_a[chosen], bank_b[chosen], bank_c[chosen])
            for j, s in zip(chosen, right):
                rating += ELO_K * (s - _probability(rating, bank_a[j], bank_b[j], bank_c[j]))
            item.append(chosen)
            score.append(right.astype(int))
            first += n
        learner.append(np.full(moments.size, person))
        days.append(moments)
        theta.append(true_theta)
    learner, days, item, score, theta = map(np.concatenate, (learner, days, item, score, theta))
    return Log(learner, days, item, score, theta, bank_a, bank_b, bank_c)


def write(log: Log, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / "bank.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("item_id", "a", "b", "c"))
        writer.writerows((f"i{j}", repr(float(log.a[j])), repr(float(log.b[j])), repr(float(log.c[j])))
                         for j in range(log.a.size))
    with open(directory / "responses.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("learner_id", "item_id", "score", "timestamp"))
        writer.writerows((f"L{p}", f"i{j}", int(s), (START + timedelta(days=float(d))).isoformat())
                         for p, j, s, d in zip(log.learner, log.item, log.score, log.days))


def rmse(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.sqrt(np.mean((x - y) ** 2)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=600)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--write", type=Path, metavar="DIR", help="also write responses.csv and bank.csv there")
    parser.add_argument("--smooth", action="store_true", help="also the smoothed abilities' RMSE")
    args = parser.parse_args()
    started = time.perf_counter()
    log = simulate(args.learners, TRUTH, np.random.default_rng(args.seed))
    print(f"simulated {args.learners} learners, {log.score.size} answers over {DAYS} days "
          f"({time.perf_counter() - started:.1f} s)")
    if args.write:
        write(log, args.write)
        print(f"wrote {args.write / 'responses.csv'} and {args.write / 'bank.csv'}")
    a, b, c = log.a[log.item], log.b[log.item], log.c[log.item]
    days = log.days - log.days.min()

    started, cpu = time.perf_counter(), time.process_time()
    fitted = fit_growth(log.learner, days, a, b, c, log.score)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"\nfit_growth: {seconds:.1f} s wall, {cpu:.1f} s CPU (all threads)")
    print(f"{'parameter':<18}{'true':>12}{'fitted':>12}")
    for name, value in TRUTH.to_dict().items():
        print(f"{name:<18}{value:>12.4g}{getattr(fitted, name):>12.4g}")
    at_truth = log_marginal_likelihood(log.learner, days, a, b, c, log.score, TRUTH)
    at_fit = log_marginal_likelihood(log.learner, days, a, b, c, log.score, fitted)
    print(f"marginal log-likelihood: at the truth {at_truth:.1f}, at the fit {at_fit:.1f}")
    print("\nRMSE of theta against the truth at every answer:")
    for label, params in (("true parameters", TRUTH), ("fitted parameters", fitted)):
        filtered = filter_abilities(log.learner, days, a, b, c, log.score, params).theta
        line = f"  {label:<18} filter {rmse(filtered, log.truth):.4f}"
        if args.smooth:
            smoothed = filter_abilities(log.learner, days, a, b, c, log.score, params, smooth=True).theta
            line += f"   smoother {rmse(smoothed, log.truth):.4f}"
        print(line)


if __name__ == "__main__":
    main()
