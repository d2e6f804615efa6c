"""``b1engine users``: accounts on the configured database, from the server's own shell.

Passwords never go on the command line, where the shell's history and ``ps``
would keep and show them: ``create`` asks for one at the terminal (twice,
unechoed), reads one line from standard input with ``--password-stdin``
(scripts: ``printf '%s\\n' "$PASSWORD" | b1engine users create ...``), or makes a
one-time password with ``--one-time-password`` and prints it, for the owner to
change at their first login. ``reset-password`` prints a one-time password (an
admin locked out of the API gets back in this way). The password policy is the
API's (:mod:`api.services.passwords`).
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from api.models import ROLES
from content.catalog import LANGUAGES

#: What ``--password`` (the old way) answers.
NO_PASSWORD_ARGUMENT = ("passwords are not taken on the command line (the shell's history and `ps` "
                        "would keep and show them): leave out --password and type it when asked, "
                        "or pipe it in with --password-stdin")


class _Refuse(argparse.Action):
    """An option that only explains why it is not there."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        parser.error(NO_PASSWORD_ARGUMENT)


def register(subparsers) -> None:
    parser = subparsers.add_parser("users", help="user accounts")
    commands = parser.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    create = commands.add_parser(
        "create", help="create an account (creates the database if needed); the password is asked "
                       "for, read with --password-stdin, or made with --one-time-password")
    create.add_argument("--username", required=True, help="the login: letters of one alphabet, digits, . _ - @")
    create.add_argument("--display-name", help="the name people read, in any script (default: the username)")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--language", choices=LANGUAGES)
    given = create.add_mutually_exclusive_group()
    given.add_argument("--password-stdin", action="store_true",
                       help="read the password from the first line of standard input")
    given.add_argument("--one-time-password", action="store_true",
                       help="make a one-time password and print it; it must be changed at the first login")
    create.add_argument("--password", nargs="?", action=_Refuse, help=argparse.SUPPRESS)
    create.set_defaults(func=run_create)
    reset = commands.add_parser("reset-password", help="print a one-time password for an account "
                                                       "(to be changed at its next login)")
    reset.add_argument("--username", required=True)
    reset.set_defaults(func=run_reset)


def read_password(args: argparse.Namespace, stdin=None, ask: Callable[[str], str] | None = None) -> str:
    """The new password: standard input's first line, or asked twice at the terminal."""
    stdin = stdin or sys.stdin
    if args.password_stdin:
        return stdin.readline().rstrip("\r\n")
    if not stdin.isatty():
        raise _Stop("no terminal to ask for the password: pipe it in with --password-stdin, "
                    "or use --one-time-password")
    from getpass import getpass

    prompt = ask or getpass
    first = prompt("Password: ")
    if prompt("Password again: ") != first:
        raise _Stop("the two passwords differ: nothing was created")
    return first


class _Stop(Exception):
    """A reason to stop, for the person at the terminal."""


def run_create(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from sqlmodel import Session

    from api.commands import announce_database
    from api.db import make_engine, upgrade
    from api.errors import DomainError
    from api.services import passwords
    from api.services.users import create_user
    from api.settings import Settings

    settings = Settings()
    try:
        password = passwords.one_time() if args.one_time_password else read_password(args)
    except _Stop as stop:
        print(f"b1engine users create: {stop}", file=sys.stderr)
        return 2
    announce_database(settings.database_url)
    upgrade(settings.database_url)
    db_engine = make_engine(settings.database_url)
    try:
        with Session(db_engine) as db:
            user = create_user(db, args.username, password, args.role, datetime.now(UTC),
                               language=args.language, display_name=args.display_name,
                               must_change_password=args.one_time_password)
            db.commit()
            print(f"created {user.role} '{user.username}' (id {user.id})")
            if args.one_time_password:
                print(f"one-time password (shown only now; to be changed at the first login): {password}")
    except DomainError as error:
        print(f"b1engine users create: {error.detail}", file=sys.stderr)
        return 2
    finally:
        db_engine.dispose()
    return 0


def run_reset(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from api.commands import announce_database
    from api.db import make_engine
    from api.services.users import by_login, reset_password
    from api.settings import Settings

    settings = Settings()
    announce_database(settings.database_url)
    db_engine = make_engine(settings.database_url)
    try:
        with Session(db_engine) as db:
            user = by_login(db, args.username)
            if user is None:
                print(f"b1engine users reset-password: no account '{args.username}' in this database",
                      file=sys.stderr)
                return 2
            reset = reset_password(db, user, settings)
            print(f"one-time password for '{reset.username}' (shown only now; to be changed at the "
                  f"next login): {reset.one_time_password}")
    finally:
        db_engine.dispose()
    return 0
