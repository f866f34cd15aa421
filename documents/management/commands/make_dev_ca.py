"""Create the development CA and the signers' PKCS#12 files under var/pki/.

Idempotent: existing files are kept. Refuses to run under production settings,
where keys come from a real CA (a PKCS#12 file or a PKCS#11 token, see settings).
"""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from cabinet.roles import PRIME_MINISTER
from documents.devca import DevSigner, ca_ensure, signer_ensure


def default_signers() -> list[DevSigner]:
    """The Prime Minister(s) and the Deputy Prime Ministers, from the database."""
    User = get_user_model()
    users = (
        User.objects.filter(is_active=True)
        .filter(groups__name=PRIME_MINISTER.group_name)
        .union(
            User.objects.filter(
                is_active=True, person__position__startswith="Phó Thủ tướng"
            )
        )
    )
    signers = []
    for user in users:
        person = getattr(user, "person", None)
        signers.append(
            DevSigner(
                username=user.get_username(),
                common_name=user.get_full_name() or user.get_username(),
                title=person.position if person else "",
            )
        )
    return signers


class Command(BaseCommand):
    help = "Create a development CA and signing certificates (never in production)."

    def add_arguments(self, parser):
        parser.add_argument(
            "usernames",
            nargs="*",
            help="Signers to create (default: the Prime Minister and deputies).",
        )

    def handle(self, *args, usernames, **options):
        if settings.ECABINET_ENVIRONMENT == "production":
            raise CommandError("make_dev_ca never runs in production.")
        directory = Path(settings.RESOLUTION_SIGNING_DEV_DIR)
        passphrase = settings.RESOLUTION_SIGNING["PKCS12_PASSPHRASE"].encode()
        ca_cert, ca_key, created = ca_ensure(directory)
        self.stdout.write(
            f"{'Created' if created else 'Kept'} the development CA {directory / 'ca.pem'}"
        )
        if usernames:
            User = get_user_model()
            found = {
                u.get_username(): u for u in User.objects.filter(username__in=usernames)
            }
            signers = [
                DevSigner(
                    username=name,
                    common_name=(found[name].get_full_name() if name in found else "")
                    or name,
                    title=getattr(
                        getattr(found.get(name), "person", None), "position", ""
                    ),
                )
                for name in usernames
            ]
        else:
            signers = default_signers()
        for signer in signers:
            made = signer_ensure(
                directory, signer, ca_cert=ca_cert, ca_key=ca_key, passphrase=passphrase
            )
            self.stdout.write(
                f"{'Created' if made else 'Kept'} {signer.username}.p12 ({signer.common_name})"
            )
