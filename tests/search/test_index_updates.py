"""The index follows the content: publishing, unpublishing, editing and deleting a
registered model update it through a django-q2 task queued on commit.

A test-only provider registers Wagtail pages of an existing model (the home page
model) as resolutions, as the resolutions app will register its own pages.
"""

import pytest
from django.db import transaction
from django_q.models import Task
from wagtail.models import Page

from cabinet.models import HomePage
from search import registry
from search.query import SearchQuery
from search.records import Kind, SearchRecord
from search.services import archive_search

pytestmark = pytest.mark.django_db(transaction=False)


class PageAsResolution(registry.Provider):
    def record(self, page):
        if not page.live:
            return None
        return SearchRecord(
            key=registry.record_key(page),
            external_id=str(page.pk),
            kind=Kind.RESOLUTION,
            title=page.title,
            body=page.intro,
            classification="public",
            published=True,
            url=page.url or "",
        )

    def queryset(self):
        return HomePage.objects.live()


@pytest.fixture
def provider():
    registry.register(HomePage, PageAsResolution())
    yield
    registry.unregister(HomePage)
    from search.models import LegalDocument
    from search.providers import LegalDocumentProvider

    registry.register(LegalDocument, LegalDocumentProvider())


def public(text):
    return [
        h.title
        for h in archive_search(
            user=None, query=SearchQuery(text=text), public=True
        ).hits
    ]


@pytest.fixture
def page(provider, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        page = HomePage(
            title="Nghị quyết phiên họp Chính phủ thường kỳ", slug="nq-68", live=False
        )
        Page.get_first_root_node().add_child(instance=page)
        page.save_revision()  # a draft: not live, not indexed
    return page


def test_a_draft_is_not_indexed_and_publishing_indexes_it(
    page, django_capture_on_commit_callbacks
):
    page.refresh_from_db()
    assert public("nghi quyet thuong ky") == []
    with django_capture_on_commit_callbacks(execute=True):
        page.get_latest_revision().publish()
    assert public("nghi quyet thuong ky") == [
        "Nghị quyết phiên họp Chính phủ thường kỳ"
    ]
    assert Task.objects.filter(func="search.tasks.archive_refresh_task").exists()


def test_edits_unpublishing_and_deleting(page, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        page.get_latest_revision().publish()
    page = HomePage.objects.get(pk=page.pk)
    with django_capture_on_commit_callbacks(execute=True):
        page.title = "Nghị quyết về giải ngân vốn đầu tư công"
        page.save_revision().publish()
    assert public("giai ngan") == ["Nghị quyết về giải ngân vốn đầu tư công"]
    assert public("thuong ky") == []

    with django_capture_on_commit_callbacks(execute=True):
        page.unpublish()
    assert public("giai ngan") == []

    with django_capture_on_commit_callbacks(execute=True):
        page.get_latest_revision().publish()
    assert public("giai ngan") != []
    with django_capture_on_commit_callbacks(execute=True):
        HomePage.objects.get(pk=page.pk).delete()
    assert public("giai ngan") == []


def test_a_rolled_back_change_queues_nothing(page, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        page.get_latest_revision().publish()
        raise RuntimeError("rolled back")
    assert callbacks == []
    assert public("nghi quyet") == []


def test_reindex_restores_what_the_providers_have(
    page, django_capture_on_commit_callbacks
):
    from search.backends import get_backend
    from search.services import archive_reindex

    with django_capture_on_commit_callbacks(execute=True):
        page.get_latest_revision().publish()
    backend = get_backend()
    backend.delete([registry.record_key(page)])
    stale = SearchRecord(
        key="tests.gone:1",
        external_id="gone",
        kind="resolution",
        title="Nghị quyết đã xoá",
        classification="public",
        published=True,
    )
    backend.index([stale])
    assert public("nghi quyet") == ["Nghị quyết đã xoá"]
    archive_reindex()
    assert public("nghi quyet") == ["Nghị quyết phiên họp Chính phủ thường kỳ"]
