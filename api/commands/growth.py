"""``b1engine growth fit``: learn each language's growth parameters from the stored answers."""
from __future__ import annotations

import argparse
import sys

from content.catalog import LANGUAGES


def register(subparsers) -> None:
    parser = subparsers.add_parser("growth", help="growth model parameters of the service")
    commands = parser.add_subparsers(dest="growth_command", required=True, metavar="ACTION")
    fit = commands.add_parser(
        "fit", help="fit drift, growth-rate spread and population prior per language by marginal "
                    "likelihood on the stored answers (run after calibrating the items)")
    fit.add_argument("--language", choices=LANGUAGES, action="append",
                     help="a language to fit (repeatable); default: every language with answers")
    fit.add_argument("--database-url", help="default: B1ENGINE_DATABASE_URL or sqlite:///./var/b1engine.db")
    fit.set_defaults(func=run_fit)


def run_fit(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from sqlmodel import Session

    from api.db import make_engine, upgrade
    from api.errors import DomainError
    from api.services.growth_fits import fit_language
    from api.settings import Settings

    url = args.database_url or Settings().database_url
    upgrade(url)
    db_engine = make_engine(url)
    status = 0
    try:
        for language in args.language or LANGUAGES:
            with Session(db_engine) as db:
                try:
                    fitted = fit_language(db, language, datetime.now(timezone.utc))
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
