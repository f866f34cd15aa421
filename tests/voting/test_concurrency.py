"""Concurrent casts on a real database, each thread on its own connection: one
member hammering the button stores one vote; the whole Government voting at once
all succeed, and the chain stays whole."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from cabinet.models import (
    AgendaItemPage,
    HomePage,
    Poll,
    SessionIndexPage,
    SessionPage,
    Vote,
    VoteEntry,
)
from cabinet.otp import BACKUP_DEVICE_NAME
from cabinet.sessions.services import session_composition_default
from cabinet.voting.chain import verify_chain
from cabinet.voting.services import poll_close, poll_open, session_open, vote_cast
from tests.voting.conftest import code_for, record_presence, user

pytestmark = pytest.mark.slow


@pytest.fixture
def live_poll(request, demo_transactional):
    home = HomePage.objects.get()
    index = SessionIndexPage(title="Phiên họp Chính phủ", slug="phien-hop")
    home.add_child(instance=index)
    index.save_revision().publish()
    session = SessionPage(
        title="Phiên họp", slug="phien", starts_at=timezone.now(), chair=user("tv01")
    )
    index.add_child(instance=session)
    session.save_revision().publish()
    session_composition_default(session=session)
    item = AgendaItemPage(title="Dự thảo Nghị quyết", slug="nghi-quyet")
    session.add_child(instance=item)
    item.save_revision().publish()
    present = record_presence(session, in_room=27)
    session_open(user=user("chuyenvien"), session=session)
    allow_change = getattr(request, "param", True)
    poll = poll_open(user=user("tv01"), item=item, allow_change=allow_change)
    return poll, present


def run_threads(target, args_list):
    barrier = threading.Barrier(len(args_list))
    outcomes = [None] * len(args_list)

    def worker(index, args):
        try:
            barrier.wait(timeout=30)
            outcomes[index] = ("ok", target(*args))
        except Exception as exc:  # noqa: BLE001 - recorded for the assertions
            outcomes[index] = ("error", exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=worker, args=(i, a)) for i, a in enumerate(args_list)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.mark.parametrize("live_poll", [False], indirect=True)
def test_50_concurrent_casts_by_one_member_store_one_vote(live_poll):
    poll, present = live_poll
    member = present[6]
    # 50 distinct valid one-time codes (backup codes), so every request passes the
    # second factor and the race is decided by the poll lock and the constraint
    device = StaticDevice.objects.create(
        user=member, name=BACKUP_DEVICE_NAME, confirmed=True
    )
    tokens = [f"race{i:04d}" for i in range(50)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=t) for t in tokens)

    def cast(token, choice):
        return vote_cast(user=member, poll=poll, choice=choice, code=token)

    outcomes = run_threads(
        cast, [(t, "for" if i % 2 else "against") for i, t in enumerate(tokens)]
    )
    ok = [o for o in outcomes if o[0] == "ok"]
    refused = [o[1] for o in outcomes if o[0] == "error"]
    assert len(ok) == 1, refused[:3]
    assert all(
        isinstance(e, ValidationError) and e.code == "already_voted" for e in refused
    ), {repr(e) for e in refused}
    assert Vote.objects.filter(poll=poll).count() == 1
    assert VoteEntry.objects.filter(poll=poll).count() == 1
    assert Vote.objects.get(poll=poll).receipt == ok[0][1].receipt
    assert verify_chain(Poll.objects.get(pk=poll.pk)).ok


def test_27_members_voting_at_once_all_succeed(live_poll):
    poll, present = live_poll
    assert len(present) == 27
    codes = [(m, code_for(m)) for m in present]

    def cast(member, code):
        return vote_cast(user=member, poll=poll, choice="for", code=code)

    outcomes = run_threads(cast, codes)
    errors = [o[1] for o in outcomes if o[0] == "error"]
    assert errors == []
    assert Vote.objects.filter(poll=poll).count() == 27
    assert sorted(
        VoteEntry.objects.filter(poll=poll).values_list("seq", flat=True)
    ) == (list(range(1, 28)))
    closed = poll_close(user=user("tv01"), poll=poll)
    assert (closed.in_favour, closed.passed, closed.entries_count) == (27, True, 27)
    report = verify_chain(closed)
    assert report.ok, report.problems
    assert connection.vendor in ("postgresql", "sqlite")
