"""With REDIS_URL set, django-q2 queues through Redis: a real cluster runs the task."""

import math
import subprocess

import pytest
import redis
from django_q.models import OrmQ, Task

from tests.ops.conftest import QUEUE_KEY
from tests.utils import (
    MANAGE,
    REPO,
    start_manage,
    stop_process,
    subprocess_env,
    wait_for,
)

pytestmark = pytest.mark.slow

ENQUEUE = (
    "from django_q.brokers import get_broker;"
    "from django_q.tasks import async_task;"
    "print(type(get_broker()).__name__);"
    "print(async_task('math.factorial', 20, task_name='ops-redis-probe'))"
)


def test_a_task_travels_through_redis_to_a_real_cluster(
    transactional_db, redis_url, tmp_path
):
    env = subprocess_env(REDIS_URL=redis_url, Q_SYNC="false")
    client = redis.Redis.from_url(redis_url)

    enqueued = subprocess.run(
        [*MANAGE, "shell", "-c", ENQUEUE],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert enqueued.returncode == 0, enqueued.stderr
    broker_name, task_id = enqueued.stdout.strip().splitlines()[-2:]
    assert broker_name == "Redis"
    # The task waits in Redis, not in the database's ORM queue.
    assert client.llen(QUEUE_KEY) == 1
    assert OrmQ.objects.count() == 0
    assert not Task.objects.filter(id=task_id).exists()

    worker = start_manage("qcluster", env=env, log_path=tmp_path / "worker.log")
    try:
        task = wait_for(
            lambda: Task.objects.filter(id=task_id).first(),
            timeout=60,
            what="the cluster to run the task from Redis",
        )
        # The cluster's heartbeat is in Redis as well (what /healthz reads).
        assert wait_for(
            lambda: list(client.scan_iter(match="django_q:ecabinet:cluster*")),
            timeout=15,
            what="the cluster heartbeat in Redis",
        )
    finally:
        output = stop_process(worker)
    assert task.success, output
    assert task.result == math.factorial(20)
    assert task.name == "ops-redis-probe"
    assert client.llen(QUEUE_KEY) == 0
    assert OrmQ.objects.count() == 0
