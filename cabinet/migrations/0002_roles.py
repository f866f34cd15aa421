"""Create the role groups of DOMAIN.md with their Wagtail permissions.

The table is frozen here as it stood when this migration was written; later changes
to ``cabinet.roles`` come with migrations of their own (a fresh database runs this one
before the models of later permissions exist).
"""

from django.db import migrations

WAGTAIL_DEFAULT_GROUPS = ("Editors", "Moderators")
_ADMIN = "wagtailadmin.access_admin"
_DOCS = (
    "wagtaildocs.add_document",
    "wagtaildocs.change_document",
    "wagtaildocs.choose_document",
)
_IMAGES = (
    "wagtailimages.add_image",
    "wagtailimages.change_image",
    "wagtailimages.choose_image",
)
# (group name, permissions, page permission types on the root page)
ROLES = (
    ("Chuyên viên", (_ADMIN, *_DOCS, *_IMAGES), ("add", "change", "lock", "unlock")),
    (
        "Lãnh đạo Vụ",
        (_ADMIN, "wagtaildocs.choose_document", "wagtailimages.choose_image"),
        ("change", "lock", "unlock"),
    ),
    (
        "Lãnh đạo Văn phòng Chính phủ",
        (_ADMIN, *_DOCS, *_IMAGES),
        ("add", "change", "lock", "unlock", "publish"),
    ),
    ("Thành viên Chính phủ", (_ADMIN,), ()),
    ("Thủ tướng", (_ADMIN,), ("publish",)),
    ("Trợ lý, Thư ký", (_ADMIN,), ()),
    ("Công chức đầu mối của Bộ", (_ADMIN, *_DOCS), ()),
)


def _permission(apps, dotted: str):
    Permission = apps.get_model("auth", "Permission")
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def sync_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Page = apps.get_model("wagtailcore", "Page")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    Task = apps.get_model("wagtailcore", "Task")

    # Wagtail's starter groups and their "Moderators approval" workflow would let an
    # unnamed "moderator" approve Government documents: remove them.
    Workflow.objects.filter(name="Moderators approval").delete()
    Task.objects.filter(name="Moderators approval").delete()
    Group.objects.filter(name__in=WAGTAIL_DEFAULT_GROUPS).delete()

    root = Page.objects.get(depth=1)
    for name, permissions, page_permissions in ROLES:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set([_permission(apps, dotted) for dotted in permissions])
        GroupPagePermission.objects.filter(group=group).delete()
        for kind in page_permissions:
            GroupPagePermission.objects.create(
                group=group,
                page=root,
                permission=_permission(apps, f"wagtailcore.{kind}_page"),
            )


class Migration(migrations.Migration):
    dependencies = [
        ("cabinet", "0001_initial"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailimages", "0027_image_description"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
