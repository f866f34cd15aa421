"""Signing apps in and out, tokens, errors and languages of the API."""

from datetime import timedelta

import pytest
from django.utils import timezone
from wagtail.models import ModelLogEntry

from cabinet.api.tokens import token_revoke
from cabinet.models import DeviceToken
from tests.api.conftest import ApiClient, otp_for, sign_in
from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def _sign_in_body(user, **overrides):
    body = {
        "username": user.username,
        "password": DEMO_PASSWORD,
        "device_name": "Điện thoại của tôi",
    }
    body.update(overrides)
    if "otp" not in body:
        body["otp"] = otp_for(user)
    return body


def test_sign_in_with_password_and_code_gives_a_token_for_this_device(member):
    response = ApiClient().post("/auth/token", _sign_in_body(member))
    assert response.status_code == 201
    data = response.json()
    assert data["token"].startswith("ecab_")
    assert data["token_type"] == "Bearer"
    assert data["device"]["device_name"] == "Điện thoại của tôi"
    assert data["me"]["username"] == "tv05" and data["me"]["is_member"]
    # only a digest is stored
    stored = DeviceToken.objects.get(user=member)
    assert data["token"] not in (stored.digest, stored.prefix)
    me = ApiClient(data["token"]).get("/me")
    assert me.status_code == 200 and me.json()["id"] == member.pk
    assert ModelLogEntry.objects.filter(
        action="ecabinet.api_token_issue", object_id=str(member.pk)
    ).exists()


def test_wrong_password_is_refused_in_vietnamese_and_locks_out_after_five(member):
    client = ApiClient()
    for _ in range(5):
        response = client.post("/auth/token", _sign_in_body(member, password="sai"))
        assert response.status_code == 401
        assert response.json()["code"] == "bad_credentials"
        assert "không đúng" in response.json()["message"]
    response = client.post("/auth/token", _sign_in_body(member))
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert not DeviceToken.objects.exists()


def test_wrong_code_is_refused_on_the_otp_field_and_issues_nothing(member):
    wrong = "000000" if otp_for(member) != "000000" else "111111"
    response = ApiClient().post("/auth/token", _sign_in_body(member, otp=wrong))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "otp_invalid"
    assert body["fields"][0]["field"] == "otp"
    assert "Mã xác thực không đúng" in body["message"]
    assert not DeviceToken.objects.exists()


def test_a_code_already_used_cannot_sign_in_a_second_device(member):
    body = _sign_in_body(member)
    assert ApiClient().post("/auth/token", body).status_code == 201
    again = ApiClient().post("/auth/token", {**body, "device_name": "iPad"})
    assert again.status_code == 400
    assert again.json()["code"] == "otp_replayed"
    assert DeviceToken.objects.filter(user=member).count() == 1


def test_messages_follow_accept_language(member):
    response = ApiClient(language="en").post(
        "/auth/token", _sign_in_body(member, password="wrong")
    )
    assert response.json()["message"] == "The username or password is not correct."
    assert response["Content-Language"] == "en"


def test_a_missing_field_is_named_in_the_error(member):
    body = _sign_in_body(member)
    del body["otp"]
    response = ApiClient().post("/auth/token", body)
    assert response.status_code == 422
    data = response.json()
    assert data["code"] == "invalid"
    assert {
        "field": "otp",
        "message": "Trường này là bắt buộc.",
        "code": "missing",
    } in (data["fields"])


def test_no_token_a_bad_token_an_expired_and_a_revoked_one_are_all_401(member):
    assert ApiClient().get("/me").status_code == 401
    assert ApiClient().get("/me").json()["code"] == "unauthenticated"
    assert ApiClient("ecab_not-a-token").get("/me").status_code == 401
    app = sign_in(member)
    token = DeviceToken.objects.get(user=member)
    token.expires_at = timezone.now() - timedelta(seconds=1)
    token.save()
    assert app.get("/me").status_code == 401
    token.expires_at = timezone.now() + timedelta(days=1)
    token.revoked_at = timezone.now()
    token.save()
    assert app.get("/me").status_code == 401


def test_a_member_lists_and_revokes_their_devices(member, users):
    phone = sign_in(member, device_name="Điện thoại")
    ipad = ApiClient(
        ApiClient()
        .post(
            "/auth/token",
            _sign_in_body(member, otp=otp_for(member, step=1), device_name="iPad"),
        )
        .json()["token"]
    )
    devices = phone.get("/auth/tokens").json()
    assert [(d["device_name"], d["current"]) for d in devices] == [
        ("iPad", False),
        ("Điện thoại", True),
    ]
    ipad_id = devices[0]["id"]
    assert phone.delete(f"/auth/tokens/{ipad_id}").status_code == 204
    assert ipad.get("/me").status_code == 401
    assert phone.get("/me").status_code == 200
    # another member's device is not theirs to see or revoke
    other = sign_in(users["tv06"])
    assert other.delete(f"/auth/tokens/{devices[1]['id']}").status_code == 404
    assert phone.get("/me").status_code == 200
    # signing out revokes this device's token
    assert phone.post("/auth/logout").status_code == 204
    assert phone.get("/me").status_code == 401
    assert ModelLogEntry.objects.filter(action="ecabinet.api_token_revoke").count() == 2


def test_an_administrator_revokes_a_members_token_but_a_member_cannot(member, users):
    app = sign_in(member)
    token = DeviceToken.objects.get(user=member)
    with pytest.raises(Exception) as refused:
        token_revoke(user=users["tv06"], token=token)
    assert "chỉ" in str(refused.value) or "only" in str(refused.value)
    assert app.get("/me").status_code == 200
    token_revoke(user=users["admin"], token=token)
    assert app.get("/me").status_code == 401


def test_an_account_without_authenticator_cannot_sign_an_app_in(member):
    member.totpdevice_set.all().delete()
    response = ApiClient().post("/auth/token", _sign_in_body(member, otp="123456"))
    assert response.status_code == 403
    assert response.json()["code"] == "otp_no_device"


def test_a_disabled_account_loses_its_tokens_at_once(member):
    app = sign_in(member)
    member.is_active = False
    member.save()
    assert app.get("/me").status_code == 401


def test_schema_docs_and_unknown_paths(client):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    assert "/api/v1/auth/token" in schema.json()["paths"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    index = client.get("/api/")
    assert index.json()["v1"]["openapi"].endswith("/api/v1/openapi.json")
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert client.get("/api/nothing").json()["code"] == "not_found"


def test_any_username_is_refused_cleanly_and_counted(member):
    """Usernames are whatever an app sends: control characters, any script, long."""
    for username in ["\x08 zhu\x85", "người dùng " * 10, "a" * 150]:
        response = ApiClient().post(
            "/auth/token", _sign_in_body(member, username=username, otp="123456")
        )
        assert response.status_code == 401
        assert response.json()["code"] == "bad_credentials"
