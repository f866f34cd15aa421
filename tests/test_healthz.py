"""/healthz reports each part; a stopped worker or an unreachable database is a 503."""

import json
import subprocess

import pytest
from django.db import connection

from tests.utils import (
    MANAGE,
    REPO,
    http_get,
    start_manage,
    stop_process,
    subprocess_env,
    wait_for,
)


@pytest.mark.django_db
def test_without_a_worker_the_queue_is_reported_failing(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["queue"]
    assert body["checks"]["queue"]["error"] == "no worker cluster is running"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["search"]["ok"] is True
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_an_unreachable_search_server_is_named(client, settings):
    settings.WAGTAILSEARCH_BACKENDS = {
        "default": {
            "BACKEND": "wagtail.search.backends.elasticsearch8",
            "URLS": ["http://127.0.0.1:9"],  # nothing listens on the discard port
            "TIMEOUT": 1,
            "OPTIONS": {"max_retries": 0},
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "search" in response.json()["failing"]


def test_an_unreachable_database_is_a_503():
    """A real process whose DATABASE_URL points at a port where nothing listens."""
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz');"
        "print(json.dumps({'status': r.status_code, 'body': r.json()}))"
    )
    env = subprocess_env(DATABASE_URL="postgres://nobody@127.0.0.1:1/nothing")
    out = subprocess.run(
        [MANAGE[0], "-c", script],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["status"] == 503
    assert "database" in result["body"]["failing"]
    assert result["body"]["checks"]["database"]["ok"] is False


@pytest.mark.slow
def test_a_running_worker_is_healthy_and_a_stopped_one_is_not(
    live_server, transactional_db, tmp_path
):
    url = f"{live_server.url}/healthz"
    assert http_get(url).status == 503
    worker = start_manage(
        "qcluster", env=subprocess_env(Q_SYNC="false"), log_path=tmp_path / "worker.log"
    )
    try:
        healthy = wait_for(
            lambda: (r := http_get(url)) and r.status == 200 and r,
            timeout=45,
            what="a healthy /healthz with the worker running",
        )
        body = json.loads(healthy.body)
        assert body["checks"]["queue"]["clusters"] >= 1
        assert body["checks"]["database"]["vendor"] == connection.vendor
    finally:
        output = stop_process(worker)
    assert worker.returncode is not None, output
    failing = wait_for(
        lambda: (r := http_get(url)) and r.status == 503 and r,
        timeout=20,
        what="/healthz to notice the stopped worker",
    )
    assert json.loads(failing.body)["failing"] == ["queue"]
