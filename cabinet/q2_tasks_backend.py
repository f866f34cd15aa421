"""A django-tasks backend that runs Wagtail's background tasks on django-q2.

Wagtail 8 queues its own work (reference index, search index updates, file deletion)
through django-tasks, whose package ships only the immediate and dummy backends. This
backend hands each task to django-q2, after the enclosing transaction commits, so the
worker never reads rows that are not there yet.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.tasks import async_task
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import TaskResult, TaskResultStatus
from django_tasks.utils import get_random_id


class DjangoQ2Backend(BaseTaskBackend):
    supports_defer = False
    supports_async_task = False

    def enqueue(self, task, args, kwargs):
        self.validate_task(task)
        result_id = get_random_id()
        transaction.on_commit(
            lambda: async_task(
                "cabinet.q2_tasks_backend.run_django_task",
                task.module_path,
                list(args),
                dict(kwargs),
                task_name=f"{task.name}:{result_id}",
            )
        )
        return TaskResult(
            task=task,
            id=result_id,
            status=TaskResultStatus.READY,
            enqueued_at=timezone.now(),
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=list(args),
            kwargs=dict(kwargs),
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )


def run_django_task(module_path: str, args: list, kwargs: dict):
    """Executed in the django-q2 worker."""
    return import_string(module_path).call(*args, **kwargs)
