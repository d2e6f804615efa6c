"""The password policy, checked wherever a password is set (an account's creation by an admin,
a teacher or the command line, a reset, a change), and one-time passwords.

The policy follows NIST SP 800-63B §5.1.1.2 (memorized secrets): at least 8
characters, any characters (spaces and every script included), no composition
rules (they make passwords harder to remember, not harder to guess), and no
password that attackers try first: the 30,000 most common passwords of leaked
password lists, as the zxcvbn package ships them (its ``passwords`` frequency
list), compared case-blind, and the account's own login or name. A password of
spaces only is refused too.
"""
from __future__ import annotations

import secrets
from functools import lru_cache

from api.errors import InvalidInput
from api.services.usernames import login_key

MIN_LENGTH = 8
#: Longer than any passphrase; bounds the work of hashing one.
MAX_LENGTH = 256
#: One-time passwords: lower-case letters and digits without the look-alikes (0 o 1 l i),
#: typed once on a phone; 12 of them (in groups of 4) carry 12 * log2(31) = 59 bits.
ONE_TIME_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
ONE_TIME_GROUPS = 3
ONE_TIME_GROUP_LENGTH = 4


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The leaked-password list's entries long enough to be allowed otherwise (loaded once,
    when a password is first set)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.casefold() for word in FREQUENCY_LISTS["passwords"] if len(word) >= MIN_LENGTH)


def check(password: str, *, names: tuple[str, ...] = (), field: str = "password") -> None:
    """:class:`InvalidInput` naming what to change when ``password`` breaks the policy.

    ``names``: the account's login and display name, which the password must not be.
    """
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"{field}: use at least {MIN_LENGTH} characters (a few words "
                           "are easier to remember than a jumble)", field=field, code="password_rejected")
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"{field}: use at most {MAX_LENGTH} characters", field=field, code="password_rejected")
    if not password.strip():
        raise InvalidInput(f"{field}: use letters, digits or signs, not only spaces", field=field, code="password_rejected")
    if password.casefold() in common_passwords():
        raise InvalidInput(f"{field}: this is one of the passwords attackers try first "
                           "(it is on lists of leaked passwords); choose another", field=field, code="password_rejected")
    if any(name and login_key(password) == login_key(name) for name in names):
        raise InvalidInput(f"{field}: do not use your name or username as password", field=field, code="password_rejected")


def one_time() -> str:
    """A random one-time password (``k7w2-qd9x-bnt4``), from the operating system's CSPRNG."""
    groups = ["".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(ONE_TIME_GROUP_LENGTH))
              for _ in range(ONE_TIME_GROUPS)]
    return "-".join(groups)
