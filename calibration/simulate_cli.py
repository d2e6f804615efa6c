"""``b1engine simulate-cat``: run simulated learners through the adaptive test."""
from __future__ import annotations

import argparse
import re
from pathlib import Path

from calibration.io import check_unique, parse_float, read_bank_csv, read_rows, write_csv
from engine.errors import InputError

#: Precision target when neither ``--stop-se`` nor ``--classify`` is given.
DEFAULT_STOP_SE = 0.3
DEFAULT_MIN_ITEMS = 5
DEFAULT_MAX_ITEMS = 40
DEFAULT_CUTS = "-1.0,0.0,1.0"
RESULTS_HEADER = ("learner_id", "theta_true", "theta_hat", "se", "n_items", "level")
#: Arguments argparse must read as values, not options: negative numbers and lists
#: starting with one, so ``--cuts -1.0,0.0,1.0`` works without ``=``.
NEGATIVE_NUMBERS = re.compile(r"^-\.?\d[\d.,eE+-]*$")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "simulate-cat", help="simulate adaptive tests for learners of known ability",
        description="Each learner answers items drawn from the model, chosen adaptively, until a "
                    "stopping rule fires; writes the final estimate and level per learner.")
    parser.add_argument("--bank", required=True, metavar="BANK.csv", help="header item_id,a,b[,c]")
    parser.add_argument("--thetas", required=True, metavar="THETAS.csv", help="header learner_id,theta")
    parser.add_argument("--out", required=True, metavar="RESULTS.csv",
                        help="written with header " + ",".join(RESULTS_HEADER))
    parser.add_argument("--stop-se", type=float, default=None, metavar="SE",
                        help=f"stop when the posterior SD is at most SE (default {DEFAULT_STOP_SE}; "
                             "with --classify only if given)")
    parser.add_argument("--min-items", type=int, default=DEFAULT_MIN_ITEMS)
    parser.add_argument("--max-items", type=int, default=DEFAULT_MAX_ITEMS)
    parser.add_argument("--selection", choices=("mfi", "pwi"), default="mfi",
                        help="maximum information at the EAP, or posterior-weighted information")
    parser.add_argument("--estimator", choices=("eap", "map", "wle"), default="eap",
                        help="final ability estimate")
    parser.add_argument("--classify", action="store_true",
                        help="stop when the SPRT at --cuts has decided the level (max-items still applies)")
    parser.add_argument("--cuts", default=DEFAULT_CUTS, metavar="C1,C2,...",
                        help="increasing cut scores; level is the band index, 0 below the first")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: fresh randomness)")
    parser.set_defaults(func=run)
    # argparse's own pattern (private, present since Python 3.2) knows "-1.0" but not "-1.0,0.0".
    parser._negative_number_matcher = NEGATIVE_NUMBERS


def parse_cuts(text: str) -> tuple[float, ...]:
    """``--cuts``: comma-separated, finite, strictly increasing (:func:`engine.cefr.check_cuts`)."""
    from engine.cefr import check_cuts

    try:
        return tuple(check_cuts([float(part) for part in text.split(",")]).tolist())
    except ValueError as error:
        raise InputError("--cuts", f"{error} (in {text!r})") from None


def read_thetas_csv(path: str | Path) -> tuple[list[str], list[float]]:
    """``learner_id,theta``: unique ids, finite abilities."""
    ids: list[str] = []
    thetas: list[float] = []
    seen: set[str] = set()
    for row_number, row in read_rows(path, ("learner_id", "theta")):
        check_unique(path, row_number, "learner_id", row["learner_id"], seen)
        ids.append(row["learner_id"])
        thetas.append(parse_float(path, row_number, "theta", row["theta"]))
    if not ids:
        raise InputError(path, "no learners", row=2)
    return ids, thetas


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from engine.simulate import CATDesign, simulate_cat

    if args.stop_se is not None and not args.stop_se > 0:
        raise InputError("--stop-se", f"must be > 0, got {args.stop_se:g}")
    if not 1 <= args.min_items <= args.max_items:
        raise InputError("--min-items", f"need 1 <= --min-items <= --max-items, got {args.min_items} "
                                        f"and {args.max_items}")
    cuts = parse_cuts(args.cuts)
    bank = read_bank_csv(args.bank)
    learner_ids, thetas = read_thetas_csv(args.thetas)
    se_target = args.stop_se if args.classify or args.stop_se is not None else DEFAULT_STOP_SE
    design = CATDesign(selection=args.selection, estimator=args.estimator, se_target=se_target,
                       min_items=args.min_items, max_items=args.max_items, classify=args.classify,
                       cuts=cuts)
    results = simulate_cat(thetas, bank.a, bank.b, bank.c, np.random.default_rng(args.seed), design)
    write_csv(args.out, RESULTS_HEADER,
              zip(learner_ids, results.theta_true.tolist(), results.theta_hat.tolist(), results.se.tolist(),
                  results.n_items.tolist(), results.level.tolist()))
    return 0
