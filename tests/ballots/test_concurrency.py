"""Twenty simultaneous submissions of one member's answer store exactly one.

Runs on PostgreSQL (real row locks, real concurrent transactions), each thread on its
own connection. The one-time code is taken out of the race on purpose: it would
refuse the replays by itself, and this test is about the answer's own lock and
constraint (``answer_record`` runs after the code was accepted).
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from cabinet.ballots.services import answer_record
from cabinet.models import BallotAnswer, BallotAnswerVersion, BallotPage
from tests.ballots.conftest import draft_ballot, issue, user

THREADS = 20


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL's row locks"
)
def test_twenty_concurrent_submissions_store_exactly_one(demo_transactional):
    ballot = issue(draft_ballot(allow_change=False))
    member = user("tv13")
    (question,) = ballot.questions.all()
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def submit(n: int) -> None:
        try:
            barrier.wait()
            answer_record(
                user=member,
                ballot=BallotPage.objects.get(pk=ballot.pk),
                choices={question.pk: "agree"},
                comment=f"Lần gửi {n}",
            )
            outcome = "stored"
        except ValidationError:
            outcome = "refused"
        except Exception as error:  # noqa: BLE001 - reported below
            outcome = f"error: {error!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["refused"] * (THREADS - 1) + ["stored"]
    assert BallotAnswer.objects.filter(ballot=ballot, member=member).count() == 1
    assert BallotAnswerVersion.objects.filter(answer__ballot=ballot).count() == 1
