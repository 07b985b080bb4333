"""WSGI entry point (gunicorn config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Production without `collectstatic`: stop here with a clear message rather than answer 500 on every page.
from config.hardening import ensure_static_manifest  # noqa: E402

ensure_static_manifest()
