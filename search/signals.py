"""Index updates: saves, deletions, publications and unpublications of registered
models queue a django-q2 task on commit (connected in ``SearchConfig.ready``).

Tasks carry the model label and primary key only; the task asks the provider for
the current record, so a late or repeated task never writes stale data, and a
rolled-back transaction queues nothing.
"""

from __future__ import annotations

import contextlib
import threading

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from wagtail.signals import page_published, page_unpublished

from search import registry

_state = threading.local()


@contextlib.contextmanager
def suspended():
    """No index updates from signals inside (bulk work indexes by itself)."""
    previous = getattr(_state, "suspended", False)
    _state.suspended = True
    try:
        yield
    finally:
        _state.suspended = previous


def archive_refresh_queue(instance) -> None:
    """Queue the refresh of ``instance``'s record once the transaction commits."""
    if getattr(_state, "suspended", False):
        return
    model = type(instance)._meta.concrete_model
    model_label = registry.label(model)
    if registry.provider_for(model_label) is None:
        return
    pk = instance.pk

    def enqueue():
        from django_q.tasks import async_task

        async_task(
            "search.tasks.archive_refresh_task",
            model_label,
            pk,
            task_name=f"archive-refresh-{model_label}-{pk}"[:100],
        )

    transaction.on_commit(enqueue)


def _changed(sender, instance, **kwargs):
    if kwargs.get("raw"):
        return  # fixtures loading
    archive_refresh_queue(instance)


def connect() -> None:
    post_save.connect(_changed, dispatch_uid="search_post_save")
    post_delete.connect(_changed, dispatch_uid="search_post_delete")
    page_published.connect(_changed, dispatch_uid="search_page_published")
    page_unpublished.connect(_changed, dispatch_uid="search_page_unpublished")
