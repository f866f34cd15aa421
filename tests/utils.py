"""Helpers shared by the tests."""

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.db import connection

REPO = Path(__file__).resolve().parents[1]
MANAGE = [sys.executable, str(REPO / "manage.py")]


def test_database_url() -> str:
    """The URL of the database the tests run on, for a subprocess to use."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{s['NAME']}"


# Variables of this test process that a child process must not inherit: the browser
# tests relax Django's async safety in-process only, and each child chooses its own
# settings and database.
PRIVATE_VARIABLES = {
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "REDIS_URL",
    "ELASTICSEARCH_URL",
}


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a child process, without this test process's settings."""
    env = {k: v for k, v in os.environ.items() if k not in PRIVATE_VARIABLES}
    env.update(extra)
    return env


def subprocess_env(**extra: str) -> dict[str, str]:
    """A child process on the test settings and the test database."""
    env = clean_env()
    env.update(
        DJANGO_SETTINGS_MODULE="ecabinet.settings.test",
        DATABASE_URL=test_database_url(),
        PYTHONPATH=os.pathsep.join([str(REPO), str(REPO / "site")]),
    )
    env.update(extra)
    return env


def start_manage(*args: str, env: dict[str, str], log_path: Path) -> subprocess.Popen:
    """Start ``manage.py`` in its own process group, its output going to ``log_path``.

    A file rather than a pipe: django-q2 forks a sentinel and workers that inherit the
    output, and reading a pipe they still hold would block until the last one exits.
    """
    log = open(log_path, "w")  # noqa: SIM115 - closed by stop_process
    process = subprocess.Popen(
        [*MANAGE, *args],
        env=env,
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    process.log_file = log
    process.log_path = log_path
    return process


def wait_for(
    predicate,
    *,
    timeout: float,
    interval: float = 0.5,
    what: str = "",
    raise_on_timeout: bool = True,
):
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    if not raise_on_timeout:
        return last
    raise AssertionError(
        f"timed out after {timeout}s waiting for {what}: last={last!r}"
    )


@dataclass
class HttpResponse:
    status: int
    body: str


def http_get(url: str) -> HttpResponse | None:
    """GET with the standard library; None while nothing listens on the port."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return HttpResponse(response.status, response.read().decode())
    except urllib.error.HTTPError as error:
        return HttpResponse(error.code, error.read().decode())
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def stop_process(process: subprocess.Popen, timeout: float = 20) -> str:
    """SIGTERM the process group, SIGKILL it if it lingers; return what it printed."""
    group = os.getpgid(process.pid) if process.poll() is None else None
    if group is not None:
        os.killpg(group, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if group is not None:
        # children that outlived their parent (django-q2's sentinel, workers)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
    process.log_file.close()
    return Path(process.log_path).read_text(errors="replace")


def totp_code(hex_key: str, *, offset_seconds: int = 0) -> str:
    """A real TOTP code for ``hex_key``, computed outside django-otp.

    ``oathtool`` when installed (``make test`` installs it), else the RFC 6238 maths
    written out here, so the tests never check django-otp against itself.
    """
    import shutil

    if shutil.which("oathtool"):
        when = (
            f"now {'+' if offset_seconds >= 0 else '-'} {abs(offset_seconds)} seconds"
        )
        return subprocess.check_output(
            ["oathtool", "--totp", "-N", when, hex_key], text=True
        ).strip()
    import hashlib
    import hmac
    import struct

    counter = int((time.time() + offset_seconds) // 30)
    digest = hmac.new(
        bytes.fromhex(hex_key), struct.pack(">Q", counter), hashlib.sha1
    ).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def login_verified(client, user) -> None:
    """Sign ``user`` in as if they had passed password and one-time code."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def fresh_code(username: str) -> str:
    """A real code for ``username`` that django-otp has not accepted yet.

    django-otp refuses a code of a step it already accepted for the device
    (``last_t``) and accepts one step either side of now; so this asks for the next
    step when the current one is used, and waits for the clock only when both are.
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    step = int(time.time()) // 30
    if device.last_t >= step + 1:  # this step and the next are used: wait
        time.sleep(30 - time.time() % 30 + 0.2)
        return fresh_code(username)
    return totp_code(device.key, offset_seconds=30 if device.last_t >= step else 0)
