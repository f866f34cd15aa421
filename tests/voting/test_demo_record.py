"""The seed's first session (24/6/2019) carries its full record, replayed through
the services, and a second seed changes nothing."""

from cabinet.demo_sessions import past_session_record
from cabinet.models import (
    ItemRecord,
    Minutes,
    Poll,
    SessionPage,
    SessionRecord,
    SpeakRequest,
)
from cabinet.voting.chain import verify_chain
from cabinet.voting.selectors import session_times
from cabinet.voting.services import quorum_of


def test_the_first_session_has_its_record(demo_content):
    session = SessionPage.objects.get(slug="phien-hop-thuong-ky-thang-6-2019")
    record = SessionRecord.objects.get(session=session)
    assert record.state == "closed"
    assert record.opened_at.date().isoformat() == "2019-06-24"
    quorum = quorum_of(session)
    assert (quorum.present, quorum.members_total) == (25, 27)
    presences = list(session.participants.values_list("presence__presence", flat=True))
    assert presences.count("in_room") == 21 and presences.count("remote") == 4

    poll = Poll.objects.get(item__in=session.get_children())
    assert (poll.in_favour, poll.against, poll.abstain, poll.passed) == (
        25,
        0,
        0,
        True,
    )
    assert poll.votes.filter(remote=True).count() == 4
    assert verify_chain(poll).ok
    assert (poll.closed_at - poll.opened_at).total_seconds() < 600  # ten minutes

    outcomes = dict(
        ItemRecord.objects.filter(item__in=session.get_children()).values_list(
            "item__slug", "outcome"
        )
    )
    assert outcomes == {
        "noi-dung-1": "discussed",
        "noi-dung-2": "discussed",
        "noi-dung-3": "consent",
        "noi-dung-4": "consent",
        "noi-dung-5": "adopted",
    }
    assert SpeakRequest.objects.filter(state="done").count() == 5
    times = session_times(session)
    assert times.consent_saved_seconds == 40 * 60
    assert times.saved_ratio >= 0.30
    minutes = Minutes.objects.get(session=session)
    assert minutes.state == "final"
    assert "25 tán thành" in minutes.text

    users = {u.username: u for u in session.participants.model.objects.none()}
    assert past_session_record(session, users=users) is False  # idempotent
