"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_asgi_application()

# Production without `collectstatic`: stop here with a clear message rather than answer 500 on every page.
from config.hardening import ensure_static_manifest  # noqa: E402

ensure_static_manifest()
