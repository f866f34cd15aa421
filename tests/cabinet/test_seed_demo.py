"""`manage.py seed_demo`: a believable Government, and running it twice changes nothing."""

import unicodedata

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.models import Page, Site

from cabinet.models import HomePage, Ministry, Person

pytestmark = pytest.mark.django_db
User = get_user_model()


def snapshot() -> dict[str, object]:
    return {
        "users": User.objects.count(),
        "people": Person.objects.count(),
        "ministries": Ministry.objects.count(),
        "groups": Group.objects.count(),
        "memberships": User.groups.through.objects.count(),
        "devices": TOTPDevice.objects.count(),
        "pages": Page.objects.count(),
        "sites": Site.objects.count(),
        "passwords": sorted(User.objects.values_list("password", flat=True)),
    }


def test_seed_twice_yields_the_same_data(settings):
    settings.DEMO_PASSWORD = "first-password-123"
    call_command("seed_demo")
    first = snapshot()
    call_command("seed_demo")
    assert snapshot() == first
    assert first["ministries"] == 22
    assert first["sites"] == 1


def test_the_government_has_27_members_and_one_prime_minister(demo):
    members = User.objects.filter(groups__name="Thành viên Chính phủ")
    assert members.count() == 27
    prime_minister = User.objects.get(groups__name="Thủ tướng")
    assert prime_minister in members
    assert prime_minister.person.position == "Thủ tướng Chính phủ"
    # Members are listed in protocol order, the Prime Minister first.
    assert Person.objects.filter(user__in=members).first().user == prime_minister


def test_every_role_has_a_demo_account_that_can_sign_in(demo):
    from tests.conftest import DEMO_PASSWORD

    for group in Group.objects.filter(ministry__isnull=True):
        user = group.user_set.first()
        assert user is not None, group.name
        assert authenticate(username=user.username, password=DEMO_PASSWORD) == user


def test_staff_are_wired_to_their_member_and_ministry(demo):
    assistant = User.objects.get(username="troly")
    assert assistant.person.assists.person.position == "Thủ tướng Chính phủ"
    focal = User.objects.get(username="daumoi.btc")
    finance = Ministry.objects.get(code="btc")
    assert finance.focal_group in focal.groups.all()
    assert finance.focal_group.name == "Đầu mối – Bộ Tài chính"
    assert not assistant.groups.filter(name="Thành viên Chính phủ").exists()


def test_names_are_stored_in_nfc_and_read_in_vietnamese_order(demo):
    for user in User.objects.all():
        full = user.get_full_name()
        assert full == unicodedata.normalize("NFC", full)
    assert User.objects.get(username="tv01").get_full_name() == "Phạm Quốc Thái"


def test_every_account_has_an_authenticator(demo):
    assert not User.objects.filter(totpdevice__isnull=True).exists()


def test_the_site_root_is_the_public_home_page(demo):
    site = Site.objects.get(is_default_site=True)
    assert isinstance(site.root_page.specific, HomePage)
    assert site.root_page.live
    assert not Page.objects.filter(
        title__startswith="Welcome to your new Wagtail"
    ).exists()


def test_seed_refuses_under_production_settings(settings):
    settings.ECABINET_ENVIRONMENT = "production"
    with pytest.raises(CommandError, match="never runs in production"):
        call_command("seed_demo")
    assert not User.objects.exists()
