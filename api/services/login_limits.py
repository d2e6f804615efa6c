"""Login limits that slow an attacker without locking out the owner.

Two back-offs, counted in ``login_throttles`` (in the database: every worker
and every host sees the same numbers):

- **per login and address**: the first failures cost nothing
  (``login_free_failures_per_account``), then each failure doubles the wait
  before the next attempt from that address for that login: 5 s, 10 s, 20 s, ...
  up to ``login_longest_wait_per_account_seconds``. The owner on another
  network is not slowed at all; on the same one, their teacher can lift it
  (:func:`api.services.users.lift_login_lock`), and a success clears it;
- **per address, whatever the login**: the same with many more free failures
  (``login_free_failures_per_address``) and a short longest wait, against one
  address trying many logins. A school's classes share one address: a class
  logging in at once, a few of them mistyping, never comes near it.

Failures are forgiven as time passes (a leaky bucket): one an hour per login and
address, one every two minutes per address, so a school's everyday typing
mistakes drain away and never add up to a lock. The bucket is kept as one
moment, ``forgiven_at`` (when every failure so far is forgiven): a failure moves
it to ``max(forgiven_at, now) + interval`` in one atomic upsert, so parallel
failures all count. The failures outstanding at the last one are
``(forgiven_at - failed_at) / interval``.

Every attempt is first counted by the per-minute limits of
:mod:`api.services.rate_limits` (per login and per address), committed before
the password is checked: parallel guesses cannot slip past those, and they bound
the Argon2 work one login or one address can cause.

**Device cookies** (OWASP's "Slow Down Online Guessing Attacks with Device
Cookies"): a successful login gets a cookie that names no one — a random nonce
and its HMAC with the login under the server's secret. An attempt that brings a
valid one for the login typed is counted against that device, not against the
username or the (login, address) pair: an attacker spraying one username from
many addresses fills the username's per-minute limit and back-offs, and the
owner, on a phone that logged in before, still gets in. A device that fails
itself is slowed like a login from one address.

Keys are HMACs with the server's secret, of ``<login key>`` and ``<address>``:
what was typed as a login (people type passwords into that field) is not
stored in any form a reader could reverse. Rows are deleted once every failure
in them is forgiven.
"""
from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, delete

from api.errors import InvalidInput, TooManyRequests, Unauthorized
from api.models import LoginThrottle, User
from api.schemas import Token
from api.services import rate_limits, users
from api.services.rows import table_of
from api.services.usernames import login_key
from api.settings import Settings

#: The wait after the first failure past the free ones (then doubled with each failure).
FIRST_WAIT_PER_ACCOUNT_SECONDS = 5.0
FIRST_WAIT_PER_ADDRESS_SECONDS = 1.0
#: One failure forgiven per this many seconds.
FORGIVE_PER_ACCOUNT_SECONDS = 3600.0
FORGIVE_PER_ADDRESS_SECONDS = 120.0
#: The device cookie's name, lifetime and the bytes of its nonce.
DEVICE_COOKIE = "b1device"
DEVICE_COOKIE_SECONDS = 365 * 86_400
DEVICE_NONCE_BYTES = 16
#: Slack when counting the failures outstanding (the bucket drains between two failures).
COUNT_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Backoff:
    """Free failures, then waits doubling from ``first_wait`` up to ``longest_wait`` seconds;
    one failure forgiven every ``forgive_every`` seconds."""

    free: int
    first_wait: float
    longest_wait: float
    forgive_every: float

    def wait_after(self, outstanding: float) -> float:
        """Seconds before the next attempt, after a failure left ``outstanding`` failures:
        0 up to ``free``, then ``first_wait * 2**(n - free - 1)``, at most ``longest_wait``."""
        over = math.ceil(outstanding - COUNT_TOLERANCE) - self.free
        if over <= 0:
            return 0.0
        # min() before the power would overflow: 2**1100 is past a float.
        return min(self.longest_wait, self.first_wait * 2.0 ** min(over - 1, 64))

    def locked_until(self, row: LoginThrottle) -> float:
        """Unix time before which no attempt is checked."""
        outstanding = (row.forgiven_at - row.failed_at) / self.forgive_every
        return row.failed_at + self.wait_after(outstanding)


@dataclass(frozen=True)
class Throttle:
    """One back-off as it applies to one attempt: its row's key and what to tell the caller."""

    key: str
    account_key: str | None
    backoff: Backoff
    what: str


@dataclass(frozen=True)
class LoginResult:
    """A login's token, and the device cookie to set (a new one after every success)."""

    token: Token
    device_cookie: str


def _device_mac(login: str, nonce: str, settings: Settings) -> str:
    message = f"device:{login_key(login)}:{nonce}".encode("utf-8", "surrogatepass")
    return hmac.new(settings.signing_secret().encode(), message, hashlib.sha256).hexdigest()[:32]


def new_device_cookie(login: str, settings: Settings) -> str:
    """``<nonce>.<HMAC of the login and nonce>``: proves an earlier success for this login on
    this device, without saying whose (the login is only inside the HMAC)."""
    nonce = secrets.token_urlsafe(DEVICE_NONCE_BYTES)
    return f"{nonce}.{_device_mac(login, nonce, settings)}"


def trusted_device(cookie: str | None, login: str, settings: Settings) -> str | None:
    """The device's nonce when ``cookie`` is a valid device cookie for ``login``, else None
    (a cookie of another login, a forged or a truncated one all count as none)."""
    if not cookie or cookie.count(".") != 1:
        return None
    nonce, mac = cookie.split(".")
    if not nonce or not hmac.compare_digest(mac, _device_mac(login, nonce, settings)):
        return None
    return nonce


def per_account(settings: Settings) -> Backoff:
    return Backoff(settings.login_free_failures_per_account, FIRST_WAIT_PER_ACCOUNT_SECONDS,
                   settings.login_longest_wait_per_account_seconds, FORGIVE_PER_ACCOUNT_SECONDS)


def per_address(settings: Settings) -> Backoff:
    return Backoff(settings.login_free_failures_per_address, FIRST_WAIT_PER_ADDRESS_SECONDS,
                   settings.login_longest_wait_per_address_seconds, FORGIVE_PER_ADDRESS_SECONDS)


def _throttles(login: str, client_ip: str, device: str | None,
               settings: Settings) -> tuple[Throttle, Throttle]:
    secret, key = settings.signing_secret(), login_key(login)
    if device is not None:  # a device that logged in before: slowed on its own
        return (Throttle(rate_limits.key(secret, "login-throttle:device", device),
                         users.account_key(login, settings), per_account(settings),
                         "from this device (your teacher can lift this)"),
                Throttle(rate_limits.key(secret, "login-throttle:address", client_ip), None,
                         per_address(settings), "from this address"))
    return (Throttle(rate_limits.key(secret, "login-throttle:account-address", f"{key}\x1f{client_ip}"),
                     users.account_key(login, settings), per_account(settings),
                     "for this username from this address (your teacher can lift this)"),
            Throttle(rate_limits.key(secret, "login-throttle:address", client_ip), None,
                     per_address(settings), "from this address"))


def _check(db: Session, throttles: tuple[Throttle, ...], now: datetime) -> None:
    moment = now.timestamp()
    for throttle in throttles:
        row = db.get(LoginThrottle, throttle.key)
        if row is None:
            continue
        locked_until = throttle.backoff.locked_until(row)
        if moment < locked_until:
            wait = max(1, math.ceil(locked_until - moment))
            raise TooManyRequests(f"too many failed logins {throttle.what}; try again in {wait} s",
                                  retry_after=wait)


def _record_failure(db: Session, throttles: tuple[Throttle, ...], now: datetime) -> None:
    moment = now.timestamp()
    table = table_of(LoginThrottle)
    postgres = db.get_bind().dialect.name == "postgresql"
    insert = postgresql.insert if postgres else sqlite.insert
    later = sa.func.greatest if postgres else sa.func.max
    for throttle in throttles:
        interval = throttle.backoff.forgive_every
        statement = (insert(table).values(key=throttle.key, account_key=throttle.account_key,
                                          failed_at=moment, forgiven_at=moment + interval)
                     .on_conflict_do_update(index_elements=["key"], set_={
                         "failed_at": moment,
                         "forgiven_at": later(table.c.forgiven_at, moment) + interval}))
        db.execute(statement)


def _prune(db: Session, settings: Settings, now: datetime) -> None:
    """Rows whose every failure is forgiven and whose wait is over say nothing any more."""
    longest = max(settings.login_longest_wait_per_account_seconds,
                  settings.login_longest_wait_per_address_seconds)
    db.exec(delete(LoginThrottle).where(col(LoginThrottle.forgiven_at) < now.timestamp() - longest))


def _count_attempt(db: Session, login: str, client_ip: str, device: str | None, settings: Settings,
                   now: datetime) -> None:
    # Counted first, atomically, and committed before the password is checked: parallel
    # attempts see each other.
    rate_limits.hit(db, settings, "login_address", client_ip, now)
    if device is None:
        rate_limits.hit(db, settings, "login_user", login_key(login), now)
    else:
        rate_limits.hit(db, settings, "login_device", device, now)
    _prune(db, settings, now)
    db.commit()


def login(db: Session, username: str, password: str, client_ip: str, device_cookie: str | None,
          settings: Settings, now: datetime) -> LoginResult:
    """A token for these credentials and a fresh device cookie; 429 while a back-off holds,
    401 for wrong ones, 403 for a disabled account.

    ``device_cookie``: the cookie an earlier success set on this device, if any (module
    notes). A success clears the login's back-off from this address or device (not the
    address's own: one learner logging in must not reset an attacker's count on a shared
    network).
    """
    device = trusted_device(device_cookie, username, settings)
    throttles = _throttles(username, client_ip, device, settings)
    _count_attempt(db, username, client_ip, device, settings, now)
    _check(db, throttles, now)
    try:
        user = users.authenticate(db, username, password)
    except Unauthorized:
        db.rollback()
        _record_failure(db, throttles, now)
        db.commit()
        raise
    db.exec(delete(LoginThrottle).where(col(LoginThrottle.key) == throttles[0].key))
    db.commit()
    return LoginResult(users.token_for(user, settings, now), new_device_cookie(username, settings))


def change_password(db: Session, user: User, current_password: str, new_password: str,
                    client_ip: str, settings: Settings, now: datetime) -> Token:
    """The owner's new password, proven by the current one under the same limits as a login
    (a stolen token must not become a way to guess it); a new token, every earlier one revoked."""
    throttles = _throttles(user.username, client_ip, None, settings)
    _count_attempt(db, user.username, client_ip, None, settings, now)
    _check(db, throttles, now)
    if not users.password_matches(user, current_password):
        _record_failure(db, throttles, now)
        db.commit()
        raise InvalidInput("current_password: this is not your current password",
                           field="current_password", code="password_wrong")
    users.change_password(db, user, new_password)
    return users.token_for(user, settings, now)
