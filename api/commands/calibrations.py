"""``b1engine calibrations``: the service's calibration runs, from the server's own shell.

``list`` shows the latest runs (who, when, what they changed); ``show RUN`` one run
in full, as JSON (the API's ``GET /v1/calibrations/{id}``); ``rollback RUN``
restores every parameter the run changed, exactly (the API's ``POST
/v1/calibrations/{id}/rollback``). Runs themselves are started through the API
(``POST /v1/calibrations``, ``dry_run`` to see first what would change). Each
names the database first and refuses a SQLite file that is not there.
"""
from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from api.commands import database_session, positive_int

if TYPE_CHECKING:
    from api.errors import DomainError

#: At the shell, where the runs are listed (the API's messages name its own route).
LISTING = "b1engine calibrations list shows the runs"


def register(subparsers) -> None:
    parser = subparsers.add_parser("calibrations", help="calibration runs of the service: list, show, roll back")
    commands = parser.add_subparsers(dest="calibrations_command", required=True, metavar="ACTION")
    listing = commands.add_parser("list", help="the latest runs, newest first")
    listing.add_argument("--limit", type=positive_int, default=20, help="runs to show (default 20)")
    show = commands.add_parser("show", help="one run in full, as JSON: every item and level it changed")
    show.add_argument("run", help="the run's id")
    back = commands.add_parser(
        "rollback", help="restore every item parameter the run changed, exactly, and rebuild the learners' "
                         "levels under them. Only the newest change of a language's parameters can be undone: "
                         "a later run, or a growth fit stored after it (b1engine growth list), is rolled back first")
    back.add_argument("run", help="the run's id")
    for command, func in ((listing, run_list), (show, run_show), (back, run_rollback)):
        command.add_argument("--database-url", help="default: B1ENGINE_DATABASE_URL (as the server)")
        command.set_defaults(func=func)


def _refused(action: str, run: str, error: DomainError) -> int:
    from api.errors import NotFound

    # The service's 404 points to the API's listing; at the shell, point to the shell's.
    detail = f"calibration '{run}' not found: {LISTING}" if isinstance(error, NotFound) else error.detail
    print(f"b1engine calibrations {action}: {detail}", file=sys.stderr)
    return 2


def run_list(args: argparse.Namespace) -> int:
    from api.services.calibrations import list_runs

    with database_session(args.database_url, existing=True) as db:
        runs = list_runs(db, args.limit)
    if not runs:
        print("no calibration runs")
    for run in runs:
        kind = "dry run" if run.dry_run else "run"
        print(f"{run.id}  {run.created_at:%Y-%m-%d %H:%M}  {run.status:<11}  {kind:<7}  "
              f"by {run.requested_by or '?'}  {run.message or ''}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from api.errors import DomainError
    from api.services.calibrations import describe, get_run

    with database_session(args.database_url, existing=True) as db:
        try:
            shown = describe(db, get_run(db, args.run)).model_dump_json(indent=2)
        except DomainError as error:
            return _refused("show", args.run, error)
    print(shown)
    return 0


def run_rollback(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from api.errors import DomainError
    from api.services.calibrations import rollback

    with database_session(args.database_url, existing=True) as db:
        try:
            done = rollback(db, args.run, None, datetime.now(UTC))
        except DomainError as error:
            return _refused("rollback", args.run, error)
    print(f"rolled back {done.id}: {len(done.items)} items restored to their values before it")
    return 0
