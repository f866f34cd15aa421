"""The image's entry point, run straight from the checkout: gunicorn with production
settings against the test database and Redis, a worker beside it, the container
health checks, static files collected, HTTPS redirect and JSON logs."""

import base64
import http.client
import json
import re
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from tests.utils import REPO, clean_env, stop_process, wait_for
from tests.utils import test_database_url as database_url_of_tests

pytestmark = pytest.mark.slow

ENTRYPOINT = REPO / "docker" / "entrypoint.sh"
HEALTHCHECK = REPO / "docker" / "healthcheck.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_script(*args: str, env: dict, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "w")  # noqa: SIM115 - closed by stop_process
    process = subprocess.Popen(
        [str(ENTRYPOINT), *args],
        env=env,
        cwd="/",  # the entry point finds the checkout by itself
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    process.log_file, process.log_path = log, log_path
    return process


def get(port: int, path: str, **headers) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    except OSError:
        return 0, {}, b""
    finally:
        conn.close()


def healthcheck(role: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(HEALTHCHECK), role],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def production_env(tmp_path, redis_url):
    port = free_port()
    env = clean_env(
        DJANGO_SETTINGS_MODULE="ecabinet.settings.production",
        PYTHON=sys.executable,
        DATABASE_URL=database_url_of_tests(),
        REDIS_URL=redis_url,
        SECRET_KEY="ops-test-" + uuid.uuid4().hex * 2,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        FILE_ENCRYPTION_KEYS="k1:" + base64.b64encode(bytes(range(32))).decode(),
        FILE_ENCRYPTION_CURRENT_KEY_ID="k1",
        ECABINET_VAR_DIR=str(tmp_path / "var"),
        STATIC_ROOT=str(tmp_path / "static"),
        WEB_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        Q_WORKERS="1",
    )
    env.pop("PYTHONPATH", None)
    return port, env


def test_gunicorn_serves_production_against_the_database_and_redis(
    transactional_db, production_env, tmp_path
):
    port, env = production_env
    collected = subprocess.run(
        [str(ENTRYPOINT), "manage", "collectstatic", "--noinput", "-v0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collected.returncode == 0, collected.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()

    web = start_script("web", env=env, log_path=tmp_path / "web.log")
    worker = start_script("worker", env=env, log_path=tmp_path / "worker.log")
    try:
        status, headers, body = wait_for(
            lambda: (
                (r := get(port, "/healthz", **{"X-Request-ID": "ops-probe-1"}))
                and r[0] == 200
                and r
            ),
            timeout=90,
            what="gunicorn's /healthz to answer 200 with the worker running",
        )
        health = json.loads(body)
        assert health["checks"]["database"]["vendor"] == connection.vendor
        assert health["checks"]["queue"]["broker"].startswith("Redis ")
        assert health["checks"]["queue"]["clusters"] >= 1
        assert headers["X-Request-ID"] == "ops-probe-1"

        # HTTPS only: plain HTTP is sent to https://, what the proxy forwards is served.
        status, headers, _ = get(port, "/admin/login/", Host="127.0.0.1")
        assert status == 301
        assert headers["Location"] == "https://127.0.0.1/admin/login/"
        status, headers, page = get(
            port, "/admin/login/", **{"X-Forwarded-Proto": "https"}
        )
        assert status == 200
        assert "Strict-Transport-Security" in headers
        stylesheet = re.search(rb'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', page)
        assert stylesheet, "admin page without hashed static file names"
        status, headers, _ = get(
            port, stylesheet.group(1).decode(), **{"X-Forwarded-Proto": "https"}
        )
        assert status == 200
        assert "immutable" in headers.get("Cache-Control", "")
        status, headers, _ = get(
            port, "/khong-co-trang-nay/", **{"X-Forwarded-Proto": "https"}
        )
        assert status == 404
        missing_id = headers["X-Request-ID"]

        web_check = healthcheck("web", env)
        assert web_check.returncode == 0, web_check.stdout + web_check.stderr
        worker_check = healthcheck("worker", env)
        assert worker_check.returncode == 0, worker_check.stdout + worker_check.stderr
        assert "1 cluster(s)" in worker_check.stdout
    finally:
        worker_output = stop_process(worker)

    try:
        failing = wait_for(
            lambda: (r := get(port, "/healthz")) and r[0] == 503 and r,
            timeout=30,
            what="/healthz to notice the stopped worker",
        )
        assert json.loads(failing[2])["failing"] == ["queue"]
        # The web container stays healthy: its process and database are fine.
        assert healthcheck("web", env).returncode == 0
        assert healthcheck("worker", env).returncode == 1
    finally:
        web_output = stop_process(web)

    # Logs are JSON lines, and one request's lines share its id.
    records = []
    for line in web_output.splitlines():
        if line.startswith("{"):
            records.append(json.loads(line))
    access = [r for r in records if r.get("logger") == "gunicorn.access"]
    assert any(
        r["request_id"] == "ops-probe-1" and r["path"] == "/healthz" for r in access
    ), web_output[-3000:]
    not_found = [r for r in records if r.get("logger") == "django.request"]
    assert any(
        r["request_id"] == missing_id and r["status"] == 404 for r in not_found
    ), web_output[-3000:]
    assert "Traceback" not in web_output, web_output[-3000:]
    assert worker_output is not None
