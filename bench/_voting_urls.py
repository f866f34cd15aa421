"""The project's URLs plus the benchmark's baseline: a bare view inserting one row."""

from django.http import HttpResponse
from django.urls import path
from django.utils import timezone

from ecabinet.urls import urlpatterns as project_urlpatterns


def bare_insert(request, session_id):
    from cabinet.models import SessionVisit

    SessionVisit.objects.create(
        session_id=session_id, user=request.user, last_visit_at=timezone.now()
    )
    return HttpResponse("ok")


urlpatterns = [
    path("bench/bare/<int:session_id>/", bare_insert),
    *project_urlpatterns,
]
