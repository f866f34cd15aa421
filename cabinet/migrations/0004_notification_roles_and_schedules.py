"""Staff who follow up deliveries may see and resend them; the notification schedules.

- Specialists and Office leadership get ``view_delivery`` and ``change_delivery``.
- django-q2 schedules: the delivery sweeper every minute, the overdue digest daily
  at 07:00 (Asia/Ho_Chi_Minh).
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.management import create_permissions
from django.db import migrations

STAFF_GROUPS = ("Chuyên viên", "Lãnh đạo Văn phòng Chính phủ")
CODENAMES = ("view_delivery", "change_delivery")
SCHEDULES = {
    "notifications: deliveries sweep": ("cabinet.notifications.tasks.sweep", "I", 1),
    "notifications: overdue digest": (
        "cabinet.notifications.tasks.overdue_digest",
        "D",
        None,
    ),
}


def forwards(apps, schema_editor):
    cabinet = apps.get_app_config("cabinet")
    cabinet.models_module = True
    create_permissions(cabinet, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="cabinet", codename__in=CODENAMES
    )
    for group in Group.objects.filter(name__in=STAFF_GROUPS):
        group.permissions.add(*permissions)

    Schedule = apps.get_model("django_q", "Schedule")
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    now = datetime.now(zone)
    seven = datetime.combine(now.date(), time(7), zone)
    first_digest = seven if seven > now else seven + timedelta(days=1)
    for name, (func, kind, minutes) in SCHEDULES.items():
        Schedule.objects.get_or_create(
            name=name,
            defaults={
                "func": func,
                "schedule_type": kind,
                "minutes": minutes,
                "repeats": -1,
                "next_run": first_digest if kind == "D" else now,
            },
        )


def backwards(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=SCHEDULES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cabinet", "0003_notifications"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
