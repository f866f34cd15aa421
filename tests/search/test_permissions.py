"""A user only ever sees what they may open, counts and facets included.

Each demo account (every role, tests/conftest.py ``demo``) searches an archive holding
records of every classification; what comes back must be exactly what
``documents.classification.can_read`` lets that user open, and a confidential record
must not show even as a count in a facet. Anonymous and public searches see published
public resolutions only.
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from cabinet.models import Ministry
from documents.classification import can_read
from search.query import SearchQuery
from search.scope import Scope, record_visible
from search.services import archive_search
from tests.search.conftest import record

pytestmark = pytest.mark.django_db
User = get_user_model()

WORD = "ngân sách"


@pytest.fixture
def archive(demo, index):
    btc = Ministry.objects.get(code="btc")
    btp = Ministry.objects.get(code="btp")
    users = {u.username: u for u in User.objects.all()}
    records = {
        "public": record(title=f"Nghị quyết về {WORD}", classification="public"),
        "public_draft": record(
            title=f"Dự thảo nghị quyết về {WORD}",
            classification="public",
            published=False,
        ),
        "internal": record(
            title=f"Tờ trình {WORD} năm 2020",
            kind="dossier_document",
            classification="internal",
        ),
        "internal_btc": record(
            title=f"Báo cáo {WORD} của Bộ Tài chính",
            kind="dossier_document",
            classification="internal",
            ministry_id=btc.pk,
        ),
        "internal_btp": record(
            title=f"Báo cáo {WORD} của Bộ Tư pháp",
            kind="dossier_document",
            classification="internal",
            ministry_id=btp.pk,
        ),
        # Its own kind, year and issuer: a leak would show in the facets.
        "confidential_tv12": record(
            title=f"Mật báo {WORD} gửi Bộ trưởng",
            kind="minutes",
            classification="confidential",
            reader_ids=(users["tv12"].pk,),
            issuer="Ban Bí mật",
            date=None,
            year=1999,
        ),
        "confidential_lanhdaovp": record(
            title=f"Ghi chú {WORD} hạn chế",
            kind="ballot",
            classification="confidential",
            reader_ids=(users["lanhdaovp"].pk,),
            issuer="Văn phòng riêng",
            date=None,
            year=1998,
        ),
        "typo": record(title=f"Văn bản {WORD} lạ", classification="secret"),
    }
    index(*records.values())
    return records


def visible_by_policy(user, rec) -> bool:
    ministry = Ministry.objects.filter(pk=rec.ministry_id).first()
    return can_read(
        user,
        classification=rec.classification,
        named_readers=rec.reader_ids,
        ministry=ministry,
    )


def search(user, **query):
    return archive_search(user=user, query=SearchQuery(text=WORD, **query))


def test_every_user_sees_exactly_what_they_may_open(archive):
    users = list(User.objects.order_by("username")) + [AnonymousUser()]
    assert len(users) > 30
    checked = 0
    for user in users:
        expected = {r.key for r in archive.values() if visible_by_policy(user, r)}
        scope = Scope.for_user(user)
        assert expected == {r.key for r in archive.values() if record_visible(scope, r)}
        results = search(user)
        assert {h.key for h in results.hits} == expected, user
        assert results.total == len(expected)
        counted = sum(v.count for v in results.facets["kind"])
        assert counted == len(expected)
        checked += 1
    assert checked == len(users)


def test_the_matrix_by_role(archive):
    def seen(username):
        user = User.objects.get(username=username)
        keys = {h.key for h in search(user).hits}
        return {name for name, r in archive.items() if r.key in keys}

    everyone = {"public", "public_draft"}
    internal = {"internal", "internal_btc", "internal_btp"}
    assert seen("tv05") == everyone | internal
    assert seen("tv12") == everyone | internal | {"confidential_tv12"}
    # The assistant of tv12 reads what tv12 reads; the PM's assistant does not.
    assert seen("troly2") == everyone | internal | {"confidential_tv12"}
    assert seen("troly") == everyone | internal
    assert seen("lanhdaovp") == everyone | internal | {"confidential_lanhdaovp"}
    # A focal officer reads their own ministry's internal documents only.
    assert seen("daumoi.btc") == everyone | {"internal_btc"}
    assert seen("daumoi.btp") == everyone | {"internal_btp"}
    # Administering the system is not a need to know confidential content.
    assert seen("admin") == everyone | internal
    # Nobody sees an invalid classification.
    assert all("typo" not in seen(u) for u in ("admin", "tv01", "chuyenvien"))


def test_confidential_records_never_show_in_facets(archive):
    user = User.objects.get(username="tv05")
    facets = search(user).facets
    assert "minutes" not in {v.value for v in facets["kind"]}
    assert "ballot" not in {v.value for v in facets["kind"]}
    assert not {"1999", "1998"} & {v.value for v in facets["year"]}
    assert not {"Ban Bí mật", "Văn phòng riêng"} & {v.value for v in facets["issuer"]}
    # Filtering on the hidden facet gives nothing either.
    assert search(user, kinds=("minutes",)).total == 0
    assert search(user, years=(1999,)).total == 0
    # The named reader does see it, with its facets.
    reader = User.objects.get(username="tv12")
    kinds = {v.value: v.count for v in search(reader).facets["kind"]}
    assert kinds["minutes"] == 1


def test_an_inactive_account_sees_only_public_records(archive):
    user = User.objects.get(username="tv12")
    user.is_active = False
    user.save()
    user = User.objects.get(pk=user.pk)
    names = {h.key for h in search(user).hits}
    assert names == {archive["public"].key, archive["public_draft"].key}


def test_public_search_covers_published_public_resolutions_only(archive, index):
    index(
        record(title=f"Biên bản {WORD}", kind="minutes", classification="public"),
    )
    results = archive_search(user=None, query=SearchQuery(text=WORD), public=True)
    assert [h.key for h in results.hits] == [archive["public"].key]
    assert [(v.value, v.count) for v in results.facets["kind"]] == [("resolution", 1)]
