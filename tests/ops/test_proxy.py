"""The nginx proxy config, run by a real nginx: TLS, HTTP -> HTTPS, forwarded headers
that a client cannot forge, the request id passed on, JSON access lines.

Needs an nginx binary: ``NGINX=/path/to/nginx`` or one on PATH (Debian: the ``nginx``
package). Without one the test is skipped, saying so.
"""

import http.client
import http.server
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading

import pytest

from tests.utils import REPO, wait_for

pytestmark = pytest.mark.slow

TEMPLATE = REPO / "docker" / "nginx" / "templates" / "ecabinet.conf.template"
SERVER_NAME = "ecabinet.test"


def nginx_binary() -> str | None:
    return os.environ.get("NGINX") or shutil.which("nginx", path="/usr/sbin:/usr/bin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class EchoHandler(http.server.BaseHTTPRequestHandler):
    """The web container's stand-in: returns the headers it was sent."""

    def do_GET(self):
        body = json.dumps({"path": self.path, "headers": dict(self.headers)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def proxy(tmp_path):
    nginx = nginx_binary()
    if not nginx:
        pytest.skip("no nginx binary (set NGINX=/path/to/nginx or install nginx)")
    backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
    threading.Thread(target=backend.serve_forever, daemon=True).start()

    certs = tmp_path / "certs"
    subprocess.run(
        [sys.executable, str(REPO / "docker" / "selfsigned_cert.py"), str(certs)]
        + [SERVER_NAME],
        check=True,
        capture_output=True,
    )
    http_port, https_port = free_port(), free_port()
    # What the nginx image's envsubst does: replace only the variables it is given.
    values = {
        "SERVER_NAME": SERVER_NAME,
        "WEB_UPSTREAM": f"127.0.0.1:{backend.server_address[1]}",
        "NGINX_RESOLVER": "127.0.0.1",
        "MAX_UPLOAD_SIZE": "100m",
    }
    site = TEMPLATE.read_text()
    for name, value in values.items():
        site = site.replace("${" + name + "}", value)
    assert "${" not in site
    # Unprivileged ports and this test's certificate folder.
    site = site.replace("listen 80 ", f"listen {http_port} ")
    site = site.replace("listen [::]:80 ", f"listen [::1]:{http_port} ")
    site = site.replace("listen 443 ", f"listen {https_port} ")
    site = site.replace("listen [::]:443 ", f"listen [::1]:{https_port} ")
    site = site.replace("/etc/nginx/certs", str(certs))
    (tmp_path / "site.conf").write_text(site)
    temp = tmp_path / "temp"
    temp.mkdir()
    (tmp_path / "nginx.conf").write_text(
        f"""
daemon off;
worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 64; }}
http {{
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {tmp_path}/site.conf;
}}
"""
    )
    config = ["-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    checked = subprocess.run([nginx, "-t", *config], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    log = open(tmp_path / "nginx.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [nginx, *config], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        wait_for(
            lambda: get_http(http_port, "/proxy-health")[0] == 200,
            timeout=15,
            what="nginx to listen",
        )
        yield {
            "http": http_port,
            "https": https_port,
            "ca": certs / "fullchain.pem",
            "log": tmp_path / "nginx.log",
        }
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
        backend.shutdown()


def get_http(port, path, **headers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path, headers={"Host": SERVER_NAME, **headers})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    except OSError:
        return 0, {}, b""
    finally:
        conn.close()


def get_https(proxy, path, **headers):
    context = ssl.create_default_context(cafile=str(proxy["ca"]))
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    sock = socket.create_connection(("127.0.0.1", proxy["https"]), timeout=5)
    tls = context.wrap_socket(sock, server_hostname=SERVER_NAME)  # verifies the cert
    conn = http.client.HTTPSConnection(SERVER_NAME, timeout=5, context=context)
    conn.sock = tls
    try:
        conn.request("GET", path, headers={"Host": SERVER_NAME, **headers})
        response = conn.getresponse()
        return response.status, json.loads(response.read()), tls.version()
    finally:
        conn.close()


def test_plain_http_goes_to_https(proxy):
    status, headers, _ = get_http(proxy["http"], "/admin/pages/?q=ngh%E1%BB%8B")
    assert status == 301
    assert headers["Location"] == f"https://{SERVER_NAME}/admin/pages/?q=ngh%E1%BB%8B"


def test_https_forwards_trusted_headers_and_the_request_id(proxy):
    status, echo, version = get_https(
        proxy,
        "/healthz",
        **{"X-Forwarded-For": "6.6.6.6", "X-Request-ID": "client-req-42"},
    )
    assert status == 200 and version in {"TLSv1.2", "TLSv1.3"}
    sent = {k.lower(): v for k, v in echo["headers"].items()}
    assert sent["x-forwarded-proto"] == "https"
    assert sent["x-forwarded-for"] == "127.0.0.1"  # the client's forgery is dropped
    assert sent["host"] == SERVER_NAME
    assert sent["x-request-id"] == "client-req-42"

    status, echo, _ = get_https(proxy, "/", **{"X-Request-ID": "bad id; drop"})
    generated = {k.lower(): v for k, v in echo["headers"].items()}["x-request-id"]
    assert len(generated) == 32 and int(generated, 16) >= 0

    lines = [
        json.loads(line)
        for line in proxy["log"].read_text().splitlines()
        if line.startswith("{")
    ]
    assert any(e["request_id"] == "client-req-42" and e["status"] == 200 for e in lines)
