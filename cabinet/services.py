"""Writes to the Government's structure: ministries and people.

Every function takes keyword-only arguments, normalises Vietnamese text to NFC and is
idempotent on its natural key, so the demo seed and later imports can run again
without duplicating anything.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from wagtail.users.models import UserProfile

from cabinet.models import Ministry, Person
from cabinet.roles import FOCAL_OFFICER, ROLES_BY_KEY, focal_group_name
from cabinet.text import nfc

User = get_user_model()


@transaction.atomic
def ministry_upsert(*, code: str, name: str, kind: str, sort_order: int) -> Ministry:
    """Create or update a ministry together with its focal officers' group."""
    name = nfc(name)
    ministry = Ministry.objects.filter(code=code).select_related("focal_group").first()
    if ministry is None:
        group, _ = Group.objects.get_or_create(name=focal_group_name(name))
        return Ministry.objects.create(
            code=code, name=name, kind=kind, sort_order=sort_order, focal_group=group
        )
    if ministry.name != name:
        ministry.focal_group.name = focal_group_name(name)
        ministry.focal_group.save(update_fields=["name"])
    ministry.name, ministry.kind, ministry.sort_order = name, kind, sort_order
    ministry.save(update_fields=["name", "kind", "sort_order"])
    return ministry


@dataclass(frozen=True)
class PersonResult:
    person: Person
    created: bool


@transaction.atomic
def person_upsert(
    *,
    username: str,
    family_name: str,
    given_name: str,
    email: str,
    roles: tuple[str, ...],
    position: str = "",
    ministry: Ministry | None = None,
    phone: str = "",
    protocol_order: int = 1000,
    assists=None,
    initial_password: str | None = None,
    is_superuser: bool = False,
) -> PersonResult:
    """Create or update an account, its profile and its role groups.

    ``initial_password`` is set only when the account is created: running again never
    resets a password someone has changed. Roles are the keys of ``cabinet.roles``; a
    focal officer with a ministry also joins that ministry's group.
    """
    unknown = set(roles) - set(ROLES_BY_KEY)
    if unknown:
        raise ValueError(f"Unknown roles: {sorted(unknown)}")
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"is_active": True},
    )
    user.first_name, user.last_name = nfc(family_name), nfc(given_name)
    user.email = email
    user.is_superuser = user.is_staff = is_superuser
    if created:
        if initial_password:
            user.set_password(initial_password)
        else:
            user.set_unusable_password()
    user.save()

    groups = [Group.objects.get(name=ROLES_BY_KEY[key].group_name) for key in roles]
    if ministry is not None and FOCAL_OFFICER.key in roles:
        groups.append(ministry.focal_group)
    user.groups.set(groups)

    person, _ = Person.objects.update_or_create(
        user=user,
        defaults={
            "position": nfc(position),
            "ministry": ministry,
            "phone": phone,
            "protocol_order": protocol_order,
            "assists": assists,
        },
    )
    return PersonResult(person=person, created=created)


def account_language_set(*, user, language: str) -> None:
    """Remember the interface language for the admin as well as the public pages."""
    if not user.is_authenticated:
        return
    profile = UserProfile.get_for_user(user)
    if profile.preferred_language != language:
        profile.preferred_language = language
        profile.save(update_fields=["preferred_language"])
