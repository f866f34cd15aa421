"""A session ready to run: the sessions' ``tree`` plus helpers to record presence."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from cabinet.models import Participant, Presence
from cabinet.sessions.selectors import members
from cabinet.voting.services import attendance_record
from tests.sessions.conftest import Tree, tree, user  # noqa: F401 - fixtures
from tests.utils import totp_code


def code_for(member, *, offset_seconds=0) -> str:
    device = TOTPDevice.objects.get(user=member, confirmed=True)
    return totp_code(device.key, offset_seconds=offset_seconds)


def record_presence(session, *, in_room: int, remote: int = 0, secretary=None):
    """The first ``in_room`` members in the room, the next ``remote`` remote, the
    rest absent with consent; returns the members present, in protocol order."""
    secretary = secretary or user("chuyenvien")
    everyone = list(members())
    participants = {
        p.user_id: p for p in session.participants.filter(role=Participant.Role.MEMBER)
    }
    present = []
    for index, member in enumerate(everyone):
        if index < in_room:
            presence = Presence.IN_ROOM
        elif index < in_room + remote:
            presence = Presence.REMOTE
        else:
            presence = Presence.ABSENT
        attendance_record(
            user=secretary, participant=participants[member.pk], presence=presence
        )
        if presence in (Presence.IN_ROOM, Presence.REMOTE):
            present.append(member)
    return present


@pytest.fixture
def secretary():
    return user("chuyenvien")
