"""What `make run` does, end to end: migrate, seed, serve with a worker, stop on Ctrl-C."""

import os
import signal
import socket
import subprocess

import pytest
from django.db import connection

from tests.utils import MANAGE, REPO, clean_env, http_get, wait_for

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_run_serves_the_demo_and_stops_cleanly(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("runs on the embedded defaults: once, in the SQLite pass")
    env = clean_env(ECABINET_VAR_DIR=str(tmp_path))
    for command in (["migrate", "--noinput"], ["seed_demo"], ["seed_demo"]):
        done = subprocess.run(
            [*MANAGE, *command],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
    assert "27 Government members" in done.stdout
    assert (
        tmp_path / "ecabinet.sqlite3"
    ).exists()  # the embedded database lives in var/

    port = free_port()
    server = subprocess.Popen(
        [*MANAGE, "devserver", "--port", str(port)],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        home = wait_for(lambda: http_get(base + "/"), timeout=60, what="the home page")
        assert home.status == 200
        assert "Hệ thống thông tin phục vụ họp" in home.body
        assert http_get(base + "/admin/login/").status == 200
        wait_for(
            lambda: (r := http_get(base + "/healthz")) and r.status == 200,
            timeout=45,
            what="the worker started by devserver to report healthy",
        )
        children = subprocess.run(
            ["pgrep", "-P", str(server.pid)], capture_output=True, text=True
        ).stdout.split()
        assert len(children) == 2  # runserver and qcluster
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=30)
    assert server.returncode == 0, output
    assert f"http://127.0.0.1:{port}/" in output
    assert "tv01" in output and "demo_otp" in output  # the banner names the logins
    assert http_get(base + "/") is None  # nothing listens any more
    for pid in children:
        with pytest.raises(ProcessLookupError):
            os.kill(int(pid), 0)  # Ctrl-C stopped the web server and the worker too
