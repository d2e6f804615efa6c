"""``b1engine growth``: learn each language's growth parameters from the stored answers, and
list, show and roll back the fits (each stored fit is a version)."""
from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from api.commands import database_session, open_database, positive_int
from content.catalog import LANGUAGES

if TYPE_CHECKING:
    from api.services.growth_fits import GrowthFitOut

_DATABASE_HELP = "default: B1ENGINE_DATABASE_URL, else SQLite in the data folder (B1ENGINE_VAR_DIR, ~/.local/share/b1engine)"


def register(subparsers) -> None:
    parser = subparsers.add_parser("growth", help="growth model parameters of the service: fit, list, show, "
                                                  "roll back")
    commands = parser.add_subparsers(dest="growth_command", required=True, metavar="ACTION")
    fit = commands.add_parser(
        "fit", help="fit drift, growth-rate spread and population prior per language by marginal "
                    "likelihood on the stored answers (run after calibrating the items); each fit is a "
                    "version, and the learners' levels are rebuilt under it")
    fit.add_argument("--language", choices=LANGUAGES, action="append",
                     help="a language to fit (repeatable); default: every language")
    fit.add_argument("--dry-run", action="store_true",
                     help="report the new parameters and how many learners' levels would change; store nothing")
    listing = commands.add_parser("list", help="the stored growth fits, newest first")
    listing.add_argument("--language", choices=LANGUAGES, help="one language's fits only")
    listing.add_argument("--limit", type=positive_int, default=20, help="fits to show (default 20)")
    show = commands.add_parser("show", help="one growth fit in full, as JSON, with the parameters it replaced")
    show.add_argument("version", type=positive_int, help="the fit's number (b1engine growth list)")
    back = commands.add_parser(
        "rollback", help="put back the growth parameters a fit replaced (the engine's defaults when none) and "
                         "rebuild the learners' levels under them; only the newest change of a language's "
                         "parameters (a fit or a calibration run) can be undone")
    back.add_argument("version", type=positive_int, help="the fit's number (b1engine growth list)")
    for command, func in ((fit, run_fit), (listing, run_list), (show, run_show), (back, run_rollback)):
        command.add_argument("--database-url", help=_DATABASE_HELP)
        command.set_defaults(func=func)


def _who() -> str | None:
    """The shell's user: who stored or rolled back a fit (the commands have no account)."""
    import getpass

    try:
        return getpass.getuser()[:64]
    except (OSError, KeyError):  # no user name in a bare container
        return None


def _params(fitted: GrowthFitOut) -> str:
    return ", ".join(f"{k}={v:.4g}" for k, v in fitted.params.items())


def run_fit(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from sqlmodel import Session

    from api.errors import DomainError
    from api.services.growth_fits import fit_language

    db_engine = open_database(args.database_url)
    status = 0
    try:
        for language in args.language or LANGUAGES:
            with Session(db_engine) as db:
                try:
                    fitted = fit_language(db, language, datetime.now(UTC), by=_who(), dry_run=args.dry_run)
                except DomainError as error:
                    # Every language gets its line: one left out is said to be, and why.
                    # The language asked for and not fitted is the command's failure: stderr.
                    print(f"{language}: not fitted: {error.detail.removeprefix(f'{language}: ')}",
                          file=sys.stderr if args.language else sys.stdout)
                    if args.language:
                        status = 2
                    continue
            what = "would store" if args.dry_run else f"stored as growth fit {fitted.id}"
            verb = "would change" if args.dry_run else "changed"
            print(f"{language}: {fitted.learners} learners, {fitted.responses} answers: {_params(fitted)}; "
                  f"{what}; {fitted.levels_changed} of {fitted.learners_evaluated} learners' levels {verb} "
                  f"(largest change of an estimate {fitted.largest_theta_change:+.3f})")
    finally:
        db_engine.dispose()
    return status


def run_list(args: argparse.Namespace) -> int:
    from api.services.growth_fits import list_versions

    with database_session(args.database_url, existing=True) as db:
        versions = list_versions(db, args.language, args.limit)
    if not versions:
        print("no growth fits: every language uses the engine's defaults")
    for fit in versions:
        state = ("live" if fit.live else f"rolled back {fit.rolled_back_at:%Y-%m-%d %H:%M}" if fit.rolled_back_at
                 else "replaced")
        print(f"{fit.id:>4}  {fit.language}  {fit.fitted_at:%Y-%m-%d %H:%M}  by {fit.fitted_by or '?'}  {state:<27}  "
              f"{fit.learners} learners, {fit.responses} answers: {_params(fit)}")
    return 0


def _show(fitted: GrowthFitOut) -> str:
    import json
    from dataclasses import asdict

    return json.dumps(asdict(fitted), indent=2, default=lambda value: value.isoformat())


def run_show(args: argparse.Namespace) -> int:
    from api.errors import DomainError
    from api.services.growth_fits import show

    with database_session(args.database_url, existing=True) as db:
        try:
            shown = _show(show(db, args.version))
        except DomainError as error:
            print(f"b1engine growth show: {error.detail}: b1engine growth list shows the fits", file=sys.stderr)
            return 2
    print(shown)
    return 0


def run_rollback(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from api.errors import DomainError, NotFound
    from api.services.growth_fits import rollback

    with database_session(args.database_url, existing=True) as db:
        try:
            done = rollback(db, args.version, _who(), datetime.now(UTC))
        except DomainError as error:
            hint = ": b1engine growth list shows the fits" if isinstance(error, NotFound) else ""
            print(f"b1engine growth rollback: {error.detail}{hint}", file=sys.stderr)
            return 2
    back_to = (f"growth fit {done.replaces}" if done.replaces is not None else "the engine's defaults")
    print(f"rolled back growth fit {done.id} of {done.language}: {back_to} live again; the learners' levels "
          "are rebuilt under them when next read")
    return 0
