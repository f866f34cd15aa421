"""``manage.py verify_poll`` recomputes the chain from the rows and names what was
edited, deleted or inserted behind the application's back."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from cabinet.models import Vote, VoteEntry
from cabinet.voting import chain
from cabinet.voting.selectors import receipt_check
from cabinet.voting.services import poll_close, poll_open, session_open, vote_cast
from tests.voting.conftest import code_for, record_presence, user


@pytest.fixture
def closed_poll(tree, secretary):
    present = record_presence(tree.session, in_room=21, remote=4)
    session_open(user=secretary, session=tree.session)
    poll = poll_open(user=user("tv01"), item=tree.btc_item)
    receipts = {}
    for member in present[:6]:
        vote = vote_cast(user=member, poll=poll, choice="for", code=code_for(member))
        receipts[member.pk] = vote.receipt
    return poll_close(user=user("tv01"), poll=poll), receipts


def verify(poll):
    out = io.StringIO()
    try:
        call_command("verify_poll", str(poll.pk), stdout=out)
        status = 0
    except SystemExit as exc:
        status = exc.code
    return status, out.getvalue()


def test_an_untouched_poll_verifies(closed_poll):
    poll, receipts = closed_poll
    status, out = verify(poll)
    assert status == 0, out
    assert "6 entries" in out and "OK" in out
    assert poll.chain_head == list(receipts.values())[-1]


def test_a_member_finds_their_receipt_in_the_published_chain(closed_poll):
    poll, receipts = closed_poll
    member_id, receipt = next(iter(receipts.items()))
    check = receipt_check(poll=poll, receipt=receipt)
    assert check.found and check.seq == 1 and check.chain_ok
    assert not receipt_check(poll=poll, receipt="0" * 64).found


def test_an_edited_vote_is_detected(closed_poll):
    poll, _receipts = closed_poll
    entry = VoteEntry.objects.get(poll=poll, seq=3)
    VoteEntry.objects.filter(pk=entry.pk).update(choice="against")
    Vote.objects.filter(poll=poll, member=entry.member).update(choice="against")
    status, out = verify(poll)
    assert status == 1
    assert "entry seq 3" in out and "was altered" in out
    assert "stored tally" in out


def test_a_deleted_vote_is_detected(closed_poll):
    poll, _receipts = closed_poll
    entry = VoteEntry.objects.get(poll=poll, seq=4)
    Vote.objects.filter(poll=poll, member=entry.member).delete()
    entry.delete()
    status, out = verify(poll)
    assert status == 1
    assert "missing entries: seq 4..4" in out
    assert "does not follow the previous entry" in out


def test_an_inserted_vote_is_detected_even_with_a_valid_looking_hash(closed_poll):
    poll, _receipts = closed_poll
    intruder = user("tv27")
    last = VoteEntry.objects.filter(poll=poll).order_by("-seq").first()
    now = timezone.now()
    content = chain.canonical(
        poll_id=poll.pk, seq=7, member_id=intruder.pk, choice="for", cast_at=now
    )
    forged = chain.entry_hash(content, last.hash)  # a forger who knows the scheme
    VoteEntry.objects.create(
        poll=poll,
        seq=7,
        member=intruder,
        choice="for",
        cast_at=now,
        prev_hash=last.hash,
        hash=forged,
    )
    Vote.objects.create(
        poll=poll, member=intruder, choice="for", cast_at=now, receipt=forged
    )
    status, out = verify(poll)
    assert status == 1
    assert "7 entries found" in out or "6 entries were sealed at close, 7 found" in out
    assert "chain head stored at close differs" in out
