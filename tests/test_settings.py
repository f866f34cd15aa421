"""Settings: embedded defaults on a laptop, refusal to start an unsafe production."""

import base64
import subprocess

import pytest
from django.conf import settings
from django.db import connection

from tests.utils import MANAGE, REPO, clean_env

PRODUCTION = "ecabinet.settings.production"
PRODUCTION_FILE_KEY = {
    "FILE_ENCRYPTION_KEYS": "k2026:" + base64.b64encode(bytes(range(32))).decode(),
    "FILE_ENCRYPTION_CURRENT_KEY_ID": "k2026",
}


def run_with_settings(module: str, env: dict[str, str], *args: str):
    return subprocess.run(
        [*MANAGE, *args],
        env=clean_env(**env, DJANGO_SETTINGS_MODULE=module),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_with_settings(
        PRODUCTION, {"ALLOWED_HOSTS": "ecabinet.gov.vn"}, "check"
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_with_settings(
        PRODUCTION, {"SECRET_KEY": "x" * 60, **PRODUCTION_FILE_KEY}, "check"
    )
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_production_refuses_to_start_without_a_file_encryption_key():
    env = {"SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "ecabinet.gov.vn"}
    result = run_with_settings(PRODUCTION, env, "check")
    assert result.returncode != 0
    assert (
        "FILE_ENCRYPTION_KEYS and FILE_ENCRYPTION_CURRENT_KEY_ID are not set"
        in result.stderr
    )


def test_production_starts_with_its_secrets_and_passes_the_deploy_checks(tmp_path):
    env = {
        "SECRET_KEY": "production-like-secret-" + "k" * 50,
        "ALLOWED_HOSTS": "ecabinet.gov.vn",
        "ECABINET_VAR_DIR": str(tmp_path),
        **PRODUCTION_FILE_KEY,
    }
    result = run_with_settings(
        PRODUCTION, env, "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dev_generates_its_own_secret_key_once(tmp_path):
    env = {"ECABINET_VAR_DIR": str(tmp_path)}
    script = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = run_with_settings("ecabinet.settings.dev", env, "shell", "-c", script)
    second = run_with_settings("ecabinet.settings.dev", env, "shell", "-c", script)
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip().splitlines()[-1]
    assert len(key) >= 50
    assert second.stdout.strip().splitlines()[-1] == key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_language_and_time_zone():
    assert settings.LANGUAGE_CODE == "vi"
    assert [code for code, _ in settings.LANGUAGES] == ["vi", "en"]
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_immediate_transactions():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite pass only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == 20_000
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_embedded_defaults_and_their_servers(monkeypatch):
    """Without the server variables everything is embedded; each variable moves one part."""
    script = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE']);"
        "print(s.WAGTAILSEARCH_BACKENDS['default']['BACKEND']);"
        "print('orm' in s.Q_CLUSTER, s.Q_CLUSTER.get('redis'));"
        "print(s.CACHES['default']['BACKEND'])"
    )
    embedded = run_with_settings("ecabinet.settings.dev", {}, "shell", "-c", script)
    assert embedded.stdout.split("\n")[-5:-1] == [
        "django.db.backends.sqlite3",
        "wagtail.search.backends.database",
        "True None",
        "django.core.cache.backends.filebased.FileBasedCache",
    ], embedded.stderr
    servers = run_with_settings(
        "ecabinet.settings.dev",
        {
            "DATABASE_URL": "postgres://u@db:5432/ecabinet",
            "ELASTICSEARCH_URL": "http://es:9200",
            "REDIS_URL": "redis://redis:6379/0",
        },
        "shell",
        "-c",
        script,
    )
    assert servers.stdout.split("\n")[-5:-1] == [
        "django.db.backends.postgresql",
        "wagtail.search.backends.elasticsearch8",
        "False redis://redis:6379/0",
        "django.core.cache.backends.redis.RedisCache",
    ], servers.stderr
