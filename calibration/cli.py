"""``b1engine calibrate``: item parameters, fit, DIF and CEFR cuts from a response log."""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from calibration.io import read_bank_csv, read_levels_csv, read_responses_csv, write_csv
from engine.errors import InputError

PARAMS_HEADER = ("item_id", "a", "b", "c", "se_a", "se_b", "n_responses", "status")


def register(subparsers: argparse._SubParsersAction) -> None:
    from calibration.defaults import DEFAULT_MAX_ITER, DEFAULT_TOL, MODELS, PRIOR_CHOICES, STANDARD_ERRORS

    parser = subparsers.add_parser(
        "calibrate", help="item parameters from a response log (MML-EM), with fit, DIF and CEFR cuts",
        description="Fit item parameters by marginal maximum likelihood (Bock-Aitkin EM) on sparse "
                    "long-format responses; items in --anchors keep their parameters and fix the scale.")
    parser.add_argument("responses", metavar="RESPONSES.csv",
                        help="header learner_id,item_id,score[,timestamp,group]; score 0/1 (0..K for gpcm)")
    parser.add_argument("--model", choices=MODELS, default="2pl")
    parser.add_argument("--out", required=True, metavar="PARAMS.csv",
                        help="written with header " + ",".join(PARAMS_HEADER) + " (gpcm: then b1..bK)")
    parser.add_argument("--anchors", metavar="BANK.csv", help="calibrated items, header item_id,a,b[,c]")
    parser.add_argument("--report", metavar="REPORT.json", help="parameters, infit/outfit, MH DIF, cut scores")
    parser.add_argument("--levels", metavar="LEVELS.csv",
                        help="authors' tags item_id,level[,language] for RP67 cut scores in the report")
    parser.add_argument("--reference-group", metavar="GROUP",
                        help="DIF reference group (default: the group with most learners)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the cut-score bootstrap")
    parser.add_argument("--max-iter", type=int, default=DEFAULT_MAX_ITER, metavar="N")
    parser.add_argument("--tol", type=float, default=DEFAULT_TOL, metavar="T",
                        help="stop when the log-likelihood per response changes by less than T")
    parser.add_argument("--priors", choices=PRIOR_CHOICES, default="default",
                        help="item priors: default (log a ~ N(0, 0.5^2), b ~ N(0, 3^2), c ~ Beta(4, 16); the "
                             "estimates are posterior modes) or none (maximum-likelihood estimates)")
    parser.add_argument("--se", choices=STANDARD_ERRORS, default="blocks",
                        help="standard errors: blocks (cross-product information per item) or crossproduct "
                             "(the full cross-product matrix over every free parameter; for short tests)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.set_defaults(func=run)


def _cell(value: float) -> object:
    return "" if math.isnan(value) else float(value)


def _anchors(path: str, model: str) -> dict[str, tuple[float, float, float]]:
    bank = read_bank_csv(path)
    for offset, c in enumerate(bank.c):
        if model == "gpcm" and c > 0:
            raise InputError(path, "a gpcm anchor cannot have a guessing parameter", row=offset + 2, column="c")
    return {i: (float(a), float(b), float(c)) for i, a, b, c in zip(bank.item_id, bank.a, bank.b, bank.c)}


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from calibration.calibrator import Calibrator
    from calibration.em import TooManyParameters
    from calibration.parameters import Priors
    from calibration.report import build_report, dif, fitted_responses, item_fit, level_cuts
    from engine.cefr import LEVELS

    if args.max_iter < 1:
        raise InputError("--max-iter", f"must be >= 1, got {args.max_iter}")
    if not args.tol >= 0:
        raise InputError("--tol", f"must be >= 0, got {args.tol}")
    # Checked before the fit, which can take minutes: a typo in a folder must not lose them.
    for option, path in (("--out", args.out), ("--report", args.report)):
        if path and not Path(path).expanduser().resolve().parent.is_dir():
            raise InputError(path, f"the folder of {option} does not exist: create it or name another")
    table = read_responses_csv(args.responses, max_score=None if args.model == "gpcm" else 1)
    anchors = _anchors(args.anchors, args.model) if args.anchors else {}
    levels = read_levels_csv(args.levels, LEVELS) if args.levels else {}

    calibrator = Calibrator(model=args.model, anchors=anchors, max_iter=args.max_iter, tol=args.tol,
                            verbose=not args.quiet, priors=Priors() if args.priors == "default" else Priors.none(),
                            se=args.se)
    try:
        calibrator.fit(table.learner_id, table.item_id, table.score)
    except TooManyParameters as error:
        raise InputError("--se", str(error)) from None
    if not args.quiet:
        priors = calibrator.prior_description()
        under = ", ".join(f"{name}: {text}" for name, text in priors.items())
        print(f"calibrate: estimates are {calibrator.estimator()}" + (f"; priors {under}" if priors else ""),
              file=sys.stderr)
    if not calibrator.converged_ and not args.quiet:
        print(f"calibrate: not converged after {calibrator.n_iter_} iterations", file=sys.stderr)
    gpcm = args.model == "gpcm"
    steps = calibrator.thresholds_.shape[1] if gpcm else 0
    header = PARAMS_HEADER + tuple(f"b{v + 1}" for v in range(steps))
    rows = []
    for j, item_id in enumerate(calibrator.item_ids_):
        values = (calibrator.a_[j], calibrator.b_[j], calibrator.c_[j], calibrator.se_a_[j], calibrator.se_b_[j])
        extra = [_cell(v) for v in calibrator.thresholds_[j]] if gpcm else []
        rows.append([str(item_id), *(_cell(v) for v in values), int(calibrator.n_responses_[j]),
                     str(calibrator.status_[j]), *extra])
    write_csv(args.out, header, rows)
    if args.report:
        responses = fitted_responses(calibrator, table.learner_id, table.item_id, table.score)
        group_of = dict(zip(table.learner_id.tolist(), table.group.tolist()))
        learner_groups = np.array([group_of[str(i)] for i in calibrator.learner_ids_], dtype=str)
        if args.reference_group is not None and args.reference_group not in set(table.group.tolist()):
            raise InputError(args.responses, f"no learner in reference group {args.reference_group!r}",
                             column="group")
        report = build_report(calibrator, responses, item_fit(calibrator, responses),
                              dif(calibrator, responses, learner_groups, args.reference_group),
                              level_cuts(calibrator, levels, np.random.default_rng(args.seed)))
        report.write(args.report)
    n_insufficient = int(np.sum(calibrator.status_ == "insufficient_data"))
    if n_insufficient and not args.quiet:
        print(f"calibrate: {n_insufficient} item(s) answered by fewer than 2 learners: insufficient_data",
              file=sys.stderr)
    return 0
