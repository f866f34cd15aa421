"""Two signing requests at once (a double click, a retry racing the first): one signs,
the other is refused, one PDF exists. Real threads, real database connections."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from cabinet.models import ResolutionNumber, ResolutionPage
from cabinet.otp import Purpose, otp_confirm
from cabinet.resolutions.services import ResolutionError, resolution_sign_confirmed
from tests.resolutions.conftest import code_for, user

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_simultaneous_signatures_make_one(awaiting, settings):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(
        ":memory"
    ):
        pytest.skip("threads need a shared database")
    # Both requests passed their one-time code (two consecutive codes, confirmed in
    # order, as two requests a few seconds apart would); then they race to sign.
    for offset in (0, 30):
        otp_confirm(
            user=user("tv01"),
            code=code_for("tv01", offset_seconds=offset),
            purpose=Purpose.SIGN,
        )
    barrier = threading.Barrier(2)
    outcomes: list = [None, None]

    def sign(i):
        from django.db import connections

        try:
            barrier.wait()
            outcomes[i] = resolution_sign_confirmed(user=user("tv01"), page=awaiting)
        except Exception as error:  # noqa: BLE001 - the outcome is what we assert
            outcomes[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    signed = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(signed) == 1, outcomes
    assert len(refused) == 1
    # the loser waited for the row lock (SQLite: the write lock), then saw the
    # signature and was told so; nothing is signed twice
    assert isinstance(refused[0], ResolutionError), refused[0]
    assert "đã được ký" in str(refused[0])
    files = list(settings.RESOLUTION_FILES_ROOT.rglob("*.pdf"))
    assert len(files) == 1
    page = ResolutionPage.objects.get(pk=awaiting.pk)
    assert page.number == "1/NQ-CP" and page.live
    assert ResolutionNumber.objects.get().last == 1
