"""Sign-in rate limits, kept in the shared cache (Redis at scale, files on a laptop).

Five failures for one username, or twenty from one address, within the window lock
further attempts out until the window has passed. A success clears the username's count.
"""

import hashlib

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

WINDOW_SECONDS = 15 * 60
MAX_FAILURES_PER_USERNAME = 5
MAX_FAILURES_PER_ADDRESS = 20


class LoginThrottled(Exception):
    message = _(
        "Too many failed sign-in attempts. Wait 15 minutes and try again, or contact "
        "the system administrator."
    )


def _keys(username: str, ip: str) -> tuple[str, str]:
    # Hashed: a username is whatever the caller typed (spaces, control characters,
    # any length), and cache keys must stay short and plain.
    user = hashlib.sha256((username or "").lower().encode()).hexdigest()
    address = hashlib.sha256((ip or "").encode()).hexdigest()
    return f"login-fail:user:{user}", f"login-fail:ip:{address}"


def login_throttle_check(*, username: str, ip: str) -> None:
    user_key, ip_key = _keys(username, ip)
    if (
        cache.get(user_key, 0) >= MAX_FAILURES_PER_USERNAME
        or cache.get(ip_key, 0) >= MAX_FAILURES_PER_ADDRESS
    ):
        raise LoginThrottled()


def login_failure_count(*, username: str, ip: str) -> None:
    for key in _keys(username, ip):
        cache.set(key, cache.get(key, 0) + 1, WINDOW_SECONDS)


def login_success_clear(*, username: str, ip: str) -> None:
    cache.delete(_keys(username, ip)[0])
