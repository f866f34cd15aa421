"""Run the web server and a django-q2 worker together, as `make run` does.

Ctrl-C (or SIGTERM) stops both; if either dies, the other is stopped too, so a laptop
never keeps a web server whose queue silently stopped.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from cabinet.demo import ADMIN, MEMBERS, STAFF


class Command(BaseCommand):
    help = "Serve e-Cabinet on 127.0.0.1 with a background worker (development)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("PORT", 8000))
        )
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, port, host, **options):
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        children = [
            subprocess.Popen([*manage, "qcluster"]),
            subprocess.Popen([*manage, "runserver", "--noreload", f"{host}:{port}"]),
        ]
        self._print_banner(host, port)
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        while not stopping:
            for child in children:
                if child.poll() is not None:
                    self.stderr.write(
                        f"{child.args[2]} stopped (exit {child.returncode})."
                    )
                    exit_code = child.returncode or 1
                    stopping = True
            time.sleep(0.3)
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 15
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        if exit_code:
            sys.exit(exit_code)

    def _print_banner(self, host, port):
        pm, member = MEMBERS[0], MEMBERS[11]
        lines = [
            "",
            f"e-Cabinet: http://{host}:{port}/   (admin: http://{host}:{port}/admin/)",
            f"Demo password for every account: {settings.DEMO_PASSWORD}",
            f"  {ADMIN.username:<14} administrator",
            f"  {pm.username:<14} {pm.position} ({pm.family_name} {pm.given_name})",
            f"  {member.username:<14} {member.position}",
        ]
        lines += [f"  {p.username:<14} {p.position}" for p in STAFF[:4]]
        lines += [
            "  tv02 … tv27    the other Government members",
            "One-time codes: python manage.py demo_otp <username>",
            "Ctrl-C stops the web server and the worker.",
            "",
        ]
        self.stdout.write("\n".join(lines))
