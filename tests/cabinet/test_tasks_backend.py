"""Wagtail's own background work (django-tasks) runs through django-q2."""

import pytest
from django.core.files.base import ContentFile
from django_q.conf import Conf
from django_q.models import Success
from wagtail.documents import get_document_model
from wagtail.models import ReferenceIndex

from cabinet.models import HomePage
from tests.utils import start_manage, stop_process, subprocess_env, wait_for

BRIDGE = "cabinet.q2_tasks_backend.run_django_task"


def link_home_to_a_document() -> tuple[HomePage, object]:
    document = get_document_model().objects.create(
        title="Tờ trình", file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="to-trinh.pdf")
    )
    home = HomePage.objects.get()
    home.intro = f'<p>Xem <a linktype="document" id="{document.pk}">tờ trình</a>.</p>'
    home.save_revision().publish()
    return home, document


def references_to(document) -> int:
    return ReferenceIndex.objects.filter(
        to_content_type__model="document", to_object_id=str(document.pk)
    ).count()


def test_publishing_updates_the_reference_index_through_the_queue(
    demo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as pending:
        home, document = link_home_to_a_document()
        # Nothing reaches the queue before the transaction commits.
        assert not Success.objects.filter(func=BRIDGE).exists()
        assert references_to(document) == 0
    assert pending, "publishing queued no background work"
    for callback in pending:
        callback()
    ran = Success.objects.filter(
        func=BRIDGE, name__startswith="update_reference_index_task"
    )
    assert ran.exists()
    assert references_to(document) >= 1


@pytest.mark.slow
def test_a_real_worker_runs_wagtail_tasks(demo_transactional, monkeypatch, tmp_path):
    monkeypatch.setattr(Conf, "SYNC", False)
    worker = start_manage(
        "qcluster", env=subprocess_env(Q_SYNC="false"), log_path=tmp_path / "worker.log"
    )
    try:
        _, document = link_home_to_a_document()  # autocommit: queued at once
        done = wait_for(
            lambda: references_to(document) >= 1,
            timeout=60,
            what="the worker to update the reference index",
            raise_on_timeout=False,
        )
    finally:
        output = stop_process(worker)
    assert done, f"the worker did not update the reference index; its log:\n{output}"
    assert Success.objects.filter(func=BRIDGE).exists()
    assert "Traceback" not in output, output
