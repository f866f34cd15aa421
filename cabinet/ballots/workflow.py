"""Where Wagtail's workflow meets the ballot: the end of the workflow issues it, and
the Office leadership's step takes a one-time code in Wagtail's own action form."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from wagtail.workflows import publish_workflow_state

from cabinet.otp import OTPError, Purpose, otp_confirm


def finish_workflow(workflow_state, user=None):
    """``WAGTAIL_FINISH_WORKFLOW_ACTION``: a ballot is issued, anything else published
    as Wagtail does by default."""
    from cabinet.ballots.services import ballot_issue
    from cabinet.models.ballots import BallotPage

    obj = workflow_state.content_object
    specific = getattr(obj, "specific", obj)
    if isinstance(specific, BallotPage):
        ballot_issue(ballot=specific, user=user)
    else:
        publish_workflow_state(workflow_state, user=user)


def _refused_url(obj, message: str) -> str:
    from cabinet.models.ballots import BallotPage

    if isinstance(obj, BallotPage):
        url = reverse("ecabinet_ballot", args=[obj.pk])
    else:
        url = reverse("wagtailadmin_pages:edit", args=[obj.pk])
    return f"{url}?{urlencode({'refused': message})}"


def otp_task_action(task, task_state, user, action_name, **kwargs):
    """``OTPApprovalTask.on_action``: approve only with a good one-time code.

    Wagtail's action view offers no request here, so a refusal is shown by sending
    the approver to the ballot's page with the reason (and nothing was approved).
    """
    from cabinet.ballots.services import ballot_review
    from cabinet.models.ballots import BallotPage

    obj = task_state.workflow_state.content_object
    obj = getattr(obj, "specific", obj)
    comment = kwargs.get("comment", "") or ""
    if isinstance(obj, BallotPage):
        try:
            ballot_review(
                user=user,
                ballot=obj,
                action=action_name,
                comment=comment,
                code=kwargs.get("otp_code", ""),
            )
        except OTPError as error:
            return _refused_url(obj, error.message)
        except (ValidationError, PermissionDenied) as error:
            message = " ".join(getattr(error, "messages", [str(error)]))
            return _refused_url(obj, message)
        return None
    if action_name == "approve":
        try:
            otp_confirm(user=user, code=kwargs.get("otp_code", ""), purpose=Purpose.APPROVE)
        except OTPError as error:
            return _refused_url(obj, error.message)
    with transaction.atomic():
        if action_name == "approve":
            task_state.approve(user=user, comment=comment)
        elif action_name == "reject":
            task_state.reject(user=user, comment=comment)
    return None
