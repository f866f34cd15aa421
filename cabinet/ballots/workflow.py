"""The Office leadership's step takes a one-time code in Wagtail's own action form.

(The end of the workflow issues the ballot through ``cabinet.workflows`` and
``BallotPage.workflow_finished``.)"""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from cabinet.otp import OTPError, Purpose, otp_confirm


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
            otp_confirm(
                user=user, code=kwargs.get("otp_code", ""), purpose=Purpose.APPROVE
            )
        except OTPError as error:
            return _refused_url(obj, error.message)
    with transaction.atomic():
        if action_name == "approve":
            task_state.approve(user=user, comment=comment)
        elif action_name == "reject":
            task_state.reject(user=user, comment=comment)
    return None
