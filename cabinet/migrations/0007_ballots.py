"""Opinion ballots: the models, and what production needs to run them.

Data: the ballots index (under the root of the page tree, outside every site, so it
has no public URL), a view restriction to the Government's role groups on it, and the
approval workflow on it: the department head's approval, then the Office
leadership's approval confirmed with a one-time code.
"""

import django.db.models.deletion
import django.utils.timezone
import modelcluster.fields
import wagtail.fields
from django.conf import settings
from django.db import migrations, models

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
STEPLEN = 4
INDEX_SLUG = "phieu-lay-y-kien"
INDEX_TITLE = "Phiếu lấy ý kiến Thành viên Chính phủ"
WORKFLOW_NAME = "Phát hành phiếu lấy ý kiến"  # BallotPage.get_workflow finds it by name
STEP_1 = ("Lãnh đạo Vụ phê duyệt", "Lãnh đạo Vụ")
STEP_2 = (
    "Lãnh đạo Văn phòng Chính phủ phê duyệt (mã xác thực)",
    "Lãnh đạo Văn phòng Chính phủ",
)
READERS = (
    "Chuyên viên",
    "Lãnh đạo Vụ",
    "Lãnh đạo Văn phòng Chính phủ",
    "Thành viên Chính phủ",
    "Thủ tướng",
    "Trợ lý, Thư ký",
)


def _next_child_path(Page, parent):
    last = (
        Page.objects.filter(depth=parent.depth + 1, path__startswith=parent.path)
        .order_by("-path")
        .values_list("path", flat=True)
        .first()
    )
    number = 1 if last is None else int(last[-STEPLEN:], 36) + 1
    step = ""
    while number:
        number, digit = divmod(number, 36)
        step = ALPHABET[digit] + step
    return parent.path + step.rjust(STEPLEN, "0")


def _content_type(apps, app_label, model):
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.get_or_create(app_label=app_label, model=model)[0]


def forwards(apps, schema_editor):
    Page = apps.get_model("wagtailcore", "Page")
    Locale = apps.get_model("wagtailcore", "Locale")
    Group = apps.get_model("auth", "Group")
    BallotIndexPage = apps.get_model("cabinet", "BallotIndexPage")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    OTPApprovalTask = apps.get_model("cabinet", "OTPApprovalTask")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    PageViewRestriction = apps.get_model("wagtailcore", "PageViewRestriction")

    root = Page.objects.filter(depth=1).first()
    if root is None:
        return
    index = BallotIndexPage.objects.first()
    if index is None:
        locale = Locale.objects.order_by("pk").first()
        index = BallotIndexPage.objects.create(
            title=INDEX_TITLE,
            draft_title=INDEX_TITLE,
            slug=INDEX_SLUG,
            path=_next_child_path(Page, root),
            depth=root.depth + 1,
            numchild=0,
            url_path=f"{root.url_path}{INDEX_SLUG}/",
            live=True,
            content_type=_content_type(apps, "cabinet", "ballotindexpage"),
            locale=locale,
        )
        Page.objects.filter(pk=root.pk).update(numchild=root.numchild + 1)

    restriction, _ = PageViewRestriction.objects.get_or_create(
        page_id=index.pk, defaults={"restriction_type": "groups"}
    )
    restriction.groups.set(Group.objects.filter(name__in=READERS))

    step_1, _ = GroupApprovalTask.objects.get_or_create(
        name=STEP_1[0],
        defaults={
            "content_type": _content_type(apps, "wagtailcore", "groupapprovaltask")
        },
    )
    step_1.groups.set(Group.objects.filter(name=STEP_1[1]))
    step_2, _ = OTPApprovalTask.objects.get_or_create(
        name=STEP_2[0],
        defaults={"content_type": _content_type(apps, "cabinet", "otpapprovaltask")},
    )
    step_2.groups.set(Group.objects.filter(name=STEP_2[1]))
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    for order, task in enumerate((step_1, step_2)):
        WorkflowTask.objects.get_or_create(
            workflow=workflow, task_id=task.pk, defaults={"sort_order": order}
        )
    WorkflowPage.objects.update_or_create(
        page_id=index.pk, defaults={"workflow": workflow}
    )


def backwards(apps, schema_editor):
    apps.get_model("wagtailcore", "WorkflowPage").objects.filter(
        workflow__name=WORKFLOW_NAME
    ).delete()
    apps.get_model("wagtailcore", "Workflow").objects.filter(
        name=WORKFLOW_NAME
    ).delete()
    apps.get_model("wagtailcore", "Task").objects.filter(
        name__in=(STEP_1[0], STEP_2[0])
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("cabinet", "0006_session_workflows"),
        ("documents", "0001_dossier_documents"),
        ("wagtailcore", "0098_apitoken"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="BallotIndexPage",
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
                "verbose_name": "opinion ballots index",
            },
            bases=("wagtailcore.page",),
        ),
        migrations.CreateModel(
            name="BallotPage",
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
                    "matter",
                    wagtail.fields.RichTextField(
                        help_text="What the Government is asked to decide, and why.",
                        verbose_name="matter",
                    ),
                ),
                ("deadline", models.DateTimeField(verbose_name="deadline for answers")),
                (
                    "allow_change",
                    models.BooleanField(
                        default=True,
                        verbose_name="members may change their answer until the deadline",
                    ),
                ),
                (
                    "close_rule",
                    models.CharField(
                        choices=[
                            ("deadline", "At the deadline"),
                            ("decided", "As soon as the result can no longer change"),
                        ],
                        default="deadline",
                        help_text="A ballot that allows changes can only be decided at the deadline.",
                        max_length=16,
                        verbose_name="close the ballot",
                    ),
                ),
                (
                    "issued_at",
                    models.DateTimeField(
                        blank=True, editable=False, null=True, verbose_name="issued"
                    ),
                ),
                (
                    "member_count",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        editable=False,
                        null=True,
                        verbose_name="members polled",
                    ),
                ),
                (
                    "closed_at",
                    models.DateTimeField(
                        blank=True, editable=False, null=True, verbose_name="closed"
                    ),
                ),
                (
                    "close_reason",
                    models.CharField(
                        blank=True,
                        editable=False,
                        max_length=16,
                        verbose_name="why it closed",
                    ),
                ),
                (
                    "passed",
                    models.BooleanField(
                        editable=False, null=True, verbose_name="approved"
                    ),
                ),
                (
                    "withdrawn_at",
                    models.DateTimeField(
                        blank=True, editable=False, null=True, verbose_name="withdrawn"
                    ),
                ),
                (
                    "withdraw_reason",
                    models.TextField(blank=True, verbose_name="reason for withdrawal"),
                ),
                (
                    "issued_by",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="issued by",
                    ),
                ),
                (
                    "presenting_ministry",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="ballots",
                        to="cabinet.ministry",
                        verbose_name="presenting ministry",
                    ),
                ),
            ],
            options={
                "verbose_name": "opinion ballot",
                "verbose_name_plural": "opinion ballots",
            },
            bases=("wagtailcore.page",),
        ),
        migrations.CreateModel(
            name="BallotAnswer",
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
                    "version",
                    models.PositiveSmallIntegerField(
                        default=1, verbose_name="answer version"
                    ),
                ),
                ("comment", models.TextField(blank=True, verbose_name="opinion")),
                ("receipt", models.CharField(max_length=64, verbose_name="receipt")),
                (
                    "answered_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="first answered"
                    ),
                ),
                (
                    "updated_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="last changed"
                    ),
                ),
                (
                    "attachments",
                    models.ManyToManyField(
                        blank=True,
                        help_text="Files the member attached; confidential to them and the staff.",
                        related_name="+",
                        to="documents.document",
                        verbose_name="attachments",
                    ),
                ),
                (
                    "member",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "ballot",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="answers",
                        to="cabinet.ballotpage",
                    ),
                ),
            ],
            options={
                "verbose_name": "answer",
                "verbose_name_plural": "answers",
                "ordering": ["answered_at", "pk"],
            },
        ),
        migrations.CreateModel(
            name="BallotQuestion",
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
                    "text",
                    models.TextField(
                        help_text='e.g. "Do you agree to the draft resolution on …?" Members answer Agree, Disagree or Other opinion.',
                        verbose_name="question",
                    ),
                ),
                (
                    "page",
                    modelcluster.fields.ParentalKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="questions",
                        to="cabinet.ballotpage",
                    ),
                ),
            ],
            options={
                "verbose_name": "question",
                "verbose_name_plural": "questions",
                "ordering": ["sort_order"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="BallotAnswerChoice",
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
                    "choice",
                    models.CharField(
                        choices=[
                            ("agree", "Agree"),
                            ("disagree", "Disagree"),
                            ("other", "Other opinion"),
                        ],
                        max_length=8,
                        verbose_name="answer",
                    ),
                ),
                (
                    "answer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="choices",
                        to="cabinet.ballotanswer",
                    ),
                ),
                (
                    "question",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="cabinet.ballotquestion",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="BallotRecipient",
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
                ("protocol_order", models.PositiveIntegerField(default=1000)),
                ("is_prime_minister", models.BooleanField(default=False)),
                ("reminded_at", models.DateTimeField(blank=True, null=True)),
                (
                    "ballot",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="recipients",
                        to="cabinet.ballotpage",
                    ),
                ),
                (
                    "member",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "member polled",
                "verbose_name_plural": "members polled",
                "ordering": ["protocol_order", "pk"],
            },
        ),
        migrations.CreateModel(
            name="OTPApprovalTask",
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
                    "groups",
                    models.ManyToManyField(
                        help_text="Pages/snippets at this step in a workflow will be moderated or approved by these groups of users",
                        to="auth.group",
                        verbose_name="groups",
                    ),
                ),
            ],
            options={
                "verbose_name": "approval with one-time code",
                "verbose_name_plural": "approvals with one-time code",
            },
            bases=("wagtailcore.task",),
        ),
        migrations.CreateModel(
            name="ResolutionDraft",
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
                ("title", models.CharField(max_length=500, verbose_name="title")),
                ("legal_basis", models.TextField(verbose_name="legal basis")),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="created"
                    ),
                ),
                (
                    "source_ballot",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="resolution_draft",
                        to="cabinet.ballotpage",
                        verbose_name="source ballot",
                    ),
                ),
            ],
            options={
                "verbose_name": "draft resolution",
                "verbose_name_plural": "draft resolutions",
            },
        ),
        migrations.CreateModel(
            name="BallotAnswerVersion",
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
                ("version", models.PositiveSmallIntegerField()),
                ("content", models.JSONField()),
                ("receipt", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "answer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="versions",
                        to="cabinet.ballotanswer",
                    ),
                ),
            ],
            options={
                "ordering": ["answer", "version"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("answer", "version"), name="ballot_answer_version_once"
                    )
                ],
            },
        ),
        migrations.AddConstraint(
            model_name="ballotanswer",
            constraint=models.UniqueConstraint(
                fields=("ballot", "member"), name="ballot_answer_once_per_member"
            ),
        ),
        migrations.AddConstraint(
            model_name="ballotanswerchoice",
            constraint=models.UniqueConstraint(
                fields=("answer", "question"), name="ballot_choice_once_per_question"
            ),
        ),
        migrations.AddConstraint(
            model_name="ballotrecipient",
            constraint=models.UniqueConstraint(
                fields=("ballot", "member"), name="ballot_recipient_once"
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
