"""Resolutions: signing cost, and the public page's throughput.

In a throwaway environment (temporary ``ECABINET_VAR_DIR``, its own database and
development CA):

1. signing: ``render_and_sign`` (the Decree 30 PDF rendered with reportlab, the
   Vietnamese stamp drawn, PAdES signature with the visible appearance) against the
   baseline of pyHanko signing the *same prepared PDF* bare (an invisible PAdES
   signature, same key, already loaded for both), ``BENCH_SIGN_N`` times each, median;
2. the public resolution page (anonymous, Django's cache in front) against a static
   file from the same gunicorn server (2 workers), requests per second with
   ``BENCH_HTTP_CLIENTS`` client threads for ``BENCH_HTTP_SECONDS`` each.
"""

from __future__ import annotations

import io
import os
import statistics
import threading
import time
import urllib.request
from pathlib import Path

from harness import (
    REPO,
    Bench,
    Target,
    progress,
    throwaway_database,
    throwaway_dir,
    throwaway_environ,
    wait_until,
)

TITLE = "resolution render + sign, and public page throughput"
BUDGET_SECONDS = 150
N = int(os.environ.get("BENCH_SIGN_N", 15))
CLIENTS = int(os.environ.get("BENCH_HTTP_CLIENTS", 4))
SECONDS = float(os.environ.get("BENCH_HTTP_SECONDS", 8))
PORT = int(os.environ.get("BENCH_HTTP_PORT", 8771))


def run(bench: Bench) -> None:
    with (
        throwaway_dir("ecabinet-bench-res-") as var_dir,
        throwaway_database(var_dir, "bench") as database_url,
    ):
        throwaway_environ(var_dir, database_url, LOG_LEVEL="WARNING")
        try:
            _measure(bench, var_dir)
        finally:
            from django.db import connections

            connections.close_all()


def _median_seconds(function, n: int) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        function()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _measure(bench: Bench, var_dir: Path) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    from cabinet.demo import home_page_ensure
    from cabinet.demo_resolutions import dev_signer_ensure, resolution_index_ensure
    from cabinet.models import ResolutionPage
    from cabinet.resolutions.services import (
        LEGAL_BASIS,
        render_and_sign,
        resolution_document,
    )
    from documents.pdf import resolution_pdf
    from documents.signing import config_from_settings, load_signer

    progress("migrating a throwaway database")
    call_command("migrate", interactive=False, verbosity=0)
    home_page_ensure()
    User = get_user_model()
    pm = User.objects.create(username="tv01", first_name="Phạm Quốc", last_name="Thái")
    dev_signer_ensure(pm)
    signer = load_signer(config_from_settings(signer_username="tv01"))
    from cabinet.demo_resolutions import BODY

    page = ResolutionPage(
        title="Phiên họp Chính phủ thường kỳ tháng 6 năm 2019",
        legal_basis="\n".join(LEGAL_BASIS),
        body=BODY,
        source_kind="session_vote",
        source_summary="25/27 Thành viên Chính phủ tán thành",
    )
    now = timezone.now()
    today = timezone.localdate()

    def ours():
        return render_and_sign(
            page=page,
            number="68/NQ-CP",
            issued_on=today,
            signer_user=pm,
            signed_at=now,
            signer=signer,
        )

    prepared = resolution_pdf(
        resolution_document(page, number="68/NQ-CP", issued_on=today, signer_name="x")
    ).data

    def bare():
        meta = signers.PdfSignatureMetadata(
            field_name="Signature1",
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
        )
        out = io.BytesIO()
        signers.PdfSigner(meta, signer=signer).sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(prepared)), output=out
        )
        return out.getvalue()

    ours(), bare()  # warm up fonts, imports, key
    progress(f"signing {N} times each way")
    bare_s = _median_seconds(bare, N)
    ours_s = _median_seconds(ours, N)
    bench.row(
        "render + sign one resolution, median (baseline: bare pyHanko signature)",
        ours_s,
        unit="s",
        baseline=bare_s,
        target=Target("<=", 1.5, of="ratio"),
    )
    bench.row(
        "signed PDF size, ours / bare",
        f"{len(ours()) // 1024} KB / {len(bare()) // 1024} KB",
    )

    # --- public page vs static file, same server ------------------------------------
    index = resolution_index_ensure()
    live = ResolutionPage(
        title=page.title,
        slug="nq-68",
        legal_basis=page.legal_basis,
        body=page.body,
        source_kind=page.source_kind,
        source_summary=page.source_summary,
    )
    index.add_child(instance=live)
    live.save_revision().publish()
    ResolutionPage.objects.filter(pk=live.pk).update(
        number="68/NQ-CP",
        number_seq=68,
        number_year=today.year,
        issued_on=today,
        signed_at=now,
        signer_name="Phạm Quốc Thái",
    )
    from django.db import connections

    connections.close_all()
    url_page = f"http://127.0.0.1:{PORT}{live.url_path.replace('/trang-chu', '', 1)}"
    url_static = f"http://127.0.0.1:{PORT}/static/css/site.css"
    import subprocess

    log = open(var_dir / "gunicorn.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [
            str(Path(os.sys.executable).parent / "gunicorn"),
            "--chdir",
            str(REPO),
            "--pythonpath",
            str(REPO / "site"),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{PORT}",
            "ecabinet.wsgi",
        ],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "ecabinet.settings.dev"},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        if not wait_until(lambda: _get(url_static) == 200, timeout=60, what="gunicorn"):
            raise RuntimeError((var_dir / "gunicorn.log").read_text())
        status = _get(url_page)
        if status != 200:
            raise RuntimeError(f"{url_page} answered {status}")
        static_rps = _throughput(url_static)
        page_rps = _throughput(url_page)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
        log.close()
    bench.row(
        "public resolution page, cached (baseline: static file, same server)",
        page_rps,
        unit="req/s",
        baseline=static_rps,
        target=Target(">=", 0.5, of="ratio"),
    )
    bench.row("server", f"gunicorn, 2 workers, dev settings, {CLIENTS} clients")
    bench.note(
        "render + sign includes the reportlab render (~0.03 s), the Vietnamese stamp "
        "and its embedded font subset; the bare baseline signs an invisible field "
        f"of the already rendered PDF. Cache: {settings.CACHES['default']['BACKEND']}"
    )


def _get(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            response.read()
            return response.status
    except Exception:  # noqa: BLE001 - not up yet
        return None


def _throughput(url: str) -> float:
    counts = [0] * CLIENTS
    errors = [0] * CLIENTS
    stop = time.monotonic() + SECONDS

    def client(i):
        while time.monotonic() < stop:
            if _get(url) == 200:
                counts[i] += 1
            else:
                errors[i] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    if sum(errors):
        progress(f"{url}: {sum(errors)} failed requests")
    return sum(counts) / elapsed
