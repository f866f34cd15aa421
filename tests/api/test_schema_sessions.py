"""Schemathesis against the served schema, for the sessions, dossiers, notes and
live-session endpoints, as a signed-in member during a running session.

Every operation gets generated requests, valid and invalid (random ids, strings,
huge numbers, wrong types, arrays for objects); half the valid ones are pointed at
objects that exist, so the success paths run too. Every response must be documented
and match its schema, and none may be a server error. Not checked: that every
schema-valid request is accepted, since a schema cannot say that a one-time code is
right or that an objection needs a reason (those are 400s with a code).
"""

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from cabinet.voting.services import item_start, poll_open, session_open, speak_request
from documents.services import annotation_create
from tests.api.conftest import sign_in
from tests.sessions.conftest import user
from tests.voting.conftest import record_presence

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PATHS = re.compile(r"^/api/v1/(sessions|items|documents|notes|polls|speak-requests)")
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)


@pytest.fixture
def existing(tree, dossier):
    """Ids of objects that exist: a session open on an item with a vote open, an
    open document with a note, another member's request to speak."""
    session, item = tree.session, tree.btc_item
    secretary = user("chuyenvien")
    record_presence(session, in_room=20, secretary=secretary)
    session_open(user=secretary, session=session)
    item_start(user=secretary, session=session, item=item)
    poll = poll_open(user=secretary, item=item)
    document = dossier[0]
    version = document.versions.get()
    note = annotation_create(user=user("tv05"), version=version, body="Ghi chú")
    speak = speak_request(user=user("tv06"), item=item)
    return {
        "session_id": session.pk,
        "item_id": item.pk,
        "document_id": document.pk,
        "version_id": version.pk,
        "note_id": note.pk,
        "poll_id": poll.pk,
        "speak_id": speak.pk,
    }


def _fuzz(operation, mode, *, headers: dict, existing: dict) -> None:
    from django.core.cache import cache

    @given(case=operation.as_strategy(generation_mode=mode), known=st.booleans())
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def run(case, known):
        cache.clear()  # the per-user rate limit is not under test here
        if known and mode.is_positive:
            for name in case.path_parameters or {}:
                case.path_parameters[name] = existing.get(
                    name, case.path_parameters[name]
                )
        case.call_and_validate(
            headers=headers, excluded_checks=[positive_data_acceptance]
        )

    run()


def test_responses_match_the_schema_and_none_is_a_server_error(live_server, existing):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    headers = {"Authorization": f"Bearer {sign_in(user('tv05')).token}"}
    operations = [
        result.ok()
        for result in schema.get_all_operations()
        if PATHS.match(result.ok().full_path)
    ]
    assert len(operations) >= 15
    failures = []
    for operation in operations:
        for mode in MODES:
            try:
                _fuzz(operation, mode, headers=headers, existing=existing)
            except Exception as failure:  # noqa: BLE001 - collected, then reported
                failures.append(f"{operation.label} ({mode.value}): {failure}")
    assert not failures, "\n\n".join(failures)
