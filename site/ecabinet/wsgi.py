"""WSGI entry point: ``gunicorn --pythonpath site ecabinet.wsgi`` from the repository."""

import os
import sys
from pathlib import Path

_SITE_DIR = Path(__file__).resolve().parents[1]
for _path in (str(_SITE_DIR.parent), str(_SITE_DIR)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecabinet.settings.production")

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
