"""Create the role groups of DOMAIN.md with their Wagtail permissions.

Runs ``cabinet.roles.ROLES`` against the historical models, so later migrations that
grant new permissions call the same function again.
"""

from django.db import migrations

from cabinet.roles import ROLES, WAGTAIL_DEFAULT_GROUPS


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
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role.group_name)
        group.permissions.set(
            [_permission(apps, dotted) for dotted in role.permissions]
        )
        GroupPagePermission.objects.filter(group=group).delete()
        for kind in role.page_permissions:
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
