"""What every benchmark shares: result rows, progress, a throwaway environment, and
child processes that are always stopped.

A benchmark is a module ``bench/<name>.py`` with ``TITLE``, ``BUDGET_SECONDS`` and
``run(bench: Bench) -> None``. ``bench/run.py`` runs it in a process of its own (each
benchmark chooses its settings before ``django.setup()``, which happens once per
process), where it adds rows with ``bench.row(...)`` and notes with ``bench.note(...)``.
Benchmarks measure and report; a target that does not hold is a finding, not a failure.
"""

from __future__ import annotations

import contextlib
import operator
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
MANAGE = [sys.executable, str(REPO / "manage.py")]

# The variables of the developer's shell that would point a benchmark at real services
# or real state; a throwaway environment starts without them.
AMBIENT_VARIABLES = (
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "REDIS_URL",
    "ELASTICSEARCH_URL",
    "EMAIL_HOST",
    "SMS_GATEWAY_URL",
    "SMS_GATEWAY_TOKEN",
    "SECRET_KEY",
    "FILE_ENCRYPTION_KEYS",
    "DOSSIER_FILES_ROOT",
    "MEDIA_ROOT",
    "STATIC_ROOT",
)

COMPARATORS = {
    "==": operator.eq,
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}


# Seconds are counted from the runner's start, which it hands to its children (a
# clock time would change with the TZ that django.setup() sets).
START = float(os.environ.setdefault("BENCH_STARTED_AT", str(time.time())))


def progress(message: str) -> None:
    """One line on stderr, so stdout carries only the table."""
    elapsed = time.time() - START
    print(f"[bench {elapsed:6.1f}s] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Target:
    """``value <op> bound``, e.g. ``Target("==", 0)`` for "nothing lost", or with
    ``of="ratio"`` a bound on value / baseline, e.g. ``Target("<=", 2, of="ratio")``
    for "at most twice the baseline's time"."""

    op: str
    bound: float
    of: str = "value"

    def __post_init__(self):
        if self.op not in COMPARATORS:
            raise ValueError(f"unknown comparison {self.op!r}")
        if self.of not in ("value", "ratio"):
            raise ValueError(f"a target is on the value or the ratio, not {self.of!r}")

    def holds(self, value: float | None) -> bool:
        return value is not None and COMPARATORS[self.op](value, self.bound)

    def label(self, unit: str = "") -> str:
        if self.of == "ratio":
            return f"ratio {self.op} {self.bound:g}"
        return f"{self.op} {self.bound:g} {unit}".rstrip()

    def __str__(self) -> str:
        return self.label()


@dataclass
class Row:
    benchmark: str
    figure: str
    value: Any
    unit: str = ""
    baseline: float | None = None
    ratio: float | None = None
    target: str = ""
    holds: bool | None = None  # None: the figure has no target (context, settings)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Bench:
    """Handed to a benchmark's ``run``: collects its rows and notes."""

    name: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def row(
        self,
        figure: str,
        value: Any,
        *,
        unit: str = "",
        baseline: float | None = None,
        target: Target | None = None,
    ) -> Row:
        """Add a figure. With a baseline (measured in the same run) the ratio is
        value / baseline; with a target, on the value or the ratio, the row says
        whether it holds."""
        ratio = None
        if baseline and isinstance(value, int | float):
            ratio = value / baseline
        holds = None
        if target is not None:
            holds = target.holds(ratio if target.of == "ratio" else value)
        row = Row(
            benchmark=self.name,
            figure=figure,
            value=value,
            unit=unit,
            baseline=baseline,
            ratio=ratio,
            target=target.label(unit) if target else "",
            holds=holds,
        )
        self.rows.append(row)
        progress(f"{self.name}: {figure} = {format_value(value)} {unit}".rstrip())
        return row

    def note(self, text: str) -> None:
        self.notes.append(text)
        progress(f"{self.name}: note: {text}")


def format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


@contextlib.contextmanager
def throwaway_dir(prefix: str) -> Iterator[Path]:
    """A temporary folder, removed afterwards unless BENCH_KEEP=1 (then its path is
    printed, for reading the worker logs)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        if os.environ.get("BENCH_KEEP") == "1":
            progress(f"kept {path} (BENCH_KEEP=1)")
        else:
            shutil.rmtree(path, ignore_errors=True)


def throwaway_environ(var_dir: Path, database_url: str, **extra: str) -> None:
    """Point this process (and the children it starts) at ``var_dir`` and a throwaway
    database, never at the developer's ``var/`` or services. Call before
    ``django.setup()``."""
    for name in AMBIENT_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update(
        ECABINET_VAR_DIR=str(var_dir),
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="ecabinet.settings.dev",
        **extra,
    )
    for path in (str(REPO / "site"), str(REPO)):
        if path not in sys.path:
            sys.path.insert(0, path)


@contextlib.contextmanager
def throwaway_database(var_dir: Path, name: str) -> Iterator[str]:
    """The URL of an empty database, dropped afterwards.

    SQLite in ``var_dir`` by default. ``BENCH_DATABASE_URL`` names a server instead
    (e.g. ``postgres://postgres@127.0.0.1:5432/postgres``): a database of its own is
    created there and dropped at the end, so the named database is never written to.
    """
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield url or f"sqlite:///{var_dir / f'{name}.sqlite3'}"
        return
    import psycopg
    from psycopg import sql

    database = f"ecabinet_bench_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    try:
        yield url.rsplit("/", 1)[0] + "/" + database
    finally:
        # the benchmark's own connections must be closed before this runs
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(database)
                )
            )


def start_manage(*args: str, log_path: Path, env: dict | None = None):
    """``manage.py <args>`` in a process group of its own, output to ``log_path``.

    A file, not a pipe: django-q2 forks a sentinel and workers that inherit the output.
    Stop it with ``stop_group``, in a ``finally``.
    """
    log = open(log_path, "w")  # noqa: SIM115 - closed by stop_group
    process = subprocess.Popen(
        [*MANAGE, *args],
        cwd=REPO,
        env=env if env is not None else os.environ.copy(),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    process.log_file = log
    return process


def stop_group(process: subprocess.Popen, timeout: float = 30) -> None:
    """Stop ``process`` gracefully, then SIGKILL whatever is left of its group.

    SIGTERM goes to the leader only: django-q2's cluster then stops its pusher, lets
    the workers finish and the monitor save their results (a SIGTERM to the whole
    group would kill the monitor mid-way and leave tasks unacknowledged).
    """
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=timeout)
    if process.returncode is None:
        progress(f"pid {process.pid} still running after {timeout:.0f}s; killing it")
    # start_new_session: the leader's pid is the group id; the sentinel's children
    # may outlive their parent
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
    log = getattr(process, "log_file", None)
    if log is not None:
        log.close()


def wait_until(predicate, *, timeout: float, interval: float = 0.25, what: str = ""):
    """Poll ``predicate`` until truthy; return its last value (falsy on timeout)."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    if not value:
        progress(f"gave up waiting for {what} after {timeout:.0f}s")
    return value
