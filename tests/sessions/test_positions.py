"""Pre-session positions (Estonia's method) and the consent block they produce."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cabinet.models import AgendaItemPage, ItemPosition, SessionPage
from cabinet.sessions.selectors import consent_block, positions_summary
from cabinet.sessions.services import position_set
from tests.sessions.conftest import user
from tests.utils import login_verified


@pytest.fixture
def third_item(tree):
    item = AgendaItemPage(title="Báo cáo kinh tế - xã hội", slug="item-kt")
    tree.session.add_child(instance=item)
    item.save_revision().publish()
    return item


def test_consent_block_is_the_items_without_objection_or_wish_to_speak(
    tree, third_item
):
    for member in ("tv02", "tv03", "tv04"):
        position_set(user=user(member), item=tree.btc_item, stance="no_objection")
        position_set(user=user(member), item=third_item, stance="no_objection")
    position_set(user=user("tv05"), item=tree.btp_item, stance="wish_to_speak")
    position_set(user=user("tv06"), item=third_item, stance="no_objection")
    assert [i.pk for i in consent_block(tree.session)] == [
        tree.btc_item.pk,
        third_item.pk,
    ]

    # One objection takes the item out of the block.
    position_set(
        user=user("tv07"),
        item=third_item,
        stance="objection",
        comment="Số liệu chưa khớp",
    )
    assert [i.pk for i in consent_block(tree.session)] == [tree.btc_item.pk]
    summary = {s.item.pk: s for s in positions_summary(tree.session)}
    assert summary[third_item.pk].counts == {"no_objection": 4, "objection": 1}
    assert [p.member.username for p in summary[tree.btp_item.pk].speakers] == ["tv05"]

    # Changing one's mind replaces the mark: still one row per member and item.
    position_set(user=user("tv07"), item=third_item, stance="no_objection")
    assert (
        ItemPosition.objects.filter(item=third_item, member=user("tv07")).count() == 1
    )
    assert [i.pk for i in consent_block(tree.session)] == [
        tree.btc_item.pk,
        third_item.pk,
    ]


def test_an_objection_needs_a_reason(tree):
    with pytest.raises(ValidationError) as refused:
        position_set(user=user("tv05"), item=tree.btc_item, stance="objection")
    assert refused.value.code == "no_reason"
    assert not ItemPosition.objects.exists()


@pytest.mark.parametrize("username", ["troly", "chuyenvien", "daumoi.btc", "admin"])
def test_only_members_mark_positions(tree, username):
    with pytest.raises(PermissionDenied):
        position_set(user=user(username), item=tree.btc_item, stance="no_objection")


def test_positions_close_at_the_deadline(tree):
    SessionPage.objects.filter(pk=tree.session.pk).update(
        positions_deadline=timezone.now() - timedelta(minutes=1)
    )
    item = AgendaItemPage.objects.get(pk=tree.btc_item.pk)
    with pytest.raises(ValidationError) as refused:
        position_set(user=user("tv05"), item=item, stance="no_objection")
    assert refused.value.code == "closed"
    assert "Đã hết hạn cho ý kiến" in " ".join(refused.value.messages)


def test_member_marks_a_position_in_the_reading_room(client, tree):
    login_verified(client, user("tv05"))
    response = client.post(
        tree.session.url,
        {"item": tree.btc_item.pk, "stance": "wish_to_speak", "comment": "Về thời hạn"},
        follow=True,
    )
    assert response.status_code == 200
    assert ItemPosition.objects.get().stance == "wish_to_speak"
    page = response.content.decode()
    assert 'value="wish_to_speak" checked' in page
    # The assistant sees the programme but has no position form.
    login_verified(client, user("troly"))
    assert 'name="stance"' not in client.get(tree.session.url).content.decode()


def test_secretariat_sees_the_summary_and_the_consent_block(client, tree):
    position_set(user=user("tv05"), item=tree.btc_item, stance="no_objection")
    position_set(
        user=user("tv06"), item=tree.btp_item, stance="objection", comment="Chưa rõ"
    )
    login_verified(client, user("chuyenvien"))
    page = client.get(
        f"/admin/sessions/{tree.session.pk}/composition/"
    ).content.decode()
    assert "Chưa rõ" in page
    room = client.get(tree.session.url).content.decode()
    assert "Nhóm thông qua chung" in room and tree.btc_item.title in room


def test_composition_editor_records_an_absence_with_a_deputy_account(client, tree):
    from cabinet.models import Participant
    from cabinet.sessions.selectors import user_reads_session

    login_verified(client, user("chuyenvien"))
    member = Participant.objects.get(session=tree.session, user=user("tv09"))
    deputy = user("daumoi.bkhdt")
    prefix = f"p{member.pk}"
    page = client.get(f"/admin/sessions/{tree.session.pk}/composition/")
    assert page.status_code == 200
    data = {}
    for p in Participant.objects.filter(session=tree.session):
        data.update(
            {
                f"p{p.pk}-attendance": p.attendance,
                f"p{p.pk}-consent_note": p.consent_note,
                f"p{p.pk}-deputy_name": p.deputy_name,
            }
        )
    # Absent without the consent recorded: refused, row kept as it was.
    data.update({f"{prefix}-attendance": "absent", f"{prefix}-deputy": deputy.pk})
    response = client.post(f"/admin/sessions/{tree.session.pk}/composition/", data)
    assert "ghi nhận sự đồng ý của Thủ tướng" in response.content.decode()
    member.refresh_from_db()
    assert member.attendance == "attending" and member.deputy is None
    data[f"{prefix}-consent_note"] = "Thủ tướng đồng ý ngày 20/6"
    client.post(f"/admin/sessions/{tree.session.pk}/composition/", data)
    member.refresh_from_db()
    assert (member.attendance, member.deputy) == ("absent", deputy)
    assert member.deputy_name == deputy.get_full_name()
    assert not member.votes  # a deputy attends and may speak, never votes
    assert user_reads_session(deputy, tree.session)
