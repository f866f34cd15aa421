"""Who may do what in the five workflows: one capability policy for the whole Cabinet.

``CabinetPolicy`` answers, for a user, an :class:`Action` and optionally the object
acted on, whether the action is allowed. It follows the shape of Wagtail's permission
policies (``wagtail/permission_policies/base.py``) but is keyed by actions, not by a
model: the ballot, session, vote and resolution models do not exist yet, and when they
arrive each gets its own Wagtail-style policy whose per-instance checks first apply the
model's state rules (a ballot still open, a resolution already signed) and then
delegate the question "may this person do this at all?" here::

    class BallotPermissionPolicy(BasePermissionPolicy):
        def user_has_permission_for_instance(self, user, action, instance):
            return cabinet_policy.user_has_permission(user, Action.ANSWER_BALLOT, instance)

Services check again with :meth:`CabinetPolicy.check`, which raises
``PermissionDenied``.

The rules (DOMAIN.md), deny unless allowed:

- Anonymous and inactive accounts are refused everything. The public's only rights, on
  published resolutions and their signatures, live outside this policy.
- Each role group (``cabinet.roles``) grants the actions in :data:`ROLE_GRANTS`.
- An assistant reads the dossiers only while the person they assist
  (``Person.assists``) is an active Government member: they see what their member
  sees, and never vote, answer or sign.
- A focal officer uploads and reads documents of their own ministry only (the ministry
  whose ``focal_group`` they belong to, while they also hold the focal-officer role).
  They never see a whole session dossier, which carries other ministries' drafts and
  the Office's reviews. Without an object naming a ministry they are refused, so a
  caller that forgets the target fails closed.
- Confidential material (:attr:`Action.READ_CONFIDENTIAL`) is read only by the people
  named on it and by the assistant of a named member; no role, not even superuser,
  reaches it otherwise.
- Superusers administer the system: they hold every action except the personal acts
  of members and of the Prime Minister (:data:`PERSONAL_ACTIONS`: voting, answering a
  ballot, signing), which nobody may perform on another's behalf, and except
  confidential reading, since administering accounts is not a need to know the content.
  A superuser who also holds a role group gets that role's actions as anyone would.

A user's groups are read once and cached on the user object (like Django's
``_perm_cache``), so a page asking many questions costs one query; changes to group
membership apply from the next request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from cabinet.models import Ministry
from cabinet.roles import (
    ASSISTANT,
    DEPARTMENT_HEAD,
    FOCAL_OFFICER,
    MEMBER,
    OFFICE_LEADERSHIP,
    PRIME_MINISTER,
    SPECIALIST,
    Role,
)


class Action(models.TextChoices):
    """What people do in the five workflows; the vocabulary of every later policy."""

    READ_DOSSIER = "read_dossier", _("Read dossiers")
    UPLOAD_DOSSIER = "upload_dossier", _("Upload the ministry's documents to a dossier")
    APPROVE_STEP_1 = "approve_step_1", _("Approve drafts (department head)")
    APPROVE_STEP_2 = "approve_step_2", _("Approve for release (Office leadership)")
    ISSUE_BALLOT = "issue_ballot", _("Issue opinion ballots")
    ANSWER_BALLOT = "answer_ballot", _("Answer opinion ballots")
    VOTE = "vote", _("Vote")
    SIGN_RESOLUTION = "sign_resolution", _("Sign resolutions")
    PUBLISH_RESOLUTION = "publish_resolution", _("Publish resolutions")
    READ_CONFIDENTIAL = "read_confidential", _("Read confidential material")
    DRAFT = "draft", _("Draft ballots, resolutions and dossiers")
    MANAGE_SESSION = "manage_session", _("Prepare and run sessions")


# What each role group grants, whatever the object. The assistant and the focal
# officer are absent on purpose: their rights depend on someone or something else
# (the member they assist, the ministry of the object) and are decided below.
ROLE_GRANTS: Mapping[Role, frozenset[Action]] = {
    MEMBER: frozenset({Action.READ_DOSSIER, Action.ANSWER_BALLOT, Action.VOTE}),
    # The Prime Minister is also a member; signing publishes (DOMAIN.md, workflow 5).
    PRIME_MINISTER: frozenset({Action.SIGN_RESOLUTION, Action.PUBLISH_RESOLUTION}),
    SPECIALIST: frozenset({Action.DRAFT, Action.READ_DOSSIER, Action.MANAGE_SESSION}),
    DEPARTMENT_HEAD: frozenset({Action.APPROVE_STEP_1, Action.READ_DOSSIER}),
    # Office leadership approves ballots and programmes before they go out, so it
    # issues the ballot; it does not publish resolutions, which follow the signature.
    OFFICE_LEADERSHIP: frozenset(
        {
            Action.APPROVE_STEP_2,
            Action.ISSUE_BALLOT,
            Action.READ_DOSSIER,
            Action.MANAGE_SESSION,
        }
    ),
}

# Acts a person performs in their own name and that nobody performs for them.
PERSONAL_ACTIONS = frozenset(
    {Action.VOTE, Action.ANSWER_BALLOT, Action.SIGN_RESOLUTION}
)
SUPERUSER_ACTIONS = frozenset(Action) - PERSONAL_ACTIONS - {Action.READ_CONFIDENTIAL}
# A focal officer's actions, allowed only on an object of their own ministry.
FOCAL_OFFICER_ACTIONS = frozenset({Action.UPLOAD_DOSSIER, Action.READ_DOSSIER})
# An assistant's actions, allowed while they assist an active member.
ASSISTANT_ACTIONS = frozenset({Action.READ_DOSSIER})


@dataclass(frozen=True, eq=False)
class NamedReaders:
    """Confidential material as the policy sees it: the people named on it.

    Any object with a ``named_readers`` attribute will do (a document with a
    many-to-many field, for instance); this one serves callers that only have the list.
    """

    named_readers: Any


@dataclass(frozen=True)
class _Standing:
    """What the policy needs to know of a user, read once per user object."""

    groups: frozenset[str]
    focal_ministry_ids: frozenset[int]
    assisted_member_id: int | None


def _is_active_account(user) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
    )


def _ministry_id(obj) -> int | None:
    """The ministry an object belongs to: the ministry itself, or its ``.ministry``."""
    if obj is None:
        return None
    if isinstance(obj, Ministry):
        return obj.pk
    ministry_id = getattr(obj, "ministry_id", None)
    if ministry_id is not None:
        return ministry_id
    ministry = getattr(obj, "ministry", None)
    return ministry.pk if isinstance(ministry, Ministry) else None


def _named_readers(obj) -> QuerySet | frozenset[int]:
    """The users named on ``obj``, as a user QuerySet or a set of user ids.

    Accepts a QuerySet or related manager of users, or an iterable of users or user
    ids. Anything else is refused loudly: a list of ``Person`` objects would silently
    compare the wrong primary keys and could open the material to the wrong people.
    """
    User = get_user_model()
    readers = getattr(obj, "named_readers", None)
    if readers is None:
        return frozenset()
    if not isinstance(readers, QuerySet) and callable(getattr(readers, "all", None)):
        readers = readers.all()  # a related manager
    if isinstance(readers, QuerySet):
        if readers.model is not User:
            raise TypeError(f"named_readers must hold users, not {readers.model}")
        return readers
    ids = set()
    for reader in readers:
        if isinstance(reader, User):
            ids.add(reader.pk)
        elif isinstance(reader, int) and not isinstance(reader, bool):
            ids.add(reader)
        else:
            raise TypeError(f"named_readers must hold users, not {reader!r}")
    return frozenset(ids)


def _any_named(readers: QuerySet | frozenset[int], user_ids: Iterable[int]) -> bool:
    user_ids = [pk for pk in user_ids if pk is not None]
    if not user_ids:
        return False
    if isinstance(readers, QuerySet):
        return readers.filter(pk__in=user_ids).exists()
    return not readers.isdisjoint(user_ids)


class CabinetPolicy:
    """The capability policy of the e-Cabinet; see the module docstring for the rules.

    ``user_has_permission`` and ``users_with_permission`` always agree: a user is in
    ``users_with_permission(action, obj)`` exactly when
    ``user_has_permission(user, action, obj)`` is true.
    """

    cache_attribute = "_cabinet_policy_standing"

    def _standing(self, user) -> _Standing:
        standing = getattr(user, self.cache_attribute, None)
        if standing is None:
            rows = list(user.groups.values_list("name", "ministry"))
            groups = frozenset(name for name, _ministry in rows)
            assisted = None
            if ASSISTANT.group_name in groups:
                assisted = (
                    get_user_model()
                    .objects.filter(
                        assistants__user=user,
                        is_active=True,
                        groups__name=MEMBER.group_name,
                    )
                    .values_list("pk", flat=True)
                    .first()
                )
            standing = _Standing(
                groups=groups,
                focal_ministry_ids=frozenset(m for _name, m in rows if m is not None),
                assisted_member_id=assisted,
            )
            setattr(user, self.cache_attribute, standing)
        return standing

    def user_has_permission(self, user, action, obj=None) -> bool:
        """Whether ``user`` may perform ``action``, on ``obj`` when given.

        ``obj`` matters for the focal officer (it must be, or have the ``.ministry``
        of, their own ministry) and for confidential reading (it must have
        ``named_readers``); for everyone else the answer does not depend on it.
        An unknown action raises ``ValueError``: a typo must not pass as a refusal.
        """
        action = Action(action)
        if not _is_active_account(user):
            return False
        if action == Action.READ_CONFIDENTIAL:
            return obj is not None and self._is_named_reader(user, obj)
        if user.is_superuser and action in SUPERUSER_ACTIONS:
            return True
        standing = self._standing(user)
        if any(
            action in actions and role.group_name in standing.groups
            for role, actions in ROLE_GRANTS.items()
        ):
            return True
        if (
            action in ASSISTANT_ACTIONS
            and ASSISTANT.group_name in standing.groups
            and standing.assisted_member_id is not None
        ):
            return True
        if (
            action in FOCAL_OFFICER_ACTIONS
            and FOCAL_OFFICER.group_name in standing.groups
        ):
            ministry_id = _ministry_id(obj)
            if ministry_id is not None and ministry_id in standing.focal_ministry_ids:
                return True
        return False

    def user_has_any_permission(self, user, actions, obj=None) -> bool:
        return any(self.user_has_permission(user, a, obj) for a in actions)

    def check(self, user, action, obj=None) -> None:
        """Raise ``PermissionDenied`` unless ``user`` may perform ``action``."""
        action = Action(action)
        if not self.user_has_permission(user, action, obj):
            raise PermissionDenied(
                _("You are not allowed to do this: %(action)s.")
                % {"action": action.label}
            )

    def _is_named_reader(self, user, obj) -> bool:
        readers = _named_readers(obj)
        candidates = [user.pk]
        standing = self._standing(user)
        if ASSISTANT.group_name in standing.groups:
            candidates.append(standing.assisted_member_id)
        return _any_named(readers, candidates)

    def users_with_permission(self, action, obj=None) -> QuerySet:
        """The active users who may perform ``action`` (on ``obj`` when given)."""
        action = Action(action)
        User = get_user_model()
        conditions: list[Q] = []

        granting = [r.group_name for r, acts in ROLE_GRANTS.items() if action in acts]
        if granting:
            conditions.append(
                Q(pk__in=User.objects.filter(groups__name__in=granting).values("pk"))
            )
        if action in SUPERUSER_ACTIONS:
            conditions.append(Q(is_superuser=True))
        if action in ASSISTANT_ACTIONS:
            conditions.append(Q(pk__in=self._assistants_of(self._active_members())))
        ministry_id = _ministry_id(obj)
        if action in FOCAL_OFFICER_ACTIONS and ministry_id is not None:
            officers = (
                User.objects.filter(groups__name=FOCAL_OFFICER.group_name)
                .filter(groups__ministry=ministry_id)
                .values("pk")
            )
            conditions.append(Q(pk__in=officers))
        if action == Action.READ_CONFIDENTIAL and obj is not None:
            # No role and no superuser reaches it: only the names on the material.
            readers = _named_readers(obj)
            named = readers.values("pk") if isinstance(readers, QuerySet) else readers
            named_members = self._active_members().filter(pk__in=named)
            conditions.append(Q(pk__in=named))
            conditions.append(Q(pk__in=self._assistants_of(named_members)))

        if not conditions:
            return User.objects.none()
        return User.objects.filter(reduce(or_, conditions), is_active=True)

    @staticmethod
    def _active_members() -> QuerySet:
        return get_user_model().objects.filter(
            is_active=True, groups__name=MEMBER.group_name
        )

    @staticmethod
    def _assistants_of(members: QuerySet) -> QuerySet:
        """Ids of the assistants whose ``Person.assists`` is one of ``members``."""
        return (
            get_user_model()
            .objects.filter(groups__name=ASSISTANT.group_name)
            .filter(person__assists__in=members.values("pk"))
            .values("pk")
        )


cabinet_policy = CabinetPolicy()
