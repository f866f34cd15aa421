"""Resolutions: the pages, the number counter, the signature task, and the workflow
"Ban hành Nghị quyết" (department head → Office leadership → the Prime Minister's
signature). Pages choose the workflow by name (``ResolutionPage.get_workflow``).
"""

import django.db.models.deletion
import modelcluster.fields
import wagtail.fields
from django.conf import settings
from django.db import migrations, models

WORKFLOW = "Ban hành Nghị quyết"
GROUP_STEPS = (
    ("Lãnh đạo Vụ duyệt dự thảo Nghị quyết", "Lãnh đạo Vụ"),
    ("Lãnh đạo Văn phòng duyệt Nghị quyết", "Lãnh đạo Văn phòng Chính phủ"),
)
SIGN_STEP = "Thủ tướng ký số Nghị quyết"


def create_workflow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    SignResolutionTask = apps.get_model("cabinet", "SignResolutionTask")
    if Workflow.objects.filter(name=WORKFLOW).exists():
        return
    group_type, _ = ContentType.objects.get_or_create(
        app_label="wagtailcore", model="groupapprovaltask"
    )
    sign_type, _ = ContentType.objects.get_or_create(
        app_label="cabinet", model="signresolutiontask"
    )
    workflow = Workflow.objects.create(name=WORKFLOW, active=True)
    for order, (task_name, group_name) in enumerate(GROUP_STEPS):
        task = GroupApprovalTask.objects.create(
            name=task_name, content_type=group_type, active=True
        )
        task.groups.set(Group.objects.filter(name=group_name))
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=order)
    sign = SignResolutionTask.objects.create(
        name=SIGN_STEP, content_type=sign_type, active=True
    )
    WorkflowTask.objects.create(
        workflow=workflow, task_id=sign.pk, sort_order=len(GROUP_STEPS)
    )


def delete_workflow(apps, schema_editor):
    Workflow = apps.get_model("wagtailcore", "Workflow")
    Task = apps.get_model("wagtailcore", "Task")
    Workflow.objects.filter(name=WORKFLOW).delete()
    Task.objects.filter(name__in=[n for n, _g in GROUP_STEPS] + [SIGN_STEP]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cabinet", "0008_voting"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        migrations.swappable_dependency(settings.WAGTAIL_PAGE_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ResolutionIndexPage",
            fields=[
                (
                    "page_ptr",
                    models.OneToOneField(
                        auto_created=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        parent_link=True,
                        primary_key=True,
                        serialize=False,
                        to=settings.WAGTAIL_PAGE_MODEL,
                    ),
                ),
                (
                    "intro",
                    wagtail.fields.RichTextField(
                        blank=True, verbose_name="introduction"
                    ),
                ),
            ],
            options={
                "verbose_name": "resolutions index",
            },
            bases=("wagtailcore.page",),
        ),
        migrations.CreateModel(
            name="ResolutionNumber",
            fields=[
                (
                    "year",
                    models.PositiveIntegerField(primary_key=True, serialize=False),
                ),
                ("last", models.PositiveIntegerField(default=0)),
            ],
            options={
                "verbose_name": "resolution number counter",
            },
        ),
        migrations.CreateModel(
            name="ResolutionPage",
            fields=[
                (
                    "page_ptr",
                    models.OneToOneField(
                        auto_created=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        parent_link=True,
                        primary_key=True,
                        serialize=False,
                        to=settings.WAGTAIL_PAGE_MODEL,
                    ),
                ),
                (
                    "place",
                    models.CharField(
                        default="Hà Nội", max_length=64, verbose_name="place"
                    ),
                ),
                (
                    "legal_basis",
                    models.TextField(
                        help_text="One ground per line (Căn cứ …; Trên cơ sở …).",
                        verbose_name="legal basis",
                    ),
                ),
                (
                    "body",
                    wagtail.fields.RichTextField(
                        help_text='Articles as headings: "Điều 1. …", then their paragraphs.',
                        verbose_name="text",
                    ),
                ),
                (
                    "recipients",
                    models.TextField(
                        default="Ban Bí thư Trung ương Đảng;\nThủ tướng, các Phó Thủ tướng Chính phủ;\nCác bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ;\nHĐND, UBND các tỉnh, thành phố trực thuộc trung ương;\nVăn phòng Trung ương và các Ban của Đảng;\nVăn phòng Quốc hội;\nVPCP: BTCN, các PCN, Trợ lý TTg, TGĐ Cổng TTĐT;\nLưu: VT, TH.",
                        help_text="One recipient per line.",
                        verbose_name="recipients (Nơi nhận)",
                    ),
                ),
                (
                    "source_kind",
                    models.CharField(
                        choices=[
                            ("session_vote", "Vote at a session"),
                            ("ballot", "Opinion ballot"),
                        ],
                        max_length=16,
                        verbose_name="kind of source",
                    ),
                ),
                (
                    "source_summary",
                    models.CharField(
                        help_text="For example: 25/27 Thành viên Chính phủ tán thành.",
                        max_length=255,
                        verbose_name="result",
                    ),
                ),
                (
                    "number_year",
                    models.PositiveIntegerField(blank=True, editable=False, null=True),
                ),
                (
                    "number_seq",
                    models.PositiveIntegerField(blank=True, editable=False, null=True),
                ),
                (
                    "number",
                    models.CharField(
                        blank=True, editable=False, max_length=32, verbose_name="number"
                    ),
                ),
                (
                    "issued_on",
                    models.DateField(
                        blank=True, editable=False, null=True, verbose_name="issued on"
                    ),
                ),
                (
                    "signed_at",
                    models.DateTimeField(
                        blank=True, editable=False, null=True, verbose_name="signed at"
                    ),
                ),
                (
                    "signer_name",
                    models.CharField(
                        blank=True,
                        editable=False,
                        max_length=255,
                        verbose_name="signer",
                    ),
                ),
                (
                    "signer_title",
                    models.CharField(blank=True, editable=False, max_length=255),
                ),
                (
                    "signed_pdf_name",
                    models.CharField(blank=True, editable=False, max_length=255),
                ),
                (
                    "signed_pdf_sha256",
                    models.CharField(blank=True, editable=False, max_length=64),
                ),
                (
                    "signed_pdf_size",
                    models.PositiveIntegerField(blank=True, editable=False, null=True),
                ),
                ("search_folded", models.TextField(blank=True, editable=False)),
                (
                    "signed_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="signed by",
                    ),
                ),
                (
                    "source_page",
                    models.ForeignKey(
                        blank=True,
                        help_text="The agenda item voted on, or the opinion ballot.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.WAGTAIL_PAGE_MODEL,
                        verbose_name="source",
                    ),
                ),
            ],
            options={
                "verbose_name": "resolution",
                "verbose_name_plural": "resolutions",
            },
            bases=("wagtailcore.page",),
        ),
        migrations.CreateModel(
            name="ResolutionAttachment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                (
                    "sort_order",
                    models.IntegerField(blank=True, editable=False, null=True),
                ),
                (
                    "title",
                    models.CharField(blank=True, max_length=255, verbose_name="title"),
                ),
                (
                    "document",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="wagtaildocs.document",
                        verbose_name="document",
                    ),
                ),
                (
                    "page",
                    modelcluster.fields.ParentalKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attachments",
                        to="cabinet.resolutionpage",
                    ),
                ),
            ],
            options={
                "verbose_name": "attachment",
                "verbose_name_plural": "attachments",
                "ordering": ["sort_order"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="SignResolutionTask",
            fields=[
                (
                    "task_ptr",
                    models.OneToOneField(
                        auto_created=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        parent_link=True,
                        primary_key=True,
                        serialize=False,
                        to="wagtailcore.task",
                    ),
                ),
                (
                    "signer",
                    models.ForeignKey(
                        blank=True,
                        help_text="Leave empty: the Prime Minister signs.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="designated signer",
                    ),
                ),
            ],
            options={
                "verbose_name": "signature task",
                "verbose_name_plural": "signature tasks",
            },
            bases=("wagtailcore.task",),
        ),
        migrations.AddConstraint(
            model_name="resolutionpage",
            constraint=models.UniqueConstraint(
                condition=models.Q(("number_seq__isnull", False)),
                fields=("number_year", "number_seq"),
                name="resolution_number_once_per_year",
            ),
        ),
        migrations.AddConstraint(
            model_name="resolutionpage",
            constraint=models.UniqueConstraint(
                condition=models.Q(("source_page__isnull", False)),
                fields=("source_page",),
                name="resolution_once_per_source",
            ),
        ),
        migrations.RunPython(create_workflow, delete_workflow),
    ]
