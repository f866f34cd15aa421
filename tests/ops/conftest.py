import os

import pytest
import redis

# A Redis database of the operations tests' own: other suites on this server use
# other numbers. Override with OPS_TEST_REDIS_URL.
REDIS_URL = os.environ.get("OPS_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
QUEUE_KEY = "django_q:ecabinet:q"


@pytest.fixture
def redis_url():
    """The test Redis, emptied of this project's keys before and after the test."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis does not answer at {REDIS_URL} (set OPS_TEST_REDIS_URL)")

    def clean():
        for pattern in ("django_q:ecabinet:*", "ecabinet:*"):
            for key in client.scan_iter(match=pattern):
                client.delete(key)

    clean()
    yield REDIS_URL
    clean()
    client.close()
