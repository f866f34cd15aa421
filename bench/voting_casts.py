"""500 concurrent vote casts, each confirmed by a real TOTP code, through the live
view, against a bare Django view that inserts one row, measured in the same run.

In a throwaway environment and database (PostgreSQL: ``BENCH_DATABASE_URL``, else the
server on localhost:5432 when one answers, else SQLite), 500 members are created,
present, signed in (a verified session each) and a vote is opened. Then, from
``BENCH_VOTING_THREADS`` client threads (default 32), each with its own database
connection, through Django's full request stack (sessions, second-factor
middleware, security headers):

1. baseline: each member POSTs to a bare view that inserts one row;
2. votes: each member POSTs a vote with their current TOTP code to the live view,
   which calls ``otp_confirm`` and ``vote_cast`` (poll row lock, hash chain, audit).

Latency per request: p50 and p95; errors: any response that is not the expected
redirect, or a vote missing at the end. The chain is verified afterwards.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from harness import (
    Bench,
    Target,
    progress,
    throwaway_database,
    throwaway_dir,
    throwaway_environ,
)

TITLE = "500 concurrent OTP-confirmed vote casts vs a bare insert"
BUDGET_SECONDS = 150
N = int(os.environ.get("BENCH_VOTING_N", 500))
THREADS = int(os.environ.get("BENCH_VOTING_THREADS", 32))


def _default_postgres() -> None:
    if os.environ.get("BENCH_DATABASE_URL"):
        return
    url = "postgres://postgres@127.0.0.1:5432/postgres"
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=2):
            pass
    except Exception:  # noqa: BLE001 - no server: the harness falls back to SQLite
        return
    os.environ["BENCH_DATABASE_URL"] = url


def run(bench: Bench) -> None:
    _default_postgres()
    with (
        throwaway_dir("ecabinet-bench-") as var_dir,
        throwaway_database(var_dir, "bench") as database_url,
    ):
        throwaway_environ(
            var_dir, database_url, SMS_BACKEND="file", LOG_LEVEL="WARNING"
        )
        try:
            _run(bench, var_dir)
        finally:
            from django.db import connections

            connections.close_all()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _setup(n: int):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cabinet.demo import home_page_ensure
    from cabinet.models import (
        AgendaItemPage,
        Attendance,
        Participant,
        Presence,
        SessionIndexPage,
        SessionPage,
    )
    from cabinet.roles import MEMBER, SPECIALIST
    from cabinet.voting.services import poll_open, session_open

    User = get_user_model()
    members_group = Group.objects.get(name=MEMBER.group_name)
    staff = User.objects.create(username="chuyenvien", is_active=True)
    staff.groups.add(Group.objects.get(name=SPECIALIST.group_name))
    users = User.objects.bulk_create(
        [
            User(username=f"tv{i:04d}", first_name="Thành viên", last_name=f"{i}")
            for i in range(n)
        ]
    )
    users = list(User.objects.filter(username__startswith="tv").order_by("pk"))
    members_group.user_set.add(*users)
    TOTPDevice.objects.bulk_create(
        TOTPDevice(user=u, name="authenticator", confirmed=True) for u in users
    )
    home = home_page_ensure()
    index = SessionIndexPage(title="Phiên họp Chính phủ", slug="phien-hop")
    home.add_child(instance=index)
    session = SessionPage(
        title="Phiên họp đo tải", slug="do-tai", starts_at=timezone.now(), chair=staff
    )
    index.add_child(instance=session)
    item = AgendaItemPage(title="Dự thảo Nghị quyết", slug="nghi-quyet")
    session.add_child(instance=item)
    Participant.objects.bulk_create(
        Participant(session=session, user=u, role=Participant.Role.MEMBER)
        for u in users
    )
    Attendance.objects.bulk_create(
        Attendance(participant=p, presence=Presence.IN_ROOM)
        for p in Participant.objects.filter(session=session)
    )
    session_open(user=staff, session=session)
    poll = poll_open(user=staff, item=item)
    return session, poll, users


def _clients(users):
    from django.test import Client
    from django.test.client import ClientHandler
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    devices = {d.user_id: d for d in TOTPDevice.objects.filter(user__in=users)}
    # One request handler for every client, as one server process would have: a
    # handler per client would load the middleware (WhiteNoise scans every static
    # file) on its first request, and charge that to whichever phase came first.
    handler = ClientHandler(enforce_csrf_checks=False)
    handler.load_middleware()
    clients = {}
    for user in users:
        client = Client()
        client.handler = handler
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = devices[user.pk].persistent_id
        session.save()
        clients[user.pk] = (client, devices[user.pk])
    return clients


def _timed(fn, jobs):
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def one(job):
        from django.db import connections

        started = time.perf_counter()
        try:
            ok, detail = fn(job)
        except Exception as exc:  # noqa: BLE001 - counted as an error
            ok, detail = False, repr(exc)
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
            if not ok:
                errors.append(detail)
        del connections

    barrier_start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(one, jobs))

    from django.db import connections

    connections.close_all()
    return latencies, errors, time.perf_counter() - barrier_start


def _run(bench: Bench, var_dir) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django_otp.oath import totp

    settings.ROOT_URLCONF = "_voting_urls"
    settings.ALLOWED_HOSTS = ["*"]
    progress(f"migrating a throwaway {connection.vendor} database in {var_dir}")
    call_command("migrate", interactive=False, verbosity=0)
    session, poll, users = _setup(N)
    progress(f"{len(users)} members present, signing them in")
    clients = _clients(users)
    from cabinet.models import SessionVisit, Vote
    from cabinet.voting.chain import verify_chain

    bare_url = f"/bench/bare/{session.pk}/"
    live_url = f"/admin/sessions/{session.pk}/live/"

    def bare(user):
        client, _device = clients[user.pk]
        response = client.post(bare_url)
        return response.status_code == 200, f"bare {response.status_code}"

    def vote(user):
        client, device = clients[user.pk]
        code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
        response = client.post(
            live_url,
            {"action": "vote", "poll": poll.pk, "choice": "for", "code": code},
        )
        ok = response.status_code == 302
        return ok, f"vote {response.status_code}"

    progress(f"baseline: {N} bare inserts from {THREADS} threads")
    base_lat, base_err, base_wall = _timed(bare, users)
    progress(f"votes: {N} OTP-confirmed casts from {THREADS} threads")
    vote_lat, vote_err, vote_wall = _timed(vote, users)

    stored = Vote.objects.filter(poll=poll).count()
    missing = N - stored
    report = verify_chain(poll)
    base_p50, base_p95 = _percentile(base_lat, 0.5), _percentile(base_lat, 0.95)
    p50, p95 = _percentile(vote_lat, 0.5), _percentile(vote_lat, 0.95)
    bench.row("database", connection.vendor)
    bench.row("casts", N, unit="votes")
    bench.row("client threads", THREADS)
    bench.row(
        "vote cast p50 (baseline: bare insert)",
        p50 * 1000,
        unit="ms",
        baseline=base_p50 * 1000,
    )
    bench.row(
        "vote cast p95 (baseline: bare insert)",
        p95 * 1000,
        unit="ms",
        baseline=base_p95 * 1000,
        target=Target("<=", 3, of="ratio"),
    )
    bench.row(
        "vote throughput (baseline: bare insert)",
        N / vote_wall,
        unit="votes/s",
        baseline=N / base_wall,
    )
    bench.row(
        "errors",
        len(vote_err) + max(0, missing - len(vote_err)),
        target=Target("==", 0),
    )
    bench.row("bare errors", len(base_err), target=Target("==", 0))
    bench.row("chain verifies", report.ok, target=Target("==", 1))
    bench.note(
        f"mean vote {statistics.mean(vote_lat) * 1000:.1f} ms, bare "
        f"{statistics.mean(base_lat) * 1000:.1f} ms; votes stored {stored}/{N}; "
        f"bare rows {SessionVisit.objects.filter(session=session).count()}"
    )
    if vote_err:
        bench.note(f"first vote errors: {sorted(set(vote_err))[:5]}")
    bench.note(
        "Both phases go through Django's full request stack in-process (test client, "
        "one database connection per thread); the vote serialises on the poll's row "
        "lock, which is what keeps the hash chain in order."
    )
