"""``b1engine growth fit``: learn each language's growth parameters from the stored answers."""
from __future__ import annotations

import argparse
import sys
from datetime import UTC

from content.catalog import LANGUAGES


def register(subparsers) -> None:
    parser = subparsers.add_parser("growth", help="growth model parameters of the service")
    commands = parser.add_subparsers(dest="growth_command", required=True, metavar="ACTION")
    fit = commands.add_parser(
        "fit", help="fit drift, growth-rate spread and population prior per language by marginal "
                    "likelihood on the stored answers (run after calibrating the items)")
    fit.add_argument("--language", choices=LANGUAGES, action="append",
                     help="a language to fit (repeatable); default: every language with answers")
    fit.add_argument("--database-url", help="default: B1ENGINE_DATABASE_URL, else SQLite in the data "
                                            "folder (B1ENGINE_VAR_DIR, ~/.local/share/b1engine)")
    fit.set_defaults(func=run_fit)


def run_fit(args: argparse.Namespace) -> int:
    from datetime import datetime

    from sqlmodel import Session

    from api.commands import announce_database
    from api.db import make_engine, upgrade
    from api.errors import DomainError
    from api.services.growth_fits import fit_language
    from api.settings import Settings, absolute_database_url

    url = absolute_database_url(args.database_url) if args.database_url else Settings().database_url
    announce_database(url)
    upgrade(url)
    db_engine = make_engine(url)
    status = 0
    try:
        for language in args.language or LANGUAGES:
            with Session(db_engine) as db:
                try:
                    fitted = fit_language(db, language, datetime.now(UTC))
                except DomainError as error:
                    if args.language:
                        print(f"b1engine growth fit: {error.detail}", file=sys.stderr)
                        status = 2
                    continue
            params = ", ".join(f"{k}={v:.4g}" for k, v in fitted["params"].items())
            print(f"{language}: {fitted['learners']} learners, {fitted['responses']} answers: {params}")
    finally:
        db_engine.dispose()
    return status
