"""``b1engine calibrations``: the service's calibration runs, from the server's own shell.

``list`` shows the latest runs (who, when, what they changed); ``show RUN`` one run
in full, as JSON (the API's ``GET /v1/calibrations/{id}``); ``rollback RUN``
restores every parameter the run changed, exactly (the API's ``POST
/v1/calibrations/{id}/rollback``). Runs themselves are started through the API
(``POST /v1/calibrations``, ``dry_run`` to see first what would change).
"""
from __future__ import annotations

import argparse
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser("calibrations", help="calibration runs of the service: list, show, roll back")
    commands = parser.add_subparsers(dest="calibrations_command", required=True, metavar="ACTION")
    listing = commands.add_parser("list", help="the latest runs, newest first")
    listing.add_argument("--limit", type=int, default=20, help="runs to show (default 20)")
    show = commands.add_parser("show", help="one run in full, as JSON: every item and level it changed")
    show.add_argument("run", help="the run's id")
    back = commands.add_parser("rollback", help="restore every item parameter the run changed, exactly "
                                                "(the learners' levels are then what they were before it)")
    back.add_argument("run", help="the run's id")
    for command, func in ((listing, run_list), (show, run_show), (back, run_rollback)):
        command.add_argument("--database-url", help="default: B1ENGINE_DATABASE_URL (as the server)")
        command.set_defaults(func=func)


def _engine(args: argparse.Namespace):
    from api.db import make_engine, upgrade
    from api.settings import Settings, absolute_database_url

    url = absolute_database_url(args.database_url) if args.database_url else Settings().database_url
    upgrade(url)
    return make_engine(url)


def run_list(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from api.services.calibrations import list_runs

    db_engine = _engine(args)
    try:
        with Session(db_engine) as db:
            runs = list_runs(db, max(args.limit, 1))
    finally:
        db_engine.dispose()
    if not runs:
        print("no calibration runs")
    for run in runs:
        kind = "dry run" if run.dry_run else "run"
        print(f"{run.id}  {run.created_at:%Y-%m-%d %H:%M}  {run.status:<11}  {kind:<7}  "
              f"by {run.requested_by or '?'}  {run.message or ''}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from api.errors import DomainError
    from api.services.calibrations import describe, get_run

    db_engine = _engine(args)
    try:
        with Session(db_engine) as db:
            try:
                print(describe(db, get_run(db, args.run)).model_dump_json(indent=2))
            except DomainError as error:
                print(f"b1engine calibrations show: {error.detail}", file=sys.stderr)
                return 2
    finally:
        db_engine.dispose()
    return 0


def run_rollback(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from sqlmodel import Session

    from api.errors import DomainError
    from api.services.calibrations import rollback

    db_engine = _engine(args)
    try:
        with Session(db_engine) as db:
            try:
                done = rollback(db, args.run, None, datetime.now(UTC))
            except DomainError as error:
                print(f"b1engine calibrations rollback: {error.detail}", file=sys.stderr)
                return 2
    finally:
        db_engine.dispose()
    print(f"rolled back {done.id}: {len(done.items)} items restored to their values before it")
    return 0
