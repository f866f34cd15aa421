"""Requests to speak: members, deputies and guests ask; the chair orders the list,
gives and ends the floor; times are kept per speaker and per item."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cabinet.models import Participant, SpeakRequest
from cabinet.sessions.selectors import members
from cabinet.voting.selectors import live_state, session_times
from cabinet.voting.services import (
    item_start,
    session_open,
    speak_request,
    speak_withdraw,
    speaker_end,
    speaker_floor,
    speakers_order,
)
from tests.voting.conftest import record_presence, user


def test_speakers_ordered_timed_and_totalled(tree, secretary):
    record_presence(tree.session, in_room=20)
    chair = user("tv01")
    absent = tree.session.participants.get(user=list(members())[25])
    absent.attendance, absent.deputy = Participant.Attendance.ABSENT, user("lanhdaovu")
    absent.save()
    with pytest.raises(ValidationError):  # not before the session opens
        speak_request(user=user("tv02"), item=tree.btc_item)
    session_open(user=secretary, session=tree.session)
    start = timezone.now()
    clock = mock.patch("django.utils.timezone.now", return_value=start)
    with clock as now:
        item_start(user=chair, session=tree.session, item=tree.btc_item)
        first = speak_request(user=user("tv02"), item=tree.btc_item)
        deputy = speak_request(user=user("lanhdaovu"), item=tree.btc_item)
        assert speak_request(user=user("tv02"), item=tree.btc_item) == first
        withdrawn = speak_request(user=user("tv04"), item=tree.btc_item)
        speak_withdraw(user=user("tv04"), speak=withdrawn)
        with pytest.raises(PermissionDenied):
            speak_withdraw(user=user("tv02"), speak=deputy)
        with pytest.raises(PermissionDenied):
            speakers_order(user=user("tv05"), item=tree.btc_item, order=[deputy.pk])
        speakers_order(user=chair, item=tree.btc_item, order=[deputy.pk, first.pk])
        waiting = [
            s["name"] for s in live_state(session=tree.session, user=chair)["speakers"]
        ]
        assert waiting == [
            user("lanhdaovu").get_full_name(),
            user("tv02").get_full_name(),
        ]
        speaker_floor(user=chair, speak=deputy)
        now.return_value = start + timedelta(seconds=95)
        speaker_floor(user=chair, speak=first)  # the deputy's time ends here
        now.return_value = start + timedelta(seconds=215)
        speaker_end(user=chair, speak=first)
        with pytest.raises(ValidationError):
            speaker_end(user=chair, speak=first)
        now.return_value = start + timedelta(seconds=300)
        item_start(user=chair, session=tree.session, item=tree.btp_item)
    seconds = {
        s.speaker.username: s.seconds
        for s in SpeakRequest.objects.filter(state="done").select_related("speaker")
    }
    assert seconds == {"lanhdaovu": 95, "tv02": 120}
    times = session_times(tree.session)
    assert dict(times.speakers) == {
        user("tv02").get_full_name(): 120,
        user("lanhdaovu").get_full_name(): 95,
    }
    btc = next(t for t in times.items if t.item.pk == tree.btc_item.pk)
    assert (btc.planned_seconds, btc.actual_seconds) == (15 * 60, 300)
