"""The two moderation workflows of a session (production needs them, not only demos).

- "Duyệt chương trình phiên họp": Office leadership approves the programme; the end
  issues the session (``SessionPage.workflow_finished``).
- "Thẩm tra hồ sơ": the specialists review a ministry's dossier; the end approves
  its documents for members (``DossierPage.workflow_finished``).

Pages choose their workflow by name (``get_workflow``), so the names are frozen here.
"""

from django.db import migrations

WORKFLOWS = (
    (
        "Duyệt chương trình phiên họp",
        "Lãnh đạo Văn phòng duyệt chương trình",
        "Lãnh đạo Văn phòng Chính phủ",
    ),
    ("Thẩm tra hồ sơ", "Chuyên viên thẩm tra hồ sơ", "Chuyên viên"),
)


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    content_type, _ = ContentType.objects.get_or_create(
        app_label="wagtailcore", model="groupapprovaltask"
    )
    for workflow_name, task_name, group_name in WORKFLOWS:
        if Workflow.objects.filter(name=workflow_name).exists():
            continue
        task = GroupApprovalTask.objects.create(
            name=task_name, content_type=content_type, active=True
        )
        task.groups.set(Group.objects.filter(name=group_name))
        workflow = Workflow.objects.create(name=workflow_name, active=True)
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)


def backwards(apps, schema_editor):
    Workflow = apps.get_model("wagtailcore", "Workflow")
    Task = apps.get_model("wagtailcore", "Task")
    names = [w for w, _t, _g in WORKFLOWS]
    tasks = [t for _w, t, _g in WORKFLOWS]
    Workflow.objects.filter(name__in=names).delete()
    Task.objects.filter(name__in=tasks).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cabinet", "0005_sessions"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
