"""How a finished moderation workflow ends: publish, then the page's own follow-up.

Wagtail calls ``WAGTAIL_FINISH_WORKFLOW_ACTION`` when the last task approves. The
default only publishes; pages of the e-Cabinet have a domain step that must follow in
the same breath (a session programme is *issued* and the participants invited; a
dossier's uploaded versions are *approved* for members). A page declares that step as
``workflow_finished(user)``; it calls a service, so the rule lives in services, not
here.

The publish itself skips Wagtail's page-permission check: the workflow's tasks are
the permission (only a member of the task's group could approve), and the final
approver of a dossier review, a specialist, deliberately has no general right to
publish pages outside a workflow.
"""

PROGRAMME_WORKFLOW = "Duyệt chương trình phiên họp"
DOSSIER_WORKFLOW = "Thẩm tra hồ sơ"
RESOLUTION_WORKFLOW = "Ban hành Nghị quyết"


def workflow_finish(workflow_state, user=None):
    revision = workflow_state.content_object.get_latest_revision()
    revision.publish(user=user, skip_permission_checks=True)
    content = workflow_state.content_object
    specific = getattr(content, "specific", content)
    specific.refresh_from_db()
    finished = getattr(specific, "workflow_finished", None)
    if finished is not None:
        finished(user=user)


def has_own_workflow(page) -> bool:
    """``has_workflow`` for pages that name their workflow in ``get_workflow``.

    Wagtail's ``Page.has_workflow`` looks only at the workflows assigned to the page
    tree in its settings, so without this the editor never offers such a page's
    "Submit" action (a session programme, a resolution).
    """
    return page.get_workflow() is not None


def workflow_named(name: str):
    from wagtail.models import Workflow

    return Workflow.objects.filter(name=name, active=True).first()
