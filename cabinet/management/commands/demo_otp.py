"""Print the current TOTP code of a demo account (development only).

A real user reads the code from an authenticator app; on a laptop this saves scanning
27 QR codes.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Print the current one-time code of a demo user's authenticator."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if settings.ECABINET_ENVIRONMENT == "production":
            raise CommandError("demo_otp never runs in production.")
        device = TOTPDevice.objects.filter(
            user__username=username, confirmed=True
        ).first()
        if device is None:
            raise CommandError(f"{username} has no confirmed authenticator.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
