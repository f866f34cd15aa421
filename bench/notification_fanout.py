"""Fan-out of SMS notifications through the real queue: rate, lost, duplicated.

In a throwaway environment (temporary ``ECABINET_VAR_DIR``, its own database, the file
SMS outbox, no e-mail), 100 users with phone numbers are told ``N`` times in all:

1. baseline: ``notify()`` creates N deliveries, their queued tasks are discarded and
   ``delivery_attempt`` sends them one after the other in this process (no queue);
2. queued: ``manage.py qcluster`` runs with the project's own ``Q_CLUSTER`` settings
   while ``notify()`` fans out another N deliveries; the clock runs from the first
   ``notify()`` call until the last delivery is marked sent.

Then the outbox is read: every delivery must appear exactly once under its reference.
Lost = deliveries without a line, duplicated = lines beyond the first.

``BENCH_FANOUT_N`` overrides N, ``BENCH_DATABASE_URL`` the database (see harness).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections import Counter
from pathlib import Path

from harness import (
    REPO,
    Bench,
    Target,
    progress,
    start_manage,
    stop_group,
    throwaway_database,
    throwaway_dir,
    throwaway_environ,
    wait_until,
)

TITLE = "notification fan-out through django-q2"
BRIEF_N = 10_000
# The notifications brief's size. Before deliveries were queued in batches (one task
# per delivery, each enqueue reopening the SQLite connection), 10,000 took 576 s
# through the queue and the benchmark ran 2,000; batched, 10,000 take about 50 s
# through the queue and the benchmark ~100 s on a busy machine (24/11/2026).
DEFAULT_N = BRIEF_N
# The runner stops the benchmark after BUDGET_SECONDS; the queued phase gives up a
# minute earlier, reporting what was not sent by then.
BUDGET_SECONDS = int(os.environ.get("BENCH_FANOUT_BUDGET", 330))
DRAIN_DEADLINE_SECONDS = BUDGET_SECONDS - 60  # from the start of the benchmark
# Queued against sent directly in this process: the queue (claim, worker, result,
# acknowledgement) may cost each delivery up to 10 times the direct send.
QUEUED_RATE_TARGET = 0.1
USERS = 100
WORKER_LOG_PATTERNS = {
    "errors": re.compile(r" (ERROR|CRITICAL) "),
    "tracebacks": re.compile(r"^Traceback"),
    "database locked": re.compile(r"database is locked"),
    "failed tasks": re.compile(r"Failed '"),
    "unsaved results": re.compile(r"Could not save task result"),
}
DELIVER_FUNCS = (".tasks.deliver", ".tasks.deliver_batch")
ARTIFACTS = REPO / "test-artifacts" / "bench"


def run(bench: Bench) -> None:
    started = time.monotonic()
    n = int(os.environ.get("BENCH_FANOUT_N", DEFAULT_N))
    with (
        throwaway_dir("ecabinet-bench-") as var_dir,
        throwaway_database(var_dir, "bench") as database_url,
    ):
        throwaway_environ(
            var_dir,
            database_url,
            SMS_BACKEND="file",
            Q_WORKERS="2",
            LOG_LEVEL="WARNING",
            Q_LOG_LEVEL="WARNING",
        )
        try:
            _measure(bench, n, var_dir, started)
        finally:
            from django.db import connections

            connections.close_all()  # before the database is dropped


def _measure(bench: Bench, n: int, var_dir: Path, started: float) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django_q.conf import Conf

    progress(f"migrating a throwaway {connection.vendor} database in {var_dir}")
    call_command("migrate", interactive=False, verbosity=0)
    user_ids = _users(USERS)

    q = settings.Q_CLUSTER
    broker = f"ORM ({q['orm']}, {connection.vendor})" if "orm" in q else "Redis"
    bench.row("deliveries per phase (N)", n)
    if n < BRIEF_N:
        bench.note(
            f"N = {n:,}, not the notifications brief's {BRIEF_N:,}, to keep the whole "
            f"run within 15 minutes (BENCH_FANOUT_N={BRIEF_N} runs it); lost and "
            f"duplicated cover {n:,} deliveries."
        )
    bench.row("queue broker", broker)
    bench.row("queue workers", Conf.WORKERS)
    bench.row(
        "queue timeout / retry / bulk / poll",
        f"{Conf.TIMEOUT}s / {Conf.RETRY}s / {Conf.BULK} / {Conf.POLL}s",
    )

    # 1. Baseline: the same sends, directly in this process.
    direct_ids, fanout_seconds = _fan_out(n, user_ids, "bench-direct")
    _discard_queued_tasks()
    bench.row("notify() fan-out, no workers", n / fanout_seconds, unit="deliveries/s")
    direct_rate, direct_seconds, outcomes = _send_directly(direct_ids)
    if outcomes != {"sent": n}:
        bench.note(f"direct sends: unexpected outcomes {dict(outcomes)}")
    # what the direct sends queued themselves (Wagtail's reference index updates of
    # each claimed Delivery) would otherwise hold up the queued phase
    leftover = _discard_queued_tasks()
    if leftover:
        bench.note(
            f"the {n:,} direct sends queued {leftover:,} tasks of their own "
            "(discarded before the queued phase)"
        )

    # 2. The same number through the queue, workers running while notify() fans out.
    log_path = var_dir / "qcluster.log"
    env = {**os.environ, "Q_LOG_LEVEL": "INFO"}  # "processing" lines, counted below
    cluster = start_manage("qcluster", log_path=log_path, env=env)
    try:
        if not wait_until(
            lambda: "running." in log_path.read_text(errors="replace"),
            timeout=60,
            what="the cluster to start",
        ):
            raise RuntimeError(f"qcluster did not start:\n{log_path.read_text()}")
        progress(f"cluster up (pid {cluster.pid}); fanning out {n:,} deliveries")
        t0 = time.time()
        queued_ids, queued_fanout_seconds = _fan_out(n, user_ids, "bench-queued")
        deadline = started + DRAIN_DEADLINE_SECONDS
        finished = _wait_sent("bench-queued", n, deadline)
        backlog = _queue_contents()
    finally:
        stop_group(cluster)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(log_path, ARTIFACTS / "notification_fanout-qcluster.log")

    queued = _deliveries("bench-queued")
    sent_times = [
        when.timestamp() - t0
        for when in queued.filter(status="sent").values_list("sent_at", flat=True)
    ]
    queued_seconds = max(sent_times, default=time.time() - t0)
    queued_rate = len(sent_times) / queued_seconds
    bench.row(
        "delivery rate, queued (baseline: sent directly)",
        queued_rate,
        unit="deliveries/s",
        baseline=direct_rate,
        target=Target(">=", QUEUED_RATE_TARGET, of="ratio"),
    )
    bench.row(
        "wall time, queued (first enqueue to last sent)", queued_seconds, unit="s"
    )
    bench.row("wall time, direct baseline", direct_seconds, unit="s")
    bench.row(
        "first SMS sent, after first enqueue",
        min(sent_times, default=float("nan")),
        unit="s",
    )
    bench.row("notify() fan-out while workers drain", queued_fanout_seconds, unit="s")

    lines = _outbox(var_dir)
    lost, duplicated = _lost_and_duplicated(queued_ids, lines)
    bench.row("unsent when the cluster stopped", n - len(sent_times))
    bench.row("lost", lost, target=Target("==", 0))
    bench.row("duplicated", duplicated, target=Target("==", 0))
    if not finished:
        statuses = Counter(queued.values_list("status", flat=True))
        bench.note(
            f"the queue had not drained after {DRAIN_DEADLINE_SECONDS}s: "
            f"{dict(statuses)}; 'lost' counts the deliveries still waiting."
        )
    direct_lost, direct_duplicated = _lost_and_duplicated(direct_ids, lines)
    if direct_lost or direct_duplicated:
        bench.note(
            f"direct baseline: {direct_lost} lost, {direct_duplicated} duplicated"
        )
    retried = queued.filter(attempts__gt=1).count()
    if retried:
        bench.note(f"{retried} queued deliveries took more than one attempt")

    # What the queue did besides: tasks the workers started (by the cluster's own
    # log), and what was still in the broker when the last SMS had gone.
    log = log_path.read_text(errors="replace")
    started_tasks = re.findall(r" processing (.+?) '([\w.]+)'$", log, re.MULTILINE)
    deliver_runs = Counter(
        name for name, func in started_tasks if func.endswith(DELIVER_FUNCS)
    )
    bench.row(
        "deliver tasks run more than once",
        sum(count - 1 for count in deliver_runs.values()),
    )
    others = Counter(
        _task_label(name, func)
        for name, func in started_tasks
        if not func.endswith(DELIVER_FUNCS)
    )
    bench.row(
        "other tasks run meanwhile",
        ", ".join(f"{count:,} {name}" for name, count in others.most_common())
        or "none",
    )
    for state in ("waiting", "unacknowledged"):
        bench.row(
            f"in the broker at the last SMS, {state}",
            ", ".join(
                f"{count:,} {name}"
                for (where, name), count in backlog.most_common()
                if where == state
            )
            or "none",
        )
    for figure, pattern in WORKER_LOG_PATTERNS.items():
        count = sum(1 for line in log.splitlines() if pattern.search(line))
        bench.row(f"worker log: {figure}", count)


def _users(count: int) -> list[int]:
    """Users with a phone, no e-mail address and e-mail turned off: SMS only."""
    from django.contrib.auth import get_user_model

    from cabinet.models import NotificationPreference, Person

    User = get_user_model()
    users = User.objects.bulk_create(
        User(username=f"bench{i:03d}", first_name="Người", last_name=f"Thử {i}")
        for i in range(count)
    )
    Person.objects.bulk_create(
        Person(user=user, phone=f"+8491{i:07d}") for i, user in enumerate(users)
    )
    NotificationPreference.objects.bulk_create(
        NotificationPreference(user=user, email=False, sms=True) for user in users
    )
    return [user.pk for user in users]


def _fan_out(n: int, user_ids: list[int], prefix: str) -> tuple[list[int], float]:
    """``notify()`` in batches of one message to every user until ``n`` deliveries
    exist; returns their ids and how long it took."""
    from cabinet.notifications import notify

    started = time.perf_counter()
    batch = 0
    created = 0
    while created < n:
        recipients = user_ids[: n - created]
        created += len(
            notify(
                recipients=recipients,
                kind="test",
                context={"message": f"Benchmark {prefix} {batch}"},
                dedupe_key=f"{prefix}-{batch}",
            )
        )
        batch += 1
        if batch % 20 == 0:
            progress(f"{prefix}: {created:,}/{n:,} notifications")
    seconds = time.perf_counter() - started
    ids = list(_deliveries(prefix).values_list("pk", flat=True))
    if len(ids) != n:
        raise RuntimeError(
            f"{prefix}: expected {n} deliveries, notify() made {len(ids)}"
        )
    return ids, seconds


def _discard_queued_tasks() -> int:
    """The baseline sends without the queue: drop the tasks it queued."""
    from django_q.models import OrmQ

    return OrmQ.objects.all().delete()[0]


def _send_directly(ids: list[int]) -> tuple[float, float, Counter]:
    from cabinet.notifications.services import delivery_attempt

    progress(f"baseline: sending {len(ids):,} deliveries in-process")
    outcomes: Counter = Counter()
    started = time.perf_counter()
    for i, delivery_id in enumerate(ids, 1):
        outcomes[delivery_attempt(delivery_id)] += 1
        if i % 2000 == 0:
            progress(f"baseline: {i:,} sent")
    seconds = time.perf_counter() - started
    return len(ids) / seconds, seconds, outcomes


def _deliveries(prefix: str):
    from cabinet.models import Delivery

    return Delivery.objects.filter(notification__dedupe_key__startswith=f"{prefix}-")


def _queue_contents() -> Counter:
    """The broker's tasks by state and name prefix: ``waiting`` (not yet taken) or
    ``unacknowledged`` (taken; the monitor has not saved the result yet)."""
    from django.utils import timezone
    from django_q.models import OrmQ

    now = timezone.now()
    return Counter(
        (
            "waiting" if task.lock is None or task.lock <= now else "unacknowledged",
            _task_label(task.name() or "", task.func()),
        )
        for task in OrmQ.objects.all()
    )


def _task_label(name: str, func: str) -> str:
    """``deliver``, ``update_reference_index_task``, or for a scheduled task (named
    by django-q2's humanhash) its function, e.g. ``sweep``."""
    if ":" in name and " " not in name:
        return name.split(":", 1)[0]
    return func.rsplit(".", 1)[-1]


def _wait_sent(prefix: str, n: int, deadline: float) -> bool:
    pending = _deliveries(prefix).exclude(status="sent")
    last_report = 0.0
    while True:
        left = pending.count()
        if not left:
            return True
        now = time.monotonic()
        if now >= deadline:
            return False
        if now - last_report >= 10:
            progress(f"queued: {n - left:,}/{n:,} sent")
            last_report = now
        time.sleep(0.5)


def _outbox(var_dir: Path) -> Counter:
    path = var_dir / "sms" / "outbox.jsonl"
    lines: Counter = Counter()
    if path.exists():
        with open(path, encoding="utf-8") as outbox:
            for line in outbox:
                lines[json.loads(line)["reference"]] += 1
    return lines


def _lost_and_duplicated(ids: list[int], lines: Counter) -> tuple[int, int]:
    from cabinet.models import Delivery

    references = [Delivery(pk=pk).reference for pk in ids]
    lost = sum(1 for ref in references if not lines[ref])
    duplicated = sum(lines[ref] - 1 for ref in references if lines[ref] > 1)
    return lost, duplicated
