import pytest
from django.db import connections

from cabinet.demo import demo_seed

DEMO_PASSWORD = "demo-password-for-tests"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """Keep serialized rollback working once Playwright has started.

    Django keeps connections in context-local storage. After Playwright's sync API
    starts, tests run in another context and get a new connection object that lacks
    the ``_test_serialized_contents`` Django restores from, so the restore would be
    skipped silently and the migration data (role groups, the root page) stay flushed.
    Holding the contents on the backend's class makes every connection object see them.
    """
    for alias in connections:
        connection = connections[alias]
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents is not None:
            type(connection)._test_serialized_contents = contents


@pytest.fixture
def transactional_db(django_db_serialized_rollback, transactional_db):
    """Every transactional test restores what the migrations created.

    A transactional test ends by flushing every table, which would also delete the data
    that migrations create (the role groups, Wagtail's root page); serialized rollback
    puts them back before the next such test.
    """
    return transactional_db


@pytest.fixture
def demo(db):
    """The demo Government: 22 ministries, 27 members and the staff of every role."""
    demo_seed(password=DEMO_PASSWORD, content=False)


@pytest.fixture
def demo_transactional(transactional_db):
    demo_seed(password=DEMO_PASSWORD, content=False)


@pytest.fixture
def demo_content(db):
    """The demo Government with its content: sessions, programmes, dossiers."""
    demo_seed(password=DEMO_PASSWORD)


@pytest.fixture
def demo_content_transactional(transactional_db):
    demo_seed(password=DEMO_PASSWORD)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters and worker heartbeats live in the cache: start each test clean."""
    from django.core.cache import cache

    cache.clear()
