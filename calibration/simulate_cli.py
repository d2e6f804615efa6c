"""``b1engine simulate-cat``: run simulated learners through the adaptive test.

The test's design is one of the engine's named designs (``--design``, see
:mod:`engine.design`): ``placement`` is the service's placement test,
``precision`` the precision CAT the benchmarks use (the default),
``classification`` the classification CAT, ``reference`` the 40-item
precision test. Options given explicitly override the design's values.
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import replace
from pathlib import Path

from calibration.io import Bank, check_unique, parse_float, read_bank_csv, read_rows, write_csv
from engine.errors import InputError

DEFAULT_DESIGN = "precision"
DESIGN_NAMES = ("placement", "precision", "classification", "reference")
RESULTS_HEADER = ("learner_id", "theta_true", "theta_hat", "se", "n_items", "level")
#: Optional bank columns read for content balance.
CONTENT_COLUMNS = ("skill", "type")
#: Arguments argparse must read as values, not options: negative numbers and lists
#: starting with one, so ``--cuts -1.0,0.0,1.0`` works without ``=``.
NEGATIVE_NUMBERS = re.compile(r"^-\.?\d[\d.,eE+-]*$")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "simulate-cat", help="simulate adaptive tests for learners of known ability",
        description="Each learner answers items drawn from the model, chosen adaptively, until a "
                    "stopping rule fires; writes the final estimate and level per learner. The test's "
                    "design is one of the engine's (--design); options given override its values.")
    parser.add_argument("--bank", required=True, metavar="BANK.csv",
                        help="header item_id,a,b[,c][,skill][,type] (skill and type: for content balance)")
    parser.add_argument("--thetas", required=True, metavar="THETAS.csv", help="header learner_id,theta")
    parser.add_argument("--out", required=True, metavar="RESULTS.csv",
                        help="written with header " + ",".join(RESULTS_HEADER))
    parser.add_argument("--design", choices=DESIGN_NAMES, default=None,
                        help=f"the engine's named design (default {DEFAULT_DESIGN}; classification with --classify)")
    parser.add_argument("--stop-se", type=float, default=None, metavar="SE",
                        help="stop when the posterior SD is at most SE (precision design: 0.3)")
    parser.add_argument("--min-items", type=int, default=None)
    parser.add_argument("--max-items", type=int, default=None)
    parser.add_argument("--selection", choices=("mfi", "pwi", "cut"), default=None,
                        help="maximum information at the EAP, posterior-weighted information, or maximum "
                             "information at the cut nearest the EAP")
    parser.add_argument("--top-k", type=int, default=None, metavar="K",
                        help="randomesque exposure control: choose among the K best items")
    parser.add_argument("--estimator", choices=("eap", "map", "wle"), default=None, help="final ability estimate")
    parser.add_argument("--classify", action="store_true",
                        help="stop when the level at --cuts is decided (the classification design's rule; "
                             "without --design, the classification design)")
    parser.add_argument("--rule", choices=("glr", "sprt"), default=None,
                        help="classification statistic: generalized likelihood ratio or SPRT")
    parser.add_argument("--indifference", type=float, default=None, metavar="DELTA",
                        help="indifference half-width around each cut (logits)")
    parser.add_argument("--alpha", type=float, default=None, help="nominal error rate of deciding 'above'")
    parser.add_argument("--beta", type=float, default=None, help="nominal error rate of deciding 'below'")
    parser.add_argument("--curtail", default=None, metavar="GAMMA",
                        help="stochastic curtailment: stop once the level at the test's end is this likely "
                             "to be the current one ('none': off)")
    parser.add_argument("--cuts", default=None, metavar="C1,C2,...",
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


def parse_curtail(text: str) -> float | None:
    """``--curtail``: a probability in (0.5, 1), or ``none``."""
    if text.strip().lower() == "none":
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError("--curtail", f"a probability in (0.5, 1) or 'none', got {text!r}") from None
    if not 0.5 < value < 1.0:
        raise InputError("--curtail", f"must be in (0.5, 1) or 'none', got {value:g}")
    return value


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


def read_bank_with_content(path: str | Path) -> tuple[Bank, list[str] | None, list[str] | None]:
    """The bank (:func:`calibration.io.read_bank_csv`) and its ``skill`` and ``type`` columns, if present.

    A column that is present must have a value on every row.
    """
    bank = read_bank_csv(path)
    labels: dict[str, list[str]] = {}
    for row_number, row in read_rows(path, ("item_id",), CONTENT_COLUMNS):
        for column in CONTENT_COLUMNS:
            if column not in row:
                continue
            if not row[column]:
                raise InputError(path, "empty value (the column is for content balance)", row=row_number,
                                 column=column)
            labels.setdefault(column, []).append(row[column])
    return bank, labels.get("skill"), labels.get("type")


def _checked(option: str, value, test, expected: str):
    if value is not None and not test(value):
        raise InputError(option, f"must be {expected}, got {value:g}")
    return value


def _length_changes(args: argparse.Namespace, design) -> dict[str, object]:
    changes: dict[str, object] = {}
    for option, key in (("--min-items", "min_items"), ("--max-items", "max_items"), ("--top-k", "top_k")):
        value = getattr(args, key)
        if value is not None:
            changes[key] = _checked(option, value, lambda x: x >= 1, ">= 1")
    min_items = changes.get("min_items", design.min_items)
    max_items = changes.get("max_items", design.max_items)
    if not min_items <= max_items:  # type: ignore[operator]
        raise InputError("--min-items", f"need 1 <= --min-items <= --max-items, got {min_items} and {max_items}")
    return changes


def _classification_changes(args: argparse.Namespace) -> dict[str, object]:
    changes: dict[str, object] = {}
    if args.classify:
        changes["classify"] = True
        if args.stop_se is None:
            changes["se_target"] = None
    if args.rule is not None:
        changes["rule"] = args.rule
    if args.indifference is not None:
        changes["delta"] = _checked("--indifference", args.indifference, lambda x: x > 0, "> 0")
    for key in ("alpha", "beta"):
        if getattr(args, key) is not None:
            changes[key] = _checked(f"--{key}", getattr(args, key), lambda x: 0 < x < 0.5, "in (0, 0.5)")
    if args.curtail is not None:
        changes["curtail"] = parse_curtail(args.curtail)
    return changes


def design_from(args: argparse.Namespace):
    """The named design with the options given explicitly applied (each checked, naming its option)."""
    from engine.design import DESIGNS

    design = DESIGNS[args.design or ("classification" if args.classify else DEFAULT_DESIGN)]
    changes = {**_length_changes(args, design), **_classification_changes(args)}
    if args.stop_se is not None:
        changes["se_target"] = _checked("--stop-se", args.stop_se, lambda x: x > 0, "> 0")
    for key in ("selection", "estimator"):
        if getattr(args, key) is not None:
            changes[key] = getattr(args, key)
    if args.cuts is not None:
        changes["cuts"] = parse_cuts(args.cuts)
    return replace(design, **changes)  # type: ignore[arg-type]


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from engine.simulate import simulate_cat

    design = design_from(args)
    bank, skills, types = read_bank_with_content(args.bank)
    learner_ids, thetas = read_thetas_csv(args.thetas)
    if design.skill_targets and skills is None:
        print(f"b1engine simulate-cat: {args.bank} has no skill column: no content balance over skills",
              file=sys.stderr)
        design = replace(design, skill_targets=())
    if design.type_targets and types is None:
        print(f"b1engine simulate-cat: {args.bank} has no type column: no content balance over item types",
              file=sys.stderr)
        design = replace(design, type_targets=())
    results = simulate_cat(thetas, bank.a, bank.b, bank.c, np.random.default_rng(args.seed), design,
                           skills=skills, types=types)
    write_csv(args.out, RESULTS_HEADER,
              zip(learner_ids, results.theta_true.tolist(), results.theta_hat.tolist(), results.se.tolist(),
                  results.n_items.tolist(), results.level.tolist()))
    return 0
