from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cabinet.demo import demo_seed


class Command(BaseCommand):
    help = "Load the demo Government (idempotent). Refused under production settings."

    def handle(self, *args, **options):
        if settings.ECABINET_ENVIRONMENT == "production":
            raise CommandError(
                "seed_demo creates accounts with a known password; it never runs in "
                "production."
            )
        counts = demo_seed(password=settings.DEMO_PASSWORD)
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data ready: {ministries} ministries, {members} Government members, "
                "{users} accounts.".format(**counts)
            )
        )
