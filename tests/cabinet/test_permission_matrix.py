"""Who may do what: DOMAIN.md's roles × the actions of the five workflows.

The table below is the contract. Each cell is one of:

    yes    allowed, whatever the object
    -      refused, whatever the object
    own    allowed only on the user's own ministry (here Bộ Tài chính, "btc")
    named  confidential reading: allowed only when the user is named on the material
           (an assistant also when the member they assist is named)
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import PermissionDenied
from django.utils import translation

from cabinet.models import Ministry
from cabinet.permissions import Action, CabinetPolicy, NamedReaders, cabinet_policy
from cabinet.roles import FOCAL_OFFICER
from cabinet.services import person_upsert

pytestmark = pytest.mark.django_db
User = get_user_model()

COLUMNS = {
    "read": Action.READ_DOSSIER,
    "upload": Action.UPLOAD_DOSSIER,
    "appr1": Action.APPROVE_STEP_1,
    "appr2": Action.APPROVE_STEP_2,
    "issue": Action.ISSUE_BALLOT,
    "answer": Action.ANSWER_BALLOT,
    "vote": Action.VOTE,
    "sign": Action.SIGN_RESOLUTION,
    "publish": Action.PUBLISH_RESOLUTION,
    "confid": Action.READ_CONFIDENTIAL,
    "draft": Action.DRAFT,
    "session": Action.MANAGE_SESSION,
}

MATRIX = """
who          read  upload appr1 appr2 issue answer vote sign publish confid draft session
chuyenvien   yes   -      -     -     -     -      -    -    -       named  yes   yes
lanhdaovu    yes   -      yes   -     -     -      -    -    -       named  -     -
lanhdaovp    yes   -      -     yes   yes   -      -    -    -       named  -     yes
tv12         yes   -      -     -     -     yes    yes  -    -       named  -     -
tv01         yes   -      -     -     -     yes    yes  yes  yes     named  -     -
troly        yes   -      -     -     -     -      -    -    -       named  -     -
daumoi.btc   own   own    -     -     -     -      -    -    -       named  -     -
anonymous    -     -      -     -     -     -      -    -    -       -      -     -
inactive     -     -      -     -     -     -      -    -    -       -      -     -
admin        yes   yes    yes   yes   yes   -      -    -    yes     named  yes   yes
"""
# tv12: a Government member (the Minister of Finance); tv01: the Prime Minister;
# troly: the Prime Minister's secretary; inactive: a member whose account is disabled;
# admin: the superuser, who administers but never votes, answers or signs for anyone.


def parse_matrix(text: str) -> dict[str, dict[Action, str]]:
    header, *rows = (line.split() for line in text.strip().splitlines())
    assert header[1:] == list(COLUMNS)
    table = {}
    for who, *cells in rows:
        assert len(cells) == len(COLUMNS), who
        assert set(cells) <= {"yes", "-", "own", "named"}, who
        table[who] = dict(zip(COLUMNS.values(), cells, strict=True))
    return table


EXPECTED = parse_matrix(MATRIX)


def test_the_matrix_covers_every_action():
    assert set(COLUMNS.values()) == set(Action)


@pytest.fixture
def people(demo):
    inactive = person_upsert(
        username="tv-inactive",
        family_name="Cựu",
        given_name="Thành viên",
        email="tv-inactive@chinhphu.example",
        roles=("member",),
    ).person.user
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    users = {
        who: User.objects.get(username=who)
        for who in EXPECTED
        if who not in {"anonymous", "inactive"}
    }
    users["anonymous"] = AnonymousUser()
    users["inactive"] = inactive
    return users


@pytest.fixture
def btc(demo):
    return Ministry.objects.get(code="btc")


@pytest.fixture
def btp(demo):
    return Ministry.objects.get(code="btp")


def expected_outcomes(cell, *, who, btc, btp):
    """(object, allowed?) pairs that the cell stands for."""
    if cell == "yes":
        return [(None, True), (btc, True), (btp, True)]
    if cell == "-":
        return [(None, False), (btc, False), (btp, False), (NamedReaders([]), False)]
    if cell == "own":
        return [(None, False), (btc, True), (btp, False)]
    assert cell == "named"
    return [
        (None, False),
        (NamedReaders([]), False),
        (NamedReaders([who]), True),
    ]


@pytest.mark.parametrize("who", list(EXPECTED))
def test_each_role_may_do_exactly_what_the_matrix_says(who, people, btc, btp):
    user = people[who]
    wrong = []
    for action, cell in EXPECTED[who].items():
        for obj, allowed in expected_outcomes(cell, who=user, btc=btc, btp=btp):
            if cabinet_policy.user_has_permission(user, action, obj) != allowed:
                wrong.append((action.value, cell, obj))
            try:
                cabinet_policy.check(user, action, obj)
            except PermissionDenied:
                if allowed:
                    wrong.append(("check() refused", action.value, obj))
            else:
                if not allowed:
                    wrong.append(("check() let through", action.value, obj))
    assert wrong == []


@pytest.mark.parametrize("who", [w for w in EXPECTED if w != "anonymous"])
def test_users_with_permission_agrees_with_user_has_permission(who, people, btc, btp):
    """Lists of people to notify or to choose from never disagree with the checks."""
    user = people[who]
    for action in Action:
        for obj in (None, btc, btp, NamedReaders([user]), NamedReaders([])):
            listed = cabinet_policy.users_with_permission(action, obj)
            assert listed.filter(pk=user.pk).exists() == (
                cabinet_policy.user_has_permission(user, action, obj)
            ), (who, action.value, obj)


def test_refusal_names_the_action(people):
    with translation.override("en"), pytest.raises(PermissionDenied) as refused:
        cabinet_policy.check(people["admin"], Action.VOTE)
    assert str(refused.value) == "You are not allowed to do this: Vote."
    with translation.override("en"), pytest.raises(PermissionDenied) as refused:
        cabinet_policy.check(people["troly"], "sign_resolution")
    assert "Sign resolutions" in str(refused.value)


def test_exactly_the_27_members_may_vote(people):
    voters = cabinet_policy.users_with_permission(Action.VOTE)
    expected = {f"tv{n:02d}" for n in range(1, 28)}
    assert set(voters.values_list("username", flat=True)) == expected
    assert voters.count() == 27  # no duplicates from the joins
    # The inactive member exists and is a member, yet may not vote.
    assert people["inactive"].groups.filter(name="Thành viên Chính phủ").exists()


def test_only_the_prime_minister_signs_and_publishes(people):
    for action in (Action.SIGN_RESOLUTION, Action.PUBLISH_RESOLUTION):
        holders = cabinet_policy.users_with_permission(action)
        people_only = holders.filter(is_superuser=False)
        assert list(people_only.values_list("username", flat=True)) == ["tv01"]
    signers = cabinet_policy.users_with_permission(Action.SIGN_RESOLUTION)
    assert list(signers.values_list("username", flat=True)) == ["tv01"]


def test_focal_officer_uploads_for_their_own_ministry_only(people, btc, btp):
    officer = people["daumoi.btc"]
    assert cabinet_policy.user_has_permission(officer, Action.UPLOAD_DOSSIER, btc)
    assert not cabinet_policy.user_has_permission(officer, Action.UPLOAD_DOSSIER, btp)
    with pytest.raises(PermissionDenied):
        cabinet_policy.check(officer, Action.UPLOAD_DOSSIER, btp)
    # An object that belongs to a ministry counts as that ministry.
    btc_person = officer.person
    assert btc_person.ministry == btc
    assert cabinet_policy.user_has_permission(
        officer, Action.UPLOAD_DOSSIER, btc_person
    )
    justice_officer = User.objects.get(username="daumoi.btp")
    assert cabinet_policy.user_has_permission(
        justice_officer, Action.UPLOAD_DOSSIER, btp
    )
    uploaders = cabinet_policy.users_with_permission(Action.UPLOAD_DOSSIER, btc)
    assert set(uploaders.values_list("username", flat=True)) == {"daumoi.btc", "admin"}


def test_focal_officer_who_lost_the_role_uploads_nothing(people, btc):
    """Membership of the ministry's group alone, left over after the role is
    withdrawn, grants nothing."""
    officer = people["daumoi.btc"]
    officer.groups.remove(Group.objects.get(name=FOCAL_OFFICER.group_name))
    officer = User.objects.get(pk=officer.pk)  # a fresh request
    assert officer.groups.filter(ministry=btc).exists()
    assert not cabinet_policy.user_has_permission(officer, Action.UPLOAD_DOSSIER, btc)


def test_confidential_material_reaches_only_the_named_and_their_assistants(people):
    tv01, tv12, troly = people["tv01"], people["tv12"], people["troly"]
    troly2 = User.objects.get(username="troly2")  # assists tv12
    material = NamedReaders(User.objects.filter(username="tv01"))

    def may_read(user):
        return cabinet_policy.user_has_permission(
            user, Action.READ_CONFIDENTIAL, material
        )

    assert may_read(tv01)  # named
    assert not may_read(tv12)  # a member, but not named
    assert may_read(troly)  # assistant of a named member
    assert not may_read(troly2)  # assistant of an unnamed member
    assert not may_read(people["admin"])  # administers accounts, not content
    assert not may_read(people["lanhdaovp"])
    readers = cabinet_policy.users_with_permission(Action.READ_CONFIDENTIAL, material)
    assert set(readers.values_list("username", flat=True)) == {"tv01", "troly"}


def test_confidential_named_readers_as_a_related_manager(people):
    """A document's many-to-many field can be handed over as it is."""
    group = Group.objects.create(name="Người đọc tài liệu mật")
    group.user_set.add(people["tv12"])
    material = NamedReaders(group.user_set)
    assert cabinet_policy.user_has_permission(
        people["tv12"], Action.READ_CONFIDENTIAL, material
    )
    assert not cabinet_policy.user_has_permission(
        people["tv01"], Action.READ_CONFIDENTIAL, material
    )


def test_named_readers_must_be_users(people):
    """Person ids are not user ids: mixing them up must fail loudly, not leak."""
    with pytest.raises(TypeError):
        cabinet_policy.user_has_permission(
            people["tv12"],
            Action.READ_CONFIDENTIAL,
            NamedReaders([people["tv12"].person]),
        )


def test_an_assistant_sees_only_while_their_member_does(people):
    troly = people["troly"]
    tv01 = people["tv01"]
    tv01.is_active = False
    tv01.save(update_fields=["is_active"])
    troly = User.objects.get(pk=troly.pk)
    assert not cabinet_policy.user_has_permission(troly, Action.READ_DOSSIER)
    assert not cabinet_policy.user_has_permission(
        troly, Action.READ_CONFIDENTIAL, NamedReaders([tv01])
    )
    assert not cabinet_policy.users_with_permission(Action.READ_DOSSIER).filter(
        pk=troly.pk
    )


def test_unknown_action_is_an_error_not_a_silent_refusal(people):
    with pytest.raises(ValueError):
        cabinet_policy.user_has_permission(people["tv12"], "vote_twice")


def test_no_user_at_all_is_refused():
    assert not CabinetPolicy().user_has_permission(None, Action.READ_DOSSIER)


def test_many_checks_on_one_user_cost_one_query(people, django_assert_num_queries):
    tv01 = User.objects.get(username="tv01")
    with django_assert_num_queries(1):
        for action in Action:
            cabinet_policy.user_has_permission(tv01, action, NamedReaders([tv01]))
