"""schemathesis against the schema the API serves, as a signed-in member.

Every operation of ``/api/v1/openapi.json`` is called with data generated from the
schema (valid and invalid), through Django's WSGI application in this test's database
(the demo Government with its sessions, dossiers, ballots and resolutions). Path ids
are drawn both at random and from the real rows, so the success paths run too.

Checks: no 5xx, every status documented, every body and content type matching the
schema. The token is re-issued whenever a generated call signs the member out.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cabinet.api.tokens import token_issue
from tests.api.conftest import sign_in

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Invalid data must be refused as documented, never crash the server.
NEGATIVE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
]
POSITIVE_EXAMPLES = 12
NEGATIVE_EXAMPLES = 6


def real_ids(member) -> dict[str, list[int]]:
    """Ids of real rows, by what a path parameter's name mentions."""
    from cabinet.models import (
        AgendaItemPage,
        BallotPage,
        DeviceToken,
        Notification,
        Poll,
        SessionPage,
        SpeakRequest,
    )
    from documents.models import Annotation, Document, DocumentVersion

    def ids(queryset, n=6):
        return list(queryset.order_by("-pk").values_list("pk", flat=True)[:n])

    return {
        "session": ids(SessionPage.objects.all()),
        "item": ids(AgendaItemPage.objects.all()),
        "version": ids(DocumentVersion.objects.all()),
        "vid": ids(DocumentVersion.objects.all()),
        "document": ids(Document.objects.all()),
        "note": ids(Annotation.objects.all()),
        "poll": ids(Poll.objects.all()),
        "ballot": ids(BallotPage.objects.all()),
        "notification": ids(Notification.objects.filter(recipient=member)),
        "token": ids(DeviceToken.objects.filter(user=member)),
        "speak": ids(SpeakRequest.objects.all()),
    }


def _real_choices(name: str, ids: dict[str, list[int]]) -> list[int]:
    lowered = name.lower()
    for key, values in ids.items():
        if key in lowered:
            return values
    return []


@pytest.fixture
def wsgi_app():
    """Django's WSGI application, which must not close this test's database
    connection at the end of each request (Django's own test client does the same)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    django_app = get_wsgi_application()

    def app(environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = django_app(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                response.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)

    return app


def test_every_operation_answers_as_its_schema_says(demo_content, users, wsgi_app):
    answers_as_schema_says(member=users["tv05"], wsgi_app=wsgi_app)


def answers_as_schema_says(*, member, wsgi_app, paths: re.Pattern | None = None):
    """Every operation (whose path ``paths`` matches), called as ``member``."""
    app = sign_in(member, device_name="schemathesis")
    auth = {"Authorization": f"Bearer {app.token}", "Accept-Language": "vi"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    ids = real_ids(member)
    operations = [
        result.ok()
        for result in schema.get_all_operations()
        if paths is None or paths.match(result.ok().full_path)
    ]
    assert len(operations) >= 5
    called: dict[str, set[int]] = {}

    def keep_signed_in() -> None:
        from cabinet.api.tokens import token_authenticate

        if token_authenticate(auth["Authorization"].removeprefix("Bearer ")) is None:
            _token, raw = token_issue(user=member, device_name="schemathesis")
            auth["Authorization"] = f"Bearer {raw}"

    def run(operation, mode, examples, checks):
        @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case, data):
            for name in list(case.path_parameters or {}):
                choices = _real_choices(name, ids)
                if choices and data.draw(st.booleans()):
                    case.path_parameters[name] = data.draw(st.sampled_from(choices))
            keep_signed_in()
            response = case.call(headers=auth)
            called.setdefault(operation.label, set()).add(response.status_code)
            case.validate_response(response, checks=checks, headers=auth)

        check()

    for operation in operations:
        cache.clear()  # the rate limits are tested elsewhere; here they would mask
        run(operation, GenerationMode.POSITIVE, POSITIVE_EXAMPLES, CHECKS)
        run(operation, GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES, NEGATIVE_CHECKS)

    # Every operation was reached, and most answered something other than a refusal
    # of the caller's identity: the member really was signed in.
    assert set(called) == {operation.label for operation in operations}
    signed_in = [label for label, statuses in called.items() if statuses - {401, 403}]
    assert len(signed_in) >= len(operations) * 0.8, called


def test_a_running_session_answers_as_its_schema_says(tree, dossier, users, wsgi_app):
    """The sessions, dossiers, notes and live-session operations in the state the demo
    has none of: a session open on an item with a vote open, the member's own note,
    another member waiting for the floor."""
    from cabinet.voting.services import (
        item_start,
        poll_open,
        session_open,
        speak_request,
    )
    from documents.services import annotation_create
    from tests.voting.conftest import record_presence

    secretary = users["chuyenvien"]
    record_presence(tree.session, in_room=20, secretary=secretary)
    session_open(user=secretary, session=tree.session)
    item_start(user=secretary, session=tree.session, item=tree.btc_item)
    poll_open(user=secretary, item=tree.btc_item)
    version = dossier[0].versions.get()
    annotation_create(user=users["tv05"], version=version, body="Ghi chú")
    speak_request(user=users["tv06"], item=tree.btc_item)
    answers_as_schema_says(
        member=users["tv05"],
        wsgi_app=wsgi_app,
        paths=re.compile(r"^/api/v1/(sessions|items|documents|notes|polls|speak-)"),
    )
