#!/usr/bin/env python
"""Django's command-line utility for e-Cabinet.

The project package ``ecabinet`` lives in the folder ``site/`` (not a Python package:
``site`` is a frozen stdlib module on CPython 3.11, see TECH_NOTES §2), so that folder
goes on ``sys.path`` next to the repository root, which holds the apps.
"""

import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def main() -> None:
    sys.path.insert(1, str(BASE_DIR / "site"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecabinet.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
