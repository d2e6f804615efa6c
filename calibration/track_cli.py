"""``b1engine track``: ability over time from a response log (the growth model)."""
from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

import numpy as np

from calibration.io import read_bank_csv, read_rows, write_csv
from engine.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "track", help="ability after each response, following growth over time",
        description="Estimate each learner's ability after every response with the growth model "
                    "(forward filter, or forward-backward smoother with --smooth).")
    parser.add_argument("responses", metavar="RESPONSES.csv",
                        help="header learner_id,item_id,score,timestamp (ISO 8601); score 0/1")
    parser.add_argument("--bank", required=True, metavar="BANK.csv", help="header item_id,a,b[,c]")
    parser.add_argument("--out", required=True, metavar="ABILITIES.csv",
                        help="written with header learner_id,timestamp,theta,se")
    drift = parser.add_mutually_exclusive_group()
    drift.add_argument("--drift", type=float, metavar="D",
                       help="random-walk variance per day (logit^2/day); with it, growth rates are "
                            "off unless --growth-sd is given, so --drift 0 is static EAP")
    drift.add_argument("--fit-drift", action="store_true",
                       help="learn drift, growth-rate spread and population prior from the log "
                            "by marginal likelihood (the default when --drift is not given)")
    parser.add_argument("--growth-mean", type=float, default=0.0, help="with --drift: mean growth (logit/day)")
    parser.add_argument("--growth-sd", type=float, default=0.0, help="with --drift: SD of growth rates")
    parser.add_argument("--theta-mean", type=float, default=0.0, help="with --drift: prior mean")
    parser.add_argument("--theta-sd", type=float, default=1.0, help="with --drift: prior SD")
    parser.add_argument("--smooth", action="store_true",
                        help="use every answer of a learner for each point (forward-backward)")
    parser.add_argument("--quiet", action="store_true", help="no fitted parameters on stderr")
    parser.set_defaults(func=run)


def parse_timestamp(path: str, row: int, text: str) -> float:
    """Seconds since the epoch; a timestamp without a zone is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(path, f"not an ISO 8601 timestamp: {text!r}", row=row, column="timestamp") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def run(args: argparse.Namespace) -> int:
    from engine.growth import SECONDS_PER_DAY, GrowthParameters, filter_abilities, fit_growth

    bank = read_bank_csv(args.bank)
    index = {item_id: k for k, item_id in enumerate(bank.item_id)}
    learners, timestamps, seconds, items, scores = [], [], [], [], []
    for row_number, row in read_rows(args.responses, ("learner_id", "item_id", "score", "timestamp")):
        if row["item_id"] not in index:
            raise InputError(args.responses, f"item {row['item_id']!r} is not in {args.bank}",
                             row=row_number, column="item_id")
        if row["score"] not in ("0", "1"):
            raise InputError(args.responses, f"score must be 0 or 1, got {row['score']!r}",
                             row=row_number, column="score")
        learners.append(row["learner_id"])
        timestamps.append(row["timestamp"])
        seconds.append(parse_timestamp(args.responses, row_number, row["timestamp"]))
        items.append(index[row["item_id"]])
        scores.append(int(row["score"]))
    if not learners:
        raise InputError(args.responses, "no responses", row=2)
    item = np.asarray(items)
    days = (np.asarray(seconds) - min(seconds)) / SECONDS_PER_DAY
    learner = np.asarray(learners)
    a, b, c, score = bank.a[item], bank.b[item], bank.c[item], np.asarray(scores)
    if args.drift is not None:
        if args.drift < 0 or args.growth_sd < 0 or args.theta_sd <= 0:
            raise InputError("--drift", "drift and --growth-sd must be >= 0, --theta-sd > 0")
        params = GrowthParameters(drift=args.drift, growth_mean=args.growth_mean, growth_sd=args.growth_sd,
                                  theta_mean=args.theta_mean, theta_sd=args.theta_sd)
    else:
        params = fit_growth(learner, days, a, b, c, score)
        if not args.quiet:
            print("fitted: " + ", ".join(f"{k}={v:.4g}" for k, v in params.to_dict().items()),
                  file=sys.stderr)
    track = filter_abilities(learner, days, a, b, c, score, params, smooth=args.smooth)
    write_csv(args.out, ("learner_id", "timestamp", "theta", "se"),
              zip(learners, timestamps, track.theta.tolist(), track.se.tolist()))
    return 0
