"""Who still owes something when a session's deadline schedule fires."""

from cabinet.models import ItemPosition, Participant, SessionPage


def members_without_positions(key: str):
    """Members invited to the session of ``key`` ("session:<id>:positions") who have
    not marked every item yet."""
    session_id = int(key.split(":")[1])
    session = SessionPage.objects.filter(pk=session_id).first()
    if session is None:
        return []
    items = list(session.get_children().live().values_list("pk", flat=True))
    invited = Participant.objects.filter(
        session=session,
        role=Participant.Role.MEMBER,
        attendance=Participant.Attendance.ATTENDING,
    ).select_related("user")
    done = {}
    for member_id in ItemPosition.objects.filter(item__in=items).values_list(
        "member_id", flat=True
    ):
        done[member_id] = done.get(member_id, 0) + 1
    return [p.user for p in invited if done.get(p.user_id, 0) < len(items)]
