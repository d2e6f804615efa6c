"""``b1engine users create``: make an account on the configured database."""
from __future__ import annotations

import argparse
import sys

from api.models import ROLES
from content.catalog import LANGUAGES


def register(subparsers) -> None:
    parser = subparsers.add_parser("users", help="user accounts")
    commands = parser.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    create = commands.add_parser("create", help="create an account (creates the database if needed)")
    create.add_argument("--username", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--language", choices=LANGUAGES)
    create.set_defaults(func=run_create)


def run_create(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from sqlmodel import Session

    from api.db import make_engine, upgrade
    from api.errors import DomainError
    from api.services.users import create_user
    from api.settings import Settings

    settings = Settings()
    upgrade(settings.database_url)
    db_engine = make_engine(settings.database_url)
    try:
        with Session(db_engine) as db:
            user = create_user(db, args.username, args.password, args.role,
                               datetime.now(timezone.utc), language=args.language)
            db.commit()
            print(f"created {user.role} '{user.username}' (id {user.id})")
    except DomainError as error:
        print(f"b1engine users create: {error.detail}", file=sys.stderr)
        return 2
    finally:
        db_engine.dispose()
    return 0
