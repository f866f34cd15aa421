"""The roles of DOMAIN.md exist as groups, each with exactly the permissions it needs."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from wagtail.models import GroupPagePermission, Workflow

from cabinet.models import HomePage
from cabinet.roles import ROLES, WAGTAIL_DEFAULT_GROUPS

pytestmark = pytest.mark.django_db
User = get_user_model()


def group_permissions(name: str) -> set[str]:
    group = Group.objects.get(name=name)
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }


def page_permissions(name: str) -> set[str]:
    return {
        gpp.permission.codename.removesuffix("_page")
        for gpp in GroupPagePermission.objects.filter(group__name=name, page__depth=1)
    }


def test_every_role_exists_as_a_group_with_its_permissions():
    expected_groups = {
        "Chuyên viên",
        "Lãnh đạo Vụ",
        "Lãnh đạo Văn phòng Chính phủ",
        "Thành viên Chính phủ",
        "Thủ tướng",
        "Trợ lý, Thư ký",
        "Công chức đầu mối của Bộ",
    }
    assert expected_groups <= set(Group.objects.values_list("name", flat=True))
    for role in ROLES:
        assert group_permissions(role.group_name) == set(role.permissions), role.key
        assert page_permissions(role.group_name) == set(role.page_permissions), role.key


def test_who_may_publish_and_who_may_only_edit():
    assert "publish" in page_permissions("Lãnh đạo Văn phòng Chính phủ")
    assert "publish" in page_permissions("Thủ tướng")
    for drafter_or_reviewer in ("Chuyên viên", "Lãnh đạo Vụ"):
        assert "publish" not in page_permissions(drafter_or_reviewer)
    for reader in (
        "Thành viên Chính phủ",
        "Trợ lý, Thư ký",
        "Công chức đầu mối của Bộ",
    ):
        assert page_permissions(reader) == set()
    # Everyone who works in the system reaches the admin; nobody else does.
    for role in ROLES:
        assert "wagtailadmin.access_admin" in group_permissions(role.group_name)


def test_wagtail_starter_groups_and_workflow_are_gone():
    assert not Group.objects.filter(name__in=WAGTAIL_DEFAULT_GROUPS).exists()
    assert not Workflow.objects.filter(name="Moderators approval").exists()


def test_roles_act_on_real_pages(demo):
    home = HomePage.objects.get()
    users = {u.username: u for u in User.objects.all()}

    def perms(username):
        return home.permissions_for_user(users[username])

    assert perms("chuyenvien").can_edit() and not perms("chuyenvien").can_publish()
    assert perms("lanhdaovu").can_edit() and not perms("lanhdaovu").can_publish()
    assert perms("lanhdaovp").can_publish()
    assert perms("tv01").can_publish()  # the Prime Minister, whose signature publishes
    for reader in ("tv12", "troly", "daumoi.btc"):
        assert not perms(reader).can_edit(), reader
        assert users[reader].has_perm("wagtailadmin.access_admin")
    assert users["daumoi.btc"].has_perm("wagtaildocs.add_document")
    assert not users["tv12"].has_perm("wagtaildocs.add_document")


def test_the_public_does_not_reach_the_admin(client, demo):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_member_signs_in_to_the_admin(client, demo):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.conftest import DEMO_PASSWORD
    from tests.utils import totp_code

    device = TOTPDevice.objects.get(user__username="tv12")
    response = client.post(
        "/admin/login/",
        {
            "username": "tv12",
            "password": DEMO_PASSWORD,
            "otp_token": totp_code(device.key),
        },
        follow=True,
    )
    assert response.status_code == 200
    assert response.context["user"].username == "tv12"
    assert response.request["PATH_INFO"] == "/admin/"
