"""``b1engine lti``: LTI 1.3 platforms and the tool's keys (docs/lti.md).

- ``register`` — a platform (issuer, client id, deployment ids, its login, token and key-set
  URLs, as the platform shows them); run again to add deployments or change its URLs.
- ``list`` — the platforms, their deployments, the tool's keys and the grades waiting.
- ``rotate-key`` — a new signing key; the old one stays published for ``B1ENGINE_LTI_KEY_GRACE_DAYS``.
- ``flush`` — send the grades that are due now (the service does it every
  ``B1ENGINE_LTI_OUTBOX_INTERVAL_SECONDS``).
"""
from __future__ import annotations

import argparse
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser("lti", help="LTI 1.3: learning platforms, the tool's keys, grades")
    commands = parser.add_subparsers(dest="lti_command", required=True, metavar="ACTION")
    add = commands.add_parser("register", help="register a platform (or add deployments to one)")
    add.add_argument("--issuer", required=True, help="the platform's issuer (Moodle: its address; "
                                                     "Canvas: https://canvas.instructure.com)")
    add.add_argument("--client-id", required=True, help="the tool's client id at the platform")
    add.add_argument("--deployment-id", required=True, action="append", dest="deployment_ids",
                     help="a deployment id (repeat for several)")
    add.add_argument("--auth-login-url", required=True, help="the platform's authentication request URL")
    add.add_argument("--auth-token-url", required=True, help="the platform's access token URL")
    add.add_argument("--jwks-url", required=True, help="the platform's public keyset URL")
    add.set_defaults(func=run_register)
    commands.add_parser("list", help="the platforms, deployments, keys and grades waiting").set_defaults(func=run_list)
    commands.add_parser("rotate-key", help="a new signing key (the old one stays published for a grace "
                                           "period)").set_defaults(func=run_rotate)
    commands.add_parser("flush", help="send the grades that are due now").set_defaults(func=run_flush)


def _database():
    from api.commands import announce_database
    from api.db import make_engine, upgrade
    from api.settings import Settings

    settings = Settings()
    announce_database(settings.database_url)
    upgrade(settings.database_url)
    return settings, make_engine(settings.database_url)


def run_register(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from sqlmodel import Session

    from api.errors import DomainError
    from api.services.lti import keys, registrations

    _, engine = _database()
    try:
        with Session(engine) as db:
            try:
                found, created = registrations.register(
                    db, args.issuer, args.client_id, args.deployment_ids, args.auth_login_url,
                    args.auth_token_url, args.jwks_url, datetime.now(UTC))
            except DomainError as error:
                print(f"b1engine lti register: {error.detail}", file=sys.stderr)
                return 2
            keys.current(db, datetime.now(UTC))  # the tool's key exists before the platform asks
            print(f"{'registered' if created else 'updated'} platform {found.issuer} (client id {found.client_id}, "
                  f"registration {found.id}); deployments: {', '.join(found.deployment_ids)}")
    finally:
        engine.dispose()
    return 0


def run_list(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from api.services.lti import grades, keys, registrations

    _, engine = _database()
    try:
        with Session(engine) as db:
            found = registrations.all_registrations(db)
            if not found:
                print("no platforms registered (b1engine lti register)")
            for r in found:
                print(f"{r.id}: {r.issuer} client id {r.client_id}\n   deployments: {', '.join(r.deployment_ids)}\n"
                      f"   login {r.auth_login_url}\n   token {r.auth_token_url}\n   keys {r.jwks_url}")
            for kid, created, retired in keys.all_keys(db):
                state = f"retired {retired.isoformat(timespec='seconds')}" if retired else "signing"
                print(f"key {kid}: made {created.isoformat(timespec='seconds')}, {state}")
            print(f"grades waiting to be sent: {grades.pending(db)}")
    finally:
        engine.dispose()
    return 0


def run_rotate(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from sqlmodel import Session

    from api.services.lti import keys

    settings, engine = _database()
    try:
        with Session(engine) as db:
            kid, retired = keys.rotate(db, datetime.now(UTC))
            print(f"new signing key {kid}; retired {', '.join(retired) or 'none'} (published "
                  f"{settings.lti_key_grace_days} more days)")
    finally:
        engine.dispose()
    return 0


def run_flush(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from sqlmodel import Session

    from api.services.lti import grades
    from api.services.lti.platform import PlatformClient

    _, engine = _database()
    platforms = PlatformClient()
    try:
        with Session(engine) as db:
            report = grades.flush(db, platforms, datetime.now(UTC))
            print(f"grades delivered: {report.delivered}, failed (kept for a retry): {report.failed}, "
                  f"waiting: {report.pending}")
    finally:
        platforms.close()
        engine.dispose()
    return 0 if report.failed == 0 else 1
