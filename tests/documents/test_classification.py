"""State secrets never enter e-Cabinet; the three levels that do decide who reads."""

import unicodedata

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.utils import translation

from cabinet.models import Ministry
from documents.classification import (
    SECRET,
    Classification,
    can_read,
    classification_validate,
)

User = get_user_model()

SECRET_MESSAGE = (
    "State secrets never enter e-Cabinet: this document must not be uploaded. "
    "Hand it over through the secure channel instead."
)

SECRET_SPELLINGS = [
    SECRET,
    "SECRET",
    " Secret ",
    "top secret",
    "mật",
    "Mật",
    "MẬT",
    "mat",
    "tối mật",
    "Tối Mật",
    "TỐI MẬT",
    "toi mat",
    "toi-mat",
    "tuyệt mật",
    "Tuyệt  mật",
    "tuyet_mat",
    unicodedata.normalize("NFD", "Tuyệt mật"),  # as typed on macOS
    "bí mật nhà nước",
]


@pytest.mark.parametrize("spelling", SECRET_SPELLINGS)
def test_state_secrets_are_refused_in_every_spelling(spelling):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        classification_validate(spelling)
    assert refused.value.code == "secret"
    with translation.override("en"):
        assert refused.value.messages == [SECRET_MESSAGE]


def test_secret_is_not_a_level_one_can_choose():
    assert SECRET not in Classification.values
    assert [value for value, _label in Classification.choices] == [
        "public",
        "internal",
        "confidential",
    ]


@pytest.mark.parametrize("value", ["restricted", "", "publicc", "hạn chế", None])
def test_unknown_classifications_are_refused(value):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        classification_validate(value)
    assert refused.value.code == "invalid"
    with translation.override("en"):
        (message,) = refused.value.messages
    assert f"“{value}” is not a classification" in message
    assert "Public, Internal, Confidential" in message


@pytest.mark.parametrize(
    ("value", "level"),
    [
        ("public", Classification.PUBLIC),
        ("internal", Classification.INTERNAL),
        ("confidential", Classification.CONFIDENTIAL),
        (" Confidential ", Classification.CONFIDENTIAL),
        (Classification.INTERNAL, Classification.INTERNAL),
    ],
)
def test_the_three_levels_are_accepted(value, level):
    assert classification_validate(value) is level


@pytest.fixture
def people(demo):
    return {u.username: u for u in User.objects.all()} | {"anonymous": AnonymousUser()}


@pytest.mark.django_db
def test_public_documents_are_for_everyone(people):
    for who in ("anonymous", "tv12", "daumoi.btc", "admin", "troly2"):
        assert can_read(people[who], classification=Classification.PUBLIC), who


@pytest.mark.django_db
def test_internal_documents_are_for_those_who_read_dossiers(people):
    btc = Ministry.objects.get(code="btc")
    btp = Ministry.objects.get(code="btp")
    for who in ("tv12", "tv01", "troly", "chuyenvien", "lanhdaovu", "lanhdaovp"):
        assert can_read(people[who], classification="internal"), who
    assert not can_read(people["anonymous"], classification="internal")
    # A focal officer reads the internal documents of their own ministry only.
    officer = people["daumoi.btc"]
    assert not can_read(officer, classification="internal")
    assert can_read(officer, classification="internal", ministry=btc)
    assert not can_read(officer, classification="internal", ministry=btp)


@pytest.mark.django_db
def test_confidential_documents_are_for_the_named_only(people):
    named = [people["tv12"]]

    def reads(who):
        return can_read(people[who], classification="confidential", named_readers=named)

    assert reads("tv12")  # named
    assert reads("troly2")  # assistant of the named member
    for who in ("tv01", "troly", "chuyenvien", "lanhdaovp", "admin", "anonymous"):
        assert not reads(who), who
    # Nobody named, nobody reads; not even a member.
    assert not can_read(people["tv12"], classification="confidential")


@pytest.mark.django_db
def test_a_secret_or_unknown_level_is_never_readable(people):
    for classification in (SECRET, "tối mật", "whatever"):
        for who in ("anonymous", "tv01", "admin"):
            assert not can_read(people[who], classification=classification)
