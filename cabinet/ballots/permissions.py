"""Who may do what with a ballot, and what Wagtail's editor may do with ballot pages.

``BallotPermissionPolicy`` follows Wagtail's permission policies: it first applies
the ballot's own rules (polled members only, staff who follow ballots) and delegates
"may this person do this at all?" to ``cabinet_policy``. Answering is a personal act
(``Action.ANSWER_BALLOT``): an assistant sees what their member sees and never
answers; a superuser administers and never answers either.

Ballot pages are never published by hand: the approval workflow issues them
(``cabinet.ballots.workflow``). Once issued, a ballot is no longer edited or deleted:
members answered what they read.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from wagtail.models import PagePermissionTester
from wagtail.permission_policies.base import BasePermissionPolicy

from cabinet.permissions import Action, cabinet_policy

FOLLOW_ACTIONS = (
    Action.DRAFT,
    Action.APPROVE_STEP_1,
    Action.APPROVE_STEP_2,
    Action.ISSUE_BALLOT,
)


class BallotPermissionPolicy(BasePermissionPolicy):
    """Actions: ``view``, ``answer``, ``follow`` (board, reminders, report),
    ``withdraw``."""

    ACTIONS = ("view", "answer", "follow", "withdraw")

    def __init__(self):
        super().__init__("cabinet.BallotPage")

    def user_follows_ballots(self, user) -> bool:
        return cabinet_policy.user_has_any_permission(user, FOLLOW_ACTIONS)

    def reading_member_id(self, user) -> int | None:
        """The member whose ballots ``user`` reads: themselves, or the member they
        assist."""
        if cabinet_policy.user_has_permission(user, Action.ANSWER_BALLOT):
            return user.pk
        if not cabinet_policy.user_has_permission(user, Action.READ_DOSSIER):
            return None
        return cabinet_policy._standing(user).assisted_member_id

    def user_has_permission(self, user, action) -> bool:
        if action == "view":
            return self.user_follows_ballots(user) or bool(self.reading_member_id(user))
        if action == "answer":
            return cabinet_policy.user_has_permission(user, Action.ANSWER_BALLOT)
        if action == "follow":
            return self.user_follows_ballots(user)
        if action == "withdraw":
            return cabinet_policy.user_has_permission(user, Action.ISSUE_BALLOT)
        raise ValueError(f"Unknown ballot action {action!r}")

    def user_has_permission_for_instance(self, user, action, instance) -> bool:
        if not self.user_has_permission(user, action):
            return False
        if action == "view" and self.user_follows_ballots(user):
            return True
        if action in ("view", "answer"):
            member_id = user.pk if action == "answer" else self.reading_member_id(user)
            return (
                instance.issued_at is not None
                and instance.recipients.filter(member_id=member_id).exists()
            )
        return True

    def check(self, user, action, instance=None) -> None:
        allowed = (
            self.user_has_permission_for_instance(user, action, instance)
            if instance is not None
            else self.user_has_permission(user, action)
        )
        if not allowed:
            if action == "answer" and not cabinet_policy.user_has_permission(
                user, Action.ANSWER_BALLOT
            ):
                raise PermissionDenied(
                    _(
                        "Only a Government member answers a ballot, in person. "
                        "Assistants and administrators cannot answer for a member."
                    )
                )
            if action == "answer":
                raise PermissionDenied(_("This ballot was not sent to you."))
            raise PermissionDenied(_("You are not allowed to do this with ballots."))

    def users_with_any_permission(self, actions):
        users = None
        for action in actions:
            found = (
                cabinet_policy.users_with_permission(Action.ANSWER_BALLOT)
                if action == "answer"
                else cabinet_policy.users_with_permission(Action.ISSUE_BALLOT)
                if action == "withdraw"
                else None
            )
            if found is None:
                found = cabinet_policy.users_with_permission(FOLLOW_ACTIONS[0])
                for extra in FOLLOW_ACTIONS[1:]:
                    found = found | cabinet_policy.users_with_permission(extra)
                if action == "view":
                    found = found | cabinet_policy.users_with_permission(
                        Action.ANSWER_BALLOT
                    )
            users = found if users is None else users | found
        return users.distinct()


ballot_policy = BallotPermissionPolicy()


class BallotPagePermissionTester(PagePermissionTester):
    def _issued(self) -> bool:
        return self.page.specific_deferred.issued_at is not None

    def can_publish(self):
        return False  # only the approval workflow issues a ballot

    def can_unpublish(self):
        return False  # a ballot is withdrawn, never unpublished

    def can_edit(self):
        return super().can_edit() and not self._issued()

    def can_delete(self, ignore_bulk=False):
        return super().can_delete(ignore_bulk) and not self._issued()

    def can_submit_for_moderation(self):
        return super().can_submit_for_moderation() and not self._issued()

    def can_move(self):
        return False

    def can_set_view_restrictions(self):
        return False


class BallotIndexPermissionTester(PagePermissionTester):
    def can_publish_subpage(self):
        return False

    def can_publish(self):
        return False

    def can_unpublish(self):
        return False

    def can_delete(self, ignore_bulk=False):
        return False

    def can_move(self):
        return False

    def can_set_view_restrictions(self):
        return False
