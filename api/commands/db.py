"""``b1engine db upgrade``: apply the schema migrations to the configured database."""
from __future__ import annotations

import argparse


def register(subparsers) -> None:
    parser = subparsers.add_parser("db", help="database schema (Alembic migrations)")
    commands = parser.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = commands.add_parser("upgrade", help="apply migrations up to the latest (or --revision)")
    upgrade.add_argument("--revision", default="head")
    upgrade.add_argument("--database-url", help="default: B1ENGINE_DATABASE_URL, else SQLite in the "
                                                "data folder (B1ENGINE_VAR_DIR, ~/.local/share/b1engine)")
    upgrade.set_defaults(func=run_upgrade)


def run_upgrade(args: argparse.Namespace) -> int:
    from api.commands import announce_database
    from api.db import upgrade
    from api.settings import Settings, absolute_database_url

    url = absolute_database_url(args.database_url) if args.database_url else Settings().database_url
    announce_database(url)
    upgrade(url, args.revision)
    print(f"database at revision {args.revision}")
    return 0
