"""The members' API: a real sign-in (password + TOTP from oathtool) and a bearer token.

A code accepted once is never accepted again (django-otp's ``last_t``), and django-otp
accepts the codes of one step either side of now. So a test that signs in with the
current code confirms its next action with the code of the next step
(``otp_for(user, step=1)``); a third action within the same 30 seconds needs a backup
code (``backup_code``), exactly as a member would use one.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.api.session_fixtures import dossier, tree  # noqa: F401 - fixtures
from tests.conftest import DEMO_PASSWORD
from tests.utils import totp_code

API = "/api/v1"


def otp_for(user, *, step: int = 0) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return totp_code(device.key, offset_seconds=30 * step)


def backup_code(user) -> str:
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name="backup", defaults={"confirmed": True}
    )
    token = StaticToken.random_token()
    device.token_set.create(token=token)
    return token


class ApiClient:
    """The test client speaking JSON with a bearer token, as an app does."""

    def __init__(self, token: str | None = None, language: str = "vi"):
        self.client = Client()
        self.token = token
        self.language = language

    def _headers(self, extra):
        headers = {"Accept-Language": self.language}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        headers.update(extra or {})
        return headers

    def get(self, path, params=None, headers=None):
        return self.client.get(API + path, params or {}, headers=self._headers(headers))

    def post(self, path, data=None, headers=None):
        return self.client.post(
            API + path,
            data if data is not None else {},
            content_type="application/json",
            headers=self._headers(headers),
        )

    def put(self, path, data=None, headers=None):
        return self.client.put(
            API + path,
            data if data is not None else {},
            content_type="application/json",
            headers=self._headers(headers),
        )

    def patch(self, path, data=None, headers=None):
        return self.client.patch(
            API + path,
            data if data is not None else {},
            content_type="application/json",
            headers=self._headers(headers),
        )

    def delete(self, path, headers=None):
        return self.client.delete(API + path, headers=self._headers(headers))


def sign_in(user, *, device_name: str = "iPad", language: str = "vi") -> ApiClient:
    """Sign ``user`` in through the API with their password and current TOTP code."""
    anonymous = ApiClient(language=language)
    response = anonymous.post(
        "/auth/token",
        {
            "username": user.username,
            "password": DEMO_PASSWORD,
            "otp": otp_for(user),
            "device_name": device_name,
        },
    )
    assert response.status_code == 201, response.content
    return ApiClient(response.json()["token"], language=language)


@pytest.fixture
def users(demo):
    User = get_user_model()
    return {u.username: u for u in User.objects.all()}


@pytest.fixture
def member(users):
    return users["tv05"]
